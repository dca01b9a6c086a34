package connect

import (
	"context"
	"time"

	"github.com/durablefn/inngest/internal/connectpb"
)

// flushAttempts bounds the tries at delivering a reply through the API;
// past them the server runs the call again once its lease runs out.
const flushAttempts = 5

// deliver sends a reply over the current connection and waits for the
// gateway's ack. Without a connection, when the connection fails first or
// when the ack does not come within Config.AckTimeout, the reply goes
// through the API instead (POST /v0/connect/flush): a call that ran is
// never lost to a dropped connection.
func (w *Worker) deliver(r *connectpb.Reply) {
	acked := make(chan struct{})
	w.mu.Lock()
	w.acks[r.GetRequestId()] = acked
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.acks, r.GetRequestId())
		w.mu.Unlock()
	}()
	if s := w.current(); s != nil && s.write(connectpb.Kind_WORKER_REPLY, r) == nil {
		t := time.NewTimer(w.cfg.AckTimeout)
		defer t.Stop()
		select {
		case <-acked:
			return
		case <-s.lost:
		case <-t.C:
		}
	}
	w.flush(r)
}

// acked records the gateway's ack of a reply.
func (w *Worker) acked(requestID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.acks[requestID]; ok {
		close(ch)
		delete(w.acks, requestID)
	}
}

// flush delivers a reply through the API, retrying with Config.Backoff.
func (w *Worker) flush(r *connectpb.Reply) {
	var err error
	for attempt := range flushAttempts {
		var out connectpb.FlushResponse
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = w.post(ctx, connectpb.FlushPath, r, &out)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(w.cfg.Backoff(attempt))
	}
	w.log.Error("inngest: connect: a reply could not be delivered; the server will run the call again", "request_id", r.GetRequestId(), "error", err)
}
