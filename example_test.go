package inngest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

type InvoiceData struct {
	InvoiceID string `json:"invoiceId"`
	Amount    int    `json:"amount"`
}

var InvoiceCreated = inngest.EventType[InvoiceData]("invoice/created")
var InvoiceApproved = inngest.EventType[InvoiceData]("invoice/approved")

func ExampleEventType() {
	ev := InvoiceApproved.New(InvoiceData{InvoiceID: "inv_1", Amount: 4200})
	fmt.Println(ev.Name, ev.Data.InvoiceID, ev.Data.Amount)
	// Output: invoice/approved inv_1 4200
}

func ExampleCreateFunction() {
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: "billing", Dev: "1"})
	if err != nil {
		panic(err)
	}
	fn, err := inngest.CreateFunction(client,
		inngest.FunctionOpts{ID: "process-invoice", Retries: inngest.Ptr(5)},
		InvoiceCreated.Trigger(),
		func(ctx context.Context, in inngest.Input[InvoiceData]) (string, error) {
			approval, err := step.WaitForEvent(ctx, "wait-for-approval", InvoiceApproved, step.WaitOpts{
				Timeout: 7 * 24 * time.Hour,
				Match:   "data.invoiceId",
			})
			if err != nil {
				return "", err
			}
			if approval == nil {
				return "reminder sent", nil
			}
			return step.Run(ctx, "charge", func(ctx context.Context) (string, error) {
				return "charged " + approval.Data.InvoiceID, nil
			})
		})
	if err != nil {
		panic(err)
	}
	fmt.Println(fn.FullID())
	// Output: billing-process-invoice
}

func ExampleNonRetriable() {
	err := inngest.NonRetriable(fmt.Errorf("invoice %q: %w", "inv_1", errBadInput))
	fmt.Println(err)
	fmt.Println(errors.Is(err, errBadInput))
	// Output:
	// invoice "inv_1": bad input
	// true
}

var errBadInput = errors.New("bad input")

func ExampleRetryAfter() {
	err := inngest.RetryAfter(errors.New("rate limited"), 30*time.Second)
	var ra *inngest.RetryAfterError
	fmt.Println(errors.As(err, &ra), ra.Delay)
	// Output: true 30s
}

func ExampleTrigger_OrCron() {
	client, _ := inngest.NewClient(inngest.ClientConfig{AppID: "reports", Dev: "1"})
	_, err := inngest.CreateFunction(client,
		inngest.FunctionOpts{ID: "daily-report"},
		inngest.OnEvent("reports/requested").OrCron("TZ=Europe/Paris 0 9 * * 1-5"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (any, error) { return nil, nil })
	fmt.Println(err)
	// Output: <nil>
}

func ExampleMatchExpressionFor() {
	expr, _ := inngest.MatchExpressionFor(InvoiceApproved, "data.invoiceId")
	fmt.Println(expr)
	_, err := inngest.MatchExpressionFor(InvoiceApproved, "data.invoice_id")
	fmt.Println(err != nil)
	// Output:
	// event.data.invoiceId == async.data.invoiceId
	// true
}
