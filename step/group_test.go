package step_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

func TestGroupMisuseIsAnError(t *testing.T) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "misuse"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) ([]string, error) {
			var out []string
			note := func(err error) {
				if err != nil {
					out = append(out, err.Error())
				}
			}
			var g step.Group
			step.Go(&g, func(ctx context.Context) (int, error) { return 1, nil })
			note(g.Wait(ctx))
			note(g.Wait(ctx))
			note(step.Go(&g, func(ctx context.Context) (int, error) { return 1, nil }).Err())
			var bad step.Group
			step.Go[int](&bad, nil)
			_, err := bad.Race(ctx)
			note(err)
			var empty step.Group
			_, err = empty.Race(ctx)
			note(err)
			note(step.Go[int](nil, nil).Err())
			_, _, err = step.Race[int](ctx)
			note(err)
			_, _, err = step.Race[int](ctx, nil)
			note(err)
			return out, nil
		})
	require.NoError(t, err)
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o"})))
	require.NoError(t, res.Err)
	require.Equal(t, []string{
		"inngest: a step.Group runs once; use a new Group",
		"inngest: step.Go was called after its step.Group ran; use a new Group",
		"inngest: step.Go: branch 0 has no function",
		"inngest: step.Group.Race needs at least one branch",
		"inngest: step.Go needs a *step.Group",
		"inngest: step.Race needs at least one branch",
		"inngest: step.Race: branch 0 is nil",
	}, res.Output)
}

func TestRaceOutsideFunction(t *testing.T) {
	_, _, err := step.Race(context.Background(), func(ctx context.Context) (int, error) { return 1, nil })
	require.ErrorContains(t, err, "inngest: step.Race")
	var g step.Group
	step.Go(&g, func(ctx context.Context) (int, error) { return 1, nil })
	require.ErrorContains(t, g.Wait(context.Background()), "inngest: step.Group.Wait")
}
