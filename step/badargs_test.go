package step_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// A step called with arguments it cannot take fails the same way on every
// attempt: the function that returns its error fails without retries, and
// the error still reads as it did.
func TestInvalidStepArgumentsAreNotRetried(t *testing.T) {
	t.Parallel()
	calls := map[string]func(ctx context.Context) error{
		"EmptyID": func(ctx context.Context) error {
			_, err := step.Run(ctx, "", func(context.Context) (int, error) { return 1, nil })
			return err
		},
		"NilFunction": func(ctx context.Context) error {
			_, err := step.Run[int](ctx, "run", nil)
			return err
		},
		"NegativeSleep": func(ctx context.Context) error { return step.Sleep(ctx, "nap", -time.Second) },
		"ZeroSleepUntil": func(ctx context.Context) error {
			return step.SleepUntil(ctx, "nap", time.Time{})
		},
		"ZeroTimeout": func(ctx context.Context) error {
			_, err := step.WaitForEvent(ctx, "wait", Numbers, step.WaitOpts{})
			return err
		},
		"NoEvents": func(ctx context.Context) error {
			_, err := step.SendEvent(ctx, "send")
			return err
		},
		"NotTheFunctionsCtx": func(ctx context.Context) error {
			_, err := step.Run(context.Background(), "run", func(context.Context) (int, error) { return 1, nil })
			return err
		},
		"TwoOpts": func(ctx context.Context) error {
			_, err := step.Run(ctx, "run", func(context.Context) (int, error) { return 1, nil }, &step.Opts{}, &step.Opts{})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "badargs"})
			fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Retries: inngest.Ptr(3)}, Numbers.Trigger(),
				func(ctx context.Context, _ inngest.Input[struct{}]) (int, error) { return 0, call(ctx) })
			require.NoError(t, err)
			res := inngesttest.Run(t, c, fn, inngesttest.Event(Numbers.New(struct{}{})))
			require.Equal(t, inngesttest.StatusFailed, res.Status)
			require.ErrorContains(t, res.Err, "inngest: ")
			require.Len(t, res.Attempts, 1, "an invalid argument is not retried: %v", res.Err)
		})
	}
}
