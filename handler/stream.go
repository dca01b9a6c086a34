package handler

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/internal/wire"
)

// keepAliveByte is what a streamed answer writes while the function runs:
// whitespace, which the server skips before the result frame.
var keepAliveByte = []byte(" ")

// stream answers 201 at once, runs answer on its own goroutine into a
// buffer, writes a space at every keep-alive tick until it is done, then
// writes its status, headers and body as one frame (wire.StreamFrame).
// It returns only once answer has returned.
func (h *Handler) stream(w http.ResponseWriter, answer func(http.ResponseWriter)) {
	buf := &bufferedAnswer{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				h.log.Error("inngest: answering a call request panicked", "panic", fmt.Sprint(v))
				buf.header = http.Header{wire.HeaderNoRetry: []string{"false"}}
				buf.status = http.StatusInternalServerError
				buf.body.Reset()
				buf.body.WriteString(`{"name":"Error","message":"answering the call request failed"}`)
			}
		}()
		answer(buf)
	}()
	rc := http.NewResponseController(w)
	w.WriteHeader(wire.StatusStreaming)
	_ = rc.Flush()
	ticks, stop := h.keepAlive(h.cfg.KeepAliveInterval)
	defer stop()
	for {
		select {
		case <-done:
			status := buf.status
			if status == 0 {
				status = http.StatusOK
			}
			_, _ = w.Write(wire.EncodeStreamFrame(status, buf.header, buf.body.Bytes()))
			return
		case <-ticks:
			if _, err := w.Write(keepAliveByte); err != nil {
				ticks = nil // the server is gone; wait for the function quietly
				continue
			}
			_ = rc.Flush()
		}
	}
}

// bufferedAnswer is the http.ResponseWriter an answer is written to
// while it is streamed: headers, status and body are kept for the frame.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
