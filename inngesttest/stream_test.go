package inngesttest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// streamedFns defines a function of steps that retries once and one that
// fails for good.
func streamedFns(t *testing.T, c *inngest.Client) (*inngest.Function[map[string]any, string], *inngest.Function[map[string]any, int]) {
	t.Helper()
	tries := 0
	ok, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "steps"}, inngest.OnEvent("stream/steps"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			n, err := step.Run(ctx, "flaky", func(ctx context.Context) (int, error) {
				if tries++; tries == 1 {
					return 0, inngest.RetryAfter(errors.New("busy"), time.Minute)
				}
				return 2, nil
			})
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
				return "", err
			}
			if n != 2 {
				return "", errors.New("step result lost")
			}
			return "done", nil
		})
	require.NoError(t, err)
	bad, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fails", Retries: inngest.Ptr(3)}, inngest.OnEvent("stream/fails"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return 0, inngest.NonRetriable(errors.New("bad input"))
		})
	require.NoError(t, err)
	return ok, bad
}

// With INNGEST_STREAMING set, the handler the engine calls streams its
// answers; the engine reads them as the server does, so runs are the same.
func TestUnitModeReadsStreamedAnswers(t *testing.T) {
	t.Setenv("INNGEST_STREAMING", "true")
	c := NewClient(t, inngest.ClientConfig{AppID: "app"})
	ok, bad := streamedFns(t, c)

	calls, rec := runWire(t, c, ok.FullID(), Event(inngest.GenericEvent{Name: "stream/steps"}))
	require.NotEmpty(t, calls)
	for _, call := range calls {
		require.Equal(t, http.StatusCreated, call.status, "every answer is streamed")
	}
	require.Equal(t, StatusCompleted, rec.Status, "%v", rec.Err)
	require.JSONEq(t, `"done"`, string(rec.RawOutput))
	require.Len(t, rec.Step("flaky").Attempts, 1, "the step error in the frame was retried")
	// Retry-After is a whole second more than asked, counted from the
	// current whole second: the engine's clock starts on one.
	require.Equal(t, time.Hour+time.Minute+time.Second, rec.Duration(), "the frame's Retry-After was honoured")

	res := Run(t, c, bad, Event(inngest.GenericEvent{Name: "stream/fails"}))
	require.Equal(t, StatusFailed, res.Status)
	require.Len(t, res.Attempts, 1, "X-Inngest-No-Retry in the frame is honoured")
}

// Integration mode: devserver calls a streaming handler over its router.
func TestEnvReadsStreamedAnswers(t *testing.T) {
	t.Setenv("INNGEST_STREAMING", "1")
	env := NewEnv(t, EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "app"})
	streamedFns(t, c)
	env.Serve(c)
	run := env.WaitForEventRun(env.Send(inngest.GenericEvent{Name: "stream/steps"})[0])
	require.Equal(t, StatusCompleted, run.Status)
	require.JSONEq(t, `"done"`, string(run.RawOutput))
	run = env.WaitForEventRun(env.Send(inngest.GenericEvent{Name: "stream/fails"})[0])
	require.Equal(t, StatusFailed, run.Status)
}
