package step_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Race takes the first branch to finish: here, a payment confirmation
// bounded by a deadline of the function's own. The test engine ends
// each racing step at its own virtual time, so the wait (mocked to time
// out after a day) loses to the hour-long sleep.
func ExampleRace() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "await-payment"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			won, status, err := step.Race(ctx,
				func(ctx context.Context) (string, error) {
					paid, err := step.WaitForEvent(ctx, "paid", OrderPaid, step.WaitOpts{Timeout: 24 * time.Hour, Match: "data.id"})
					if err != nil || paid == nil {
						return "unpaid", err
					}
					return "paid", nil
				},
				func(ctx context.Context) (string, error) {
					return "expired", step.Sleep(ctx, "deadline", time.Hour)
				},
			)
			return fmt.Sprintf("branch %d: %s", won, status), err
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-9"})), inngesttest.MockWaitTimeout("paid"))
	fmt.Println(res.Output)
	// Output: branch 1: expired
}

// A Group runs branches of different result types, each with a typed
// handle to its result; Wait runs them all in parallel.
func ExampleGroup() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fulfil"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			var g step.Group
			receipt := step.Go(&g, func(ctx context.Context) (string, error) {
				return step.Run(ctx, "charge", func(ctx context.Context) (string, error) { return "r-1", nil })
			})
			points := step.Go(&g, func(ctx context.Context) (int, error) {
				return step.Run(ctx, "points", func(ctx context.Context) (int, error) { return in.Event.Data.Total / 10, nil })
			})
			parcel := step.Go(&g, func(ctx context.Context) (struct{ Weight float64 }, error) {
				return step.Run(ctx, "pack", func(ctx context.Context) (struct{ Weight float64 }, error) {
					return struct{ Weight float64 }{1.5}, nil
				})
			})
			if err := g.Wait(ctx); err != nil {
				return "", err
			}
			return fmt.Sprintf("%s, %d points, %.1f kg", receipt.Value(), points.Value(), parcel.Value().Weight), nil
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-7", Total: 120})))
	fmt.Println(res.Output)
	// Output: r-1, 12 points, 1.5 kg
}

// Group.Race returns the handle of the branch that won, to compare with
// the handles step.Go returned.
func ExampleGroup_Race() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "quote"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			var g step.Group
			cheap := step.Go(&g, func(ctx context.Context) (int, error) {
				if err := step.Sleep(ctx, "slow-carrier", 2*time.Hour); err != nil {
					return 0, err
				}
				return step.Run(ctx, "cheap-quote", func(ctx context.Context) (int, error) { return 5, nil })
			})
			fast := step.Go(&g, func(ctx context.Context) (string, error) {
				return step.Run(ctx, "express-quote", func(ctx context.Context) (string, error) { return "express: 12", nil })
			})
			won, err := g.Race(ctx)
			switch {
			case err != nil:
				return "", err
			case won == cheap:
				return fmt.Sprintf("cheap: %d", cheap.Value()), nil
			case won == fast:
				return fast.Value(), nil
			}
			return "", nil
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-3"})))
	fmt.Println(res.Output)
	// Output: express: 12
}
