package devserver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

const (
	// gatewayTimeout bounds one gateway request: the real server's longest
	// step.
	gatewayTimeout = 2 * time.Hour
	// gatewayMaxRedirects is how many redirects the real server follows.
	gatewayMaxRedirects = 60
)

// The real server's words for a request that failed, so that a step error
// reads the same on both.
var (
	errGatewayUnreachable = errors.New("Unable to reach SDK URL")                                                                      //nolint:staticcheck // the real server's text
	errGatewayCutOff      = errors.New("Your server reset the connection while we were reading the reply: Unexpected ending response") //nolint:staticcheck // the real server's text
	errGatewayTooLarge    = errors.New("http response size is greater than the limit")
)

// gatewayResult is the outcome of one gateway request.
type gatewayResult struct {
	status int
	header http.Header
	body   []byte
	err    error
	took   time.Duration
}

// startGateway sends a gateway op's request on its own goroutine; its
// result is memoized, or the call that reported the op retried, when it
// comes back. Called with s.mu held.
func (s *Server) startGateway(c *call, op *wire.Op, name string, now time.Time) error {
	r := c.it.run
	g, err := newGatewayRequest(op)
	if err != nil {
		return fmt.Errorf("%s %q: %w", op.Op, name, err)
	}
	stepID := op.ID
	p := &pending{kind: op.Op, name: name, started: now}
	r.setOutstanding(stepID, p)
	r.add(TimelineEntry{At: now, Kind: TimelineGateway, StepID: stepID, Name: name, Attempt: c.it.attempt, Detail: g.method + " " + redactURL(g.shown)})
	// Time does not skip while the request is out.
	s.busy++
	s.calls.Add(1)
	ctx := s.callCtx(c.it.seq)
	callStep, attempt := c.it.stepID, c.it.attempt
	go func() {
		defer s.calls.Done()
		res := s.doGateway(ctx, g)
		s.mu.Lock()
		s.busy--
		if !s.cutOff(res.err) { // else made again, as after a crash
			s.finishGateway(r, p, stepID, callStep, attempt, g, res)
		}
		s.notify()
		s.unlock()
	}()
	return nil
}

// doGateway makes the request as the real server's HTTP client does.
func (s *Server) doGateway(ctx context.Context, g *gatewayRequest) gatewayResult {
	start := s.clock.Now()
	ctx, cancel := context.WithTimeout(ctx, gatewayTimeout)
	defer cancel()
	var body io.Reader
	if len(g.body) > 0 {
		body = bytes.NewReader(g.body)
	}
	req, err := http.NewRequestWithContext(ctx, g.method, g.url, body)
	if err != nil {
		return gatewayResult{err: errors.New("the request could not be built")}
	}
	req.Header = g.header.Clone()
	// One connection per request, as on the real server: providers then
	// answer Connection: close, as they do to it.
	req.Close = true
	client := *s.client
	client.CheckRedirect = gatewayRedirect
	resp, err := client.Do(req)
	took := func() time.Duration { return s.clock.Now().Sub(start) }
	if err != nil {
		return gatewayResult{err: gatewayFailure(err), took: took()}
	}
	defer resp.Body.Close()
	res := gatewayResult{status: resp.StatusCode, header: resp.Header}
	res.body, res.err = readGatewayBody(resp)
	res.took = took()
	return res
}

// gatewayFailure is the error of a request that got no response, in the
// real server's words, without the URL (a gemini key travels in it).
func gatewayFailure(err error) error {
	err = unwrapURLError(err)
	msg := err.Error()
	if errors.Is(err, io.EOF) || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "unreachable") || strings.Contains(msg, "no route to host") {
		return errGatewayUnreachable
	}
	return fmt.Errorf("error performing request: %w", err)
}

// readGatewayBody reads a response body, decoded when it is gzipped, up to
// the size limit.
func readGatewayBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("error creating gzip decoder: %w", err)
		}
		defer zr.Close()
		r = zr
		resp.Header.Del("Content-Encoding")
	default:
		return nil, fmt.Errorf("unsupported content encoding: %q", enc)
	}
	raw, err := io.ReadAll(io.LimitReader(r, DefaultMaxResponse+1))
	switch {
	case err != nil:
		return raw, errGatewayCutOff
	case len(raw) > DefaultMaxResponse:
		return raw, errGatewayTooLarge
	}
	return raw, nil
}

// gatewayRedirect follows redirects as the real server does: up to 60,
// keeping the first request's body, headers and query parameters.
func gatewayRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > gatewayMaxRedirects {
		return fmt.Errorf("stopped after %d redirects", gatewayMaxRedirects)
	}
	first := via[0]
	req.Close = true
	if first.GetBody != nil && req.Method == first.Method {
		b, err := first.GetBody()
		if err != nil {
			return err
		}
		req.Body, req.ContentLength = b, first.ContentLength
	}
	for k, v := range first.Header {
		if len(v) > 0 {
			req.Header.Set(k, v[0])
		}
	}
	q := req.URL.Query()
	for k, v := range first.URL.Query() {
		q.Set(k, v[0])
	}
	req.URL.RawQuery = q.Encode()
	return nil
}

// finishGateway applies a gateway request's result. Called with s.mu held.
func (s *Server) finishGateway(r *run, p *pending, stepID, callStep string, attempt int, g *gatewayRequest, res gatewayResult) {
	if r.ended() || r.cancelling || r.outstanding[stepID] != p {
		return
	}
	delete(r.outstanding, stepID)
	now := s.clock.Now()
	v, ue := gatewayOutcome(g, res)
	if ue == nil {
		s.memoize(r, stepID, v)
		delete(r.planned, stepID)
		r.add(TimelineEntry{At: now, Kind: TimelineStep, StepID: stepID, Name: p.name, Attempt: attempt, Duration: res.took,
			Detail: fmt.Sprintf("→ HTTP %d", res.status)})
		s.requestDiscovery(r)
		return
	}
	if attempt+1 < r.fn.maxAttempts {
		// As on the real server: the call that reported the op is made
		// again, and the SDK reports the op again.
		at := now.Add(s.cfg.Backoff(attempt + 1))
		r.add(TimelineEntry{At: now, Kind: TimelineStepError, StepID: stepID, Name: p.name, Attempt: attempt, Duration: res.took,
			Detail: ue.Name + ": " + ue.Message + " (retry at +" + at.Sub(r.createdAt).String() + ")"})
		if callStep == "" && r.discovery != discoveryNone {
			// A discovery is already due; it reports the op again.
			return
		}
		s.enqueue(r, callStep, attempt+1, at)
		return
	}
	s.memoize(r, stepID, wrapError(ue))
	delete(r.planned, stepID)
	r.add(TimelineEntry{At: now, Kind: TimelineStepFailed, StepID: stepID, Name: p.name, Attempt: attempt, Duration: res.took, Detail: ue.Name + ": " + ue.Message})
	s.requestDiscovery(r)
}

// gatewayOutcome is what a gateway request memoizes when it succeeded, or
// the step error of an attempt that failed.
func gatewayOutcome(g *gatewayRequest, res gatewayResult) (json.RawMessage, *wire.UserError) {
	if !g.ai {
		if res.err != nil {
			return nil, &wire.UserError{Name: wire.GatewayErrorName, Message: "Error making gateway request: " + res.err.Error()}
		}
		headers := make(map[string]string, len(res.header))
		for k, vs := range res.header {
			headers[k] = strings.Join(vs, ",")
		}
		b, _ := json.Marshal(wire.GatewayResponse{URL: g.url, Headers: headers, Body: string(res.body), StatusCode: res.status})
		return wrapData(b), nil
	}
	failure := res.err
	switch {
	case failure != nil:
	case res.status < 200 || res.status > 299:
		failure = fmt.Errorf("unsuccessful status code: %d", res.status)
	case !json.Valid(res.body):
		// The real server cannot store such a body and retries the call.
		failure = errors.New("the response body is not JSON")
	default:
		return wrapData(res.body), nil
	}
	body := res.body
	if len(body) == 0 {
		body = []byte(`{"error":"Error making AI request"}`)
	}
	ue := &wire.UserError{Name: wire.AIGatewayErrorName, Message: "Error making AI request: " + failure.Error(), Stack: string(body)}
	if json.Valid(body) {
		ue.Data = body
	} else {
		ue.Data, _ = json.Marshal(string(body))
	}
	return nil, ue
}
