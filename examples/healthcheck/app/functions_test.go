package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/inngesttest"
)

func TestCheckSendsOneAlertPerUnhealthyService(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fns, err := Register(c, &Fake{Down: map[string]string{"db": "connection refused", "search": "timeout"}})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fns.Check, inngesttest.Event(CheckRequested.New(struct{}{})))

	require.NoError(t, res.Err)
	require.Equal(t, []string{"check-api", "check-db", "check-queue", "check-search", "send-alerts"}, res.StepIDs())
	sent := res.Step("send-alerts").Sent
	require.Len(t, sent, 2)
	require.Equal(t, ServiceDown.Name(), sent[0].Name)
	require.Equal(t, "db", sent[0].Data["service"])
	require.Equal(t, "search", sent[1].Data["service"])
	require.Len(t, res.Output.Alerts, 2)
}

func TestCheckSendsNothingWhenAllAreHealthy(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fns, err := Register(c, &Fake{})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fns.Check, inngesttest.Event(CheckRequested.New(struct{}{})))

	require.NoError(t, res.Err)
	require.False(t, res.HasStep("send-alerts"))
	require.Empty(t, res.Sent)
	require.Len(t, res.Output.Statuses, 4)
}

func TestBrokenCheckFailsTheRunWithoutAlerts(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fns, err := Register(c, &Fake{})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fns.Check, inngesttest.Event(CheckRequested.New(struct{}{})),
		inngesttest.MockStepError("check-queue", errors.New("probe crashed")))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "probe crashed")
	require.False(t, res.HasStep("check-search"))
	require.Empty(t, res.Sent)
}

// The schedule belongs to the orchestrator: on the embedded one with a
// virtual clock, moving the clock to the next five-minute mark starts a
// check run, and its alert starts a page run.
func TestCronRunsEveryFiveMinutes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	finished := make(chan *devserver.Run, 16)
	clock := devserver.NewVirtualClock(time.Date(2025, 3, 10, 9, 1, 0, 0, time.UTC))
	srv, err := devserver.New(devserver.Config{Clock: clock, NoListener: true, OnRunFinished: func(r *devserver.Run) { finished <- r }})
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { _ = srv.Close(context.Background()) })

	c, err := inngest.NewClient(inngest.ClientConfig{AppID: AppID, Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	ops := &Fake{Down: map[string]string{"db": "connection refused"}}
	_, err = Register(c, ops)
	require.NoError(t, err)
	require.NoError(t, srv.AddApp(ctx, "http://healthcheck.local/api/inngest", handler.New(c, handler.Config{})))

	require.NoError(t, srv.WaitIdle(ctx))
	require.Empty(t, ops.Paged(), "nothing runs before the first tick")
	clock.AdvanceTo(time.Date(2025, 3, 10, 9, 5, 0, 0, time.UTC))

	got := map[string]devserver.RunStatus{}
	for len(got) < 2 {
		select {
		case r := <-finished:
			got[r.FunctionID] = r.Status
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	require.Equal(t, devserver.StatusCompleted, got["healthcheck-check-services"])
	require.Equal(t, devserver.StatusCompleted, got["healthcheck-page-on-call"])
	require.Equal(t, []string{"db"}, ops.Paged())
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 3, "one check and two pages")
}
