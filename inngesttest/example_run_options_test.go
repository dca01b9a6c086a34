package inngesttest_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Start a run with a batch of events.
func ExampleEvent() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "count"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			return fmt.Sprintf("%d orders, first %s", len(in.Events), in.Event.Data.ID), nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(
		OrderPlaced.New(Order{ID: "a"}),
		OrderPlaced.New(Order{ID: "b"}),
	))

	fmt.Println(res.Output)
	// Output:
	// 2 orders, first a
}

// Fix the virtual clock's start, to check when steps happen.
func ExampleStartAt() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cal"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "digest"}, inngest.OnEvent("digest/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			if err := step.Sleep(ctx, "wait", 90*time.Minute); err != nil {
				return "", err
			}
			return step.Run(ctx, "send", func(ctx context.Context) (string, error) { return "sent", nil })
		})

	start := time.Date(2030, 1, 7, 8, 0, 0, 0, time.UTC)
	res := inngesttest.Run(t, c, fn, inngesttest.StartAt(start))

	fmt.Println(res.Step("send").At.Format(time.Kitchen))
	// Output:
	// 9:30AM
}

// Choose the run's ID.
func ExampleRunID() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "ids"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "echo"}, inngest.OnEvent("echo"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return in.RunID, nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.RunID("run-42"))

	fmt.Println(res.Output)
	// Output:
	// run-42
}

// Stop a run part way and inspect its state there.
func ExampleStopAt() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := newApproval(c)
	fn2, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "two-steps"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			a, err := step.Run(ctx, "first", func(ctx context.Context) (string, error) { return "A", nil })
			if err != nil {
				return "", err
			}
			return step.Run(ctx, "second", func(ctx context.Context) (string, error) {
				return a + "B", nil
			})
		})

	res := inngesttest.Run(t, c, fn2, inngesttest.StopAt("second"))
	fmt.Println(res.Status, res.StepIDs(), "next:", res.Next[0].ID)

	res2 := inngesttest.Run(t, c, fn, inngesttest.StopAt("wait-approval"))
	fmt.Println(res2.Status, "waiting for", res2.Next[0].Wait.Event)
	// Output:
	// Stopped [first] next: second
	// Stopped waiting for invoice/approved
}
