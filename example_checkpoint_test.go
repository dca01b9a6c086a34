package inngest_test

import (
	"context"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Checkpointing runs sequential steps in one call request: each step's
// result is saved through the server's checkpoint API as it finishes, and
// the function goes on instead of waiting to be called again.
func ExampleCheckpoint() {
	c := inngesttest.NewClient(tb, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fulfil", Checkpoint: &inngest.Checkpoint{}},
		inngest.OnEvent("shop/order.paid"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			label, err := step.Run(ctx, "print-label", func(ctx context.Context) (string, error) { return "LBL-1", nil })
			if err != nil {
				return "", err
			}
			if _, err := step.SendEvent(ctx, "notify", inngest.EventType[map[string]any]("shop/order.shipped").New(map[string]any{"label": label})); err != nil {
				return "", err
			}
			return step.Run(ctx, "close-order", func(ctx context.Context) (string, error) { return "closed " + label, nil })
		})
	res := inngesttest.Run(tb, c, fn)
	for _, s := range res.Steps {
		fmt.Println(s.ID, s.Kind, s.Checkpointed)
	}
	fmt.Println(res.Output, "in", res.Calls, "call request")
	// Output:
	// print-label run true
	// notify sendEvent true
	// close-order run true
	// closed LBL-1 in 1 call request
}
