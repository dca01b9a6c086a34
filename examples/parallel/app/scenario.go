package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is an in-memory mailer and loyalty ledger. Orders listed in
// FailReceipts make the receipt step fail every time.
type Fake struct {
	FailReceipts map[string]bool

	mu     sync.Mutex
	points map[string]int
}

// SendReceipt pretends to email a receipt.
func (f *Fake) SendReceipt(_ context.Context, p Payment) (string, error) {
	if f.FailReceipts[p.OrderID] {
		return "", errors.New("mail server refused the message")
	}
	return "rcpt-" + p.OrderID, nil
}

// AwardPoints gives one point per whole currency unit and returns the
// customer's balance.
func (f *Fake) AwardPoints(_ context.Context, p Payment) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.points == nil {
		f.points = map[string]int{}
	}
	f.points[p.Email] += p.Cents / 100
	return f.points[p.Email], nil
}

// Example runs the pattern: one payment whose receipt and points both
// succeed, and one whose receipt keeps failing, so the run fails after
// its retries.
func Example() demo.Example {
	fake := &Fake{FailReceipts: map[string]bool{"o-2": true}}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, fake)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			ids, err := env.Send(ctx,
				PaymentSucceeded.New(Payment{OrderID: "o-1", Email: "ada@example.com", Cents: 4200}),
				PaymentSucceeded.New(Payment{OrderID: "o-2", Email: "alan@example.com", Cents: 1500}),
			)
			if err != nil {
				return err
			}
			ok, err := env.ExpectRun(ctx, ids[0], "Completed")
			if err != nil {
				return err
			}
			var s Summary
			if err := json.Unmarshal(ok.Output, &s); err != nil {
				return err
			}
			if s.ReceiptID != "rcpt-o-1" || s.Points != 42 {
				return fmt.Errorf("summary %+v, want receipt rcpt-o-1 and 42 points", s)
			}
			_, err = env.ExpectRun(ctx, ids[1], "Failed")
			return err
		},
	}
}
