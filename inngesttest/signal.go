package inngesttest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// SignalRecord records what a waitForSignal step asked for, as sent on
// the wire.
type SignalRecord struct {
	// Signal is the awaited signal's name.
	Signal string
	// Timeout is how long the step waits.
	Timeout time.Duration
	// OnConflict is the step's conflict policy: "fail" or "replace".
	OnConflict string
}

// MockWaitForSignal makes the step.WaitForSignal step stepID receive its
// signal at once, sent with data: the step returns a step.Signal holding
// the signal's name and data, which goes through JSON exactly as the
// server hands it back, so it must decode into the step's data type.
// Use MockWaitTimeout to make the step time out instead.
func MockWaitForSignal[T any](stepID string, data T) Option {
	return func(c *config) {
		raw, err := json.Marshal(data)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockWaitForSignal(%q): encoding %T: %w", stepID, data, err))
			return
		}
		c.signals[stepID] = raw
	}
}

// describeSignal fills the record of a waitForSignal step from its op.
func (r *runner) describeSignal(rec *StepRecord, op wire.Op) {
	e := r.e
	e.tb.Helper()
	rec.Kind = KindWaitForSignal
	var o wire.WaitForSignalOpts
	if err := json.Unmarshal(op.Opts, &o); err != nil {
		e.fatalf("waitForSignal step %q has malformed opts %s: %v", rec.ID, op.Opts, err)
	}
	d := 365 * 24 * time.Hour // the server's default
	if o.Timeout != "" {
		var err error
		if d, err = timestr.Parse(o.Timeout); err != nil {
			e.fatalf("waitForSignal step %q: timeout: %v", rec.ID, err)
		}
	}
	conflict := o.Conflict
	if conflict != wire.SignalConflictReplace {
		conflict = wire.SignalConflictFail
	}
	rec.Signal = &SignalRecord{Signal: o.Signal, Timeout: d, OnConflict: conflict}
}

// waitSignal answers a waitForSignal step from its mock: the signal with
// the mocked data, memoized as the server memoizes it, or null once the
// step's timeout passed on the virtual clock.
func (r *runner) waitSignal(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	data, ok := e.cfg.signals[rec.ID]
	if !ok {
		if raw, timeout := e.cfg.waits[rec.ID]; timeout && raw == nil {
			e.use(rec.ID)
			rec.Mocked = true
			e.now = e.now.Add(rec.Signal.Timeout)
			rec.TimedOut, rec.Output = true, json.RawMessage("null")
			r.memo(rec, json.RawMessage("null"))
			return
		}
		e.fatalf("step %q of %s waits for signal %q (timeout %s) and has no mock: add inngesttest.MockWaitForSignal(%q, data) or inngesttest.MockWaitTimeout(%q)",
			rec.ID, r.fnID, rec.Signal.Signal, rec.Signal.Timeout, rec.ID, rec.ID)
	}
	e.use(rec.ID)
	rec.Mocked = true
	out, err := json.Marshal(wire.SignalResult{Signal: rec.Signal.Signal, Data: data})
	if err != nil {
		e.fatalf("mocked signal of step %q: %v", rec.ID, err)
	}
	rec.Output = out
	r.memo(rec, wire.StepOutcome{Data: out})
}

// SendSignal sends the signal named signal with data to the run waiting
// for it (step.WaitForSignal), through the orchestrator's API as
// inngest.Client.SendSignal does, and returns that run's ID; "" when no
// run waits for it. With time skipping on, a run's wait times out as soon
// as every run waits: turn it off (EnvConfig.NoTimeSkipping or
// SetTimeSkipping) while a run waits for a signal the test sends.
func (e *Env) SendSignal(signal string, data any) string {
	e.tb.Helper()
	e.serveAll()
	ctx, cancel := e.ctx()
	defer cancel()
	runID, err := e.sender.SendSignal(ctx, signal, data)
	if err != nil {
		e.tb.Fatalf("inngesttest: sending signal %q: %v", signal, err)
	}
	return runID
}
