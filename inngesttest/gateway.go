package inngesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
)

// FetchRecord records the request of a step.Fetch step, as sent on the
// wire.
type FetchRecord struct {
	// Method is the request's method.
	Method string
	// URL is the requested URL.
	URL string
	// Header holds the request's headers, one value each as they travel.
	Header http.Header
	// Body is the request's body.
	Body []byte
}

// InferRecord records the request of an ai.Infer step, as sent on the
// wire, without its key.
type InferRecord struct {
	// Format is the model's format, such as "openai-chat".
	Format string
	// URL is the model's URL.
	URL string
	// Header holds the headers sent beside the key.
	Header map[string]string
	// Body is the request sent to the model.
	Body json.RawMessage
	// HasAuthKey is true when the step carried a key. The key itself is
	// never recorded.
	HasAuthKey bool
}

// fetchMock answers a fetch step: a handler serving its request, or an
// error failing every attempt.
type fetchMock struct {
	h   http.Handler
	err error
}

// MockFetch serves the request of the step.Fetch step stepID with h, in
// process, instead of the server making it: h gets the request as the
// server sends it (with User-Agent: Inngest), and what h writes is saved
// as the server saves a response, whatever its status. Unit mode never
// uses the network; use an Env to have the orchestrator make real
// requests, to a local httptest server say.
func MockFetch(stepID string, h http.Handler) Option {
	return func(c *config) {
		if h == nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockFetch(%q): nil handler", stepID))
			return
		}
		c.fetches[stepID] = fetchMock{h: h}
	}
}

// MockFetchError makes every attempt of the step.Fetch step stepID fail as
// a request that got no response does on the server: the step is retried
// until the function's retries are exhausted, then returns an
// *inngest.StepError named "GatewayError" with the message "Error making
// gateway request: " and err's.
func MockFetchError(stepID string, err error) Option {
	if err == nil {
		err = errors.New("mocked fetch error")
	}
	return func(c *config) { c.fetches[stepID] = fetchMock{err: err} }
}

// MockInfer answers the ai.Infer step stepID with fn instead of a model:
// fn gets the request the step sends, decoded into Req, and its result is
// saved as the server saves a model's response. An error fails that
// attempt as a model's error answer does: the step is retried until the
// function's retries are exhausted, then returns an *inngest.StepError
// named "AIGatewayError" with the message "Error making AI request: " and
// err's.
func MockInfer[Req, Resp any](stepID string, fn func(req Req) (Resp, error)) Option {
	return func(c *config) {
		if fn == nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockInfer(%q): nil function", stepID))
			return
		}
		c.infers[stepID] = func(body json.RawMessage) (json.RawMessage, error) {
			var req Req
			if err := json.Unmarshal(body, &req); err != nil {
				return nil, inngest.NonRetriable(fmt.Errorf("inngesttest: mock of infer step %q: the request does not decode into %T: %w", stepID, req, err))
			}
			v, err := fn(req)
			if err != nil {
				return nil, err
			}
			out, err := json.Marshal(v)
			if err != nil {
				return nil, inngest.NonRetriable(fmt.Errorf("inngesttest: mock of infer step %q: encoding %T: %w", stepID, v, err))
			}
			return out, nil
		}
	}
}

// describeGateway fills a gateway step's record from its op. Malformed
// opts fail the test without showing them: they may hold a key.
func (r *runner) describeGateway(rec *StepRecord, op wire.Op) {
	e := r.e
	e.tb.Helper()
	if op.Op == wire.OpGateway {
		rec.Kind = KindFetch
		var o wire.GatewayOpts
		if err := json.Unmarshal(op.Opts, &o); err != nil {
			e.fatalf("fetch step %q has malformed opts: %v", rec.ID, err)
		}
		if o.Method == "" {
			o.Method = http.MethodPost // the server's default
		}
		rec.Fetch = &FetchRecord{Method: o.Method, URL: o.URL, Header: http.Header{}, Body: []byte(o.Body)}
		for k, v := range o.Headers {
			rec.Fetch.Header.Set(k, v)
		}
		return
	}
	rec.Kind = KindInfer
	var o wire.AIGatewayOpts
	if err := json.Unmarshal(op.Opts, &o); err != nil {
		e.fatalf("infer step %q has malformed opts", rec.ID)
	}
	rec.Infer = &InferRecord{Format: o.Format, URL: o.URL, Header: o.Headers, Body: o.Body, HasAuthKey: o.AuthKey != ""}
}

// fetch answers a fetch step from its mock.
func (r *runner) fetch(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	m, ok := e.cfg.fetches[rec.ID]
	if !ok {
		e.fatalf("step %q of %s fetches %s %s and has no mock: add inngesttest.MockFetch(%q, handler) or inngesttest.MockFetchError(%q, err); unit mode never uses the network (an Env does)",
			rec.ID, r.fnID, rec.Fetch.Method, rec.Fetch.URL, rec.ID, rec.ID)
	}
	e.use(rec.ID)
	rec.Mocked = true
	r.settleGateway(rec, func() (json.RawMessage, *wire.UserError) {
		if m.err != nil {
			return nil, &wire.UserError{Name: wire.GatewayErrorName, Message: "Error making gateway request: " + m.err.Error()}
		}
		return r.serveFetch(rec, m.h), nil
	})
}

// serveFetch serves a fetch step's request with h as the server would
// send it, and returns the response as the server saves it.
func (r *runner) serveFetch(rec *StepRecord, h http.Handler) json.RawMessage {
	e := r.e
	e.tb.Helper()
	body := rec.Fetch.Body
	if len(body) > 0 && !json.Valid(body) {
		body, _ = json.Marshal(string(body))
	}
	req, err := http.NewRequestWithContext(context.Background(), rec.Fetch.Method, rec.Fetch.URL, bytes.NewReader(body))
	if err != nil {
		e.fatalf("fetch step %q: the server could not send its request: %v", rec.ID, err)
	}
	req.RequestURI = req.URL.RequestURI()
	req.Header = rec.Fetch.Header.Clone()
	req.Header.Add("User-Agent", "Inngest")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	headers := make(map[string]string, len(res.Header))
	for k, vs := range res.Header {
		headers[k] = strings.Join(vs, ",")
	}
	out, _ := json.Marshal(wire.GatewayResponse{URL: rec.Fetch.URL, Headers: headers, Body: w.Body.String(), StatusCode: res.StatusCode})
	return out
}

// infer answers an infer step from its mock.
func (r *runner) infer(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	fn, ok := e.cfg.infers[rec.ID]
	if !ok {
		e.fatalf("step %q of %s asks model %s (format %s) and has no mock: add inngesttest.MockInfer(%q, fn); unit mode never uses the network (an Env does)",
			rec.ID, r.fnID, rec.Infer.URL, rec.Infer.Format, rec.ID)
	}
	e.use(rec.ID)
	rec.Mocked = true
	r.settleGateway(rec, func() (json.RawMessage, *wire.UserError) {
		out, err := fn(rec.Infer.Body)
		var nr *inngest.NonRetriableError
		if errors.As(err, &nr) {
			e.fatalf("%v", nr.Unwrap())
		}
		if err != nil {
			return nil, &wire.UserError{Name: wire.AIGatewayErrorName, Message: "Error making AI request: " + err.Error()}
		}
		return out, nil
	})
}

// settleGateway brings a gateway step to its final result. A failed
// attempt is retried as the server retries it, until the function's
// retries are exhausted; then the step's error is saved.
func (r *runner) settleGateway(rec *StepRecord, try func() (json.RawMessage, *wire.UserError)) {
	for attempt := 0; ; attempt++ {
		out, ue := try()
		if ue == nil {
			rec.Output, rec.Attempt = out, attempt
			r.memo(rec, wire.StepOutcome{Data: out})
			return
		}
		rec.Attempts = append(rec.Attempts, Attempt{Attempt: attempt, Err: runError(*ue, false), At: r.e.now})
		if attempt+1 >= r.maxAttempts {
			rec.Attempt = attempt
			rec.Err = &inngest.StepError{Name: ue.Name, Message: ue.Message, StepID: rec.ID}
			r.memo(rec, wire.StepOutcome{Error: ue})
			return
		}
	}
}
