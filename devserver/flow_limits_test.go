package devserver_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// The throttle and rate limit follow the real server's GCRA: a key lets a
// burst through at once (limit+burst runs for a throttle, limit/10+1 for a
// rate limit), then one run every period/limit.

var limitsEpoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// ranAt returns, for each run in creation order, when it ran as an offset
// from limitsEpoch. The functions these tests use have no steps, so a run
// ends on the virtual clock at the instant its first call starts.
func ranAt(t *testing.T, runs []*devserver.Run) []time.Duration {
	t.Helper()
	out := make([]time.Duration, len(runs))
	for i, r := range runs {
		require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
		out[i] = r.EndedAt.Sub(limitsEpoch)
	}
	return out
}

// ran reports, for each event ID, whether it started a run.
func ran(srv *devserver.Server, ids []string) []bool {
	out := make([]bool, len(ids))
	for i, id := range ids {
		out[i] = len(srv.Runs(id)) > 0
	}
	return out
}

func sendN(t *testing.T, srv *devserver.Server, name string, data map[string]any, n int) []string {
	t.Helper()
	evs := make([]devserver.Event, n)
	for i := range evs {
		evs[i] = devserver.Event{Name: name, Data: data}
	}
	ids, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	return ids
}

func TestThrottleStartsRunsAtTheGCRARate(t *testing.T) {
	t.Parallel()
	const m = time.Minute
	cases := []struct {
		name     string
		throttle inngest.Throttle
		events   int
		want     []time.Duration
	}{
		{"OnePerPeriod", inngest.Throttle{Limit: 1, Period: m}, 3, []time.Duration{0, m, 2 * m}},
		// Limit runs at once, then one every period/limit, not the next
		// limit runs a whole period later.
		{"SpreadOverThePeriod", inngest.Throttle{Limit: 2, Period: m}, 5, []time.Duration{0, 0, 30 * time.Second, m, 90 * time.Second}},
		{"Burst", inngest.Throttle{Limit: 2, Period: m, Burst: 1}, 5, []time.Duration{0, 0, 0, 30 * time.Second, m}},
		{"LargerBurst", inngest.Throttle{Limit: 3, Period: m, Burst: 2}, 7, []time.Duration{0, 0, 0, 0, 0, 20 * time.Second, 40 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
			th := tc.throttle
			inProcApp(t, srv, "app", func(c *inngest.Client) {
				_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "thr", Throttle: &th}, inngest.OnEvent("go"),
					func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
				require.NoError(t, err)
			})
			sendN(t, srv, "go", nil, tc.events)
			require.Equal(t, tc.want, ranAt(t, settled(t, srv, "app-thr", tc.events)))
		})
	}
}

// Capacity comes back one run per emission interval, not all at once when
// a window ends.
func TestThrottleRefillsOneRunPerEmissionInterval(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(limitsEpoch)
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "thr",
			Throttle: &inngest.Throttle{Limit: 3, Period: 30 * time.Second}}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	sendN(t, srv, "go", nil, 3)
	settled(t, srv, "app-thr", 3)
	vc.Advance(10 * time.Second)
	sendN(t, srv, "go", nil, 2)
	got := ranAt(t, settled(t, srv, "app-thr", 5))
	require.Equal(t, []time.Duration{0, 0, 0, 10 * time.Second, 20 * time.Second}, got)

	// Idle for a whole period, the key is back at full capacity.
	vc.Advance(time.Minute)
	at := vc.Now().Sub(limitsEpoch)
	sendN(t, srv, "go", nil, 4)
	got = ranAt(t, settled(t, srv, "app-thr", 9))[5:]
	require.Equal(t, []time.Duration{at, at, at, at + 10*time.Second}, got)
}

func TestThrottleKeysAreSeparate(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "thr",
			Throttle: &inngest.Throttle{Limit: 1, Period: time.Minute, Key: "event.data.user"}}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (any, error) { return in.Event.Data["user"], nil })
		require.NoError(t, err)
	})
	var evs []devserver.Event
	for _, u := range []string{"a", "b", "a", "c", "b", "a"} {
		evs = append(evs, devserver.Event{Name: "go", Data: Data{"user": u}})
	}
	_, err := srv.SendEvent(ctxT(t), evs...)
	require.NoError(t, err)
	runs := settled(t, srv, "app-thr", 6)
	got := map[string][]time.Duration{}
	for i, at := range ranAt(t, runs) {
		u := strings.Trim(string(runs[i].Output), `"`)
		got[u] = append(got[u], at)
	}
	for _, l := range got {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	require.Equal(t, map[string][]time.Duration{
		"a": {0, time.Minute, 2 * time.Minute},
		"b": {0, time.Minute},
		"c": {0},
	}, got)
}

// A rate limit lets limit/10+1 runs through at once, then one per
// period/limit, and drops the rest.
func TestRateLimitFollowsTheGCRA(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(limitsEpoch)
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		// 10 per hour: two at once, then one every 6 minutes.
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "rl",
			RateLimit: &inngest.RateLimit{Limit: 10, Period: time.Hour}}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	try := func(advance time.Duration, n int) []bool {
		vc.Advance(advance)
		ids := sendN(t, srv, "go", nil, n)
		require.NoError(t, srv.WaitIdle(ctxT(t)))
		return ran(srv, ids)
	}
	require.Equal(t, []bool{true, true, false, false}, try(0, 4))
	require.Equal(t, []bool{false}, try(5*time.Minute, 1), "one emission interval has not passed")
	require.Equal(t, []bool{true, false}, try(time.Minute, 2))
	require.Equal(t, []bool{true, true, false}, try(time.Hour, 3), "back at full capacity")
	for _, r := range srv.FunctionRuns("app-rl") {
		require.Equal(t, devserver.StatusCompleted, r.Status)
	}
	require.Len(t, srv.FunctionRuns("app-rl"), 5)
}

// A rate-limit key that evaluates to false leaves the event out of the
// limit.
func TestRateLimitKeyFalseIsExempt(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "rl",
			RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Hour, Key: "event.data.group"}}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	exempt := sendN(t, srv, "go", Data{"group": false}, 3)
	limited := sendN(t, srv, "go", Data{"group": "x"}, 3)
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Equal(t, []bool{true, true, true}, ran(srv, exempt))
	require.Equal(t, []bool{true, false, false}, ran(srv, limited))
}

// The rate-limit stage (idempotency key, or else rate limit) comes before
// debouncing and is skipped by batches, as on the real server.
func TestRateLimitStage(t *testing.T) {
	t.Parallel()
	t.Run("IdempotencyReplacesRateLimit", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
		inProcApp(t, srv, "app", func(c *inngest.Client) {
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "f", Idempotency: "event.data.k",
				RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Hour}}, inngest.OnEvent("go"),
				func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
			require.NoError(t, err)
		})
		ids, err := srv.SendEvent(ctxT(t),
			devserver.Event{Name: "go", Data: Data{"k": 1}},
			devserver.Event{Name: "go", Data: Data{"k": 2}},
			devserver.Event{Name: "go", Data: Data{"k": 1}},
			devserver.Event{Name: "go", Data: Data{"k": 3}},
		)
		require.NoError(t, err)
		require.NoError(t, srv.WaitIdle(ctxT(t)))
		require.Equal(t, []bool{true, true, false, true}, ran(srv, ids))
	})
	t.Run("RateLimitBeforeDebounce", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
		inProcApp(t, srv, "app", func(c *inngest.Client) {
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "f",
				RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Hour},
				Debounce:  &inngest.Debounce{Period: 10 * time.Second}}, inngest.OnEvent("go"),
				func(ctx context.Context, in inngest.Input[Data]) (any, error) { return in.Event.Data["v"], nil })
			require.NoError(t, err)
		})
		_, err := srv.SendEvent(ctxT(t), devserver.Event{Name: "go", Data: Data{"v": 1}}, devserver.Event{Name: "go", Data: Data{"v": 2}})
		require.NoError(t, err)
		runs := settled(t, srv, "app-f", 1)
		require.JSONEq(t, `1`, string(runs[0].Output), "the second event was dropped before it reached the debounce")
	})
	t.Run("BatchesSkipRateLimit", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
		inProcApp(t, srv, "app", func(c *inngest.Client) {
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "f", Idempotency: "event.data.k",
				RateLimit:   &inngest.RateLimit{Limit: 1, Period: time.Hour},
				BatchEvents: &inngest.BatchEvents{MaxSize: 2, Timeout: 10 * time.Second}}, inngest.OnEvent("go"),
				func(ctx context.Context, in inngest.Input[Data]) (int, error) { return len(in.Events), nil })
			require.NoError(t, err)
		})
		sendN(t, srv, "go", Data{"k": 1}, 4)
		for _, r := range settled(t, srv, "app-f", 2) {
			require.JSONEq(t, `2`, string(r.Output))
		}
	})
}

// Runs started by step.Invoke meet throttle and rate limit like any other
// run, as on the real server.
func TestInvokedRunsMeetThrottleAndRateLimit(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		throttled, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "throttled",
			Throttle: &inngest.Throttle{Limit: 1, Period: time.Hour}}, inngest.OnEvent("never/sent"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
		limited, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "limited",
			RateLimit: &inngest.RateLimit{Limit: 1, Period: time.Hour}}, inngest.OnEvent("never/sent"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				child := throttled
				if in.Event.Data["to"] == "limited" {
					child = limited
				}
				out, err := step.Invoke(ctx, "call", child, Data{}, nil)
				if err != nil {
					return err.Error(), nil
				}
				return out, nil
			})
		require.NoError(t, err)
	})
	sendN(t, srv, "go", Data{"to": "throttled"}, 2)
	require.Equal(t, []time.Duration{0, time.Hour}, ranAt(t, settled(t, srv, "app-throttled", 2)))

	var outs []string
	for range 2 {
		outs = append(outs, string(oneRun(t, srv, send(t, srv, "go", Data{"to": "limited"})).Output))
	}
	require.Equal(t, `"ok"`, outs[0])
	require.Contains(t, outs[1], "invoked function is rate limited", "the second invocation is rate limited and fails the step")
	require.Len(t, srv.FunctionRuns("app-limited"), 1)
}

// An invocation skipped by a singleton (or an idempotency key) is not
// reported to the invoker, which waits for its timeout, as on the real
// server.
func TestInvokeSkippedBySingletonWaitsForTheTimeout(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, Clock: devserver.NewVirtualClock(limitsEpoch)})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		single, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "single",
			Singleton: &inngest.Singleton{Mode: inngest.SingletonSkip}}, inngest.OnEvent("never/sent"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "ok", step.Sleep(ctx, "hold", 10*time.Minute)
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				out, err := step.Invoke(ctx, "call", single, Data{}, &step.InvokeOpts{Timeout: 30 * time.Minute})
				if err != nil {
					return err.Error(), nil
				}
				return out, nil
			})
		require.NoError(t, err)
	})
	ids := sendN(t, srv, "go", nil, 2)
	var outs []string
	var ended []time.Duration
	for _, id := range ids {
		r := oneRun(t, srv, id)
		outs = append(outs, string(r.Output))
		ended = append(ended, r.EndedAt.Sub(limitsEpoch))
	}
	require.Contains(t, outs, `"ok"`, "one invocation runs")
	timedOut := outs[0]
	if timedOut == `"ok"` {
		timedOut = outs[1]
	}
	require.Contains(t, timedOut, "Timed out", "the skipped one times out")
	require.Contains(t, ended, 30*time.Minute)
	require.Len(t, srv.FunctionRuns("app-single"), 1)
}

// Throttle and rate-limit settings the real server refuses are refused at
// sync with a message; those it normalises are accepted.
func TestFlowLimitSyncPayloads(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{})
	fn := func(cfg string) string {
		return `{"url":"http://127.0.0.1:1/api","appName":"a","functions":[{"id":"a-f","name":"f","triggers":[{"event":"x"}],` + cfg +
			`,"steps":{"step":{"id":"step","name":"step","runtime":{"type":"http","url":"http://127.0.0.1:1/api?fnId=a-f&stepId=step"}}}}]}`
	}
	cases := []struct {
		name, cfg, want string
	}{
		{"ThrottleSubSecondPeriod", `"throttle":{"limit":1,"period":"500ms"}`, "minimum of 1s"},
		{"ThrottleNegativeBurst", `"throttle":{"limit":1,"period":"1m","burst":-1}`, "must not be negative"},
		{"ThrottleNegativeLimit", `"throttle":{"limit":-2,"period":"1m"}`, "must not be negative"},
		{"ThrottleBadPeriod", `"throttle":{"limit":1,"period":"soon"}`, "invalid duration"},
		{"RateLimitZeroLimit", `"rateLimit":{"limit":0,"period":"1m"}`, "rateLimit.limit: must be greater than 0"},
		{"RateLimitPeriodOver24h", `"rateLimit":{"limit":1,"period":"25h"}`, "maximum of 24h"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postJSON(t, srv.URL()+"/fn/register", fn(tc.cfg))
			require.Equal(t, 400, status, out)
			require.Contains(t, out["error"], tc.want)
		})
	}
	// A throttle limit of 0 means 1, as on the real server.
	status, out := postJSON(t, srv.URL()+"/fn/register", fn(`"throttle":{"limit":0,"period":"1m"},"rateLimit":{"limit":1,"period":"24h"}`))
	require.Equal(t, 200, status, out)
}

// The throttle is met when a run would start, as on the real server: a
// run cancelled while it waits takes no start from the runs behind it.
func TestThrottledRunCancelledWhileWaitingFreesItsStart(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(limitsEpoch)
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "thr",
			Throttle: &inngest.Throttle{Limit: 1, Period: time.Minute}}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	ids := sendN(t, srv, "go", nil, 3)
	var second *devserver.Run
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(ids[1])
		if len(runs) == 1 && len(srv.Runs(ids[2])) == 1 && len(srv.Runs(ids[0])) == 1 && srv.Runs(ids[0])[0].Status.Ended() {
			second = runs[0]
			return true
		}
		return false
	}))
	require.Equal(t, devserver.StatusRunning, second.Status, "the second run waits for the throttle")
	require.NoError(t, srv.CancelRun(ctxT(t), second.ID))
	require.NoError(t, srv.SetTimeSkipping(true))
	runs := settled(t, srv, "app-thr", 3)
	var ran []time.Duration
	for _, r := range runs {
		if r.Status == devserver.StatusCompleted {
			ran = append(ran, r.EndedAt.Sub(limitsEpoch))
		}
	}
	sort.Slice(ran, func(i, j int) bool { return ran[i] < ran[j] })
	require.Equal(t, []time.Duration{0, time.Minute}, ran, "the third run starts in the cancelled run's place")
	require.Contains(t, devserver.FormatTimeline(srv.Runs(ids[2])[0]), "throttle let it start after 1m0s")
}
