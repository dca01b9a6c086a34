// Package ignore silences findings with //stepcheck:ignore.
package ignore

import (
	"context"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

func Register(c *inngest.Client) {
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "log"}, inngest.OnEvent("a"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			start := time.Now() //stepcheck:ignore only logged, never decides anything
			//stepcheck:ignore
			_ = time.Since(start)
			_ = time.Until(start) // want `time.Until in a function handler`
			// A directive at the end of a line covers that line only.
			_ = time.Now() //stepcheck:ignore
			_ = time.Now() // want `time.Now in a function handler`
			return 1, step.Sleep(ctx, "nap", time.Second)
		})
}
