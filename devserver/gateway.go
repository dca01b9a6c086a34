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
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// Gateway and AIGateway ops ask the server to make an HTTP request on the
// function's behalf (step.fetch, step.ai.infer) and memoize the response,
// as the real server's executor does:
//
//   - Gateway: opts {url, method (default POST), headers, body}. A body
//     that is valid JSON is sent as it is, any other as a JSON string. Any
//     response, whatever its status, is memoized as {"data": {"url",
//     "headers", "body", "status_code"}}, headers joined with ",". A request
//     that fails outright is retried with the call's attempts, then
//     memoized as the step error GatewayError.
//   - AIGateway: opts {url, format, auth_key, headers, body}. The body is
//     POSTed as JSON with the key where the format puts it (a bearer token
//     by default, x-api-key for anthropic, the key query parameter for
//     gemini, Authorization as given for bedrock). A 2xx response's body is
//     memoized as {"data": <body>}; a failure or another status is retried,
//     then memoized as the step error AIGatewayError.
//
// Both send User-Agent: Inngest. The key of an AIGateway op appears in no
// timeline entry, log line or API answer.

// gatewayOpts are a Gateway op's opts.
type gatewayOpts struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// aiGatewayOpts are an AIGateway op's opts.
type aiGatewayOpts struct {
	URL     string            `json:"url"`
	Format  string            `json:"format"`
	AuthKey string            `json:"auth_key"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// gatewayResponse is what a Gateway op memoizes under "data".
type gatewayResponse struct {
	URL        string            `json:"url,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       string            `json:"body"`
	StatusCode int               `json:"status_code"`
}

var gatewayMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodConnect: true,
	http.MethodOptions: true, http.MethodTrace: true,
}

// gatewayRequest is a request built from a gateway op, ready to send.
type gatewayRequest struct {
	ai     bool
	method string
	url    string // with a gemini key, if any
	shown  string // what timelines show: no query, so no key
	header http.Header
	body   []byte
}

// newGatewayRequest reads a Gateway or AIGateway op's opts.
func newGatewayRequest(op *wire.Op) (*gatewayRequest, error) {
	g := &gatewayRequest{ai: op.Op == wire.OpAIGateway, header: make(http.Header)}
	var rawURL string
	var headers map[string]string
	if g.ai {
		var o aiGatewayOpts
		if err := unmarshalOpts(op.Opts, &o); err != nil {
			return nil, err
		}
		rawURL, headers, g.method, g.body = o.URL, o.Headers, http.MethodPost, o.Body
		g.header.Set("Content-Type", "application/json")
		switch o.Format {
		case "gemini":
			u, err := url.Parse(o.URL)
			if err != nil {
				return nil, fmt.Errorf("url %q: %w", o.URL, err)
			}
			q := u.Query()
			q.Add("key", o.AuthKey)
			u.RawQuery = q.Encode()
			rawURL = u.String()
		case "bedrock":
			g.header.Add("Authorization", o.AuthKey)
		case "anthropic":
			g.header.Add("X-Api-Key", o.AuthKey)
		default:
			g.header.Add("Authorization", "Bearer "+o.AuthKey)
		}
		g.shown = o.URL
	} else {
		var o gatewayOpts
		if err := unmarshalOpts(op.Opts, &o); err != nil {
			return nil, err
		}
		rawURL, headers, g.method = o.URL, o.Headers, o.Method
		if g.method == "" {
			g.method = http.MethodPost
		}
		if !gatewayMethods[g.method] {
			return nil, fmt.Errorf("invalid http method: %s", g.method)
		}
		if o.Body != "" {
			if json.Valid([]byte(o.Body)) {
				g.body = []byte(o.Body)
			} else {
				g.body, _ = json.Marshal(o.Body)
			}
		}
		g.shown = o.URL
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("url %q is not an absolute http(s) URL", g.shown)
	}
	g.url = rawURL
	if s, err := url.Parse(g.shown); err == nil {
		s.RawQuery, s.Fragment, s.User = "", "", nil
		g.shown = s.String()
	}
	for k, v := range headers {
		g.header.Add(k, v)
	}
	g.header.Add("User-Agent", "Inngest")
	return g, nil
}

// unmarshalOpts decodes an op's opts; absent or null opts are empty.
func unmarshalOpts(opts json.RawMessage, v any) error {
	if len(opts) == 0 || wire.IsNull(opts) {
		return nil
	}
	if err := json.Unmarshal(opts, v); err != nil {
		return fmt.Errorf("malformed opts: %w", err)
	}
	return nil
}

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
	r.add(TimelineEntry{At: now, Kind: TimelineGateway, StepID: stepID, Name: name, Attempt: c.it.attempt, Detail: g.method + " " + g.shown})
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
		s.finishGateway(r, p, stepID, callStep, attempt, g, res)
		s.notify()
		s.unlock()
	}()
	return nil
}

// doGateway makes the request.
func (s *Server) doGateway(ctx context.Context, g *gatewayRequest) gatewayResult {
	start := s.clock.Now()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	var body io.Reader
	if len(g.body) > 0 {
		body = bytes.NewReader(g.body)
	}
	req, err := http.NewRequestWithContext(ctx, g.method, g.url, body)
	if err != nil {
		return gatewayResult{err: errors.New("the request could not be built")}
	}
	req.Header = g.header
	resp, err := s.client.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		return gatewayResult{err: err, took: s.clock.Now().Sub(start)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxResponse+1))
	res := gatewayResult{status: resp.StatusCode, header: resp.Header, body: raw, took: s.clock.Now().Sub(start)}
	switch {
	case err != nil:
		res.err = fmt.Errorf("reading the response: %w", err)
	case len(raw) > DefaultMaxResponse:
		res.err = fmt.Errorf("response larger than %d bytes", DefaultMaxResponse)
	}
	return res
}

// finishGateway applies a gateway request's result. Called with s.mu held.
func (s *Server) finishGateway(r *run, p *pending, stepID, callStep string, attempt int, g *gatewayRequest, res gatewayResult) {
	if r.ended() || r.cancelling || r.outstanding[stepID] != p {
		return
	}
	delete(r.outstanding, stepID)
	now := s.clock.Now()
	var failure error
	switch {
	case res.err != nil:
		failure = res.err
	case g.ai && (res.status < 200 || res.status > 299):
		failure = fmt.Errorf("unsuccessful status code: %d", res.status)
	}
	if failure == nil {
		var v json.RawMessage
		if g.ai {
			body := res.body
			if !json.Valid(body) {
				body, _ = json.Marshal(string(body))
			}
			v = wrapData(body)
		} else {
			headers := make(map[string]string, len(res.header))
			for k, vs := range res.header {
				headers[k] = strings.Join(vs, ",")
			}
			b, _ := json.Marshal(gatewayResponse{URL: g.url, Headers: headers, Body: string(res.body), StatusCode: res.status})
			v = wrapData(b)
		}
		s.memoize(r, stepID, v)
		delete(r.planned, stepID)
		r.add(TimelineEntry{At: now, Kind: TimelineStep, StepID: stepID, Name: p.name, Attempt: attempt, Duration: res.took,
			Detail: fmt.Sprintf("→ HTTP %d", res.status)})
		s.requestDiscovery(r)
		return
	}
	ue := &wire.UserError{Name: "GatewayError", Message: "Error making gateway request: " + failure.Error()}
	if g.ai {
		body := res.body
		if len(body) == 0 {
			body = []byte(`{"error":"Error making AI request"}`)
		}
		ue = &wire.UserError{Name: "AIGatewayError", Message: "Error making AI request: " + failure.Error(), Stack: string(body)}
		if json.Valid(body) {
			ue.Data = body
		} else {
			ue.Data, _ = json.Marshal(string(body))
		}
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
