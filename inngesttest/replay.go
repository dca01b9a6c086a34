package inngesttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
)

// updateHistories makes Record rewrite history files that exist.
var updateHistories = flag.Bool("inngesttest.update", false, "rewrite the history files that inngesttest.Record writes")

// historyVersion is the version of the history file format.
const historyVersion = 1

// history is a run's history as a file holds it: what the run was
// started with, every step it reached in order with the result the
// orchestrator saved, and how it ended.
type history struct {
	Version  int               `json:"version"`
	Function string            `json:"function"`
	RunID    string            `json:"run_id"`
	Events   []json.RawMessage `json:"events"`
	Steps    []historyStep     `json:"steps"`
	Status   Status            `json:"status"`
	Output   json.RawMessage   `json:"output,omitempty"`
	Error    *historyError     `json:"error,omitempty"`
}

// historyStep is one step of a history.
type historyStep struct {
	ID    string   `json:"id"`
	Index int      `json:"index,omitempty"`
	Hash  string   `json:"hash"`
	Kind  StepKind `json:"kind"`
	// Opts are the options of a sleep, wait or invoke step, read from
	// what the SDK reports on the wire.
	Opts json.RawMessage `json:"opts,omitempty"`
	// Output is the step's saved result; Error its final error.
	Output   json.RawMessage `json:"output,omitempty"`
	Error    *historyError   `json:"error,omitempty"`
	TimedOut bool            `json:"timed_out,omitempty"`
}

// historyError is an error without its stack, which moves with every
// edit of the code.
type historyError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (s historyStep) String() string {
	id := fmt.Sprintf("%q", s.ID)
	if s.Index > 0 {
		id += fmt.Sprintf(" #%d", s.Index+1)
	}
	return id + " (" + string(s.Kind) + ")"
}

// Record runs fn in unit mode, as Run does with the same opts, and
// returns the result. The first time, or when the test binary runs with
// -inngesttest.update, it also writes the run's history to path (a file
// under testdata/, such as "testdata/checkout.history.json"): the events,
// every step in order with its kind, options and saved result, and the
// output or error. Otherwise the file is left as it is, for Replay to
// check the code against:
//
//	func TestCheckoutHistory(t *testing.T) {
//		c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
//		fn := newCheckout(c)
//		const path = "testdata/checkout.history.json"
//		inngesttest.Record(t, c, fn, path, inngesttest.Event(OrderPlaced.New(Order{ID: "o1"})))
//		inngesttest.Replay(t, c, fn, path)
//	}
//
// Record fails the test when the run was stopped (StopAt), or when the
// function does not reach the same steps again given the same results:
// a step ID built from the time or a random number cannot be replayed.
func Record[T, R any](t testing.TB, c *inngest.Client, fn *inngest.Function[T, R], path string, opts ...Option) *Result[R] {
	t.Helper()
	res := Run(t, c, fn, opts...)
	if _, err := os.Stat(path); err == nil && !*updateHistories {
		return res
	}
	if res.Status == StatusNotTriggered {
		t.Fatalf("inngesttest.Record: %v; record a run that starts", res.Err)
	}
	if res.Status == StatusStopped {
		t.Fatalf("inngesttest.Record: the run of %s was stopped at step %q; record a run that ends (drop StopAt)", res.FunctionID, res.Next[0].ID)
	}
	h := historyOf(t, &res.RunRecord)
	// Walk the history once to collect each step's wire options, which
	// also proves that the run replays.
	e := replayEngine(t, c)
	w := e.walk(h)
	if w.diverged != "" {
		t.Fatalf("inngesttest.Record: %s does not replay its own run, so its history cannot be recorded: %s\n%s", h.Function, w.diverged, w.table(h))
	}
	for i := range h.Steps {
		h.Steps[i].Opts = w.now[i].Opts
	}
	raw, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		t.Fatalf("inngesttest.Record: encoding the history: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("inngesttest.Record: %v", err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		t.Fatalf("inngesttest.Record: %v", err)
	}
	t.Logf("inngesttest: wrote the history of %s (%d steps) to %s", h.Function, len(h.Steps), path)
	return res
}

// Replay checks fn against the history that Record wrote to path: it runs
// the function through client c's real handler with the recorded events,
// answering each step with its recorded result as the orchestrator would
// (step code never runs), and fails the test when the code no longer
// reaches the same steps in the same order (user's ID, repeat, kind,
// hashed ID and options), or no longer ends the same way. The failure
// names the first step that differs and shows both sequences:
//
//	step 2: recorded "charge" (run), now "reserve" (run)
//
// Such a change breaks runs in flight when it is deployed: their saved
// steps no longer match the code. When the change is meant, rerun the
// test with -inngesttest.update for Record to rewrite the file.
//
// Replay needs a client whose sends stay in the test (from NewClient);
// mocks are not needed, since every result comes from the history.
func Replay[T, R any](t testing.TB, c *inngest.Client, fn *inngest.Function[T, R], path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("inngesttest.Replay: no history at %s: record one with inngesttest.Record", path)
	}
	if err != nil {
		t.Fatalf("inngesttest.Replay: %v", err)
	}
	var h history
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("inngesttest.Replay: %s is not a history file: %v", path, err)
	}
	if h.Version != historyVersion {
		t.Fatalf("inngesttest.Replay: %s has version %d; this package reads version %d: record it again with -inngesttest.update", path, h.Version, historyVersion)
	}
	if h.Function != fn.FullID() {
		t.Fatalf("inngesttest.Replay: %s holds a run of %s, not of %s", path, h.Function, fn.FullID())
	}
	e := replayEngine(t, c)
	w := e.walk(&h)
	if w.diverged != "" {
		t.Fatalf("inngesttest: %s no longer replays its history %s:\n  %s\n\n%s\nA deployed change like this breaks runs in flight. If it is meant, rerun with -inngesttest.update to record the history again.",
			h.Function, path, w.diverged, w.table(&h))
	}
}

// historyOf turns a unit-mode record into a history, without options.
func historyOf(t testing.TB, rec *RunRecord) *history {
	t.Helper()
	h := &history{Version: historyVersion, Function: rec.FunctionID, RunID: rec.RunID, Status: rec.Status}
	for _, ev := range rec.Events {
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("inngesttest.Record: encoding event %q: %v", ev.Name, err)
		}
		h.Events = append(h.Events, raw)
	}
	for _, s := range rec.Steps {
		hs := historyStep{ID: s.ID, Index: s.Index, Hash: s.Hash, Kind: s.Kind, TimedOut: s.TimedOut}
		if s.Err != nil {
			hs.Error = &historyError{Name: s.Err.Name, Message: s.Err.Message}
		} else {
			hs.Output = s.Output
		}
		h.Steps = append(h.Steps, hs)
	}
	switch rec.Status {
	case StatusCompleted:
		h.Output = rec.RawOutput
	case StatusFailed:
		h.Error = errorOf(rec.Err)
	}
	return h
}

func errorOf(err error) *historyError {
	var re *RunError
	if errors.As(err, &re) {
		return &historyError{Name: re.Name, Message: re.Message}
	}
	if err == nil {
		return nil
	}
	return &historyError{Name: "Error", Message: err.Error()}
}

// replayEngine is a unit-mode engine that asks the SDK to plan every
// step, so that no step code runs during a replay.
func replayEngine(t testing.TB, c *inngest.Client) *engine {
	t.Helper()
	if c == nil {
		t.Fatalf("inngesttest: Record and Replay need a client and a function")
	}
	e := newEngine(t, c, nil)
	e.noExec = true
	return e
}

// walked is the outcome of walking a history.
type walked struct {
	// now lists the steps the code reached, in order, up to and
	// including the first that differs.
	now []historyStep
	// at is the index of the first difference in the step lists; -1 when
	// the steps agree.
	at int
	// end says how the run ended now, when it got that far.
	end string
	// diverged describes the first difference; "" when none.
	diverged string
}

// walk replays h: each discovery call has the results of the steps
// matched so far, and the steps it reports must be the next ones
// recorded.
func (e *engine) walk(h *history) *walked {
	e.tb.Helper()
	w := &walked{at: -1}
	if _, ok := e.fns[h.Function]; !ok {
		e.fatalf("function %q is not served by client %q; create it on the client passed to Replay", h.Function, e.app.Config.AppID)
	}
	events := make([]wire.Event, len(h.Events))
	for i, raw := range h.Events {
		if err := json.Unmarshal(raw, &events[i]); err != nil {
			e.fatalf("event %d of the history: %v", i, err)
		}
	}
	if len(events) == 0 {
		e.fatalf("the history of %s has no events", h.Function)
	}
	r := e.newRunner(h.Function, events, h.RunID)
	pos, attempt := 0, 0
	for {
		res := r.call("", "", attempt)
		switch res.status {
		case http.StatusOK:
			w.end = "returned " + compactJSON(res.body)
			return w.finish(h, pos, StatusCompleted, res.body, nil)
		case http.StatusPartialContent:
			for _, op := range res.ops {
				got := stepOf(r, op)
				w.now = append(w.now, got)
				if pos >= len(h.Steps) {
					w.at = pos
					w.diverged = fmt.Sprintf("step %d: recorded the end of the run, now %s", pos+1, got)
					return w
				}
				if msg := compareStep(pos, h.Steps[pos], got); msg != "" {
					w.at, w.diverged = pos, msg
					return w
				}
				r.steps[op.ID] = memoOf(h.Steps[pos])
				r.stack = append(r.stack, op.ID)
				pos++
			}
			attempt = 0
		default:
			if !res.err.NoRetry && attempt+1 < r.maxAttempts {
				attempt++
				continue
			}
			w.end = "failed: " + res.err.Error()
			return w.finish(h, pos, StatusFailed, nil, res.err)
		}
	}
}

// finish compares how the run ended with the history.
func (w *walked) finish(h *history, pos int, status Status, output []byte, err *RunError) *walked {
	if pos < len(h.Steps) {
		w.at = pos
		w.diverged = fmt.Sprintf("step %d: recorded %s, now the run %s", pos+1, h.Steps[pos], w.end)
		return w
	}
	switch {
	case status != h.Status:
		w.diverged = fmt.Sprintf("the run ended %s, now %s (%s)", h.Status, status, w.end)
	case status == StatusCompleted && !jsonEqual(output, h.Output):
		w.diverged = fmt.Sprintf("output: recorded %s, now %s", compactJSON(h.Output), compactJSON(output))
	case status == StatusFailed && h.Error != nil && (err.Name != h.Error.Name || err.Message != h.Error.Message):
		w.diverged = fmt.Sprintf("error: recorded %s: %s, now %s: %s", h.Error.Name, h.Error.Message, err.Name, err.Message)
	}
	return w
}

// stepOf describes the step an op reports.
func stepOf(r *runner, op wire.Op) historyStep {
	rec := r.newRecord(op)
	r.describe(rec, op)
	return historyStep{ID: rec.ID, Index: rec.Index, Hash: rec.Hash, Kind: rec.Kind, Opts: optionsOf(rec.Kind, op.Opts)}
}

// stepOptions are the options of a step that a history keeps: those
// that decide what the orchestrator does with it. Run and send steps
// have none beyond their kind.
type stepOptions struct {
	Duration   string          `json:"duration,omitempty"`
	Event      string          `json:"event,omitempty"`
	If         string          `json:"if,omitempty"`
	Timeout    string          `json:"timeout,omitempty"`
	FunctionID string          `json:"function_id,omitempty"`
	Signal     string          `json:"signal,omitempty"`
	Conflict   string          `json:"conflict,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	URL        string          `json:"url,omitempty"`
	Method     string          `json:"method,omitempty"`
	Format     string          `json:"format,omitempty"`
}

// optionsOf reads the options a history keeps from an op's wire opts, as
// canonical JSON; nil for a step that has none.
func optionsOf(kind StepKind, raw json.RawMessage) json.RawMessage {
	var o stepOptions
	switch kind {
	case KindSleep:
		var w wire.SleepOpts
		_ = json.Unmarshal(raw, &w)
		o.Duration = w.Duration
	case KindWaitForEvent:
		var w wire.WaitForEventOpts
		_ = json.Unmarshal(raw, &w)
		o.Event, o.Timeout = w.Event, w.Timeout
		if w.If != nil {
			o.If = *w.If
		}
	case KindWaitForSignal:
		var w wire.WaitForSignalOpts
		_ = json.Unmarshal(raw, &w)
		o.Signal, o.Timeout, o.Conflict = w.Signal, w.Timeout, w.Conflict
	case KindInvoke:
		var w wire.InvokeOpts
		_ = json.Unmarshal(raw, &w)
		o.FunctionID, o.Timeout = w.FunctionID, w.Timeout
		if !wire.IsNull(w.Payload.Data) {
			o.Data = wire.Untyped(w.Payload.Data)
		}
	case KindFetch:
		var w wire.GatewayOpts
		_ = json.Unmarshal(raw, &w)
		o.URL, o.Method = w.URL, w.Method
	case KindInfer:
		// Never the key.
		var w wire.AIGatewayOpts
		_ = json.Unmarshal(raw, &w)
		o.URL, o.Format = w.URL, w.Format
	default:
		return nil
	}
	out, _ := json.Marshal(o)
	return out
}

// compareStep says how the step the code reached differs from the one
// recorded at the same position; "" when it does not.
func compareStep(pos int, want, got historyStep) string {
	switch {
	case want.ID != got.ID || want.Index != got.Index || want.Kind != got.Kind:
		return fmt.Sprintf("step %d: recorded %s, now %s", pos+1, want, got)
	case want.Hash != got.Hash:
		return fmt.Sprintf("step %d: %s is hashed %s now, %s when recorded: its saved result would not be found", pos+1, got, got.Hash, want.Hash)
	case want.Opts != nil && !jsonEqual(want.Opts, got.Opts):
		return fmt.Sprintf("step %d: %s changed its options: recorded %s, now %s", pos+1, got, compactJSON(want.Opts), compactJSON(got.Opts))
	}
	return ""
}

// memoOf is a recorded step's result as the orchestrator sends it back.
func memoOf(s historyStep) json.RawMessage {
	switch s.Kind {
	case KindSleep:
		return json.RawMessage("null")
	case KindWaitForEvent:
		if s.TimedOut || wire.IsNull(s.Output) {
			return json.RawMessage("null")
		}
		return s.Output
	case KindWaitForSignal:
		if s.TimedOut || wire.IsNull(s.Output) {
			return json.RawMessage("null")
		}
	}
	out := wire.StepOutcome{Data: s.Output}
	if s.Error != nil {
		out = wire.StepOutcome{Error: &wire.UserError{Name: s.Error.Name, Message: s.Error.Message}}
	} else if wire.IsNull(s.Output) {
		out.Data = json.RawMessage("null")
	}
	raw, _ := json.Marshal(out)
	return raw
}

// table lays the recorded steps and the ones the code reached side by
// side, marking the first difference.
func (w *walked) table(h *history) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  \tstep\trecorded\tnow")
	n := max(len(h.Steps), len(w.now))
	for i := range n {
		mark := " "
		if i == w.at {
			mark = ">"
		}
		rec, now := "", ""
		if i < len(h.Steps) {
			rec = h.Steps[i].String()
		}
		if i < len(w.now) {
			now = w.now[i].String()
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", mark, i+1, rec, now)
	}
	recEnd := "ended " + string(h.Status)
	nowEnd := ""
	if w.end != "" {
		nowEnd = w.end
	}
	fmt.Fprintf(tw, "   \tend\t%s\t%s\n", recEnd, nowEnd)
	_ = tw.Flush()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func jsonEqual(a, b []byte) bool {
	if wire.IsNull(a) || wire.IsNull(b) {
		return wire.IsNull(a) == wire.IsNull(b)
	}
	return bytes.Equal(wire.Untyped(a), wire.Untyped(b))
}

func compactJSON(raw []byte) string {
	if len(raw) == 0 {
		return "null"
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return strings.TrimSpace(string(raw))
	}
	return b.String()
}
