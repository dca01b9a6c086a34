package selftest

import (
	"context"
	"testing"

	"github.com/durablefn/inngest/step"
)

// The SDK's tests misuse steps on purpose, to check the errors users get.
func TestNested(t *testing.T) {
	ctx := context.Background()
	step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		return step.Run(ctx, "inner", func(ctx context.Context) (int, error) { return 1, nil })
	})
}
