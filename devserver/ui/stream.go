package ui

import (
	"io"
	"net/http"
	"time"
)

// stream serves GET /stream, server-sent events: one "change" message
// whenever the server's state changed, at most one per refreshInterval.
// The browser reloads the live parts of the page it shows. The stream
// ends when the request ends or the server closes.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// retry: how soon the browser reconnects after the stream ends.
	if _, err := io.WriteString(w, "retry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	ctx := r.Context()
	pace := time.NewTimer(0)
	defer pace.Stop()
	for {
		ch, open := h.srv.Changed()
		if !open {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		select {
		case <-pace.C:
		case <-ctx.Done():
			return
		}
		if _, err := io.WriteString(w, "data: change\n\n"); err != nil || rc.Flush() != nil {
			return
		}
		pace.Reset(refreshInterval)
	}
}
