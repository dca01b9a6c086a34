package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is an in-memory shop. Orders above CardLimit cents are declined.
type Fake struct {
	CardLimit int

	mu       sync.Mutex
	reserved map[string]int
}

// Reserve holds stock for the order.
func (f *Fake) Reserve(_ context.Context, o Order) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reserved == nil {
		f.reserved = map[string]int{}
	}
	id := "res-" + o.OrderID
	f.reserved[id] = o.Qty
	return id, nil
}

// CancelReservation releases the stock.
func (f *Fake) CancelReservation(_ context.Context, reservationID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.reserved, reservationID)
	return nil
}

// Reserved lists the reservations still held.
func (f *Fake) Reserved() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.reserved {
		out = append(out, id)
	}
	return out
}

// Charge declines orders above the card limit, for good.
func (f *Fake) Charge(_ context.Context, o Order) (string, error) {
	if o.Cents > f.CardLimit {
		return "", inngest.NonRetriable(errors.New("card declined"))
	}
	return "ch-" + o.OrderID, nil
}

// Ship pretends to hand the parcel to a carrier.
func (f *Fake) Ship(_ context.Context, o Order) (string, error) {
	return "trk-" + o.OrderID, nil
}

// Example runs the pattern: one order goes through; the other's card is
// declined, so its reservation is cancelled and its run fails.
func Example() demo.Example {
	shop := &Fake{CardLimit: 50000}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, shop)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			ids, err := env.Send(ctx,
				OrderPlaced.New(Order{OrderID: "o-1", SKU: "mug", Qty: 2, Cents: 2400}),
				OrderPlaced.New(Order{OrderID: "o-2", SKU: "sofa", Qty: 1, Cents: 89900}),
			)
			if err != nil {
				return err
			}
			if err := env.ExpectRuns(ctx, ids, "Completed", "Failed"); err != nil {
				return err
			}
			if env.Embedded() {
				held := shop.Reserved()
				fmt.Fprintf(env.Out, "reservations still held: %q\n", held)
				if len(held) != 1 || held[0] != "res-o-1" {
					return fmt.Errorf("reservations held %q, want only res-o-1", held)
				}
			}
			return nil
		},
	}
}
