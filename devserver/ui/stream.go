package ui

import (
	"io"
	"net/http"
	"time"
)

// stream serves GET /stream, server-sent events: a "change" message at
// once, then one whenever the server's state changed, at most one per
// refreshInterval. The browser then reloads the live parts of its page.
// Each message is written after the channel of the next change was taken,
// so a change made while the browser reloads is never missed; the first
// covers the changes between the page's load and the stream's start. The
// stream ends when the request ends or the server closes.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	ch, open := h.srv.Changed()
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// retry: how soon the browser reconnects after the stream ends.
	if _, err := io.WriteString(w, "retry: 2000\n\ndata: change\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	ctx := r.Context()
	pace := time.NewTimer(refreshInterval)
	defer pace.Stop()
	for open {
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
		ch, open = h.srv.Changed()
		if _, err := io.WriteString(w, "data: change\n\n"); err != nil || rc.Flush() != nil {
			return
		}
		pace.Reset(refreshInterval)
	}
}
