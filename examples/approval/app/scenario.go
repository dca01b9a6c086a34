package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is an in-memory billing system that records what happened.
type Fake struct {
	// FailPayments makes every payment fail.
	FailPayments bool

	mu  sync.Mutex
	log []string
}

func (f *Fake) note(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf(format, args...))
}

// Log lists what happened, in order.
func (f *Fake) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// RequestApproval pretends to email the approver.
func (f *Fake) RequestApproval(_ context.Context, inv Invoice) error {
	f.note("approval requested for %s from %s", inv.InvoiceID, inv.Approver)
	return nil
}

// Pay pretends to pay the invoice.
func (f *Fake) Pay(_ context.Context, inv Invoice, approvedBy string) (string, error) {
	if f.FailPayments {
		return "", errors.New("bank rejected the transfer")
	}
	f.note("paid %s (approved by %s)", inv.InvoiceID, approvedBy)
	return "pay-" + inv.InvoiceID, nil
}

// Remind pretends to nudge the approver.
func (f *Fake) Remind(_ context.Context, inv Invoice) error {
	f.note("reminded %s about %s", inv.Approver, inv.InvoiceID)
	return nil
}

// Example runs the pattern: two invoices wait for approval; one is
// approved, the other waits out its seven days and gets a reminder.
func Example() demo.Example {
	billing := &Fake{}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, billing)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			var ids []string
			// Hold the clock while both runs wait, or the seven days would
			// pass before anyone could approve.
			err := env.FreezeTime(func() error {
				var err error
				ids, err = env.Send(ctx,
					InvoiceCreated.New(Invoice{InvoiceID: "inv-1", Approver: "grace@example.com", Cents: 12000}),
					InvoiceCreated.New(Invoice{InvoiceID: "inv-2", Approver: "alan@example.com", Cents: 9900}),
				)
				if err != nil {
					return err
				}
				for _, id := range ids {
					if err := env.WaitPaused(ctx, id, 1); err != nil {
						return err
					}
				}
				// Elsewhere in the system, someone clicks "approve".
				_, err = env.Send(ctx, InvoiceApproved.New(Approval{InvoiceID: "inv-1", ApprovedBy: "grace@example.com"}))
				return err
			})
			if err != nil {
				return err
			}
			outcomes := []string{Paid, Reminded}
			if !env.Embedded() {
				fmt.Fprintln(env.Out, "inv-2 now waits seven days of real time for its approval")
				outcomes = outcomes[:1]
			}
			for i, want := range outcomes {
				r, err := env.ExpectRun(ctx, ids[i], "Completed")
				if err != nil {
					return err
				}
				if got := string(r.Output); got != fmt.Sprintf("%q", want) {
					return fmt.Errorf("invoice %d ended %s, want %q", i+1, got, want)
				}
			}
			return nil
		},
	}
}
