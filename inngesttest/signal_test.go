package inngesttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// signalFunction waits a day for the signal "approve-<invoice ID>" and
// says who approved.
func signalFunction(t testing.TB, c *inngest.Client) *inngest.Function[Invoice, string] {
	t.Helper()
	return create(t, c, inngest.FunctionOpts{ID: "await-signal"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			sig, err := step.WaitForSignal[Approval](ctx, "approval", "approve-"+in.Event.Data.ID, step.SignalOpts{
				Timeout: 24 * time.Hour, OnConflict: step.SignalConflictReplace, Name: "Wait for approval"})
			if err != nil {
				return "", err
			}
			if sig == nil {
				return "no approval", nil
			}
			return sig.Name + " by " + sig.Data.By, nil
		})
}

func TestMockWaitForSignal(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := signalFunction(t, c)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(submitted), inngesttest.MockWaitForSignal("approval", Approval{By: "ana"}))
	require.NoError(t, res.Err)
	require.Equal(t, "approve-inv-1 by ana", res.Output)
	st := res.Step("approval")
	require.Equal(t, inngesttest.KindWaitForSignal, st.Kind)
	require.Equal(t, &inngesttest.SignalRecord{Signal: "approve-inv-1", Timeout: 24 * time.Hour, OnConflict: "replace"}, st.Signal)
	require.JSONEq(t, `{"signal":"approve-inv-1","data":{"invoiceId":"","by":"ana"}}`, string(st.Output))
	require.Equal(t, "Wait for approval", st.Name)
	require.True(t, st.Mocked)
	require.False(t, st.TimedOut)
	require.Zero(t, res.Duration())

	res = inngesttest.Run(t, c, fn, inngesttest.Event(submitted), inngesttest.MockWaitTimeout("approval"))
	require.Equal(t, "no approval", res.Output)
	require.True(t, res.Step("approval").TimedOut)
	require.Equal(t, "null", string(res.Step("approval").Output))
	require.Equal(t, 24*time.Hour, res.Duration())

	msg := failures(t, func(tb testing.TB) { inngesttest.Run(tb, c, fn, inngesttest.Event(submitted)) })
	require.Contains(t, msg, `step "approval" of billing-await-signal waits for signal "approve-inv-1" (timeout 24h0m0s) and has no mock: add inngesttest.MockWaitForSignal("approval", data) or inngesttest.MockWaitTimeout("approval")`)
}

// End to end on the embedded orchestrator: the signal resumes the run
// through the server's API; a signal nobody waits for reaches no run.
func TestEnvSendSignal(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "billing"})
	signalFunction(t, c)
	env.Serve(c)

	require.Empty(t, env.SendSignal("approve-inv-1", Approval{By: "early"}))
	id := env.Send(submitted)[0]
	env.WaitIdle()
	env.Advance(time.Hour)
	runID := env.SendSignal("approve-inv-1", Approval{By: "ana"})
	run := env.WaitForEventRun(id)
	require.Equal(t, run.RunID, runID)
	require.Equal(t, "approve-inv-1 by ana", inngesttest.Output[string](t, run))
	require.Equal(t, time.Hour, run.Duration())
	require.Equal(t, []string{"Wait for approval"}, run.StepIDs())
	require.Empty(t, env.SendSignal("approve-inv-1", nil))

	// Unanswered, the wait times out on the virtual clock.
	id = env.Send(InvoiceSubmitted.New(Invoice{ID: "inv-2"}))[0]
	env.SetTimeSkipping(true)
	run = env.WaitForEventRun(id)
	require.Equal(t, "no approval", inngesttest.Output[string](t, run))
	require.Equal(t, 24*time.Hour, run.Duration())
}

// approveFunction sends its event's approval as the signal
// "approve-<invoice ID>", as a step, and returns the run it reached.
func approveFunction(t testing.TB, c *inngest.Client, cp *inngest.Checkpoint) *inngest.Function[Approval, string] {
	t.Helper()
	return create(t, c, inngest.FunctionOpts{ID: "approve", Checkpoint: cp}, InvoiceApproved.Trigger(),
		func(ctx context.Context, in inngest.Input[Approval]) (string, error) {
			sent, err := step.SendSignal(ctx, "approve", "approve-"+in.Event.Data.InvoiceID, in.Event.Data, &step.Opts{Name: "Approve"})
			return sent.RunID, err
		})
}

// In unit mode a signal reaches no run unless mocked; either way the
// step records what it sent.
func TestMockSendSignal(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := approveFunction(t, c, nil)
	approved := inngesttest.Event(InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"}))

	res := inngesttest.Run(t, c, fn, approved)
	require.NoError(t, res.Err)
	require.Equal(t, "", res.Output)
	s := res.Step("approve")
	require.Equal(t, inngesttest.KindSendSignal, s.Kind)
	require.Equal(t, "Approve", s.Name)
	require.Equal(t, &inngesttest.SentSignalRecord{Signal: "approve-inv-1", Data: []byte(`{"invoiceId":"inv-1","by":"ana"}`)}, s.SentSignal)
	require.JSONEq(t, `{}`, string(s.Output))

	res = inngesttest.Run(t, c, fn, approved, inngesttest.MockSendSignal("approve", "01JWAITING"))
	require.NoError(t, res.Err)
	require.Equal(t, "01JWAITING", res.Output)
	s = res.Step("approve")
	require.Equal(t, "01JWAITING", s.SentSignal.RunID)
	require.JSONEq(t, `{"runId":"01JWAITING"}`, string(s.Output))
	require.Equal(t, 3, res.Calls, "planned, sent by a targeted call, then the result")

	// Checkpointed, the step is recorded the same way.
	cc := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp"})
	res = inngesttest.Run(t, cc, approveFunction(t, cc, &inngest.Checkpoint{}), approved)
	require.NoError(t, res.Err)
	s = res.Step("approve")
	require.True(t, s.Checkpointed)
	require.Equal(t, inngesttest.KindSendSignal, s.Kind)
	require.Equal(t, "approve-inv-1", s.SentSignal.Signal)
	require.JSONEq(t, `{"invoiceId":"inv-1","by":"ana"}`, string(s.SentSignal.Data))
}

// End to end on the embedded orchestrator: one run's SendSignal step
// resumes the run waiting for the signal and returns its ID.
func TestEnvSendSignalStep(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "billing"})
	signalFunction(t, c)
	approveFunction(t, c, nil)
	env.Serve(c)

	waiting := env.Send(submitted)[0]
	env.WaitIdle()
	approver := env.WaitForEventRun(env.Send(InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"}))[0])
	run := env.WaitForEventRun(waiting)
	require.Equal(t, "approve-inv-1 by ana", inngesttest.Output[string](t, run))
	require.Equal(t, run.RunID, inngesttest.Output[string](t, approver))
}
