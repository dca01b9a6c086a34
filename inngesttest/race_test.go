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

// raceFunction waits an hour for an approval, bounded by a 10-minute
// sleep of its own, and says which came first.
func raceFunction(t testing.TB) (*inngest.Client, *inngest.Function[Invoice, string]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := create(t, c, inngest.FunctionOpts{ID: "await"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			var g step.Group
			approval := step.Go(&g, func(ctx context.Context) (*inngest.Event[Approval], error) {
				return step.WaitForEvent(ctx, "approval", InvoiceApproved, step.WaitOpts{Timeout: time.Hour})
			})
			step.Go(&g, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, step.Sleep(ctx, "remind-after", 10*time.Minute)
			})
			won, err := g.Race(ctx)
			if err != nil {
				return "", err
			}
			if won == approval && approval.Value() != nil {
				return "approved by " + approval.Value().Data.By, nil
			}
			if won == approval {
				return "timed out", nil
			}
			return "remind", nil
		})
	return c, fn
}

// In unit mode the steps of a race end at their own virtual times: the
// sleep ends at 10 minutes, before the wait times out at an hour.
func TestRaceStepsEndInVirtualTimeOrder(t *testing.T) {
	c, fn := raceFunction(t)
	res := inngesttest.Run(t, c, fn, inngesttest.Event(submitted), inngesttest.MockWaitTimeout("approval"))
	require.NoError(t, res.Err)
	require.Equal(t, "remind", res.Output)
	require.Equal(t, []string{"remind-after", "approval"}, res.StepIDs())
	require.Equal(t, time.Hour, res.Duration(), "the run ends after the wait it left running")

	res = inngesttest.Run(t, c, fn, inngesttest.Event(submitted),
		inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"})))
	require.NoError(t, res.Err)
	require.Equal(t, "approved by ana", res.Output)
	require.Equal(t, []string{"approval", "remind-after"}, res.StepIDs())
}

// step.Race in unit mode: the first branch to finish wins.
func TestRaceFirstRunStepWins(t *testing.T) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := create(t, c, inngest.FunctionOpts{ID: "quote"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (int, error) {
			won, v, err := step.Race(ctx,
				func(ctx context.Context) (int, error) {
					if err := step.Sleep(ctx, "slow-path", time.Minute); err != nil {
						return 0, err
					}
					return step.Run(ctx, "slow", func(ctx context.Context) (int, error) { return 1, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "fast", func(ctx context.Context) (int, error) { return 2, nil })
				},
			)
			return won*10 + v, err
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(submitted))
	require.NoError(t, res.Err)
	require.Equal(t, 12, res.Output)
}

// After Group.Race only the winner's handle is done, also in the targeted
// call that runs the step after the race, where the loser's step result
// is memoized too (a mocked step makes every step run in a targeted
// call). The function takes the same path on every call.
func TestRaceLoserIsNotDoneInTargetedCalls(t *testing.T) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := create(t, c, inngest.FunctionOpts{ID: "quote"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			var g step.Group
			step.Go(&g, func(ctx context.Context) (int, error) {
				return step.Run(ctx, "fast", func(ctx context.Context) (int, error) { return 1, nil })
			})
			slow := step.Go(&g, func(ctx context.Context) (int, error) {
				return step.Run(ctx, "slow", func(ctx context.Context) (int, error) { return 2, nil })
			})
			if _, err := g.Race(ctx); err != nil {
				return "", err
			}
			next := "use-fast"
			if slow.Done() {
				next = "use-slow"
			}
			return step.Run(ctx, next, func(ctx context.Context) (string, error) {
				return next, nil
			})
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(submitted), inngesttest.MockStepResult("fast", 1))
	require.NoError(t, res.Err)
	require.Equal(t, "use-fast", res.Output)
	require.Equal(t, []string{"fast", "slow", "use-fast"}, res.StepIDs())
}
