// Package clean follows every rule, in the shapes the SDK's examples use.
package clean

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

type Signup struct{ Email string }

var UserSignedUp = inngest.EventType[Signup]("user/signed.up")

type Shop interface {
	Reserve(ctx context.Context, email string) (string, error)
	Cancel(ctx context.Context, id string) error
	Services() map[string]string
}

func Register(c *inngest.Client, shop Shop) error {
	_, err := inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "welcome", OnFailure: func(ctx context.Context, in inngest.FailureInput) error {
			_, err := step.Run(ctx, "alert", func(ctx context.Context) (bool, error) { return true, nil })
			return err
		}},
		UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			id, err := step.Run(ctx, "reserve", func(ctx context.Context) (string, error) {
				return shop.Reserve(ctx, in.Event.Data.Email)
			})
			if err != nil {
				return "", err
			}
			if err := chargeAndShip(ctx); err != nil {
				_, cerr := step.Run(ctx, "cancel", func(ctx context.Context) (bool, error) {
					return true, shop.Cancel(ctx, id)
				})
				return "", errors.Join(err, cerr)
			}
			services := shop.Services()
			for _, name := range slices.Sorted(maps.Keys(services)) {
				if _, err := step.Run(ctx, "check-"+name, func(ctx context.Context) (bool, error) { return true, nil }); err != nil {
					return "", err
				}
			}
			for i := 0; i < 3; i++ {
				if _, err := step.Run(ctx, "chunk-"+strconv.Itoa(i), func(ctx context.Context) (int, error) { return i, nil }); err != nil {
					return "", err
				}
			}
			receipt, points, err := step.Parallel2(ctx,
				func(ctx context.Context) (string, error) {
					return step.Run(ctx, "send-receipt", func(ctx context.Context) (string, error) { return "r", nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "award-points", func(ctx context.Context) (int, error) { return 10, nil })
				})
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return receipt + strconv.Itoa(points), nil
		})
	return err
}

func chargeAndShip(ctx context.Context) error {
	if _, err := step.Run(ctx, "charge", func(ctx context.Context) (string, error) { return "c", nil }); err != nil {
		return err
	}
	_, err := step.Run(ctx, "ship", func(ctx context.Context) (string, error) { return "s", nil })
	return err
}
