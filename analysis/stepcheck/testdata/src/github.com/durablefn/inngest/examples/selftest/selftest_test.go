package selftest

import (
	"context"
	"testing"

	"github.com/durablefn/inngest/step"
)

// The examples are checked like users' code, tests included.
func TestNested(t *testing.T) {
	ctx := context.Background()
	step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		return step.Run(ctx, "inner", func(ctx context.Context) (int, error) { return 1, nil }) // want `step.Run inside the callback`
	})
}
