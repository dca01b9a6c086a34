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

// Skipping a day must not start a run for every missed minute of a cron,
// nor lose the cron: it fires once for the jump and goes on, catching up
// each tick of a short jump.
func TestCronDoesNotCatchUpALongJump(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 30, 0, time.UTC))
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, TimeSkipping: true})
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
	afterJump := len(srv.FunctionRuns("app-tick"))
	require.GreaterOrEqual(t, afterJump, 1, "the cron fires after the jump")
	require.LessOrEqual(t, afterJump, 61, "at most an hour of missed ticks is caught up")

	vc.Advance(3 * time.Minute) // from :30 past a minute: three ticks
	_, err := srv.WaitForFunctionRuns(ctxT(t), "app-tick", afterJump+3)
	require.NoError(t, err)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Len(t, srv.FunctionRuns("app-tick"), afterJump+3, "each tick of a short jump fires once")
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
// over a socket. The wait is for the run's end, which the server
// announces to WaitFor; whether the handler was entered before the
// deadline (it may not be, on a loaded machine) is not the server's
// state, so the test does not wait on it.
func TestInProcessCallTimesOut(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	srv := startServer(t, devserver.Config{NoListener: true, CallTimeout: 50 * time.Millisecond})
	app := &rawApp{url: "http://stuck.local/api/inngest"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			app.ServeHTTP(w, r)
			return
		}
		<-block
	})
	require.NoError(t, srv.AddApp(ctxT(t), app.url, h))

	r := oneRun(t, srv, send(t, srv, "raw/go", nil)) // the function has no retries

	require.Equal(t, devserver.StatusFailed, r.Status, devserver.FormatTimeline(r))
	last := r.Timeline[len(r.Timeline)-1]
	require.Equal(t, devserver.TimelineFailed, last.Kind)
	require.Equal(t, "NetworkError: context deadline exceeded", last.Detail)
	require.Zero(t, srv.Stats().InFlight)
	require.NoError(t, srv.Close(ctxT(t)), "no call is in flight, so Close has nothing to wait for, stuck handler or not")
}

// Close waits for a call in flight only until its context ends, then
// cancels the call, even when the app never answers.
func TestCloseDoesNotWaitForAStuckCallPastItsContext(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	entered := make(chan struct{}, 1)
	srv := startServer(t, devserver.Config{NoListener: true, CallTimeout: time.Hour})
	app := &rawApp{url: "http://stuck.local/api/inngest"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			app.ServeHTTP(w, r)
			return
		}
		entered <- struct{}{}
		<-block
	})
	require.NoError(t, srv.AddApp(ctxT(t), app.url, h))
	send(t, srv, "raw/go", nil)
	select {
	case <-entered:
	case <-ctxT(t).Done():
		t.Fatal("the call never reached the app")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, srv.Close(ctx), context.DeadlineExceeded)
	require.Zero(t, srv.Stats().InFlight, "the cancelled call was applied before Close returned")
}

func TestSendEventAfterCloseFails(t *testing.T) {
	srv, err := devserver.New(devserver.Config{NoListener: true})
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	require.NoError(t, srv.Close(ctxT(t)))
	_, err = srv.SendEvent(ctxT(t), devserver.Event{Name: "late"})
	require.ErrorIs(t, err, devserver.ErrClosed)
}
