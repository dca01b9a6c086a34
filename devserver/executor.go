package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// call is one call request in flight.
type call struct {
	it       *item
	url      string
	state    callState
	started  time.Time
	eventSeq uint64 // events after this one may satisfy a wait found by the call
	version  int
	done     bool // its result was applied
}

// oldestCallSeq returns the eventSeq of the oldest call in flight, or the
// current one when none is: no call can need events up to it. Called with
// s.mu held.
func (s *Server) oldestCallSeq() uint64 {
	for s.inFlightCalls.len() > 0 && s.inFlightCalls.front().done {
		s.inFlightCalls.pop()
	}
	if s.inFlightCalls.len() == 0 {
		return s.eventSeq
	}
	return s.inFlightCalls.front().eventSeq
}

var (
	contentTypeJSON = []string{"application/json"}
	serverKindDev   = []string{wire.ServerKindDev}
	userAgent       = []string{"inngest-dev/" + wire.SDKVersion}
)

// callResult is what came back.
type callResult struct {
	status     int
	body       []byte
	noRetry    bool
	retryAt    time.Time
	reqVersion int
	err        error
	duration   time.Duration
}

// startCall builds the request for it and sends it on its own goroutine.
// Called with s.mu held.
func (s *Server) startCall(it *item) {
	r := it.run
	now := s.clock.Now()
	if r.startedAt.IsZero() {
		r.startedAt = now
		r.touch()
		s.startFinishTimeout(r)
	}
	for _, g := range r.gates {
		s.gates[g.key]++
	}
	r.inFlight++
	s.inFlight++
	if it.stepID == "" {
		r.discovery = discoveryInFlight
		r.dirty = false
	}
	c := &call{it: it, started: now, eventSeq: s.eventSeq, version: r.fn.app.reqVersion}
	s.inFlightCalls.push(c)
	stepID := it.stepID
	if stepID == "" {
		stepID = "step"
	}
	c.url = r.fn.callURL(stepID)
	n := len(r.stack)
	c.state = callState{
		events:           r.events,
		stack:            r.stack[:n:n],
		vals:             r.vals[:n:n],
		fnID:             r.fn.uuid,
		runID:            r.id,
		stepID:           stepID,
		attempt:          it.attempt,
		maxAttempts:      r.fn.maxAttempts,
		disableImmediate: r.disableImmediate,
		version:          c.version,
	}
	s.calls.Add(1)
	go s.runCall(c)
}

// runCall sends the call and applies its result.
func (s *Server) runCall(c *call) {
	defer s.calls.Done()
	res := s.send(c)
	// The scheduler applies results in batches: one lock acquisition for
	// many finished calls, instead of hundreds of goroutines queuing on
	// the lock.
	s.results <- finishedCall{c, res}
}

type finishedCall struct {
	c   *call
	res callResult
}

// applyResults applies first (if set) and every other result waiting.
// Called with s.mu held.
func (s *Server) applyResults(first *finishedCall) {
	if first != nil {
		s.complete(first.c, first.res)
	}
	for {
		select {
		case f := <-s.results:
			s.complete(f.c, f.res)
		default:
			return
		}
	}
}

func (s *Server) send(c *call) callResult {
	start := s.clock.Now()
	body := appendCallBody(make([]byte, 0, c.state.bodySize()), &c.state, false)
	if len(body) > s.cfg.UseAPIThreshold {
		body = appendCallBody(body[:0], &c.state, true)
	}
	body, sig, err := s.signBody(body)
	if err != nil {
		return callResult{err: err}
	}
	ctx, cancel := context.WithTimeout(s.callCtx(c.it.seq), s.cfg.CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return callResult{err: err}
	}
	// The header values are shared by every call; nothing changes them.
	req.Header = make(http.Header, 4)
	req.Header[wire.HeaderContentType] = contentTypeJSON
	req.Header[wire.HeaderServerKind] = serverKindDev
	req.Header[wire.HeaderUserAgent] = userAgent
	if sig != "" {
		req.Header.Set(wire.HeaderSignature, sig)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return callResult{err: unwrapURLError(err), duration: s.clock.Now().Sub(start)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxResponse+1))
	if err != nil {
		return callResult{err: fmt.Errorf("reading the response: %w", err), duration: s.clock.Now().Sub(start)}
	}
	if len(raw) > DefaultMaxResponse {
		return callResult{status: resp.StatusCode, err: fmt.Errorf("response larger than %d bytes", DefaultMaxResponse)}
	}
	res := callResult{status: resp.StatusCode, body: raw, duration: s.clock.Now().Sub(start)}
	if resp.StatusCode == wire.StatusStreaming {
		// A streamed answer: keep-alive whitespace, then the real status,
		// headers and body in one frame.
		f, err := wire.ParseStream(raw)
		if err != nil {
			return callResult{status: resp.StatusCode, err: err, duration: res.duration}
		}
		f.Merge(resp.Header)
		res.status, res.body = f.Status, f.Body
	}
	res.noRetry = strings.EqualFold(resp.Header.Get(wire.HeaderNoRetry), "true")
	res.retryAt = wire.ParseRetryAfter(resp.Header.Get(wire.HeaderRetryAfter), s.clock.Now())
	if v, err := strconv.Atoi(resp.Header.Get(wire.HeaderReqVersion)); err == nil {
		res.reqVersion = v
	}
	return res
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// complete applies a call's result. Called with s.mu held.
func (s *Server) complete(c *call, res callResult) {
	c.done = true
	it := c.it
	r := it.run
	cut := s.cutOff(res.err)
	if !cut {
		// A call cut off stays in the run's state as in flight, so the
		// next server on the store makes it again, as after a crash.
		r.dropCall(it)
	}
	r.inFlight--
	s.inFlight--
	s.releaseGates(r)
	if it.stepID == "" && r.discovery == discoveryInFlight {
		r.discovery = discoveryNone
	}
	if res.reqVersion > 0 {
		r.fn.app.reqVersion = res.reqVersion
	}
	if r.ended() || cut {
		return
	}
	if r.cancelling {
		if r.inFlight == 0 {
			s.finishCancel(r)
		}
		return
	}
	switch {
	case res.err != nil:
		s.callFailed(c, &wire.UserError{Name: "NetworkError", Message: res.err.Error()}, false, time.Time{}, res.duration)
	case res.status == http.StatusPartialContent:
		ops, err := parseOps(res.body)
		if err != nil {
			s.callFailed(c, &wire.UserError{Name: "InvalidResponse", Message: "the 206 response: " + err.Error()}, false, time.Time{}, res.duration)
			break
		}
		s.applyOps(c, ops, res)
	case res.status >= 200 && res.status < 300:
		out := json.RawMessage(res.body)
		if len(bytes.TrimSpace(out)) == 0 {
			out = json.RawMessage("null")
		} else if !json.Valid(out) {
			b, _ := json.Marshal(string(res.body))
			out = b
		}
		s.completeRun(r, out, res.duration, it.attempt)
	default:
		ue := parseUserError(res.body, res.status)
		noRetry := res.noRetry || ue.NoRetry
		s.callFailed(c, ue, noRetry, res.retryAt, res.duration)
	}
	if !r.ended() && it.stepID == "" && r.dirty {
		r.dirty = false
		s.requestDiscovery(r)
	}
}

// cutOff reports whether err is Close cutting a request off: the server
// went away, the app or the URL did not fail. Called with s.mu held.
func (s *Server) cutOff(err error) bool {
	return s.closing && errors.Is(err, context.Canceled)
}

// parseUserError reads an error body, falling back to the raw text.
func parseUserError(body []byte, status int) *wire.UserError {
	var ue wire.UserError
	if err := json.Unmarshal(body, &ue); err == nil && (ue.Name != "" || ue.Message != "") {
		if ue.Name == "" {
			ue.Name = "Error"
		}
		return &ue
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &wire.UserError{Name: "Error", Message: fmt.Sprintf("HTTP %d: %s", status, msg)}
}

// callFailed retries a failed call with backoff, or fails the run.
// Called with s.mu held.
func (s *Server) callFailed(c *call, ue *wire.UserError, noRetry bool, retryAt time.Time, d time.Duration) {
	it := c.it
	r := it.run
	now := s.clock.Now()
	if !noRetry && it.attempt+1 < r.fn.maxAttempts {
		at := retryAt
		if at.IsZero() || at.Before(now) {
			at = now.Add(s.cfg.Backoff(it.attempt + 1))
		}
		r.add(TimelineEntry{At: now, Kind: TimelineError, StepID: it.stepID, Attempt: it.attempt, Duration: d,
			Detail: ue.Name + ": " + ue.Message + " (retry at +" + at.Sub(r.createdAt).String() + ")"})
		s.enqueue(r, it.stepID, it.attempt+1, at)
		return
	}
	if it.stepID != "" {
		delete(r.planned, it.stepID)
	}
	r.add(TimelineEntry{At: now, Kind: TimelineFailed, StepID: it.stepID, Attempt: it.attempt, Duration: d, Detail: ue.Name + ": " + ue.Message})
	s.failRun(r, ue)
}

// requestDiscovery makes sure a discovery call will see the run's latest
// state. Called with s.mu held.
func (s *Server) requestDiscovery(r *run) {
	if r.ended() || r.cancelling {
		return
	}
	if due := raceDue(r); len(r.planned) > 0 && !due {
		// The last planned step to finish asks for discovery, unless a
		// step in race mode ended.
		return
	}
	switch r.discovery {
	case discoveryQueued:
	case discoveryInFlight:
		r.dirty = true
	default:
		s.enqueue(r, "", 0, s.clock.Now())
	}
}
