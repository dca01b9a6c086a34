package connect_test

import (
	"context"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// benchRuns runs b.N one-step runs end to end on an in-process
// environment, the app served over Connect or in-process HTTP.
func benchRuns(b *testing.B, overConnect bool) {
	env := inngesttest.NewEnv(b, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "bench"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "one-step"}, inngest.OnEvent("bench/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.Run(ctx, "double", func(ctx context.Context) (int, error) { return 42, nil })
		})
	if err != nil {
		b.Fatal(err)
	}
	if overConnect {
		env.ServeConnect(c, nil)
	} else {
		env.Serve(c)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ids := env.Send(inngest.GenericEvent{Name: "bench/run"})
		if r := env.WaitForEventRun(ids[0]); r.Status != inngesttest.StatusCompleted {
			b.Fatalf("run ended %s", r.Status)
		}
	}
}

func BenchmarkRunOverConnect(b *testing.B) { benchRuns(b, true) }
func BenchmarkRunOverHTTP(b *testing.B)    { benchRuns(b, false) }
