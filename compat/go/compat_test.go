package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// runTimeout bounds the wait for one run to end. The dev server's first
// retry comes 15s after a failure, so a run with one retry needs more.
const runTimeout = 60 * time.Second

// sdkApps are the apps under test. Each SDK's app has the same functions,
// its events prefixed with the SDK's name. The "-signed" apps hold the
// signing key with its signkey-prod- prefix, against a server started with
// the bare key; they run signedChecks.
var sdkApps = []struct {
	name, sdk, appID string
	signed           bool
}{
	{"js", "js", "compat-js", false},
	{"go", "go", goAppID, false},
	{"js-signed", "js", "compat-js", true},
	{"go-signed", "go", goAppID, true},
}

// check is one behaviour, run against each SDK's app.
type check struct {
	name string
	run  func(t *testing.T, a *app)
}

var checks = []check{
	{"output", checkOutput},
	{"steps_with_sleep", checkStepsSleep},
	{"step_retry", checkStepRetry},
	{"function_retry", checkFunctionRetry},
	{"non_retriable_failure", checkFails},
	{"cancel_on_matching_event", checkCancel},
	{"cancel_on_ignores_other_event", checkCancelOther},
	{"wait_for_event_match", checkWaitMatch},
	{"wait_for_event_timeout", checkWaitTimeout},
	{"send_event_fan_out", checkFanOut},
	{"invoke", checkInvoke},
	{"parallel_steps", checkParallel},
}

// signedChecks run against the apps of the server with a signing key:
// every call is signed with the bare key and verified by the SDK with the
// prefixed one.
var signedChecks = []check{
	// Its body is empty: like every check, it fails when the app did not
	// sync, here with a key prefixed where the server's is not.
	{"sync_with_prefixed_key", func(*testing.T, *app) {}},
	{"output", checkOutput},
	{"steps_with_sleep", checkStepsSleep},
	{"send_event_fan_out", checkFanOut},
	{"runs_api_needs_bearer_token", checkRunsAPIAuth},
}

func TestCompat(t *testing.T) {
	for _, s := range sdkApps {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			a := &app{sdk: s.sdk, appID: s.appID, srv: suite.dev}
			cs := checks
			if s.signed {
				a.srv, cs = suite.signed, signedChecks
			}
			for _, c := range cs {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					if err := suite.syncErr[s.name]; err != nil {
						t.Fatalf("the %s app is not synced with inngest-dev, so no run can start: %v", s.name, err)
					}
					c.run(t, a)
				})
			}
		})
	}
}

// app sends an SDK app's events and reads its runs, through the API of
// the server it is synced with.
type app struct {
	sdk, appID string
	srv        *devServer
}

// do calls the server's API, with its bearer token when it has one.
func (a *app) do(method, path string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, a.srv.url+path, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.srv.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.srv.token)
	}
	return http.DefaultClient.Do(req)
}

func (a *app) event(name string) string { return a.sdk + "/" + name }
func (a *app) fn(id string) string      { return a.appID + "-" + id }

// apiRun is a run as GET /v1/events/{id}/runs lists it.
type apiRun struct {
	RunID      string          `json:"run_id"`
	FunctionID string          `json:"function_id"`
	EventID    string          `json:"event_id"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"run_started_at"`
	EndedAt    *time.Time      `json:"ended_at"`
	Output     json.RawMessage `json:"output"`
	Error      json.RawMessage `json:"error"`
}

func (r *apiRun) String() string {
	s := fmt.Sprintf("run %s of %s: status %s, output %s", r.RunID, r.FunctionID, r.Status, orNone(r.Output))
	if len(r.Error) > 0 && string(r.Error) != "null" {
		s += ", error " + string(r.Error)
	}
	return s
}

func orNone(b json.RawMessage) string {
	if len(b) == 0 {
		return "(none)"
	}
	return string(b)
}

// key returns a value unique to this test, to tell its events apart.
func key(t *testing.T) string {
	return fmt.Sprintf("%s-%08x", strings.ReplaceAll(t.Name(), "/", "."), rand.Uint32())
}

// send sends one event through the event API and returns its ID.
func (a *app) send(t *testing.T, name string, data map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "data": data})
	resp, err := a.do(http.MethodPost, "/e/compat", body)
	if err != nil {
		t.Fatalf("sending %s: %v", name, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		IDs []string `json:"ids"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || len(out.IDs) != 1 {
		t.Fatalf("sending %s: HTTP %d %s", name, resp.StatusCode, raw)
	}
	return out.IDs[0]
}

// eventRuns lists the runs of fnID that eventID started.
func (a *app) eventRuns(eventID, fnID string) ([]apiRun, error) {
	resp, err := a.do(http.MethodGet, "/v1/events/"+eventID+"/runs", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/events/%s/runs: HTTP %d %s", eventID, resp.StatusCode, raw)
	}
	var out struct {
		Data []apiRun `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("GET /v1/events/%s/runs: %v in %s", eventID, err, raw)
	}
	var runs []apiRun
	for _, r := range out.Data {
		if r.FunctionID == fnID {
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// started waits for eventID to start a run of fnID and returns it.
func (a *app) started(t *testing.T, eventID, fnID string) apiRun {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := a.eventRuns(eventID, fnID)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 {
			return runs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s started no run of %s within 10s%s", eventID, fnID, a.devLogAbout(eventID))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ended waits until the run of fnID that eventID started has ended
// (ended_at is set), and returns it.
func (a *app) ended(t *testing.T, eventID, fnID string) apiRun {
	t.Helper()
	deadline := time.Now().Add(runTimeout)
	var last *apiRun
	for {
		runs, err := a.eventRuns(eventID, fnID)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 {
			last = &runs[0]
			if last.EndedAt != nil {
				return *last
			}
		}
		if time.Now().After(deadline) {
			if last == nil {
				t.Fatalf("event %s started no run of %s within %s%s", eventID, fnID, runTimeout, a.devLogAbout(eventID))
			}
			detail := a.runDetail(last.RunID)
			hint := ""
			if a.srv.token != "" && strings.Contains(detail, "Unauthorized") {
				hint = "\n  the app answered the server's calls 401: the official SDKs verify the signature over the request body canonicalised with JCS (RFC 8785), as the real server signs it"
			}
			t.Fatalf("the run did not end within %s: %s%s%s%s", runTimeout, last, hint, detail, a.devLogAbout(last.RunID))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runDetail is the run's timeline and waits, for failure messages.
func (a *app) runDetail(runID string) string {
	resp, err := a.do(http.MethodGet, "/v1/runs/"+runID, nil)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			WaitingFor []string          `json:"waiting_for"`
			Timeline   []json.RawMessage `json:"timeline"`
		} `json:"data"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return ""
	}
	var b strings.Builder
	if len(out.Data.WaitingFor) > 0 {
		fmt.Fprintf(&b, "\n  waiting for: %v", out.Data.WaitingFor)
	}
	tl := out.Data.Timeline
	if len(tl) > 12 {
		tl = tl[len(tl)-12:]
		b.WriteString("\n  timeline (last 12):")
	} else if len(tl) > 0 {
		b.WriteString("\n  timeline:")
	}
	for _, e := range tl {
		s := string(e)
		if len(s) > 400 {
			s = s[:400] + "…"
		}
		b.WriteString("\n    " + s)
	}
	return b.String()
}

// devLogAbout is the dev server's log lines that mention id.
func (a *app) devLogAbout(id string) string {
	lines := a.srv.log.grep(8, id)
	if len(lines) == 0 {
		return ""
	}
	for i, l := range lines {
		if len(l) > 600 {
			lines[i] = l[:600] + "…"
		}
	}
	return "\n  inngest-dev log:\n    " + strings.Join(lines, "\n    ")
}

// waitingFor waits until the run waits for an event named name, or up to
// 5s (when the server does not report waits, the event is then sent
// anyway).
func (a *app) waitingFor(runID, name string) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := a.do(http.MethodGet, "/v1/runs/"+runID, nil)
		if err == nil {
			var out struct {
				Data struct {
					WaitingFor []string `json:"waiting_for"`
				} `json:"data"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err == nil && slices.Contains(out.Data.WaitingFor, name) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// expect fails unless the run ended with status and, if want is not nil,
// with output equal to want as JSON.
func (a *app) expect(t *testing.T, r apiRun, status string, want any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %s; got %s%s%s", status, &r, a.runDetail(r.RunID), a.devLogAbout(r.RunID))
	}
	if want == nil {
		return
	}
	wantJSON, _ := json.Marshal(want)
	var got, exp any
	if err := json.Unmarshal(r.Output, &got); err != nil {
		t.Fatalf("want output %s; got unparseable output in %s", wantJSON, &r)
	}
	_ = json.Unmarshal(wantJSON, &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("want output %s; got %s%s", wantJSON, &r, a.runDetail(r.RunID))
	}
}

func checkOutput(t *testing.T, a *app) {
	id := a.send(t, a.event("output"), map[string]any{"name": "compat"})
	a.expect(t, a.ended(t, id, a.fn("output")), "Completed", map[string]any{"hello": "compat", "sdk": a.sdk})
}

func checkStepsSleep(t *testing.T, a *app) {
	id := a.send(t, a.event("steps-sleep"), map[string]any{"key": key(t)})
	r := a.ended(t, id, a.fn("steps-sleep"))
	a.expect(t, r, "Completed", map[string]any{"a": 1, "b": 2})
	if took := r.EndedAt.Sub(r.StartedAt); took < 900*time.Millisecond {
		t.Fatalf("the run has a 1s sleep but ended %s after it started: %s", took, &r)
	}
}

func checkStepRetry(t *testing.T, a *app) {
	id := a.send(t, a.event("step-retry"), map[string]any{"key": key(t)})
	// The step body ran twice: failed, then succeeded on its retry.
	a.expect(t, a.ended(t, id, a.fn("step-retry")), "Completed", map[string]any{"tries": 2})
}

func checkFunctionRetry(t *testing.T, a *app) {
	id := a.send(t, a.event("fn-retry"), map[string]any{"key": key(t)})
	// The function failed on attempt 0 and succeeded on attempt 1, its
	// step memoized: the step body ran once.
	a.expect(t, a.ended(t, id, a.fn("fn-retry")), "Completed", map[string]any{"attempt": 1, "stepRuns": 1})
}

func checkFails(t *testing.T, a *app) {
	id := a.send(t, a.event("fails"), map[string]any{"key": key(t)})
	r := a.ended(t, id, a.fn("fails"))
	a.expect(t, r, "Failed", nil)
	if !strings.Contains(string(r.Output)+string(r.Error), "always fails") {
		t.Fatalf("want the function's error message in the failed run's output or error; got %s", &r)
	}
}

func checkCancel(t *testing.T, a *app) {
	k := key(t)
	id := a.send(t, a.event("cancel"), map[string]any{"id": k, "sleep": "30s"})
	run := a.started(t, id, a.fn("cancel"))
	time.Sleep(300 * time.Millisecond) // let the run reach its sleep
	a.send(t, a.event("cancel.stop"), map[string]any{"id": k})
	r := a.ended(t, id, a.fn("cancel"))
	if r.Status != "Cancelled" {
		t.Fatalf("a cancel event matching cancelOn did not cancel the sleeping run: want status Cancelled; got %s%s%s",
			&r, a.runDetail(run.RunID), a.devLogAbout(run.RunID))
	}
}

func checkCancelOther(t *testing.T, a *app) {
	k := key(t)
	id := a.send(t, a.event("cancel"), map[string]any{"id": k, "sleep": "2s"})
	a.started(t, id, a.fn("cancel"))
	time.Sleep(300 * time.Millisecond)
	a.send(t, a.event("cancel.stop"), map[string]any{"id": k + "-other"})
	a.expect(t, a.ended(t, id, a.fn("cancel")), "Completed", map[string]any{"done": true})
}

func checkWaitMatch(t *testing.T, a *app) {
	k := key(t)
	id := a.send(t, a.event("wait"), map[string]any{"id": k, "timeout": "20s"})
	run := a.started(t, id, a.fn("wait"))
	a.waitingFor(run.RunID, a.event("wait.approved"))
	a.send(t, a.event("wait.approved"), map[string]any{"id": k + "-other", "by": "mallory"})
	a.send(t, a.event("wait.approved"), map[string]any{"id": k, "by": "alice"})
	a.expect(t, a.ended(t, id, a.fn("wait")), "Completed", map[string]any{"timedOut": false, "by": "alice"})
}

func checkWaitTimeout(t *testing.T, a *app) {
	k := key(t)
	id := a.send(t, a.event("wait"), map[string]any{"id": k, "timeout": "1s"})
	r := a.ended(t, id, a.fn("wait"))
	a.expect(t, r, "Completed", map[string]any{"timedOut": true})
	if took := r.EndedAt.Sub(r.StartedAt); took < 900*time.Millisecond {
		t.Fatalf("the wait has a 1s timeout but the run ended %s after it started: %s", took, &r)
	}
}

func checkFanOut(t *testing.T, a *app) {
	id := a.send(t, a.event("fan-out"), map[string]any{"key": key(t)})
	r := a.ended(t, id, a.fn("fan-out"))
	a.expect(t, r, "Completed", nil)
	var out struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil || len(out.IDs) != 3 {
		t.Fatalf("want the 3 sent events' IDs in the output; got %s", &r)
	}
	var got []float64
	for _, eid := range out.IDs {
		c := a.ended(t, eid, a.fn("fan-child"))
		a.expect(t, c, "Completed", nil)
		var o struct {
			Times10 float64 `json:"times10"`
		}
		if err := json.Unmarshal(c.Output, &o); err != nil {
			t.Fatalf("a fanned-out run's output does not parse: %s", &c)
		}
		got = append(got, o.Times10)
	}
	slices.Sort(got)
	if !slices.Equal(got, []float64{10, 20, 30}) {
		t.Fatalf("want the 3 child runs to output times10 10, 20 and 30; got %v", got)
	}
}

func checkInvoke(t *testing.T, a *app) {
	id := a.send(t, a.event("invoke"), map[string]any{"n": 21})
	a.expect(t, a.ended(t, id, a.fn("invoke-parent")), "Completed", map[string]any{"child": map[string]any{"doubled": 42}})
}

func checkParallel(t *testing.T, a *app) {
	id := a.send(t, a.event("parallel"), map[string]any{"key": key(t)})
	r := a.ended(t, id, a.fn("parallel"))
	a.expect(t, r, "Completed", nil)
	var out struct {
		Parts []float64 `json:"parts"`
		Sum   float64   `json:"sum"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil {
		t.Fatalf("output does not parse: %s", &r)
	}
	slices.Sort(out.Parts)
	if out.Sum != 6 || !slices.Equal(out.Parts, []float64{1, 2, 3}) {
		t.Fatalf("want the 3 parallel steps' results 1, 2, 3 and their sum 6; got %s", &r)
	}
}

func checkRunsAPIAuth(t *testing.T, a *app) {
	id := a.send(t, a.event("output"), map[string]any{"name": "auth"})
	if _, err := a.eventRuns(id, a.fn("output")); err != nil {
		t.Fatalf("with the bearer token made from the signing key: %v", err)
	}
	for _, tok := range []string{"", "signkey-prod-0000"} {
		req, _ := http.NewRequest(http.MethodGet, a.srv.url+"/v1/events/"+id+"/runs", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /v1/events/{id}/runs with bearer token %q on a server with a signing key: want 401, as inngest start answers; got HTTP %d %s", tok, resp.StatusCode, raw)
		}
	}
}
