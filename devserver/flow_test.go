package devserver_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// settled waits until fnID has n runs and all of them have ended.
func settled(t *testing.T, srv *devserver.Server, fnID string, n int) []*devserver.Run {
	t.Helper()
	runs, err := srv.WaitForFunctionRuns(ctxT(t), fnID, n)
	require.NoError(t, err)
	require.Len(t, runs, n)
	return runs
}

func hasKind(r *devserver.Run, k devserver.TimelineKind) bool {
	for _, e := range r.Timeline {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func TestCancelOnBetweenSteps(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	g := newGatedApp(t, srv, inngest.FunctionOpts{CancelOn: []inngest.CancelOn{{Event: "order/cancelled", Match: "data.id"}}})
	id := send(t, srv, "order/placed", Data{"id": "o1"})
	<-g.started
	// Step a is running: another order's cancellation does nothing, this
	// order's takes effect once step a returns, and step b never runs.
	send(t, srv, "order/cancelled", Data{"id": "o2"})
	send(t, srv, "order/cancelled", Data{"id": "o1"})
	require.Equal(t, devserver.StatusRunning, srv.Runs(id)[0].Status)
	close(g.release)
	r := oneRun(t, srv, id)
	require.Equal(t, devserver.StatusCancelled, r.Status, devserver.FormatTimeline(r))
	require.False(t, g.stepB.Load())
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool { return len(settled(t, srv, "app-watch", 1)) == 1 }))
	require.EqualValues(t, 1, g.cancelled.Load())
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.EqualValues(t, 0, g.failures.Load())
}

func TestCancelOnWhileSleeping(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn",
			CancelOn: []inngest.CancelOn{{Event: "stop", If: "async.data.n > 1", Timeout: time.Hour}}},
			inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "slept", step.Sleep(ctx, "nap", 24*time.Hour)
			})
		require.NoError(t, err)
	})
	id1 := send(t, srv, "go", nil)
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool { return hasKind(srv.Runs(id1)[0], devserver.TimelineSleep) }))
	send(t, srv, "stop", Data{"n": 1}) // fails the If
	send(t, srv, "stop", Data{"n": 2})
	r := oneRun(t, srv, id1)
	require.Equal(t, devserver.StatusCancelled, r.Status)

	// After its timeout the rule is disarmed.
	id2 := send(t, srv, "go", nil)
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool { return hasKind(srv.Runs(id2)[0], devserver.TimelineSleep) }))
	vc.Advance(2 * time.Hour)
	send(t, srv, "stop", Data{"n": 5})
	require.NoError(t, srv.SetTimeSkipping(true))
	r = oneRun(t, srv, id2)
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
}

func TestCronTrigger(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 12, 1, 0, 0, time.UTC))
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, TimeSkipping: true})
	var ticks atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "tick"}, inngest.OnCron("*/5 * * * *"),
			func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
				ticks.Add(1)
				return in.Event.Data.Cron, nil
			})
		require.NoError(t, err)
	})
	// Cron timers never pull the clock forward, even with time skipping.
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Empty(t, srv.FunctionRuns("app-tick"))
	vc.AdvanceTo(time.Date(2030, 1, 1, 12, 5, 0, 0, time.UTC))
	runs := settled(t, srv, "app-tick", 1)
	require.JSONEq(t, `"*/5 * * * *"`, string(runs[0].Output))
	vc.Advance(10 * time.Minute)
	settled(t, srv, "app-tick", 3)
	require.EqualValues(t, 3, ticks.Load())
}

func TestBatchEvents(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "batch",
			BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 10 * time.Second, Key: "event.data.user"}},
			inngest.OnEvent("click"),
			func(ctx context.Context, in inngest.Input[Data]) ([]any, error) {
				out := []any{}
				for _, e := range in.Events {
					out = append(out, e.Data["n"])
				}
				return out, nil
			})
		require.NoError(t, err)
	})
	var evs []devserver.Event
	for i := 1; i <= 7; i++ {
		evs = append(evs, devserver.Event{Name: "click", Data: Data{"n": i, "user": "a"}})
	}
	evs = append(evs, devserver.Event{Name: "click", Data: Data{"n": 100, "user": "b"}})
	_, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	runs := settled(t, srv, "app-batch", 4)
	outs := map[string]bool{}
	for _, r := range runs {
		outs[string(r.Output)] = true
	}
	require.Equal(t, map[string]bool{"[1,2,3]": true, "[4,5,6]": true, "[7]": true, "[100]": true}, outs)
	for _, r := range runs {
		if string(r.Output) == "[7]" {
			require.Len(t, r.EventIDs, 1)
			require.Equal(t, 10*time.Second, r.StartedAt.Sub(runs[0].StartedAt))
		}
	}
}

func TestDebounce(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "deb",
			Debounce: &inngest.Debounce{Period: 10 * time.Second, Key: "event.data.doc", Timeout: 25 * time.Second}},
			inngest.OnEvent("edit"),
			func(ctx context.Context, in inngest.Input[Data]) (any, error) { return in.Event.Data["v"], nil })
		require.NoError(t, err)
	})
	// Three quick edits make one run, with the last edit.
	for i := 1; i <= 3; i++ {
		send(t, srv, "edit", Data{"doc": "d1", "v": i})
		vc.Advance(time.Second)
	}
	require.Empty(t, srv.FunctionRuns("app-deb"))
	vc.Advance(10 * time.Second)
	runs := settled(t, srv, "app-deb", 1)
	require.JSONEq(t, `3`, string(runs[0].Output))
	// Edits every 5s keep pushing the run back, until the 25s timeout.
	for i := 10; i < 20; i++ {
		send(t, srv, "edit", Data{"doc": "d1", "v": i})
		vc.Advance(5 * time.Second)
	}
	runs = settled(t, srv, "app-deb", 3)
	require.JSONEq(t, `14`, string(runs[1].Output))
	require.JSONEq(t, `19`, string(runs[2].Output))
}

func TestConcurrencyLimits(t *testing.T) {
	srv := skipping(t)
	var mu sync.Mutex
	running := map[string]int{}
	maxSeen := map[string]int{}
	total, maxTotal := 0, 0
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "limited",
			Concurrency: []inngest.Concurrency{{Limit: 2}, {Limit: 1, Key: "event.data.user"}}},
			inngest.OnEvent("job"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				user := in.Event.Data["user"].(string)
				for i := 0; i < 2; i++ {
					_, err := step.Run(ctx, "work", func(ctx context.Context) (int, error) {
						mu.Lock()
						running[user]++
						total++
						maxSeen[user] = max(maxSeen[user], running[user])
						maxTotal = max(maxTotal, total)
						mu.Unlock()
						time.Sleep(2 * time.Millisecond)
						mu.Lock()
						running[user]--
						total--
						mu.Unlock()
						return 1, nil
					})
					if err != nil {
						return "", err
					}
				}
				return user, nil
			})
		require.NoError(t, err)
	})
	var evs []devserver.Event
	for i := 0; i < 4; i++ {
		for _, u := range []string{"a", "b", "c"} {
			evs = append(evs, devserver.Event{Name: "job", Data: Data{"user": u}})
		}
	}
	_, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	runs := settled(t, srv, "app-limited", 12)
	for _, r := range runs {
		require.Equal(t, devserver.StatusCompleted, r.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	require.LessOrEqual(t, maxTotal, 2)
	for u, m := range maxSeen {
		require.Equal(t, 1, m, "user %s", u)
	}
}

func TestThrottle(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "thr",
			Throttle: &inngest.Throttle{Limit: 1, Period: time.Minute}},
			inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	_, err := srv.SendEvent(ctxT(t), devserver.Event{Name: "go"}, devserver.Event{Name: "go"}, devserver.Event{Name: "go"})
	require.NoError(t, err)
	runs := settled(t, srv, "app-thr", 3)
	var ends []time.Duration
	for _, r := range runs {
		require.Equal(t, devserver.StatusCompleted, r.Status)
		ends = append(ends, r.EndedAt.Sub(runs[0].StartedAt))
	}
	require.Equal(t, []time.Duration{0, time.Minute, 2 * time.Minute}, ends)
}

func TestRateLimit(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		// 2 per hour: one at once (limit/10 = 0 extra), then one every 30m.
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "rl",
			RateLimit: &inngest.RateLimit{Limit: 2, Period: time.Hour, Key: "event.data.user"}},
			inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	var evs []devserver.Event
	for i := 0; i < 5; i++ {
		evs = append(evs, devserver.Event{Name: "go", Data: Data{"user": "a"}})
	}
	evs = append(evs, devserver.Event{Name: "go", Data: Data{"user": "b"}})
	ids, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	settled(t, srv, "app-rl", 2)
	require.NotEmpty(t, srv.Runs(ids[0]))
	require.Empty(t, srv.Runs(ids[1]), "the second event of user a is dropped")
	require.NotEmpty(t, srv.Runs(ids[5]), "user b has its own key")
	vc.Advance(30 * time.Minute)
	send(t, srv, "go", Data{"user": "a"})
	settled(t, srv, "app-rl", 3)
	require.Empty(t, srv.Runs(send(t, srv, "go", Data{"user": "a"})))
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Len(t, srv.FunctionRuns("app-rl"), 3)
}

func TestIdempotency(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "once", Idempotency: "event.data.order"},
			inngest.OnEvent("pay"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "paid", nil })
		require.NoError(t, err)
	})
	_, err := srv.SendEvent(ctxT(t),
		devserver.Event{Name: "pay", Data: Data{"order": 1}},
		devserver.Event{Name: "pay", Data: Data{"order": 1}},
		devserver.Event{Name: "pay", Data: Data{"order": 2}},
		devserver.Event{ID: "fixed", Name: "pay", Data: Data{"order": 3}},
		devserver.Event{ID: "fixed", Name: "pay", Data: Data{"order": 4}}, // same event ID: one event
	)
	require.NoError(t, err)
	settled(t, srv, "app-once", 3)
	vc.Advance(devserver.IdempotencyPeriod + time.Minute)
	send(t, srv, "pay", Data{"order": 1})
	settled(t, srv, "app-once", 4)
}

func TestPriority(t *testing.T) {
	srv := skipping(t)
	var mu sync.Mutex
	var order []string
	release := make(chan struct{})
	blocking := make(chan struct{}, 1)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "prio",
			Concurrency: []inngest.Concurrency{{Limit: 1}},
			Priority:    &inngest.Priority{Run: "event.data.vip ? 600 : 0"}},
			inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				name := in.Event.Data["name"].(string)
				return step.Run(ctx, "record", func(ctx context.Context) (string, error) {
					if name == "first" {
						blocking <- struct{}{}
						<-release
					}
					mu.Lock()
					order = append(order, name)
					mu.Unlock()
					return name, nil
				})
			})
		require.NoError(t, err)
	})
	send(t, srv, "go", Data{"name": "first", "vip": false})
	<-blocking
	send(t, srv, "go", Data{"name": "normal", "vip": false})
	send(t, srv, "go", Data{"name": "vip", "vip": true})
	close(release)
	settled(t, srv, "app-prio", 3)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"first", "vip", "normal"}, order)
}

func TestTimeouts(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "finish",
			Timeouts: &inngest.Timeouts{Finish: time.Hour}},
			inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "late", step.Sleep(ctx, "long", 2*time.Hour)
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "start",
			Throttle: &inngest.Throttle{Limit: 1, Period: time.Hour},
			Timeouts: &inngest.Timeouts{Start: time.Minute}},
			inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "started", nil })
		require.NoError(t, err)
	})
	_, err := srv.SendEvent(ctxT(t), devserver.Event{Name: "go"}, devserver.Event{Name: "go"})
	require.NoError(t, err)
	fin := settled(t, srv, "app-finish", 2)
	for _, r := range fin {
		require.Equal(t, devserver.StatusCancelled, r.Status)
		require.Equal(t, time.Hour, r.EndedAt.Sub(r.StartedAt))
	}
	st := settled(t, srv, "app-start", 2)
	require.Equal(t, devserver.StatusCompleted, st[0].Status)
	require.Equal(t, devserver.StatusCancelled, st[1].Status, "throttled past its start timeout")
	require.Equal(t, time.Minute, st[1].EndedAt.Sub(st[1].StartedAt))
}

func TestSingleton(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		for _, mode := range []string{inngest.SingletonSkip, inngest.SingletonCancel} {
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: mode,
				Singleton: &inngest.Singleton{Key: "event.data.user", Mode: mode}},
				inngest.OnEvent("go"),
				func(ctx context.Context, in inngest.Input[Data]) (any, error) {
					return in.Event.Data["n"], step.Sleep(ctx, "hold", time.Hour)
				})
			require.NoError(t, err)
		}
	})
	_, err := srv.SendEvent(ctxT(t),
		devserver.Event{Name: "go", Data: Data{"user": "a", "n": 1}},
		devserver.Event{Name: "go", Data: Data{"user": "a", "n": 2}},
		devserver.Event{Name: "go", Data: Data{"user": "b", "n": 3}},
	)
	require.NoError(t, err)
	skip := settled(t, srv, "app-skip", 2)
	require.JSONEq(t, `1`, string(skip[0].Output))
	require.JSONEq(t, `3`, string(skip[1].Output))
	cancel := settled(t, srv, "app-cancel", 3)
	require.Equal(t, devserver.StatusCancelled, cancel[0].Status)
	require.Equal(t, devserver.StatusCompleted, cancel[1].Status)
	require.JSONEq(t, `2`, string(cancel[1].Output))
}

// As on the real server, the runs API lists a batch run under the batch's
// last event only; Server.Runs finds it through any of them.
func TestBatchRunIsListedUnderItsLastEvent(t *testing.T) {
	srv := startServer(t, devserver.Config{TimeSkipping: true})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "batch",
			BatchEvents: &inngest.BatchEvents{MaxSize: 3, Timeout: 10 * time.Second}},
			inngest.OnEvent("click"),
			func(ctx context.Context, in inngest.Input[Data]) (int, error) { return len(in.Events), nil })
		require.NoError(t, err)
	})
	ids, err := srv.SendEvent(ctxT(t), devserver.Event{Name: "click"}, devserver.Event{Name: "click"}, devserver.Event{Name: "click"})
	require.NoError(t, err)
	settled(t, srv, "app-batch", 1)
	for i, id := range ids {
		var list struct {
			Data []map[string]any `json:"data"`
		}
		getJSON(t, srv.URL()+"/v1/events/"+id+"/runs", 200, &list)
		if i == len(ids)-1 {
			require.Len(t, list.Data, 1)
			require.EqualValues(t, 3, list.Data[0]["output"])
			require.Equal(t, id, list.Data[0]["event_id"], "a batch run's event_id is its last event")
		} else {
			require.Empty(t, list.Data, "event %d", i)
		}
		require.Len(t, srv.Runs(id), 1)
	}
}
