package app

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

var invoice = InvoiceCreated.New(Invoice{InvoiceID: "inv-1", Approver: "grace@example.com", Cents: 12000})

func TestApprovedInvoiceIsPaid(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	billing := &Fake{}
	fn, err := Register(c, billing)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(invoice),
		inngesttest.MockWaitForEvent("wait-for-approval",
			InvoiceApproved.New(Approval{InvoiceID: "inv-1", ApprovedBy: "grace@example.com"})))

	require.NoError(t, res.Err)
	require.Equal(t, Paid, res.Output)
	require.Equal(t, []string{"request-approval", "wait-for-approval", "process-payment"}, res.StepIDs())
	wait := res.Step("wait-for-approval").Wait
	require.Equal(t, "invoice/approved", wait.Event)
	require.Equal(t, 7*24*time.Hour, wait.Timeout)
	require.Contains(t, wait.If, "data.invoiceId")
	require.Equal(t, []string{
		"approval requested for inv-1 from grace@example.com",
		"paid inv-1 (approved by grace@example.com)",
	}, billing.Log())
}

func TestUnapprovedInvoiceGetsAReminderAfterSevenDays(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	billing := &Fake{}
	fn, err := Register(c, billing)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(invoice), inngesttest.MockWaitTimeout("wait-for-approval"))

	require.NoError(t, res.Err)
	require.Equal(t, Reminded, res.Output)
	require.True(t, res.Step("wait-for-approval").TimedOut)
	require.False(t, res.HasStep("process-payment"))
	require.Equal(t, 7*24*time.Hour, res.Duration())
}

func TestFailedPaymentFailsTheRun(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fn, err := Register(c, &Fake{FailPayments: true})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(invoice),
		inngesttest.MockWaitForEvent("wait-for-approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1"})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "bank rejected the transfer")
	require.Len(t, res.Step("process-payment").Attempts, 4)
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Contains(t, runs[0].Timeline, "wait.matched")
	require.Contains(t, runs[1].Timeline, "wait.timeout")
}
