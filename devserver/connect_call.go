package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/durablefn/inngest/internal/connectpb"
	"github.com/durablefn/inngest/internal/wire"
	"google.golang.org/protobuf/proto"
)

// connectWait bounds how long a call waits for a connection of its app;
// then it fails and is retried like any failed call.
const connectWait = 30 * time.Second

// gwPending is a call sent over Connect, waiting for its reply.
type gwPending struct {
	leaseID  string
	extended time.Time
	renew    chan struct{} // a lease extension arrived
	acked    chan struct{} // closed when the worker took the call
	ackOnce  sync.Once
	reply    chan *connectpb.Reply // the first reply, from any connection or the API
}

// serveCall is the call URL of every app served over Connect: it forwards
// the call to one of the app's connections and answers with its reply as
// an HTTP app would, so the executor treats both kinds of app alike.
func (g *connectGateway) serveCall(w http.ResponseWriter, r *http.Request) {
	appName, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/"))
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading the call failed")
		return
	}
	q := r.URL.Query()
	var head struct {
		Ctx struct {
			RunID string `json:"run_id"`
		} `json:"ctx"`
	}
	_ = json.Unmarshal(body, &head)
	req := &connectpb.CallRequest{
		RequestId: newID(), AppId: appName, AppName: appName, FunctionSlug: q.Get("fnId"),
		StepId: proto.String(q.Get("stepId")), Body: body, RunId: head.Ctx.RunID, LeaseId: newID(), JobId: newID(),
	}
	p := &gwPending{leaseID: req.LeaseId, renew: make(chan struct{}, 1), acked: make(chan struct{}), reply: make(chan *connectpb.Reply, 1)}
	g.mu.Lock()
	g.pending[req.RequestId] = p
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.pending, req.RequestId)
		g.mu.Unlock()
	}()
	reply, err := g.forward(r.Context(), req, p)
	if err != nil {
		w.Header().Set(wire.HeaderNoRetry, "false")
		writeJSON(w, http.StatusInternalServerError, wire.UserError{Name: "ConnectError", Message: err.Error()})
		return
	}
	writeReply(w, reply)
}

// writeReply answers with a worker's reply, as the HTTP answer it stands for.
func writeReply(w http.ResponseWriter, r *connectpb.Reply) {
	h := w.Header()
	h.Set(wire.HeaderContentType, "application/json")
	if r.RetryAfter != nil {
		h.Set(wire.HeaderRetryAfter, r.GetRetryAfter())
	}
	if v := r.GetRequestVersion(); v > 0 {
		h.Set(wire.HeaderReqVersion, strconv.FormatUint(uint64(v), 10))
	}
	status := http.StatusOK
	switch r.GetOutcome() {
	case connectpb.Outcome_NOT_COMPLETED:
		status = http.StatusPartialContent
	case connectpb.Outcome_ERROR:
		status = http.StatusInternalServerError
		h.Set(wire.HeaderNoRetry, strconv.FormatBool(r.GetNoRetry()))
	}
	w.WriteHeader(status)
	_, _ = w.Write(r.GetBody())
}

// forward sends the call to a connection of its app until one takes it,
// then waits for its reply while the worker holds its lease. A call no
// worker acknowledged goes to another connection; one acknowledged stays
// the worker's, even when its connection drops or pauses, since the
// worker delivers the reply over its next connection or through the API.
func (g *connectGateway) forward(ctx context.Context, req *connectpb.CallRequest, p *gwPending) (*connectpb.Reply, error) {
	for {
		c, err := g.pick(ctx, req.GetAppName())
		if err != nil {
			return nil, err
		}
		if c.write(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, req) != nil {
			g.release(c)
			continue
		}
		if g.awaitAck(ctx, c, p) {
			reply, err := g.awaitReply(ctx, p)
			g.release(c)
			return reply, err
		}
		g.release(c)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// awaitAck waits until the worker on c takes the call, and reports
// whether it did; it did not when c drops or pauses first, the ack times
// out, or ctx ends.
func (g *connectGateway) awaitAck(ctx context.Context, c *gwConn, p *gwPending) bool {
	t := time.NewTimer(g.ackTimeout)
	defer t.Stop()
	select {
	case <-p.acked:
		return true
	case <-c.gone:
	case <-c.pause:
	case <-t.C:
	case <-ctx.Done():
	}
	// The worker's messages are handled in order, so an ack it sent before
	// pausing or dropping is recorded by now; when both are, select chose
	// between them at random, and the ack must win: the worker runs the call.
	select {
	case <-p.acked:
		return true
	default:
		return false
	}
}

// awaitReply waits for the reply of an acknowledged call, failing when
// its lease runs out without an extension.
func (g *connectGateway) awaitReply(ctx context.Context, p *gwPending) (*connectpb.Reply, error) {
	t := time.NewTimer(g.lease)
	defer t.Stop()
	for {
		select {
		case reply := <-p.reply:
			return reply, nil
		case <-p.renew:
			t.Reset(g.lease)
		case <-t.C:
			return nil, fmt.Errorf("the worker's lease on the call ran out after %s without a reply", g.lease)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// pick waits for a ready, unpaused connection of app with room for a
// call, taking connections in turn, and counts the call on it.
func (g *connectGateway) pick(ctx context.Context, app string) (*gwConn, error) {
	wait := time.NewTimer(connectWait)
	defer wait.Stop()
	for {
		g.mu.Lock()
		if g.closing {
			g.mu.Unlock()
			return nil, errors.New("the server is closing")
		}
		list := g.conns[app]
		for i, c := range list {
			if !c.paused && (c.max <= 0 || c.active < c.max) {
				c.active++
				// Rotate, so the next call starts with the next connection.
				g.conns[app] = append(append(list[:i:i], list[i+1:]...), c)
				g.mu.Unlock()
				return c, nil
			}
		}
		changed := g.changed
		g.waiting++
		g.mu.Unlock()
		// A call waiting here is a change of state WaitFor may wait for.
		g.s.mu.Lock()
		g.s.broadcast()
		g.s.mu.Unlock()
		var err error
		select {
		case <-changed:
		case <-wait.C:
			err = fmt.Errorf("no worker of app %q connected with room for a call within %s", app, connectWait)
		case <-ctx.Done():
			err = ctx.Err()
		}
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// release uncounts a call from c.
func (g *connectGateway) release(c *gwConn) {
	g.mu.Lock()
	c.active--
	g.notifyLocked()
	g.mu.Unlock()
}

// acked records that the worker took a call.
func (g *connectGateway) acked(requestID string) {
	g.mu.Lock()
	p := g.pending[requestID]
	g.mu.Unlock()
	if p != nil {
		p.ackOnce.Do(func() { close(p.acked) })
	}
}

// resolve hands a reply to its call; a reply to a call no longer waiting
// (answered already, or given up) is dropped.
func (g *connectGateway) resolve(r *connectpb.Reply) {
	g.mu.Lock()
	p := g.pending[r.GetRequestId()]
	g.mu.Unlock()
	if p == nil {
		return
	}
	select {
	case p.reply <- r:
	default:
	}
	// A reply is an ack too: the worker took the call.
	p.ackOnce.Do(func() { close(p.acked) })
}
