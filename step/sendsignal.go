package step

import (
	"context"
	"encoding/json"

	"github.com/durablefn/inngest/internal/stepcall"
	"github.com/durablefn/inngest/internal/wire"
)

// SentSignal is what SendSignal returns, and saves as its step's result
// in the shape inngest-js saves: the run the signal reached.
type SentSignal struct {
	// RunID is the ID of the run the signal resumed, as
	// Client.SendSignal returns it: "" when no run waited for the signal
	// (none ever did, its wait timed out, or another signal resumed it).
	RunID string `json:"runId,omitempty"`
}

// SendSignal sends the signal named signal with data, which must encode
// as JSON (nil sends null), as a step: the run waiting for it in
// WaitForSignal resumes, and a replayed run does not send it again. It
// returns the run the signal reached; a signal no run waits for is not an
// error (RunID is ""), and is not kept for a run that waits later.
//
// The signal is sent as Client.SendSignal sends it; a failed send is
// retried as a step.Run's error is, and sending again is safe, since a
// run resumes once. opts, at most one and possibly nil, give the step a
// display name.
func SendSignal(ctx context.Context, stepID, signal string, data any, opts ...*Opts) (SentSignal, error) {
	r, err := start(ctx, "step.SendSignal", stepID)
	if err != nil {
		return SentSignal{}, err
	}
	if signal == "" {
		return SentSignal{}, stepcall.Invalid("inngest: step.SendSignal(%q) needs a signal name", stepID)
	}
	name, err := nameOf("step.SendSignal", stepID, opts)
	if err != nil {
		return SentSignal{}, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return SentSignal{}, stepcall.Invalid("inngest: step.SendSignal(%q): encoding data: %w", stepID, err)
	}
	ref, memo, ok, err := r.Lookup(ctx, "step.SendSignal", stepID)
	if err != nil {
		return SentSignal{}, err
	}
	if ok {
		return decodeOutcome[SentSignal](r, stepID, memo)
	}
	signaler := r.Signaler()
	if signaler == nil {
		r.Drop(ref)
		return SentSignal{}, stepcall.Invalid("inngest: step.SendSignal(%q): no signal sender configured", stepID)
	}
	ref.Name = name
	o, _ := json.Marshal(wire.SendSignalStepOpts{Type: wire.StepTypeSendSignal, Signal: signal})
	saved := r.RunStepWith(ctx, ref, wire.StepTypeSendSignal, o, func(ctx context.Context) (json.RawMessage, error) {
		runID, err := signaler.SendSignal(ctx, signal, raw)
		if err != nil {
			return nil, err
		}
		return json.Marshal(SentSignal{RunID: runID})
	})
	// Reached only when the step was checkpointed.
	return decodeOutcome[SentSignal](r, stepID, saved)
}
