package step_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Errors carry the "inngest:" prefix once, however many layers wrap them.
func TestStepErrorsArePrefixedOnce(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "messages"})
	var sendErr error
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, Numbers.Trigger(),
		func(ctx context.Context, _ inngest.Input[struct{}]) (int, error) {
			_, sendErr = step.SendEvent(ctx, "notify", inngest.GenericEvent{})
			return 0, nil
		})
	require.NoError(t, err)
	inngesttest.Run(t, c, fn, inngesttest.Event(Numbers.New(struct{}{})))
	require.EqualError(t, sendErr, `inngest: step.SendEvent("notify"): event has no name; every event needs a name such as "app/user.created"`)

	_, err = c.Send(context.Background(), inngest.GenericEvent{})
	require.EqualError(t, err, `inngest: event has no name; every event needs a name such as "app/user.created"`)
}
