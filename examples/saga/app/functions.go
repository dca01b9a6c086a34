// Package app is the saga pattern: an order reserves stock, charges the
// card and ships. When a later step fails for good, a compensation step
// releases the reservation, and the error still fails the run.
package app

import (
	"context"
	"errors"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "saga"

// Order is an order to fulfil.
type Order struct {
	OrderID string `json:"orderId"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
	Cents   int    `json:"cents"`
}

// OrderPlaced starts the saga.
var OrderPlaced = inngest.EventType[Order]("shop/order.placed")

// Shop is what the saga talks to; swap in your own.
type Shop interface {
	Reserve(ctx context.Context, o Order) (reservationID string, err error)
	CancelReservation(ctx context.Context, reservationID string) error
	Charge(ctx context.Context, o Order) (chargeID string, err error)
	Ship(ctx context.Context, o Order) (trackingID string, err error)
}

// Register creates the order saga.
func Register(c *inngest.Client, shop Shop) (*inngest.Function[Order, string], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "fulfil-order"},
		OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			o := in.Event.Data
			reservation, err := step.Run(ctx, "reserve-inventory", func(ctx context.Context) (string, error) {
				return shop.Reserve(ctx, o)
			})
			if err != nil {
				return "", err
			}
			tracking, err := chargeAndShip(ctx, shop, o)
			if err != nil {
				// Compensate, then let the original error fail the run.
				_, cerr := step.Run(ctx, "cancel-reservation", func(ctx context.Context) (bool, error) {
					return true, shop.CancelReservation(ctx, reservation)
				})
				return "", errors.Join(err, cerr)
			}
			return tracking, nil
		})
}

func chargeAndShip(ctx context.Context, shop Shop, o Order) (string, error) {
	if _, err := step.Run(ctx, "charge", func(ctx context.Context) (string, error) {
		return shop.Charge(ctx, o)
	}); err != nil {
		return "", err
	}
	return step.Run(ctx, "ship", func(ctx context.Context) (string, error) {
		return shop.Ship(ctx, o)
	})
}
