package app

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

func TestPostPaymentCombinesParallelSteps(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fn, err := Register(c, &Fake{})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(PaymentSucceeded.New(Payment{OrderID: "o-1", Email: "ada@example.com", Cents: 4200})))

	require.NoError(t, res.Err)
	require.Equal(t, Summary{OrderID: "o-1", ReceiptID: "rcpt-o-1", Points: 42}, res.Output)
	require.ElementsMatch(t, []string{"send-receipt", "award-points"}, res.StepIDs())
}

func TestPostPaymentFailsWhenABranchFails(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fn, err := Register(c, &Fake{})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(PaymentSucceeded.New(Payment{OrderID: "o-2", Email: "alan@example.com", Cents: 1500})),
		inngesttest.MockStepError("send-receipt", errors.New("mail server down")),
		inngesttest.MockStepResult("award-points", 15))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "mail server down")
	require.Len(t, res.Step("send-receipt").Attempts, 4, "the first attempt and three retries")
	require.Nil(t, res.Step("award-points").Err, "the other branch still completed")
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
}
