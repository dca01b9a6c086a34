// Package stepcall holds what every step function does around the replay
// engine: finding the run a step's ctx belongs to and decoding a memoized
// result into the step's type. Package step and its subpackages share it.
package stepcall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
)

// Start returns the run of the step kind ("step.Run") with the user's ID
// stepID, or the error of a step called where steps cannot run.
func Start(ctx context.Context, kind, stepID string) (*engine.Run, error) {
	if stepID == "" {
		return nil, Invalid("inngest: %s needs a step ID", kind)
	}
	r, err := engine.FromContext(ctx, kind, stepID)
	if errors.Is(err, engine.ErrNotInFunction) {
		return nil, Invalid("inngest: %s(%q) %w", kind, stepID, err)
	}
	return r, err
}

// Invalid returns the error of a step called with what it cannot take (an
// empty ID, a negative duration, a ctx that is not the function's), read
// as fmt.Errorf reads format and args. Such a call fails alike on every
// attempt, so a function that returns the error is not retried.
func Invalid(format string, args ...any) error {
	return inngest.NonRetriable(fmt.Errorf(format, args...))
}

// Decode reads a memoized {"data": …} or {"error": …} into T, or into
// an *inngest.StepError. A result that does not decode fails the run.
func Decode[T any](r *engine.Run, stepID string, raw json.RawMessage) (T, error) {
	var v T
	out, err := wire.ParseStepOutcome(raw)
	if err != nil {
		return v, Unusable(r, fmt.Errorf("inngest: step %q: %w", stepID, err))
	}
	if out.Error != nil {
		return v, &inngest.StepError{Name: out.Error.Name, Message: out.Error.Message, Stack: out.Error.Stack, StepID: stepID}
	}
	if wire.IsNull(out.Data) {
		return v, nil
	}
	if err := json.Unmarshal(out.Data, &v); err != nil {
		return v, Unusable(r, fmt.Errorf("inngest: step %q: its saved result does not decode into %v: %w", stepID, reflect.TypeFor[T](), err))
	}
	return v, nil
}

// Unusable fails the run for good with err, a memoized result that cannot
// be used: retrying would read the same bytes again.
func Unusable(r *engine.Run, err error) error {
	r.Fail(&engine.Failure{Error: wire.UserError{Name: "UnusableStepResult", Message: err.Error()}, NoRetry: true})
	return inngest.NonRetriable(err)
}

// Result is what the code of a Run-type step kind ("step.Run") with the
// user's ID stepID gives back: v encoded as the step's data, or err. A
// value that does not encode fails the step without retries: a retry
// would encode it the same way.
func Result(kind, stepID string, v any, err error) (json.RawMessage, error) {
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, inngest.NonRetriable(fmt.Errorf("inngest: %s(%q): encoding the result: %w", kind, stepID, err))
	}
	return out, nil
}
