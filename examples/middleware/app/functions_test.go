package app

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/schema"
)

func setup(t *testing.T) (*inngest.Client, *inngest.Function[Refund, string], *Recorder) {
	t.Helper()
	rec := &Recorder{}
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID, Middleware: Middleware(rec.Logger(), rec.Report)})
	fn, err := Register(c, &Fake{Expired: map[string]bool{"pay-old": true}})
	require.NoError(t, err)
	return c, fn, rec
}

func TestRetriedStepIsLoggedAndReported(t *testing.T) {
	t.Parallel()
	c, fn, rec := setup(t)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(RefundRequested.New(Refund{RefundID: "rf-1", PaymentID: "pay-1", Cents: 1200})))

	require.NoError(t, res.Err)
	require.Equal(t, "ref-pay-1", res.Output)
	reports := rec.Reports()
	require.Len(t, reports, 1)
	require.Equal(t, "refund", reports[0].StepID)
	require.EqualError(t, reports[0].Err, "provider timeout")
	logs := rec.Logs()
	require.Contains(t, logs, `msg="function started" function_id=issue-refund`)
	require.Contains(t, logs, `msg="step failed"`)
	require.Contains(t, logs, `msg=refunding function_id=issue-refund attempt=0 refund_id=rf-1 cents=1200`)
	require.Contains(t, logs, `msg="function finished"`)
}

func TestFailedRunIsReportedAndLogged(t *testing.T) {
	t.Parallel()
	c, fn, rec := setup(t)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(RefundRequested.New(Refund{RefundID: "rf-2", PaymentID: "pay-old", Cents: 800})),
		inngesttest.MockStepError("refund", inngest.NonRetriable(errors.New("past the refund window"))))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	reports := rec.Reports()
	require.Len(t, reports, 1, "a mocked step's code does not run, so only the function's failure is reported")
	require.Empty(t, reports[0].StepID)
	require.ErrorContains(t, reports[0].Err, "past the refund window")
	require.Contains(t, rec.Logs(), `level=ERROR msg="function failed"`)
}

func TestValidationRefusesInvalidEventsInAndOut(t *testing.T) {
	t.Parallel()
	c, fn, rec := setup(t)
	bad := RefundRequested.New(Refund{RefundID: "rf-3", PaymentID: "pay-3", Cents: -500})

	_, err := c.Send(context.Background(), bad)
	var verr *schema.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, "data.cents", verr.Fields[0].Field)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(bad))
	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.Len(t, res.Attempts, 1)
	require.Empty(t, res.Steps)
	require.ErrorContains(t, res.Err, "data.cents")
	require.NotContains(t, rec.Logs(), "msg=refunding", "the function's code never ran")
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
}
