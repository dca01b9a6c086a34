package step_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// A step ID of the form "<id>:<n>" is what the nth repeat of "<id>" is
// hashed as, so the two steps would share one saved result: whichever is
// called second would get the other's. The run fails instead, naming
// both, whichever order they come in.
func TestStepIDClashingWithARepeatFailsTheRun(t *testing.T) {
	t.Parallel()
	orders := map[string][]string{
		"ExplicitFirst": {"item", "item:1", "item"},
		"RepeatFirst":   {"item", "item", "item:1"},
		"Nested":        {"item:1", "item:1", "item:1:1"},
	}
	for name, ids := range orders {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := runSteps(t, ids)
			require.Equal(t, inngesttest.StatusFailed, res.Status, "ended with %v", res.Output)
			require.ErrorContains(t, res.Err, "StepMisuse")
			require.ErrorContains(t, res.Err, ids[2])
			require.Len(t, res.Attempts, 1, "a clash is not retried")
		})
	}
}

// IDs that only look alike do not clash.
func TestStepIDsThatOnlyLookLikeRepeatsRun(t *testing.T) {
	t.Parallel()
	ids := []string{"item", "item:01", "item:x", "item:", "item:2", "item", "other:1"}
	res := runSteps(t, ids)
	require.NoError(t, res.Err)
	require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6}, res.Output)
}

// runSteps runs a function that calls step.Run with each of ids in turn,
// the ith returning i, and returns its unit run.
func runSteps(t *testing.T, ids []string) *inngesttest.Result[[]int] {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "clash"})
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, Numbers.Trigger(),
		func(ctx context.Context, _ inngest.Input[struct{}]) ([]int, error) {
			var out []int
			for i, id := range ids {
				v, err := step.Run(ctx, id, func(context.Context) (int, error) { return i, nil })
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		})
	require.NoError(t, err)
	return inngesttest.Run(t, c, fn, inngesttest.Event(Numbers.New(struct{}{})))
}
