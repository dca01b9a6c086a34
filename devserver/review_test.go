package devserver_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// As on the real server, a cron misses no tick: a clock jump over a day
// (a day-long sleep skipped over, then Server.Advance) fires each tick of
// a "*/5" schedule once, in order, with its own scheduledAt.
func TestCronCatchesUpEveryMissedTick(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 30, 0, time.UTC))
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, TimeSkipping: true})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "tick"}, inngest.OnCron("*/5 * * * *"),
			func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
				// Without jitter a tick fires at its scheduled time.
				return time.UnixMilli(in.Event.Timestamp).UTC().Format(time.RFC3339), nil
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
	runs, err := srv.WaitForFunctionRuns(ctxT(t), "app-tick", 288)
	require.NoError(t, err)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Len(t, srv.FunctionRuns("app-tick"), 288, "one run for each tick of the day")
	seen := map[string]bool{}
	for _, r := range runs {
		seen[string(r.Output)] = true
	}
	require.Len(t, seen, 288, "each run has its own tick")
	require.True(t, seen[`"2030-01-01T00:05:00Z"`] && seen[`"2030-01-02T00:00:00Z"`], "first and last ticks")

	require.NoError(t, srv.Advance(12*time.Minute)) // from 00:00:30 on the 2nd: two ticks
	_, err = srv.WaitForFunctionRuns(ctxT(t), "app-tick", 290)
	require.NoError(t, err)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Len(t, srv.FunctionRuns("app-tick"), 290)
}

// Advance needs a virtual clock, and says so.
func TestAdvanceOnARealClockFails(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true})
	err := srv.Advance(time.Minute)
	require.ErrorContains(t, err, "devserver: Advance needs a virtual clock")
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv = startServer(t, devserver.Config{NoListener: true, Clock: vc})
	require.ErrorContains(t, srv.Advance(-time.Second), "cannot go back")
	require.NoError(t, srv.Advance(time.Hour))
	require.Equal(t, time.Date(2030, 1, 1, 1, 0, 0, 0, time.UTC), vc.Now())
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
