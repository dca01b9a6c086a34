package step_test

import (
	"context"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Invoke runs another function as a step and returns its result, typed
// by the invoked function's result type. The test engine runs the
// invoked function in process.
func ExampleInvoke() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	quote, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "quote-shipping"}, inngest.On[Order]("shop/quote.requested"),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return 5 + in.Event.Data.Total/10, nil
		})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "checkout"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			shipping, err := step.Invoke(ctx, "quote", quote, in.Event.Data, nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("total %d", in.Event.Data.Total+shipping), nil
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-7", Total: 40})))
	fmt.Println(res.Output)
	// Output: total 49
}
