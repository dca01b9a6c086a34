package devserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// echoApp adds an app "app" with one function "fn" on event "go" that
// returns at once.
func echoApp(t *testing.T, srv *devserver.Server) {
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
}

func waitStats(t *testing.T, srv *devserver.Server, ok func(devserver.Stats) bool) devserver.Stats {
	t.Helper()
	var st devserver.Stats
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool { st = srv.Stats(); return ok(st) }), "stats: %+v", st)
	return st
}

func TestRetentionBoundsFinishedRuns(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, RunRetention: time.Hour, MaxFinishedRuns: 3})
	echoApp(t, srv)
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = send(t, srv, "go", nil)
		oneRun(t, srv, ids[i])
	}
	// At most three finished runs are kept: the two that ended first went.
	waitStats(t, srv, func(st devserver.Stats) bool { return st.Runs == 3 && st.RunningRuns == 0 })
	require.Empty(t, srv.Runs(ids[0]))
	require.Empty(t, srv.Runs(ids[1]))
	require.Len(t, srv.Runs(ids[4]), 1)
	runID := srv.Runs(ids[4])[0].ID
	require.NotNil(t, srv.Run(runID))
	require.Len(t, srv.FunctionRuns("app-fn"), 3)

	// An hour after they ended, the rest go too: nothing but the clock
	// moves, and the server notices.
	vc.Advance(59 * time.Minute)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Equal(t, 3, srv.Stats().Runs)
	vc.Advance(time.Minute)
	waitStats(t, srv, func(st devserver.Stats) bool { return st.Runs == 0 })
	require.Nil(t, srv.Run(runID))
	require.Empty(t, srv.FunctionRuns("app-fn"))
}

func TestRetentionKeepsRunningRuns(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, RunRetention: time.Minute, MaxFinishedRuns: 1, EventRetention: time.Minute})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "wait"}, inngest.OnEvent("start"),
			func(ctx context.Context, in inngest.Input[Data]) (bool, error) {
				ev, err := step.WaitForEvent(ctx, "approval", inngest.EventType[Data]("approval"), step.WaitOpts{Timeout: 48 * time.Hour})
				return ev != nil, err
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "start", nil)
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(id)
		return len(runs) == 1 && len(runs[0].WaitingFor) == 1
	}))
	runID := srv.Runs(id)[0].ID
	vc.Advance(24 * time.Hour)
	st := waitStats(t, srv, func(st devserver.Stats) bool { return st.Events == 0 })
	require.Equal(t, 1, st.RunningRuns)
	require.NotNil(t, srv.Run(runID))
	// The run still sees its event, and still ends normally.
	send(t, srv, "approval", nil)
	r, err := srv.WaitForRun(ctxT(t), runID)
	require.NoError(t, err)
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, "true", string(r.Output))
}

func TestRetentionEventIDDeduplicationLasts24Hours(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	echoApp(t, srv)
	sendID := func() string {
		ids, err := srv.SendEvent(ctxT(t), devserver.Event{ID: "evt-1", Name: "go"})
		require.NoError(t, err)
		return ids[0]
	}
	firstID := sendID()
	first := oneRun(t, srv, firstID)
	vc.Advance(23 * time.Hour)
	sendID() // seen 23 hours ago: accepted, starts nothing
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Len(t, srv.FunctionRuns("app-fn"), 1)

	vc.Advance(time.Hour)
	waitStats(t, srv, func(st devserver.Stats) bool { return st.Events == 0 })
	lastID := sendID() // seen 24 hours ago: a new event, a new run
	var runs []*devserver.Run
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs = srv.FunctionRuns("app-fn")
		return len(runs) == 2 && runs[1].Status.Ended()
	}))
	require.Equal(t, first.ID, runs[0].ID)
	require.Equal(t, devserver.StatusCompleted, runs[1].Status)
	// Each stored event has an internal ID of its own; both carry the
	// sender's ID as their "id" field.
	require.NotEqual(t, firstID, lastID)
	require.Len(t, srv.Runs(lastID), 1)
	require.Equal(t, runs[1].ID, srv.Runs(lastID)[0].ID)
	for _, r := range runs {
		require.Len(t, r.EventIDs, 1)
	}
}

func TestRetentionIdempotencyKeys(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, MaxEvents: 2})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "once", Idempotency: "event.data.k"},
			inngest.OnEvent("pay"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "paid", nil })
		require.NoError(t, err)
	})
	for _, k := range []string{"a", "b", "c"} {
		send(t, srv, "pay", Data{"k": k})
	}
	settled(t, srv, "app-once", 3)
	// Only two keys (and two events) are kept: "a", the oldest, went.
	st := waitStats(t, srv, func(st devserver.Stats) bool { return st.IdempotencyKeys == 2 })
	require.LessOrEqual(t, st.Events, 2)
	send(t, srv, "pay", Data{"k": "c"}) // still kept: starts nothing
	send(t, srv, "pay", Data{"k": "a"}) // dropped: starts a run
	settled(t, srv, "app-once", 4)

	// After 24 hours every key has expired.
	vc.Advance(devserver.IdempotencyPeriod)
	waitStats(t, srv, func(st devserver.Stats) bool { return st.IdempotencyKeys == 0 && st.Events == 0 })
}
