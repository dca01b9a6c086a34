package connect

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/durablefn/inngest/internal/callpath"
	"github.com/durablefn/inngest/internal/connectpb"
	"github.com/durablefn/inngest/internal/wire"
	"google.golang.org/protobuf/proto"
)

// lease is the gateway's hold on a call in flight: the worker extends it
// while the call runs, so the server does not take the call for lost.
type lease struct {
	mu sync.Mutex
	id string // "" once the gateway refused to extend it
}

// take starts a call the gateway sent, unless the connection is draining:
// a call never acknowledged is the gateway's to send elsewhere.
func (s *session) take(payload []byte) {
	req := new(connectpb.CallRequest)
	if err := proto.Unmarshal(payload, req); err != nil {
		s.w.log.Error("inngest: connect: a malformed call from the gateway", "error", err)
		return
	}
	if s.draining.Load() {
		return
	}
	s.calls.Add(1)
	s.w.calls.Add(1)
	go func() {
		defer s.w.calls.Done()
		defer s.calls.Done()
		s.w.handle(s, req)
	}()
}

// handle acknowledges a call, runs it through the same path as an HTTP
// call, and delivers the reply.
func (w *Worker) handle(s *session, req *connectpb.CallRequest) {
	if w.slots != nil {
		select {
		case w.slots <- struct{}{}:
			defer func() { <-w.slots }()
		case <-s.lost:
			return // never acknowledged: the gateway sends it again
		}
	}
	if !s.ack(callRef(req, "")) {
		return // draining: the gateway sends it to another worker
	}
	stop := w.extendLease(s, req)
	ans := callpath.Run(context.Background(), w.app, w.log, callpath.Params{
		FnID:   req.GetFunctionSlug(),
		StepID: req.GetStepId(),
	}, req.GetBody())
	stop()
	w.deliver(replyOf(req, ans))
}

// replyOf is the reply carrying an answer: its status becomes the outcome.
func replyOf(req *connectpb.CallRequest, ans callpath.Answer) *connectpb.Reply {
	r := &connectpb.Reply{
		RequestId: req.GetRequestId(), AccountId: req.GetAccountId(), EnvId: req.GetEnvId(), AppId: req.GetAppId(),
		Body: ans.Body, NoRetry: ans.NoRetry == "true", SdkVersion: wire.SDKHeader,
		SystemTraceCtx: req.GetSystemTraceCtx(), UserTraceCtx: req.GetUserTraceCtx(), RunId: req.GetRunId(),
	}
	if v, err := strconv.ParseUint(wire.ReqVersion, 10, 32); err == nil {
		r.RequestVersion = uint32(v)
	}
	switch ans.Status {
	case http.StatusOK:
		r.Outcome = connectpb.Outcome_DONE
	case http.StatusPartialContent:
		r.Outcome = connectpb.Outcome_NOT_COMPLETED
	default:
		r.Outcome = connectpb.Outcome_ERROR
	}
	if ans.RetryAfter != "" {
		r.RetryAfter = proto.String(ans.RetryAfter)
	}
	return r
}

// extendLease extends the call's lease every interval until stop is
// called, through whichever connection is current.
func (w *Worker) extendLease(s *session, req *connectpb.CallRequest) (stop func()) {
	l := &lease{id: req.GetLeaseId()}
	w.mu.Lock()
	w.leases[req.GetRequestId()] = l
	w.mu.Unlock()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.extendLease)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			l.mu.Lock()
			id := l.id
			l.mu.Unlock()
			cur := w.current()
			if id == "" || cur == nil {
				continue
			}
			_ = cur.write(connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE, callRef(req, id))
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		w.mu.Lock()
		delete(w.leases, req.GetRequestId())
		w.mu.Unlock()
	}
}

// callRef names call req in flight: its ack (leaseID empty) or a request
// to extend its lease.
func callRef(req *connectpb.CallRequest, leaseID string) *connectpb.CallRef {
	return &connectpb.CallRef{
		RequestId: req.GetRequestId(), AccountId: req.GetAccountId(), EnvId: req.GetEnvId(), AppId: req.GetAppId(),
		FunctionSlug: req.GetFunctionSlug(), StepId: req.StepId, SystemTraceCtx: req.GetSystemTraceCtx(),
		UserTraceCtx: req.GetUserTraceCtx(), RunId: req.GetRunId(), LeaseId: leaseID,
	}
}

// leaseAcked records the gateway's answer to a lease extension.
func (w *Worker) leaseAcked(ack *connectpb.LeaseAck) {
	w.mu.Lock()
	l := w.leases[ack.GetRequestId()]
	w.mu.Unlock()
	if l == nil {
		return
	}
	id := ack.GetNewLeaseId()
	l.mu.Lock()
	l.id = id
	l.mu.Unlock()
	if id == "" {
		w.log.Warn("inngest: connect: the gateway did not extend a call's lease; the server may run it again", "request_id", ack.GetRequestId())
	}
}
