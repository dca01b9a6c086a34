package devserver_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

type Data = map[string]any

func skipping(t *testing.T) *devserver.Server {
	return startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
}

func kinds(r *devserver.Run) []devserver.TimelineKind {
	var out []devserver.TimelineKind
	for _, e := range r.Timeline {
		out = append(out, e.Kind)
	}
	return out
}

func TestStepErrorRetriesThenSucceeds(t *testing.T) {
	srv := skipping(t)
	var calls atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "flaky"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return step.Run(ctx, "flaky", func(ctx context.Context) (string, error) {
					if calls.Add(1) < 3 {
						return "", errors.New("not yet")
					}
					return "ok", nil
				})
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.EqualValues(t, 3, calls.Load())
	require.Equal(t, []devserver.TimelineKind{"queued", "step.error", "step.error", "step", "completed"}, kinds(r))
	// Backoff ran on the virtual clock: 15s then 30s.
	require.Equal(t, 45*time.Second, r.EndedAt.Sub(r.StartedAt))
	require.Equal(t, 2, r.Timeline[3].Attempt)
}

func TestStepErrorExhaustedIsMemoizedAndFailsRun(t *testing.T) {
	srv := skipping(t)
	var calls atomic.Int32
	failed := make(chan inngest.FailureInput, 1)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "broken", Retries: inngest.Ptr(1),
			OnFailure: func(ctx context.Context, in inngest.FailureInput) error {
				failed <- in
				return nil
			}}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				_, err := step.Run(ctx, "boom", func(ctx context.Context) (string, error) {
					calls.Add(1)
					return "", errors.New("kaput")
				})
				var se *inngest.StepError
				if !errors.As(err, &se) {
					return "", errors.New("expected a StepError")
				}
				return "", err
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "go", Data{"k": "v"})
	r := oneRun(t, srv, id)
	require.Equal(t, devserver.StatusFailed, r.Status, devserver.FormatTimeline(r))
	require.EqualValues(t, 2, calls.Load())
	require.Contains(t, r.Error.Message, "kaput")
	require.Equal(t, []devserver.TimelineKind{"queued", "step.error", "step.failed", "failed"}, kinds(r))
	select {
	case in := <-failed:
		require.Equal(t, "app-broken", in.Event.Data.FunctionID)
		require.Equal(t, r.ID, in.Event.Data.RunID)
		require.Equal(t, id, in.OriginalEvent.ID)
		require.Contains(t, in.Error.Error(), "kaput")
	case <-ctxT(t).Done():
		t.Fatal("onFailure did not run")
	}
}

func TestStepFailedNoRetry(t *testing.T) {
	srv := skipping(t)
	var calls atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				_, err := step.Run(ctx, "boom", func(ctx context.Context) (string, error) {
					calls.Add(1)
					return "", inngest.NonRetriable(errors.New("bad input"))
				})
				if err != nil {
					return "recovered: " + err.Error(), nil
				}
				return "no error", nil
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.EqualValues(t, 1, calls.Load())
	require.Contains(t, string(r.Output), "bad input")
	require.Equal(t, []devserver.TimelineKind{"queued", "step.failed", "completed"}, kinds(r))
}

func TestFunctionErrorRetriesHonoringRetryAfter(t *testing.T) {
	srv := skipping(t)
	var calls atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				if calls.Add(1) == 1 {
					// RetryAfter is relative to the wall clock; the
					// server reads the header on its own clock.
					return "", inngest.RetryAfter(errors.New("busy"), 2*time.Hour)
				}
				return "done", nil
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.EqualValues(t, 2, calls.Load())
	require.Equal(t, []devserver.TimelineKind{"queued", "error", "completed"}, kinds(r))
	// Retry-After (about 2h) wins over the 15s backoff.
	require.Greater(t, r.EndedAt.Sub(r.StartedAt), time.Hour)
}

func TestFunctionErrorNoRetryFailsAtOnce(t *testing.T) {
	srv := skipping(t)
	var calls atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				calls.Add(1)
				return "", inngest.NonRetriable(errors.New("never"))
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusFailed, r.Status)
	require.EqualValues(t, 1, calls.Load())
	require.Equal(t, "never", r.Error.Message)
}

func TestFunctionErrorExhaustsAttempts(t *testing.T) {
	srv := skipping(t)
	var calls atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Retries: inngest.Ptr(2)}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				calls.Add(1)
				return "", errors.New("always")
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusFailed, r.Status)
	require.EqualValues(t, 3, calls.Load())
}

func TestSleepSevenDaysSkipsTime(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				if err := step.Sleep(ctx, "nap", 7*24*time.Hour); err != nil {
					return "", err
				}
				return "rested", nil
			})
		require.NoError(t, err)
	})
	start := time.Now()
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.Equal(t, 7*24*time.Hour, r.EndedAt.Sub(r.StartedAt))
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, []devserver.TimelineKind{"queued", "sleep", "sleep.done", "completed"}, kinds(r))
}

func TestSleepUntil(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, TimeSkipping: true})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "", step.SleepUntil(ctx, "until", time.Date(2030, 1, 3, 12, 0, 0, 0, time.UTC))
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status)
	require.Equal(t, time.Date(2030, 1, 3, 12, 0, 0, 0, time.UTC), r.EndedAt.UTC())
}

type Approval struct {
	ID string `json:"id"`
	OK bool   `json:"ok"`
}

var approved = inngest.EventType[Approval]("approval/decided")

func waitApp(t *testing.T, srv *devserver.Server, timeout time.Duration) {
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("request/made"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				ev, err := step.WaitForEvent(ctx, "decision", approved, step.WaitOpts{Timeout: timeout, Match: "data.id"})
				if err != nil {
					return "", err
				}
				if ev == nil {
					return "timed out", nil
				}
				if ev.Data.OK {
					return "approved", nil
				}
				return "rejected", nil
			})
		require.NoError(t, err)
	})
}

func TestWaitForEventMatched(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	waitApp(t, srv, 7*24*time.Hour)
	id1 := send(t, srv, "request/made", Data{"id": "r1"})
	id2 := send(t, srv, "request/made", Data{"id": "r2"})
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		n := 0
		for _, id := range []string{id1, id2} {
			if rs := srv.Runs(id); len(rs) == 1 && len(rs[0].WaitingFor) == 1 {
				n++
			}
		}
		return n == 2
	}))
	vc.Advance(3 * time.Hour)
	_, err := srv.SendEvent(ctxT(t),
		devserver.Event{Name: "approval/decided", Data: Data{"id": "other", "ok": false}},
		devserver.Event{Name: "approval/decided", Data: Data{"id": "r2", "ok": true}})
	require.NoError(t, err)
	r2 := oneRun(t, srv, id2)
	require.Equal(t, devserver.StatusCompleted, r2.Status, devserver.FormatTimeline(r2))
	require.JSONEq(t, `"approved"`, string(r2.Output))
	require.Equal(t, 3*time.Hour, r2.EndedAt.Sub(r2.StartedAt))
	r1 := srv.Runs(id1)[0]
	require.Equal(t, devserver.StatusRunning, r1.Status)
	require.NoError(t, srv.SetTimeSkipping(true))
	r1 = oneRun(t, srv, id1)
	require.JSONEq(t, `"timed out"`, string(r1.Output))
}

func TestWaitForEventTimeoutSkipsTime(t *testing.T) {
	srv := skipping(t)
	waitApp(t, srv, 7*24*time.Hour)
	r := oneRun(t, srv, send(t, srv, "request/made", Data{"id": "x"}))
	require.Equal(t, devserver.StatusCompleted, r.Status)
	require.JSONEq(t, `"timed out"`, string(r.Output))
	require.Equal(t, 7*24*time.Hour, r.EndedAt.Sub(r.StartedAt))
	require.Equal(t, []devserver.TimelineKind{"queued", "wait", "wait.timeout", "completed"}, kinds(r))
}

// TestWaitForEventCatchesEventSentDuringTheCall sends the awaited event
// while the call that reports the wait is still in flight: the server has
// not filed the pause yet, and must still resume the run with it.
func TestWaitForEventCatchesEventSentDuringTheCall(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(time.Time{})})
	c := clientOn(t, srv)
	registerDecisionWait(t, c)
	var sent atomic.Bool
	interceptedApp(t, srv, c, func(r *http.Request, body []byte) []byte {
		if r.Method == http.MethodPost && bytes.Contains(body, []byte("WaitForEvent")) && sent.CompareAndSwap(false, true) {
			_, err := srv.SendEvent(r.Context(), devserver.Event{Name: "approval/decided", Data: Data{"id": "r1", "ok": true}})
			if err != nil {
				panic(err)
			}
		}
		return body
	})
	r := oneRun(t, srv, send(t, srv, "request/made", Data{"id": "r1"}))
	require.JSONEq(t, `"caught"`, string(r.Output), devserver.FormatTimeline(r))
	require.Contains(t, devserver.FormatTimeline(r), "arrived during the call")
}

// registerDecisionWait creates a function that waits an hour for the
// approval/decided event of its request, and returns "caught" or
// "missed".
func registerDecisionWait(t *testing.T, c *inngest.Client) {
	t.Helper()
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("request/made"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			ev, err := step.WaitForEvent(ctx, "decision", approved, step.WaitOpts{Timeout: time.Hour, Match: "data.id"})
			if err != nil || ev == nil {
				return "missed", err
			}
			return "caught", nil
		})
	require.NoError(t, err)
}

func TestInvoke(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		type In struct {
			N int `json:"n"`
		}
		double, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "double"}, inngest.On[In]("never/sent"),
			func(ctx context.Context, in inngest.Input[In]) (int, error) {
				if in.Event.Name != "inngest/function.invoked" {
					return 0, inngest.NonRetriable(errors.New("wrong event " + in.Event.Name))
				}
				if in.Event.Data.N < 0 {
					return 0, inngest.NonRetriable(errors.New("negative"))
				}
				return in.Event.Data.N * 2, nil
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				n, err := step.Invoke(ctx, "double-it", double, In{N: 21}, nil)
				if err != nil {
					return "", err
				}
				_, err = step.Invoke(ctx, "fail-it", double, In{N: -1}, nil)
				var se *inngest.StepError
				if !errors.As(err, &se) {
					return "", inngest.NonRetriable(errors.New("expected a step error"))
				}
				return se.Message + " " + itoa(n), nil
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"negative 42"`, string(r.Output))
	require.Equal(t, []devserver.TimelineKind{"queued", "invoke", "invoke.done", "invoke", "invoke.done", "completed"}, kinds(r))
}

func TestInvokeTimeout(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) { registerSlowInvoke(t, c) })
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Contains(t, string(r.Output), "Timed out")
	require.Equal(t, time.Hour, r.EndedAt.Sub(r.StartedAt))
}

// registerSlowInvoke creates a parent function, triggered by "go", that
// invokes a function sleeping 48 hours with a timeout of an hour, and
// returns the invoke's error message or "no timeout".
func registerSlowInvoke(t *testing.T, c *inngest.Client) {
	t.Helper()
	slow, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent("never/sent"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			return "late", step.Sleep(ctx, "long", 48*time.Hour)
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			_, err := step.Invoke(ctx, "call-slow", slow, Data{}, &step.InvokeOpts{Timeout: time.Hour})
			if err == nil {
				return "no timeout", nil
			}
			return err.Error(), nil
		})
	require.NoError(t, err)
}

func TestInvokeUnknownFunction(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "parent"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				_, err := step.InvokeByID[string](ctx, "ghost", "app-nope", Data{}, nil)
				if err == nil {
					return "no error", nil
				}
				return err.Error(), nil
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Contains(t, string(r.Output), "app-nope")
}

func itoa(n int) string {
	b, _ := jsonMarshal(n)
	return string(b)
}
