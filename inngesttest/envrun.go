package inngesttest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/durablefn/inngest/devserver"
)

// EnvRun is a snapshot of one run in an Env, as the orchestrator keeps
// it. Printed (%v, or String), it is the run's timeline.
type EnvRun struct {
	// RunID is the run's ID, as the function saw it in Input.RunID.
	RunID string
	// FunctionID is the function's full ID ("<app id>-<function id>").
	FunctionID string
	// EventIDs are the IDs of the run's events: one, or a batch.
	EventIDs []string
	// Status is StatusRunning until the run ends, then StatusCompleted,
	// StatusFailed or StatusCancelled.
	Status Status
	// RawOutput is the function's JSON result; nil unless Status is
	// StatusCompleted.
	RawOutput json.RawMessage
	// Err is the error the run failed or was cancelled with, a
	// *RunError; nil otherwise.
	Err error
	// Started and Ended are the run's start and end on the virtual clock;
	// Ended is zero while the run is running.
	Started, Ended time.Time
	// WaitingFor lists the event names the run's waits wait for.
	WaitingFor []string
	// Timeline is what happened to the run, in order.
	Timeline []devserver.TimelineEntry

	raw *devserver.Run
}

func envRuns(runs []*devserver.Run) []*EnvRun {
	out := make([]*EnvRun, len(runs))
	for i, r := range runs {
		out[i] = envRun(r)
	}
	return out
}

func envRun(r *devserver.Run) *EnvRun {
	out := &EnvRun{
		RunID:      r.ID,
		FunctionID: r.FunctionID,
		EventIDs:   r.EventIDs,
		Status:     r.Status,
		Started:    r.StartedAt,
		Ended:      r.EndedAt,
		WaitingFor: r.WaitingFor,
		Timeline:   r.Timeline,
		raw:        r,
	}
	if r.Status == devserver.StatusCompleted {
		out.RawOutput = r.Output
	}
	if r.Error != nil {
		out.Err = &RunError{Name: r.Error.Name, Message: r.Error.Message, Stack: r.Error.Stack}
	}
	return out
}

// String returns the run's timeline as a readable trace.
func (r *EnvRun) String() string { return devserver.FormatTimeline(r.raw) }

// Duration is the run's length on the virtual clock (until now for a
// run still running: zero).
func (r *EnvRun) Duration() time.Duration {
	if r.Ended.IsZero() {
		return 0
	}
	return r.Ended.Sub(r.Started)
}

// StepIDs returns the user's IDs of the steps whose results the
// orchestrator saved (run steps that succeeded or failed for good,
// sleeps, waits, invokes, sends), in the order they were saved. A step
// given a display name (step.Opts) is listed by that name, as the
// orchestrator shows it.
func (r *EnvRun) StepIDs() []string {
	var out []string
	for _, en := range r.Timeline {
		switch en.Kind {
		case devserver.TimelineStep, devserver.TimelineStepFailed, devserver.TimelineWoke,
			devserver.TimelineWaitMatched, devserver.TimelineWaitTimeout, devserver.TimelineInvokeDone,
			devserver.TimelineSignalReceived, devserver.TimelineSignalTimeout:
			out = append(out, en.Name)
		}
	}
	return out
}

// HasStep reports whether a step with the user's ID stepID was saved.
func (r *EnvRun) HasStep(stepID string) bool {
	for _, id := range r.StepIDs() {
		if id == stepID {
			return true
		}
	}
	return false
}

// Decode decodes the run's output into v. It fails unless the run
// completed.
func (r *EnvRun) Decode(v any) error {
	if r.Status != StatusCompleted {
		if r.Err != nil {
			return fmt.Errorf("inngesttest: run %s of %s is %s, not Completed: %w", r.RunID, r.FunctionID, r.Status, r.Err)
		}
		return fmt.Errorf("inngesttest: run %s of %s is %s, not Completed", r.RunID, r.FunctionID, r.Status)
	}
	if err := json.Unmarshal(r.RawOutput, v); err != nil {
		return fmt.Errorf("inngesttest: the output %s of run %s does not decode into %T: %w", r.RawOutput, r.RunID, v, err)
	}
	return nil
}

// Output returns the output of run r decoded into R. A run that did not
// complete, or whose output does not decode into R, fails the test,
// printing the run's timeline.
func Output[R any](t testing.TB, r *EnvRun) R {
	t.Helper()
	var out R
	if r == nil {
		t.Fatalf("inngesttest.Output: no run")
		return out
	}
	if err := r.Decode(&out); err != nil {
		t.Fatalf("%v\n%s", err, indent(r.String()))
	}
	return out
}
