package devserver_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// Skipping a day must not start a run for every missed minute of a cron.
func TestCronDoesNotCatchUpALongJump(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	var ticks atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "tick"}, inngest.OnCron("* * * * *"),
			func(ctx context.Context, in inngest.Input[inngest.CronData]) (int, error) {
				return int(ticks.Add(1)), nil
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nap"}, inngest.OnEvent("nap"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "rested", step.Sleep(ctx, "day", 24*time.Hour)
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "nap", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.LessOrEqual(t, len(srv.FunctionRuns("app-tick")), 61, "at most an hour of missed ticks is caught up")
}

// Env-scoped concurrency keys are shared by every function using them,
// whatever the limit's place in each function's list.
func TestEnvScopedConcurrencyIsShared(t *testing.T) {
	srv := skipping(t)
	var mu sync.Mutex
	running, peak := 0, 0
	work := func(ctx context.Context, in inngest.Input[Data]) (int, error) {
		return step.Run(ctx, "work", func(ctx context.Context) (int, error) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			return 1, nil
		})
	}
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "x",
			Concurrency: []inngest.Concurrency{{Limit: 1, Key: "event.data.u", Scope: "env"}}}, inngest.OnEvent("go"), work)
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "y",
			Concurrency: []inngest.Concurrency{{Limit: 5}, {Limit: 1, Key: "event.data.u", Scope: "env"}}}, inngest.OnEvent("go"), work)
		require.NoError(t, err)
	})
	var evs []devserver.Event
	for i := 0; i < 3; i++ {
		evs = append(evs, devserver.Event{Name: "go", Data: Data{"u": "1"}})
	}
	_, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	settled(t, srv, "app-x", 3)
	settled(t, srv, "app-y", 3)
	require.Equal(t, 1, peak)
}

// Throttle and rate-limit keys whose windows emptied are dropped.
func TestFlowKeysAreDroppedWhenTheirWindowsEmpty(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "rl",
			RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Minute, Key: "event.data.u"}},
			inngest.OnEvent("rl"), func(ctx context.Context, in inngest.Input[Data]) (int, error) { return 1, nil })
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "th",
			Throttle: &inngest.Throttle{Limit: 1, Period: time.Minute, Key: "event.data.u"}},
			inngest.OnEvent("th"), func(ctx context.Context, in inngest.Input[Data]) (int, error) { return 1, nil })
		require.NoError(t, err)
	})
	var evs []devserver.Event
	for i := 0; i < 50; i++ {
		evs = append(evs, devserver.Event{Name: "rl", Data: Data{"u": i}}, devserver.Event{Name: "th", Data: Data{"u": i}})
	}
	_, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Equal(t, 100, srv.Stats().FlowKeys)
	vc.Advance(2 * time.Minute)
	send(t, srv, "unrelated", nil) // any activity sweeps
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Zero(t, srv.Stats().FlowKeys)
}

// A call to an in-process app that never answers ends at CallTimeout, as
// over a socket, and Close does not wait for it past its context.
func TestInProcessCallTimesOut(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	srv, err := devserver.New(devserver.Config{NoListener: true, CallTimeout: 50 * time.Millisecond, Backoff: func(int) time.Duration { return time.Hour }})
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	app := &rawApp{url: "http://stuck.local/api/inngest"}
	var calls atomic.Int32
	app.call = nil
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			app.ServeHTTP(w, r)
			return
		}
		calls.Add(1)
		<-block
	})
	require.NoError(t, srv.AddApp(ctxT(t), app.url, h))
	send(t, srv, "raw/go", nil)
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool { return calls.Load() == 1 && srv.Stats().InFlight == 0 }))

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_ = srv.Close(ctx)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestSendEventAfterCloseFails(t *testing.T) {
	srv, err := devserver.New(devserver.Config{NoListener: true})
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	require.NoError(t, srv.Close(ctxT(t)))
	_, err = srv.SendEvent(ctxT(t), devserver.Event{Name: "late"})
	require.ErrorIs(t, err, devserver.ErrClosed)
}
