// Package selftest stands for one of the SDK's own packages: findings in
// its code and in its tests are reported alike.
package selftest

import (
	"context"

	"github.com/durablefn/inngest/step"
)

func Nested(ctx context.Context) (int, error) {
	return step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		return step.Run(ctx, "inner", func(ctx context.Context) (int, error) { return 1, nil }) // want `step.Run inside the callback`
	})
}
