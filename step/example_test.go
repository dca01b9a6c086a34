package step_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// t stands in for a test's *testing.T so the examples read as test code.
var t testing.TB = exampleT{}

type exampleT struct{ testing.TB }

func (exampleT) Helper()                           {}
func (exampleT) Logf(string, ...any)               {}
func (exampleT) Cleanup(func())                    {}
func (exampleT) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (exampleT) FailNow()                          { panic("test failed") }

type Order struct {
	ID    string `json:"id"`
	Total int    `json:"total"`
}

var OrderPlaced = inngest.EventType[Order]("shop/order.placed")
var OrderPaid = inngest.EventType[Order]("shop/order.paid")

func ExampleRun() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "receipt"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			// The closure runs once; on later calls its saved result is returned.
			return step.Run(ctx, "make-receipt", func(ctx context.Context) (string, error) {
				return fmt.Sprintf("receipt for %s: %d", in.Event.Data.ID, in.Event.Data.Total), nil
			})
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-1", Total: 42})))
	fmt.Println(res.Output)
	// Output: receipt for o-1: 42
}

func ExampleRun_errors() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "charge", Retries: inngest.Ptr(2)}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			_, err := step.Run(ctx, "charge-card", func(ctx context.Context) (string, error) {
				return "", errors.New("card declined")
			})
			var se *inngest.StepError
			if errors.As(err, &se) {
				// The step failed after its retries: compensate, then fail.
				return "", fmt.Errorf("order %s: %w", in.Event.Data.ID, err)
			}
			return "charged", err
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-2"})))
	fmt.Println(res.Status, len(res.Step("charge-card").Attempts), "attempts")
	// Output: Failed 3 attempts
}

func ExampleWaitForEvent() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "await-payment"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			paid, err := step.WaitForEvent(ctx, "wait-for-payment", OrderPaid, step.WaitOpts{
				Timeout: 24 * time.Hour,
				Match:   "data.id", // event.data.id == async.data.id
			})
			if err != nil {
				return "", err
			}
			if paid == nil {
				return "expired", nil
			}
			return "paid", nil
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-3"})), inngesttest.MockWaitTimeout("wait-for-payment"))
	fmt.Println(res.Output, res.Step("wait-for-payment").Wait.If)
	// Output: expired event.data.id == async.data.id
}

func ExampleParallel2() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "after-payment"}, OrderPaid.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			receipt, points, err := step.Parallel2(ctx,
				func(ctx context.Context) (string, error) {
					return step.Run(ctx, "send-receipt", func(ctx context.Context) (string, error) { return "r-1", nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "award-points", func(ctx context.Context) (int, error) { return 10, nil })
				},
			)
			return fmt.Sprintf("%s +%d", receipt, points), err
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPaid.New(Order{ID: "o-4"})))
	fmt.Println(res.Output)
	// Output: r-1 +10
}

func ExampleSendEvent() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fan-out"}, OrderPaid.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			ids, err := step.SendEvent(ctx, "notify",
				inngest.GenericEvent{Name: "mail/send", Data: map[string]any{"order": in.Event.Data.ID}},
				inngest.GenericEvent{Name: "sms/send", Data: map[string]any{"order": in.Event.Data.ID}},
			)
			return len(ids), err
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPaid.New(Order{ID: "o-5"})))
	for _, ev := range res.Step("notify").Sent {
		fmt.Println(ev.Name)
	}
	// Output:
	// mail/send
	// sms/send
}

func ExampleSleep() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "follow-up"}, OrderPaid.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-week", 7*24*time.Hour); err != nil {
				return "", err
			}
			return "asked for a review", nil
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPaid.New(Order{ID: "o-6"})))
	fmt.Println(res.Output, "after", res.Duration())
	// Output: asked for a review after 168h0m0s
}
