package inngesttest_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Answer a step.SendEvent step, seeing the events it sends.
func ExampleMockSendEvent() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "fanout"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "loader"}, inngest.OnEvent("load/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) ([]string, error) {
			return step.SendEvent(ctx, "fan-out", OrderPlaced.New(Order{ID: "a"}), OrderPlaced.New(Order{ID: "b"}))
		})

	res := inngesttest.Run(t, c, fn, inngesttest.MockSendEvent("fan-out", func(events []inngest.GenericEvent) ([]string, error) {
		for _, e := range events {
			fmt.Println("sending", e.Name, e.Data["id"])
		}
		return []string{"id-a", "id-b"}, nil
	}))

	fmt.Println(res.Output)
	// Output:
	// sending order/placed a
	// sending order/placed b
	// [id-a id-b]
}

// Answer a step.Invoke step, seeing the data it invokes with.
func ExampleMockInvoke() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "orders"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "quote"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return step.InvokeByID[int](ctx, "get-price", "pricing-price", Quote{SKU: in.Event.Data.ID}, nil)
		})

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(OrderPlaced.New(Order{ID: "sku-9"})),
		inngesttest.MockInvoke("get-price", func(q Quote) (int, error) {
			fmt.Println("pricing", q.SKU)
			return 1200, nil
		}),
	)

	s := res.Step("get-price")
	fmt.Println(res.Output, s.Kind, s.Invoke.FunctionID, string(s.Invoke.Data))
	// Output:
	// pricing sku-9
	// 1200 invoke pricing-price {"sku":"sku-9"}
}

func newApproval(c *inngest.Client) *inngest.Function[Invoice, string] {
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "approve"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			ok, err := step.WaitForEvent(ctx, "wait-approval", InvoiceApproved, step.WaitOpts{
				Timeout: 7 * 24 * time.Hour,
				If:      "async.data.invoiceId == event.data.id",
			})
			if err != nil || ok == nil {
				return "escalated", err
			}
			return "approved by " + ok.Data.By, nil
		})
	return fn
}

// The awaited event arrives.
func ExampleMockWaitForEvent() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := newApproval(c)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(InvoiceSubmitted.New(Invoice{ID: "inv-1"})),
		inngesttest.MockWaitForEvent("wait-approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"})),
	)

	w := res.Step("wait-approval").Wait
	fmt.Println(res.Output)
	fmt.Println(w.Event, w.Timeout, w.If)
	// Output:
	// approved by ana
	// invoice/approved 168h0m0s async.data.invoiceId == event.data.id
}

// A mocked event that the wait's If expression does not match never
// resumes the wait, as on the server: the step times out, and the test's
// log says why.
func ExampleMockWaitForEvent_unmatched() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := newApproval(c)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(InvoiceSubmitted.New(Invoice{ID: "inv-1"})),
		inngesttest.MockWaitForEvent("wait-approval", InvoiceApproved.New(Approval{InvoiceID: "inv-2", By: "ana"})),
	)

	w := res.Step("wait-approval")
	fmt.Println(res.Output, w.TimedOut, w.Unmatched.Data["invoiceId"])
	// Output:
	// escalated true inv-2
}

// The awaited event never arrives: seven days pass on the virtual clock.
func ExampleMockWaitTimeout() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := newApproval(c)

	res := inngesttest.Run(t, c, fn, inngesttest.MockWaitTimeout("wait-approval"))

	fmt.Println(res.Output, res.Step("wait-approval").TimedOut, res.Duration())
	// Output:
	// escalated true 168h0m0s
}
