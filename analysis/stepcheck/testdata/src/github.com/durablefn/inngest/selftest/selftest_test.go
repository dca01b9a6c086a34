package selftest

import (
	"context"
	"testing"

	"github.com/durablefn/inngest/step"
)

// Tests are checked like any other code: one that misuses steps on
// purpose silences the finding with //stepcheck:ignore.
func TestNested(t *testing.T) {
	ctx := context.Background()
	step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		return step.Run(ctx, "inner", func(ctx context.Context) (int, error) { return 1, nil }) // want `step.Run inside the callback`
	})
	step.Run(ctx, "outer2", func(ctx context.Context) (int, error) {
		return step.Run(ctx, "inner2", func(ctx context.Context) (int, error) { return 1, nil }) //stepcheck:ignore on purpose
	})
}
