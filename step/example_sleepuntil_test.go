package step_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// SleepUntil pauses the run until a point in time; nothing waits in your
// process meanwhile. The test engine's virtual clock starts at StartAt
// and skips the wait.
func ExampleSleepUntil() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "sale-reminder"}, OrderPaid.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			saleStarts := time.Date(2025, time.November, 28, 9, 0, 0, 0, time.UTC)
			if err := step.SleepUntil(ctx, "until-the-sale", saleStarts); err != nil {
				return "", err
			}
			return "sale reminder sent", nil
		})
	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(OrderPaid.New(Order{ID: "o-9"})),
		inngesttest.StartAt(time.Date(2025, time.November, 25, 9, 0, 0, 0, time.UTC)))
	fmt.Println(res.Output, "after", res.Duration())
	// Output: sale reminder sent after 72h0m0s
}
