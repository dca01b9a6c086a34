package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/schema"
)

// Fake is a payment provider whose first call fails (a timeout) and which
// refuses refunds of payments listed in Expired.
type Fake struct {
	Expired map[string]bool

	mu    sync.Mutex
	calls int
}

// Refund issues the refund.
func (f *Fake) Refund(_ context.Context, paymentID string, _ int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls == 1 {
		return "", errors.New("provider timeout")
	}
	if f.Expired[paymentID] {
		return "", inngest.NonRetriable(fmt.Errorf("payment %s is past the refund window", paymentID))
	}
	return "ref-" + paymentID, nil
}

// Recorder collects log lines and error reports, safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	reports []ErrorReport
}

func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.Write(p)
}

// Report records an error report.
func (r *Recorder) Report(_ context.Context, rep ErrorReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, rep)
}

// Logs returns the log lines so far.
func (r *Recorder) Logs() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

// Reports returns the error reports so far.
func (r *Recorder) Reports() []ErrorReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ErrorReport(nil), r.reports...)
}

// Logger returns a text logger writing to r, without timestamps or run
// IDs so that its lines read the same on every run.
func (r *Recorder) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(r, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "run_id" || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// Example runs the pattern: one refund succeeds after a retried timeout,
// one fails for good, and an invalid one is refused before it is sent.
// Then it prints what the logging and reporting middleware saw.
func Example() demo.Example {
	rec := &Recorder{}
	payments := &Fake{Expired: map[string]bool{"pay-old": true}}
	return demo.Example{
		AppID:      AppID,
		Middleware: Middleware(rec.Logger(), rec.Report),
		Register: func(c *inngest.Client) error {
			_, err := Register(c, payments)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			_, err := env.Send(ctx, RefundRequested.New(Refund{RefundID: "rf-3", PaymentID: "pay-3", Cents: -500}))
			var verr *schema.ValidationError
			if !errors.As(err, &verr) {
				return fmt.Errorf("an invalid refund was sent (error %w)", err)
			}
			fmt.Fprintf(env.Out, "send refused by the validation middleware: %v\n", verr)

			for _, tc := range []struct {
				refund Refund
				want   string
			}{
				{Refund{RefundID: "rf-1", PaymentID: "pay-1", Cents: 1200}, "Completed"},
				{Refund{RefundID: "rf-2", PaymentID: "pay-old", Cents: 800}, "Failed"},
			} {
				ids, err := env.Send(ctx, RefundRequested.New(tc.refund))
				if err != nil {
					return err
				}
				if _, err := env.ExpectRun(ctx, ids[0], tc.want); err != nil {
					return err
				}
			}
			if !env.Embedded() {
				return nil
			}
			fmt.Fprintf(env.Out, "log lines:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(rec.Logs()), "\n", "\n  "))
			fmt.Fprintln(env.Out, "error reports:")
			for _, rep := range rec.Reports() {
				where := "function"
				if rep.StepID != "" {
					where = "step " + rep.StepID
				}
				fmt.Fprintf(env.Out, "  %s attempt %d, %s: %v\n", rep.FunctionID, rep.Attempt, where, rep.Err)
			}
			if n := len(rec.Reports()); n < 3 {
				return fmt.Errorf("%d error reports, want at least 3", n)
			}
			return nil
		},
	}
}
