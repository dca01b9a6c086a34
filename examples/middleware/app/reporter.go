package app

import (
	"context"

	"github.com/durablefn/inngest/middleware"
)

// ErrorReport is one failure, as an error tracker would receive it.
type ErrorReport struct {
	FunctionID string
	RunID      string
	Attempt    int
	// StepID is the failed step; empty when the function itself failed.
	StepID string
	Err    error
}

// ErrorReporter is a custom middleware: it reports every failed step
// attempt and every failed function call. It embeds middleware.Base and
// so implements only the two hooks it needs.
type ErrorReporter struct {
	middleware.Base
	// Report sends a failure to the error tracker. It must not block.
	Report func(ctx context.Context, r ErrorReport)
}

// TransformStep reports a step's failed attempt.
func (m *ErrorReporter) TransformStep(ctx context.Context, call *middleware.Call, s middleware.Step, out *middleware.Output) {
	if out.Err != nil {
		m.Report(ctx, ErrorReport{FunctionID: call.FunctionID, RunID: call.RunID, Attempt: call.Attempt, StepID: s.ID, Err: out.Err})
	}
}

// TransformOutput reports the function's error.
func (m *ErrorReporter) TransformOutput(ctx context.Context, call *middleware.Call, out *middleware.Output) {
	if out.Err != nil {
		m.Report(ctx, ErrorReport{FunctionID: call.FunctionID, RunID: call.RunID, Attempt: call.Attempt, Err: out.Err})
	}
}
