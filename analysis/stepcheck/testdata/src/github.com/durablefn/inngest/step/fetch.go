package step

import (
	"context"
	"net/http"
)

type FetchRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

type FetchResponse struct {
	URL        string
	StatusCode int
	Header     http.Header
	Body       []byte
}

func Fetch(ctx context.Context, stepID string, req FetchRequest) (*FetchResponse, error) {
	return nil, nil
}
