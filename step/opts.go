package step

import "github.com/durablefn/inngest/internal/stepcall"

// Opts are the options every step takes, whatever its kind. A nil *Opts
// uses the defaults. Run, Sleep and SleepUntil take one as an optional
// last argument, SendEventWith as its third; WaitOpts, InvokeOpts and
// SignalOpts carry the same fields.
type Opts struct {
	// Name is the step's display name, shown by the server's UI and in
	// traces instead of the step ID. It can change at any time without
	// changing what the step does: memoization goes by the step ID only.
	// Default: the step ID.
	Name string
}

// nameOf returns the display name opts give a step: at most one *Opts,
// which may be nil.
func nameOf(kind, stepID string, opts []*Opts) (string, error) {
	switch {
	case len(opts) > 1:
		return "", stepcall.Invalid("inngest: %s(%q) takes at most one *step.Opts, got %d", kind, stepID, len(opts))
	case len(opts) == 0 || opts[0] == nil:
		return "", nil
	}
	return opts[0].Name, nil
}
