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

func TestRateLimitedCallIsRetriedWhenTheAPISays(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	crm := &Fake{RateLimited: 2, Wait: 90 * time.Second}
	fn, err := Register(c, crm)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(ContactUpdated.New(Contact{ContactID: "c-1", Email: "ada@example.com"})))

	require.NoError(t, res.Err)
	require.Equal(t, "crm-c-1", res.Output)
	upsert := res.Step("upsert-contact")
	require.Equal(t, 2, upsert.Attempt)
	require.Len(t, upsert.Attempts, 2)
	for _, a := range upsert.Attempts {
		require.Equal(t, "RetryAfterError", a.Err.Name)
		require.InDelta(t, 90*time.Second, a.RetryAfter, float64(5*time.Second), "RetryAfter counts from the wall clock")
	}
	require.GreaterOrEqual(t, res.Duration(), 170*time.Second)
	require.Equal(t, 3, crm.Calls())
}

func TestInvalidInputFailsOnItsOnlyAttempt(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	crm := &Fake{}
	fn, err := Register(c, crm)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(ContactUpdated.New(Contact{ContactID: "c-2", Email: "not-an-email"})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, `invalid email "not-an-email"`)
	require.Len(t, res.Attempts, 1)
	require.True(t, res.Attempts[0].Err.NoRetry)
	require.Empty(t, res.Steps)
	require.Zero(t, crm.Calls())
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Contains(t, runs[0].Timeline, "RetryAfterError")
}
