// Package app is the middleware pattern: the client runs every function
// and every send through three middlewares — structured logging,
// schema validation, and a custom error reporter (reporter.go) — so the
// function itself holds only business logic.
package app

import (
	"context"
	"log/slog"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/validation"
	"github.com/durablefn/inngest/schema"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "middleware"

// Refund asks to refund part of a payment.
type Refund struct {
	RefundID  string `json:"refundId"`
	PaymentID string `json:"paymentId"`
	Cents     int    `json:"cents" jsonschema:"minimum=1"`
}

// RefundRequested starts a refund.
var RefundRequested = inngest.EventType[Refund]("billing/refund.requested")

// Events is the app's schema registry.
var Events = func() *schema.Registry {
	var r schema.Registry
	if err := schema.Add(&r, RefundRequested); err != nil {
		panic(err)
	}
	return &r
}()

// Middleware returns the app's middleware, for inngest.ClientConfig:
// logging first, so that it wraps the others and sees their errors.
func Middleware(logger *slog.Logger, report func(context.Context, ErrorReport)) []middleware.Middleware {
	return []middleware.Middleware{
		middleware.NewLogging(middleware.LoggingConfig{Logger: logger}),
		validation.New(validation.Config{Registry: Events}),
		&ErrorReporter{Report: report},
	}
}

// Payments issues refunds; swap in your own.
type Payments interface {
	Refund(ctx context.Context, paymentID string, cents int) (refundRef string, err error)
}

// Register creates the refund function.
func Register(c *inngest.Client, p Payments) (*inngest.Function[Refund, string], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "issue-refund"},
		RefundRequested.Trigger(),
		func(ctx context.Context, in inngest.Input[Refund]) (string, error) {
			r := in.Event.Data
			inngest.Logger(ctx).Info("refunding", "refund_id", r.RefundID, "cents", r.Cents)
			return step.Run(ctx, "refund", func(ctx context.Context) (string, error) {
				return p.Refund(ctx, r.PaymentID, r.Cents)
			})
		})
}
