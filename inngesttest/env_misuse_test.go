package inngesttest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// recordingEnv returns an environment whose failures are recorded rather
// than failing the test, and a function that runs f and returns them.
func recordingEnv(t *testing.T, cfg inngesttest.EnvConfig) (*inngesttest.Env, func(f func()) string) {
	r := &recorder{TB: t}
	env := inngesttest.NewEnv(r, cfg)
	return env, func(f func()) string {
		r.mu.Lock()
		r.msgs = nil
		r.mu.Unlock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			f()
		}()
		<-done
		r.mu.Lock()
		defer r.mu.Unlock()
		return strings.Join(r.msgs, "\n")
	}
}

func TestEnvServeRefusesAClientWiredElsewhere(t *testing.T) {
	t.Parallel()
	env, fails := recordingEnv(t, inngesttest.EnvConfig{})
	unit := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	got := fails(func() { env.Serve(unit) })
	require.Contains(t, got, `client "shop" does not send to the environment`)
	require.Contains(t, got, "env.NewClient")
}

func TestEnvServesAClientBuiltWithItsURLAndHTTPClient(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "own", Dev: env.URL(), APIOrigin: env.URL(), EventAPIOrigin: env.URL(), HTTPClient: env.HTTPClient()})
	require.NoError(t, err)
	create(t, c, inngest.FunctionOpts{ID: "fn"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) { return "ok", nil })
	env.Serve(c)
	run := env.WaitForEventRun(env.Send(UserSignedUp.New(Signup{}))[0])
	require.Equal(t, "ok", inngesttest.Output[string](t, run))
}

func TestEnvWaitThatTimesOutShowsTheTimeline(t *testing.T) {
	t.Parallel()
	// WaitTimeout bounds every wait of the Env, serving and sending
	// included, so it leaves a loaded machine seconds for those; the run
	// never ends, so WaitForEventRun always takes all of it.
	env, fails := recordingEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true, WaitTimeout: 3 * time.Second})
	c := env.NewClient(inngest.ClientConfig{AppID: "billing"})
	create(t, c, inngest.FunctionOpts{ID: "approve"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			_, err := step.WaitForEvent(ctx, "wait-approval", InvoiceApproved, step.WaitOpts{Timeout: time.Hour})
			return "", err
		})
	id := env.Send(InvoiceSubmitted.New(Invoice{ID: "inv-1"}))[0]
	env.WaitIdle() // the run has reached its wait: the timeline shows it

	got := fails(func() { env.WaitForEventRun(id) })
	require.Contains(t, got, "started 1 run(s) within 3s, want 1 ended")
	require.Contains(t, got, `wait          "wait-approval"`)

	got = failures(t, func(tb testing.TB) { inngesttest.Output[string](tb, env.Runs(id)[0]) })
	require.Contains(t, got, "is Running, not Completed")
	require.Contains(t, got, `"wait-approval"`)
}

func TestEnvFunctionRunsNeedsTheFullID(t *testing.T) {
	t.Parallel()
	env, fails := recordingEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "shop"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "ship"}, inngest.OnEvent("order/paid"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	env.Serve(c)
	got := fails(func() { env.FunctionRuns("ship") })
	require.Contains(t, got, `no function "ship" is served; pass the full ID`)
	require.Contains(t, got, `shop-ship`)
}
