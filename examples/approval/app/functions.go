// Package app is the human-in-the-loop pattern: an invoice waits up to
// seven days for someone to approve it. Approved, it is paid; not, its
// approver gets a reminder. The approval is an event sent by another part
// of the system, matched to the run by invoice ID.
package app

import (
	"context"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "approval"

// Invoice is an invoice to approve.
type Invoice struct {
	InvoiceID string `json:"invoiceId"`
	Approver  string `json:"approver"`
	Cents     int    `json:"cents"`
}

// Approval says who approved which invoice.
type Approval struct {
	InvoiceID  string `json:"invoiceId"`
	ApprovedBy string `json:"approvedBy"`
}

// Events of the pattern.
var (
	InvoiceCreated  = inngest.EventType[Invoice]("invoice/created")
	InvoiceApproved = inngest.EventType[Approval]("invoice/approved")
)

// Outcomes of a run.
const (
	Paid     = "paid"
	Reminded = "reminded"
)

// Billing is what the flow talks to; swap in your own.
type Billing interface {
	RequestApproval(ctx context.Context, inv Invoice) error
	Pay(ctx context.Context, inv Invoice, approvedBy string) (paymentID string, err error)
	Remind(ctx context.Context, inv Invoice) error
}

// Register creates the approval flow.
func Register(c *inngest.Client, b Billing) (*inngest.Function[Invoice, string], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "invoice-approval"},
		InvoiceCreated.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			inv := in.Event.Data
			if _, err := step.Run(ctx, "request-approval", func(ctx context.Context) (bool, error) {
				return true, b.RequestApproval(ctx, inv)
			}); err != nil {
				return "", err
			}
			approval, err := step.WaitForEvent(ctx, "wait-for-approval", InvoiceApproved,
				step.WaitOpts{Timeout: 7 * 24 * time.Hour, Match: "data.invoiceId"})
			if err != nil {
				return "", err
			}
			if approval == nil {
				_, err := step.Run(ctx, "send-reminder", func(ctx context.Context) (bool, error) {
					return true, b.Remind(ctx, inv)
				})
				return Reminded, err
			}
			_, err = step.Run(ctx, "process-payment", func(ctx context.Context) (string, error) {
				return b.Pay(ctx, inv, approval.Data.ApprovedBy)
			})
			return Paid, err
		})
}
