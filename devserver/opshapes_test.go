package devserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/wire"
)

// opShape is one raw 206 answer, as some SDK writes it, and what the run
// that gets it must end with.
type opShape struct {
	name string
	// body is the 206 body reporting step "s" (its hashed ID is %[1]s);
	// %[2]s is the gateway test server's origin.
	body string
	// event is sent once the run waits, when set.
	event *devserver.Event
	// status is the run's end. Once step "s" is memoized the app answers
	// 200 with its memoized value, so the output is what the SDK reads:
	// output is it as JSON; has lists substrings of it, or of the error
	// message of a Failed run.
	status devserver.RunStatus
	output string
	has    []string
	// took is the run's length on the virtual clock, when set.
	took *time.Duration
	// kinds must appear in the timeline.
	kinds []devserver.TimelineKind
}

func took(d time.Duration) *time.Duration { return &d }

var stepS = wire.HashStepID("s")

func TestOpShapesFromEverySDK(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, path, query, body string
		header                    http.Header
	}
	var mu sync.Mutex
	var requests []seen
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		requests = append(requests, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		mu.Unlock()
		switch r.URL.Path {
		case "/missing":
			http.Error(w, "no such thing", http.StatusNotFound)
		case "/ai-broken":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"overloaded"}`))
		default:
			w.Header().Set("X-Reply", "yes")
			_, _ = w.Write([]byte(`{"echo":` + fmt.Sprintf("%q", string(b)) + `}`))
		}
	}))
	t.Cleanup(gw.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	invoice := &devserver.Event{Name: "js/invoice.approved", Data: Data{"invoiceId": "inv-1"}}
	cases := []opShape{
		{name: "SleepDurationInName (inngest-js v4)", body: `[{"op":"Sleep","id":"%[1]s","name":"1s","opts":{}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(time.Second), kinds: []devserver.TimelineKind{"sleep", "sleep.done"}},
		{name: "SleepDurationInOpts", body: `[{"op":"Sleep","id":"%[1]s","name":"nap","opts":{"duration":"2h"}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(2 * time.Hour)},
		{name: "SleepWithoutOpts", body: `[{"op":"Sleep","id":"%[1]s","name":"3d"}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(72 * time.Hour)},
		{name: "SleepEmptyIsNoSleep", body: `[{"op":"Sleep","id":"%[1]s","opts":{}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(0)},
		{name: "SleepUntilAPastTimeInName", body: `[{"op":"Sleep","id":"%[1]s","name":"2001-01-01T00:00:00.000Z","opts":{}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(0)},
		{name: "OneOpObject (SDKs before 1.0)", body: `{"op":"Sleep","id":"%[1]s","name":"1m"}`,
			status: devserver.StatusCompleted, output: `null`, took: took(time.Minute)},
		{name: "OpNameAnyCase", body: `[{"op":"sleep","id":"%[1]s","name":"1m"}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(time.Minute)},
		{name: "WaitForEventNameInName (inngest-js v4)", body: `[{"op":"WaitForEvent","id":"%[1]s","name":"js/invoice.approved","opts":{"timeout":"1h","if":"event.data.invoiceId == async.data.invoiceId"}}]`,
			event: invoice, status: devserver.StatusCompleted, output: `"inv-1"`, kinds: []devserver.TimelineKind{"wait", "wait.matched"}},
		{name: "WaitForEventTimesOut", body: `[{"op":"WaitForEvent","id":"%[1]s","name":"js/invoice.approved","opts":{"timeout":"1h"}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(time.Hour), kinds: []devserver.TimelineKind{"wait", "wait.timeout"}},
		{name: "WaitForEventEmptyTimeoutEndsAtOnce", body: `[{"op":"WaitForEvent","id":"%[1]s","opts":{"event":"never/sent","timeout":""}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(0)},
		{name: "WaitForEventWithoutAnEvent", body: `[{"op":"WaitForEvent","id":"%[1]s","opts":{"timeout":"1h"}}]`,
			status: devserver.StatusFailed, has: []string{"no event name"}},
		{name: "StepRunData", body: `[{"op":"StepRun","id":"%[1]s","name":"s","data":{"n":1}}]`,
			status: devserver.StatusCompleted, output: `{"data":{"n":1}}`},
		{name: "StepRunOutputIsNotRead (as on the real server)", body: `[{"op":"StepRun","id":"%[1]s","name":"s","output":{"n":1}}]`,
			status: devserver.StatusCompleted, output: `{"data":null}`},
		{name: "LegacyStepIsMemoizedAsSent", body: `[{"op":"Step","id":"%[1]s","name":"s","data":{"data":7}}]`,
			status: devserver.StatusCompleted, output: `{"data":7}`},
		{name: "LegacyStepUnwrapped", body: `[{"op":"Step","id":"%[1]s","name":"s","data":7}]`,
			status: devserver.StatusCompleted, output: `7`},
		{name: "StepErrorOnTheLastAttempt", body: `[{"op":"StepError","id":"%[1]s","name":"s","error":{"name":"Error","message":"broken"}}]`,
			status: devserver.StatusCompleted, output: `{"error":{"name":"Error","message":"broken"}}`, kinds: []devserver.TimelineKind{"step.failed"}},
		{name: "StepErrorWithoutAnError", body: `[{"op":"StepError","id":"%[1]s","name":"s"}]`,
			status: devserver.StatusFailed, has: []string{"StepError without an error"}},
		{name: "StepFailed", body: `[{"op":"StepFailed","id":"%[1]s","name":"s","error":{"name":"NonRetriableError","message":"no"}}]`,
			status: devserver.StatusCompleted, output: `{"error":{"name":"NonRetriableError","message":"no"}}`},
		{name: "UnknownOpcode", body: `[{"op":"Bogus","id":"%[1]s"}]`,
			status: devserver.StatusFailed, has: []string{`unknown opcode "Bogus"`}},
		{name: "NullOp", body: `[null]`, status: devserver.StatusFailed, has: []string{"op 0 is null"}},
		{name: "EmptyBody", body: ` `, status: devserver.StatusFailed, has: []string{"empty body"}},
		{name: "WaitForSignalTimesOut (inngest-js v4: the signal also in name, no conflict)", body: `[{"op":"WaitForSignal","id":"%[1]s","name":"x","displayName":"w","opts":{"signal":"x","timeout":"1h"}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(time.Hour), kinds: []devserver.TimelineKind{"signal.wait", "signal.timeout"}},
		{name: "WaitForSignalWithoutATimeoutWaitsAYear", body: `[{"op":"WaitForSignal","id":"%[1]s","name":"s","opts":{"signal":"x","conflict":"fail"}}]`,
			status: devserver.StatusCompleted, output: `null`, took: took(365 * 24 * time.Hour)},
		{name: "WaitForSignalWithoutASignal (name is not read)", body: `[{"op":"WaitForSignal","id":"%[1]s","name":"x","opts":{"timeout":"1h"}}]`,
			status: devserver.StatusFailed, has: []string{"no signal name"}},
		{name: "Gateway (step.fetch)", body: `[{"op":"Gateway","id":"%[1]s","name":"s","opts":{"url":"%[2]s/fetch","method":"PUT","headers":{"X-Mine":"1"},"body":"{\"a\":1}"}}]`,
			status: devserver.StatusCompleted, has: []string{`"url":"%[2]s/fetch"`, `"X-Reply":"yes"`, `"body":"{\"echo\":\"{\\\"a\\\":1}\"}"`, `"status_code":200`},
			kinds: []devserver.TimelineKind{"gateway", "step"}},
		{name: "GatewayNotFoundIsAResult", body: `[{"op":"Gateway","id":"%[1]s","name":"s","opts":{"url":"%[2]s/missing","method":"GET"}}]`,
			status: devserver.StatusCompleted, has: []string{`"status_code":404`, `"body":"no such thing\n"`}},
		{name: "GatewayUnreachable", body: `[{"op":"Gateway","id":"%[1]s","name":"s","opts":{"url":"` + closedURL + `/x"}}]`,
			status: devserver.StatusCompleted, has: []string{`{"error":{"name":"GatewayError","message":"Error making gateway request: `}, kinds: []devserver.TimelineKind{"gateway", "step.failed"}},
		{name: "GatewayBadMethod", body: `[{"op":"Gateway","id":"%[1]s","name":"s","opts":{"url":"%[2]s/x","method":"BREW"}}]`,
			status: devserver.StatusFailed, has: []string{"invalid http method"}},
		{name: "AIGateway (step.ai.infer)", body: `[{"op":"AIGateway","id":"%[1]s","name":"s","opts":{"url":"%[2]s/v1/messages","format":"anthropic","auth_key":"sk-secret-1","body":{"model":"m","max_tokens":1.0,"system":"a<b"}}}]`,
			status: devserver.StatusCompleted, output: `{"data":{"echo":"{\"max_tokens\":1,\"model\":\"m\",\"system\":\"a\\u003cb\"}"}}`},
		{name: "AIGatewayGemini", body: `[{"op":"AIGateway","id":"%[1]s","name":"s","opts":{"url":"%[2]s/gemini?alt=sse","format":"gemini","auth_key":"sk-secret-3","body":{}}}]`,
			status: devserver.StatusCompleted, output: `{"data":{"echo":"{}"}}`},
		{name: "AIGatewayErrorStatus", body: `[{"op":"AIGateway","id":"%[1]s","name":"s","opts":{"url":"%[2]s/ai-broken","auth_key":"sk-secret-2","body":{}}}]`,
			status: devserver.StatusCompleted, has: []string{`{"error":{"name":"AIGatewayError","message":"Error making AI request: unsuccessful status code: 500"`, `"data":{"error":"overloaded"}`}},
	}
	t.Run("Shapes", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				runOpShape(t, tc, gw.URL)
			})
		}
	})

	t.Run("GatewayRequestsAsTheRealServerSendsThem", func(t *testing.T) {
		// Runs once every shape above has ended.
		mu.Lock()
		defer mu.Unlock()
		byPath := map[string]seen{}
		for _, r := range requests {
			byPath[r.path] = r
		}
		fetch := byPath["/fetch"]
		require.Equal(t, http.MethodPut, fetch.method)
		require.Equal(t, `{"a":1}`, fetch.body, "a JSON body is sent as it is")
		require.Equal(t, "1", fetch.header.Get("X-Mine"))
		require.Equal(t, "Inngest", fetch.header.Get("User-Agent"))
		require.Equal(t, "gzip", fetch.header.Get("Accept-Encoding"), "the real server's client asks for gzip")
		ai := byPath["/v1/messages"]
		require.Equal(t, http.MethodPost, ai.method)
		require.Equal(t, "sk-secret-1", ai.header.Get("X-Api-Key"))
		require.Equal(t, "application/json", ai.header.Get("Content-Type"))
		require.Equal(t, "gzip", ai.header.Get("Accept-Encoding"))
		require.Equal(t, `{"max_tokens":1,"model":"m","system":"a\u003cb"}`, ai.body,
			"the real server decodes an AI body into Go values and encodes it again: keys sorted, HTML escaped, numbers as float64")
		gemini := byPath["/gemini"]
		require.Equal(t, "alt=sse&key=sk-secret-3", gemini.query)
		require.Empty(t, gemini.header.Get("Authorization"))
		broken := byPath["/ai-broken"]
		require.Equal(t, "Bearer sk-secret-2", broken.header.Get("Authorization"))
	})
}

// runOpShape runs one shape on a server of its own.
func runOpShape(t *testing.T, tc opShape, gwURL string) {
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: tc.event == nil})
	app := &rawApp{url: "http://raw.local/api/inngest"}
	// An empty body is an invalid json.RawMessage: the app's encoder then
	// writes nothing, which is the answer wanted.
	fill := strings.NewReplacer("%[1]s", stepS, "%[2]s", gwURL).Replace
	body := json.RawMessage(fill(tc.body))
	app.call = func(stepID string, req *wire.CallRequest) (int, any) {
		v, ok := req.Steps[stepS]
		if !ok {
			return 206, body
		}
		if tc.event != nil && !wire.IsNull(v) {
			var ev struct {
				Data map[string]any `json:"data"`
			}
			_ = json.Unmarshal(v, &ev)
			return 200, ev.Data["invoiceId"]
		}
		return 200, v
	}
	require.NoError(t, srv.AddApp(ctxT(t), app.url, app))
	id := send(t, srv, "raw/go", Data{"invoiceId": "inv-1"})
	if tc.event != nil {
		require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
			rs := srv.Runs(id)
			return len(rs) == 1 && len(rs[0].WaitingFor) == 1
		}))
		_, err := srv.SendEvent(ctxT(t), *tc.event)
		require.NoError(t, err)
	}
	r := oneRun(t, srv, id)
	tl := devserver.FormatTimeline(r)
	require.Equal(t, tc.status, r.Status, tl)
	got := string(r.Output)
	if r.Status == devserver.StatusFailed {
		got = r.Error.Message
	}
	if tc.output != "" {
		require.JSONEq(t, fill(tc.output), got, tl)
	}
	for _, h := range tc.has {
		require.Contains(t, got, fill(h), tl)
	}
	if tc.took != nil {
		require.Equal(t, *tc.took, r.EndedAt.Sub(r.StartedAt), tl)
	}
	for _, k := range tc.kinds {
		require.Contains(t, kinds(r), k, tl)
	}
	require.NotContains(t, tl, "sk-secret")
	require.NotContains(t, got, "sk-secret")
}

// retryingRawApp is a rawApp whose function has retries left.
type retryingRawApp struct {
	*rawApp
	retries int
}

func (a retryingRawApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		a.rawApp.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(wire.InBandSync{AppID: "raw", URL: a.url, SDKLanguage: "go", SDKVersion: "0", Functions: []wire.Function{{
		ID: "raw-f", Name: "raw-f", Triggers: []wire.Trigger{{Event: "raw/go"}},
		Steps: map[string]wire.Step{"step": {ID: "step", Name: "step", Runtime: wire.StepRuntime{Type: "http", URL: a.url + "?fnId=raw-f&stepId=step"}, Retries: &wire.StepRetries{Attempts: a.retries}}},
	}}})
}

// A gateway request that fails is retried as the real server retries it:
// the call that reported the op is made again, with the next attempt, and
// the SDK reports the op again.
func TestGatewayFailuresAreRetried(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"Gateway", "AIGateway"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			var hits atomicInt
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.add() == 1 {
					if op == "Gateway" {
						// A dropped connection: no response at all.
						conn, _, err := w.(http.Hijacker).Hijack()
						if err == nil {
							_ = conn.Close()
						}
						return
					}
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				_, _ = w.Write([]byte(`{"ok":true}`))
			}))
			t.Cleanup(target.Close)
			srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
			app := retryingRawApp{rawApp: &rawApp{url: "http://raw.local/api/inngest"}, retries: 2}
			var attempts []int
			app.call = func(stepID string, req *wire.CallRequest) (int, any) {
				if v, ok := req.Steps[stepS]; ok {
					return 200, v
				}
				attempts = append(attempts, req.Ctx.Attempt)
				return 206, json.RawMessage(`[{"op":"` + op + `","id":"` + stepS + `","name":"s","opts":{"url":"` + target.URL + `/x","body":"{}"}}]`)
			}
			require.NoError(t, srv.AddApp(ctxT(t), app.url, app))
			r := oneRun(t, srv, send(t, srv, "raw/go", nil))
			tl := devserver.FormatTimeline(r)
			require.Equal(t, devserver.StatusCompleted, r.Status, tl)
			require.Contains(t, string(r.Output), `{"data":`, tl)
			require.Equal(t, []devserver.TimelineKind{"queued", "gateway", "step.error", "gateway", "step", "completed"}, kinds(r), tl)
			require.Equal(t, []int{0, 1}, attempts)
			require.Equal(t, 2, hits.get())
		})
	}
}

// atomicInt counts under a lock.
type atomicInt struct {
	mu sync.Mutex
	n  int
}

func (a *atomicInt) add() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	return a.n
}

func (a *atomicInt) get() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}
