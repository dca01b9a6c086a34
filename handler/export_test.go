package handler

import (
	"time"

	inngest "github.com/durablefn/inngest"
)

// QueryParam exposes queryParam to the external tests.
var QueryParam = queryParam

// NewWithEnv is New reading the environment from getenv.
func NewWithEnv(c *inngest.Client, cfg Config, getenv func(string) string) *Handler {
	return newHandler(c, cfg, getenv)
}

// SetKeepAliveTicks makes h's streamed answers write a keep-alive space
// for each value received from ticks, instead of on a timer.
func SetKeepAliveTicks(h *Handler, ticks <-chan time.Time) {
	h.keepAlive = func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
}

// Settings returns h's configuration after defaults and the environment.
func Settings(h *Handler) Config { return h.cfg }
