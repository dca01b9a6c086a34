package inngesttest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// invokeWithTimeout creates a parent that invokes a child with a timeout
// of an hour and returns the child's result, or the invoke's error as
// "<name>: <message>"; the child sleeps for childSleeps first.
func invokeWithTimeout(t *testing.T, childSleeps time.Duration) (*inngest.Client, *inngest.Function[Order, string]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "pricing"})
	child := create(t, c, inngest.FunctionOpts{ID: "slow"}, inngest.On[Quote]("price/slow"),
		func(ctx context.Context, in inngest.Input[Quote]) (string, error) {
			if err := step.Sleep(ctx, "think", childSleeps); err != nil {
				return "", err
			}
			return "priced", nil
		})
	parent := create(t, c, inngest.FunctionOpts{ID: "order"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			out, err := step.Invoke(ctx, "get-price", child, Quote{SKU: "x"}, &step.InvokeOpts{Timeout: time.Hour})
			if se := (*inngest.StepError)(nil); errors.As(err, &se) {
				return se.Name + ": " + se.Message, nil
			}
			if err != nil {
				return "", err
			}
			return out, nil
		})
	return c, parent
}

const invokeTimedOut = "InngestInvokeTimeoutError: Timed out waiting for invoked function to complete"

func TestInvokeTimeoutMockedChildTooSlow(t *testing.T) {
	t.Parallel()
	c, fn := invokeWithTimeout(t, 0)
	called := false

	res := inngesttest.Run(t, c, fn, inngesttest.MockInvokeAfter("get-price", 2*time.Hour, func(Quote) (string, error) {
		called = true
		return "late", nil
	}))

	require.NoError(t, res.Err)
	require.Equal(t, invokeTimedOut, res.Output)
	s := res.Step("get-price")
	require.True(t, s.Mocked)
	require.True(t, s.TimedOut)
	require.Equal(t, "InngestInvokeTimeoutError", s.Err.Name)
	require.Equal(t, time.Hour, s.At.Sub(res.Started), "the step resumes when the timeout passes")
	require.True(t, called, "the invoked run still runs")
}

func TestInvokeTimeoutMockedChildInTime(t *testing.T) {
	t.Parallel()
	c, fn := invokeWithTimeout(t, 0)

	res := inngesttest.Run(t, c, fn, inngesttest.MockInvokeAfter("get-price", 59*time.Minute, func(Quote) (string, error) {
		return "on time", nil
	}))

	require.NoError(t, res.Err)
	require.Equal(t, "on time", res.Output)
	s := res.Step("get-price")
	require.False(t, s.TimedOut)
	require.Equal(t, 59*time.Minute, s.At.Sub(res.Started), "the step resumes when the invoked run ends")
}

func TestInvokeTimeoutInProcessChildTooSlow(t *testing.T) {
	t.Parallel()
	c, fn := invokeWithTimeout(t, 48*time.Hour)

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, invokeTimedOut, res.Output)
	s := res.Step("get-price")
	require.True(t, s.TimedOut)
	require.Equal(t, time.Hour, s.At.Sub(res.Started))
	require.Equal(t, time.Hour, res.Duration())
	require.Equal(t, inngesttest.StatusCompleted, s.Invoked.Status, "the invoked run goes on to its end")
	require.Equal(t, 48*time.Hour, s.Invoked.Duration())
}

func TestInvokeTimeoutInProcessChildInTime(t *testing.T) {
	t.Parallel()
	c, fn := invokeWithTimeout(t, 30*time.Minute)

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, "priced", res.Output)
	require.False(t, res.Step("get-price").TimedOut)
	require.Equal(t, 30*time.Minute, res.Duration())
}
