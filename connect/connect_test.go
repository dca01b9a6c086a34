package connect_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

const waitTimeout = 30 * time.Second

// A client made by the test environment and served through Connect: its
// calls come over the gateway, never in-process HTTP.
func TestStepsRunOverConnect(t *testing.T) {
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "connect-app"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "greet"}, inngest.OnEvent("greet/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (any, error) {
			a, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "hello", nil })
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
				return nil, err
			}
			return a + " world", nil
		})
	require.NoError(t, err)
	w := env.ServeConnect(c, nil)
	require.Equal(t, connect.StateReady, w.State())
	ids := env.Send(inngest.GenericEvent{Name: "greet/requested"})
	run := env.WaitForEventRun(ids[0])
	require.Equal(t, inngesttest.StatusCompleted, run.Status, env.Timeline(run.RunID))
	require.JSONEq(t, `"hello world"`, string(run.RawOutput))
}
