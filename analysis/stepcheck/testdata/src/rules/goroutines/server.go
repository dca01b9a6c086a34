package goroutines

import (
	"context"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// A handler defined on a goroutine runs on a request's goroutine of its
// own: its steps are fine.
func registerInBackground(c *inngest.Client) {
	go func() {
		inngest.CreateFunction(c, inngest.FunctionOpts{ID: "bg"}, inngest.OnEvent("a/b"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
				return step.Run(ctx, "a", one)
			})
	}()
}
