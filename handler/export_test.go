package handler

// QueryParam exposes queryParam to the external tests.
var QueryParam = queryParam
