package ai

import (
	"context"
	"encoding/json"

	"github.com/durablefn/inngest/internal/stepcall"
	"github.com/durablefn/inngest/internal/wire"
)

// Wrap runs fn with in once as a step, as step.Run does, for a model call
// made in the app (with any client library): its result is saved with the
// run, and the server sees the step as an AI call (type "step.ai.wrap")
// with in as its input. in and the result must encode as JSON. Failures
// are retried as step.Run's are; after the last retry Wrap returns an
// *inngest.StepError.
func Wrap[In, Out any](ctx context.Context, stepID string, in In, fn func(ctx context.Context, in In) (Out, error)) (Out, error) {
	var zero Out
	r, err := stepcall.Start(ctx, "ai.Wrap", stepID)
	if err != nil {
		return zero, err
	}
	if fn == nil {
		return zero, stepcall.Invalid("inngest: ai.Wrap(%q) has no function", stepID)
	}
	ref, raw, ok, err := r.Lookup(ctx, "ai.Wrap", stepID)
	if err != nil {
		return zero, err
	}
	if ok {
		return stepcall.Decode[Out](r, stepID, raw)
	}
	input, err := json.Marshal(in)
	if err != nil {
		r.Drop(ref)
		return zero, stepcall.Invalid("inngest: ai.Wrap(%q): encoding the input: %w", stepID, err)
	}
	opts, _ := json.Marshal(wire.AIWrapOpts{Type: wire.StepTypeAIWrap, Input: []json.RawMessage{input}})
	saved := r.RunStepWith(ctx, ref, wire.StepTypeAIWrap, opts, func(ctx context.Context) (json.RawMessage, error) {
		v, err := fn(ctx, in)
		return stepcall.Result("ai.Wrap", stepID, v, err)
	})
	// Reached only when the step was checkpointed (inngest.Checkpoint).
	return stepcall.Decode[Out](r, stepID, saved)
}
