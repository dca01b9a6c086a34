package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// An event for which the trigger's if expression does not hold starts no
// run, as on the server: the function does not run, and the result says
// why.
func ExampleRun_notTriggered() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "review"}, PurchaseMade.If("event.data.total > 100"),
		func(ctx context.Context, in inngest.Input[Purchase]) (string, error) {
			return "reviewed", nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(PurchaseMade.New(Purchase{Total: 5})))

	var nt *inngesttest.NotTriggeredError
	fmt.Println(res.Status, errors.As(res.Err, &nt), nt.Expressions)
	// Output:
	// NotTriggered true [event.data.total > 100]
}

// A mocked invoked run that takes longer on the virtual clock than the
// invoke's timeout gives the step the server's timeout error.
func ExampleMockInvokeAfter() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "orders"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "quote"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return step.InvokeByID[int](ctx, "get-price", "pricing-price", Quote{SKU: in.Event.Data.ID},
				&step.InvokeOpts{Timeout: time.Minute})
		})

	res := inngesttest.Run(t, c, fn, inngesttest.MockInvokeAfter("get-price", time.Hour, func(q Quote) (int, error) {
		return 1200, nil
	}))

	s := res.Step("get-price")
	fmt.Println(s.TimedOut, s.Err.Name, s.At.Sub(res.Started))
	// Output:
	// true InngestInvokeTimeoutError 1m0s
}
