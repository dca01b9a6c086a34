package step

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/stepcall"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// SignalConflict says what a WaitForSignal step does when another run
// already waits for the same signal.
type SignalConflict string

// The conflict policies, as the server applies them.
const (
	// SignalConflictFail fails this run at once, without retries, with
	// the error "Signal conflict; signal wait already exists for another
	// run". The other run keeps waiting. The default.
	SignalConflictFail SignalConflict = wire.SignalConflictFail
	// SignalConflictReplace makes this run the one the signal resumes.
	// The run that waited before keeps waiting, but no signal can reach
	// it any more: it resumes at its timeout, with nil.
	SignalConflictReplace SignalConflict = wire.SignalConflictReplace
)

// SignalOpts configure WaitForSignal.
type SignalOpts struct {
	// Timeout is how long to wait for the signal. Required.
	Timeout time.Duration
	// OnConflict says what happens when another run already waits for
	// the signal. Default: SignalConflictFail.
	OnConflict SignalConflict
	// Name is the step's display name (see Opts). Default: the step ID.
	Name string
}

// Signal is a signal received by WaitForSignal.
type Signal[T any] struct {
	// Name is the signal's name.
	Name string `json:"signal"`
	// Data is the data the signal was sent with, decoded into T; the zero
	// T when it was sent without data.
	Data T `json:"data"`
}

// WaitForSignal pauses the run until the signal named signal is sent
// (Client.SendSignal, or any SDK's sendSignal), or the timeout passes. It
// returns the signal with its data, or nil when the timeout passed first.
//
// A signal is a name unique in the environment, chosen by the app (an
// approval's ID, say), that resumes exactly one run: the one waiting for
// it. To resume many runs with one message, use WaitForEvent instead.
// When another run already waits for the signal, opts.OnConflict decides
// which one the signal resumes.
func WaitForSignal[T any](ctx context.Context, stepID, signal string, opts SignalOpts) (*Signal[T], error) {
	r, err := start(ctx, "step.WaitForSignal", stepID)
	if err != nil {
		return nil, err
	}
	o, err := signalOpts(signal, opts)
	if err != nil {
		return nil, stepcall.Invalid("inngest: step.WaitForSignal(%q): %w", stepID, err)
	}
	ref, raw, ok, err := r.Lookup(ctx, "step.WaitForSignal", stepID)
	if err != nil {
		return nil, err
	}
	if ok {
		if wire.IsNull(raw) {
			return nil, nil
		}
		got, err := decodeSignal[T](raw)
		if err != nil {
			return nil, unusable(r, fmt.Errorf("inngest: step.WaitForSignal(%q): %w", stepID, err))
		}
		return got, nil
	}
	ref.Name = opts.Name
	r.Report(ctx, ref, wire.OpWaitForSignal, o)
	panic("unreachable")
}

// signalOpts checks a WaitForSignal call's arguments and returns its
// op's opts.
func signalOpts(signal string, opts SignalOpts) (wire.WaitForSignalOpts, error) {
	o := wire.WaitForSignalOpts{Signal: signal, Conflict: wire.SignalConflictFail}
	if signal == "" {
		return o, fmt.Errorf("needs a signal name")
	}
	if opts.Timeout <= 0 {
		return o, fmt.Errorf("needs a positive Timeout")
	}
	o.Timeout = timestr.Format(opts.Timeout)
	switch opts.OnConflict {
	case "", SignalConflictFail:
	case SignalConflictReplace:
		o.Conflict = wire.SignalConflictReplace
	default:
		return o, fmt.Errorf("unknown OnConflict %q: use step.SignalConflictFail or step.SignalConflictReplace", opts.OnConflict)
	}
	return o, nil
}

// decodeSignal decodes the memoized result of a WaitForSignal step that
// received its signal: {"data": {"signal": …, "data": …}}.
func decodeSignal[T any](raw json.RawMessage) (*Signal[T], error) {
	var got Signal[T]
	out, err := wire.ParseStepOutcome(raw)
	switch {
	case err != nil:
		return nil, err
	case out.Error != nil:
		return nil, fmt.Errorf("the server saved an error, not a signal: %s: %s", out.Error.Name, out.Error.Message)
	case wire.IsNull(out.Data):
		return nil, fmt.Errorf("the server saved %s, not a signal", raw)
	}
	if err := json.Unmarshal(out.Data, &got); err != nil {
		return nil, fmt.Errorf("the signal it received does not decode into %T: %w", got, err)
	}
	return &got, nil
}
