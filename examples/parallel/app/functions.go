// Package app is the parallel-steps pattern: after a payment succeeds, the
// receipt email and the loyalty points are two independent steps, so they
// run at the same time, and the function combines their results.
package app

import (
	"context"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "parallel"

// Payment is a successful payment.
type Payment struct {
	OrderID string `json:"orderId"`
	Email   string `json:"email"`
	Cents   int    `json:"cents"`
}

// PaymentSucceeded starts the post-payment flow.
var PaymentSucceeded = inngest.EventType[Payment]("payment/succeeded")

// Summary is what the flow returns.
type Summary struct {
	OrderID   string `json:"orderId"`
	ReceiptID string `json:"receiptId"`
	Points    int    `json:"points"`
}

// Services are the systems the flow talks to; swap in your own.
type Services interface {
	SendReceipt(ctx context.Context, p Payment) (receiptID string, err error)
	AwardPoints(ctx context.Context, p Payment) (balance int, err error)
}

// Register creates the post-payment function.
func Register(c *inngest.Client, svc Services) (*inngest.Function[Payment, Summary], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "post-payment"},
		PaymentSucceeded.Trigger(),
		func(ctx context.Context, in inngest.Input[Payment]) (Summary, error) {
			p := in.Event.Data
			receipt, points, err := step.Parallel2(ctx,
				func(ctx context.Context) (string, error) {
					return step.Run(ctx, "send-receipt", func(ctx context.Context) (string, error) {
						return svc.SendReceipt(ctx, p)
					})
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "award-points", func(ctx context.Context) (int, error) {
						return svc.AwardPoints(ctx, p)
					})
				})
			if err != nil {
				return Summary{}, err
			}
			return Summary{OrderID: p.OrderID, ReceiptID: receipt, Points: points}, nil
		})
}
