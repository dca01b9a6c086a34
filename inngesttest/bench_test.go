package inngesttest_test

import (
	"context"
	"testing"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// BenchmarkRunSevenDayWait measures a run that waits seven days for an
// event, times out, then runs a step: three call requests.
func BenchmarkRunSevenDayWait(b *testing.B) {
	c := inngesttest.NewClient(b, inngest.ClientConfig{AppID: "bench"})
	fn := create(b, c, inngest.FunctionOpts{ID: "wait"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			ev, err := step.WaitForEvent(ctx, "wait-approval", InvoiceApproved, step.WaitOpts{Timeout: 7 * 24 * time.Hour})
			if err != nil || ev != nil {
				return "", err
			}
			return step.Run(ctx, "escalate", func(ctx context.Context) (string, error) { return "escalated", nil })
		})
	timeout := inngesttest.MockWaitTimeout("wait-approval")
	b.ReportAllocs()
	for b.Loop() {
		res := inngesttest.Run(b, c, fn, timeout)
		if res.Output != "escalated" {
			b.Fatalf("output %q", res.Output)
		}
	}
}

// BenchmarkRunSevenDaySleep measures a run that sleeps seven days, then
// runs a step: the wall time a week of virtual time costs.
func BenchmarkRunSevenDaySleep(b *testing.B) {
	c := inngesttest.NewClient(b, inngest.ClientConfig{AppID: "bench"})
	fn := sevenDaySleep(b, c)
	b.ReportAllocs()
	for b.Loop() {
		res := inngesttest.Run(b, c, fn)
		if res.Output != "ended" {
			b.Fatalf("output %q", res.Output)
		}
	}
}
