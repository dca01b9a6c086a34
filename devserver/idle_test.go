package devserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// After the clock is moved past a sleep, WaitIdle must not report idle
// until the woken run has been dealt with.
func TestWaitIdleSeesTimersMadeDueByAClockMove(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := startServer(t, devserver.Config{Clock: vc})
	inProcApp(t, srv, "idle", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nap"}, inngest.OnEvent("nap/now"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
					return "", err
				}
				return "rested", nil
			})
		require.NoError(t, err)
	})
	for i := 0; i < 30; i++ {
		id := send(t, srv, "nap/now", nil)
		require.NoError(t, srv.WaitIdle(ctxT(t)))
		vc.Advance(time.Hour)
		require.NoError(t, srv.WaitIdle(ctxT(t)))
		runs := srv.Runs(id)
		require.Len(t, runs, 1)
		require.Equal(t, devserver.StatusCompleted, runs[0].Status, "round %d", i)
	}
}
