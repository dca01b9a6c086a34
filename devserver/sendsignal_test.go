package devserver_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// step.SendSignal end to end: one run sends the signal another waits for,
// as a step; the waiting run resumes with the data, and the sender's step
// saves the waiting run's ID. A signal no run waits for is saved without
// one.
func TestSendSignalStepResumesTheWaitingRun(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true})
	signalApp(t, srv)
	inProcApp(t, srv, "sender", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "approve", Retries: inngest.Ptr(0)}, inngest.OnEvent("approval/given"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				signal, _ := in.Event.Data["signal"].(string)
				sent, err := step.SendSignal(ctx, "approve", signal, approval{By: "ana"}, &step.Opts{Name: "Approve"})
				return sent.RunID, err
			})
		require.NoError(t, err)
	})
	waiter := waitingRun(t, srv, "approval-7", "")

	sender := oneRun(t, srv, send(t, srv, "approval/given", Data{"signal": "approval-7"}))
	require.Equal(t, devserver.StatusCompleted, sender.Status)
	require.JSONEq(t, `"`+waiter+`"`, string(sender.Output), "the step returns the run the signal reached")

	run, err := srv.WaitForRun(ctxT(t), waiter)
	require.NoError(t, err)
	require.Equal(t, devserver.StatusCompleted, run.Status)
	require.JSONEq(t, `"approval-7 approved by ana"`, string(run.Output))

	// The wait is over: the same signal now reaches no run.
	again := oneRun(t, srv, send(t, srv, "approval/given", Data{"signal": "approval-7"}))
	require.Equal(t, devserver.StatusCompleted, again.Status)
	require.JSONEq(t, `""`, string(again.Output))
}
