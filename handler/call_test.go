package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

type anyData = map[string]any

func TestHashVectors(t *testing.T) {
	require.Equal(t, "e7d8a2f140845095749d60246ff1110c9d01d76a", wire.HashStepID("my-step-id"))
	require.Equal(t, "98bf98df193bcce7c33e6bc50927cf2ac21206cb", wire.HashStepID("first step"))
	require.Equal(t, "my-step-id:2", wire.IndexedStepID("my-step-id", 2))
	require.Equal(t, "my-step-id", wire.IndexedStepID("my-step-id", 0))
}

func TestCallHeadersOnEveryResponse(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	h := newHandler(c)
	for _, res := range []response{
		post(t, h, "fn", "step", callBody(t, testEvent, nil, nil)),
		post(t, h, "missing", "step", callBody(t, testEvent, nil, nil)),
		do(t, h, http.MethodGet, "/api/inngest", nil, nil),
		do(t, h, http.MethodDelete, "/api/inngest", nil, nil),
	} {
		require.Equal(t, "durablefn/inngest:v"+wire.SDKVersion, res.Header.Get("X-Inngest-Sdk"))
		require.Equal(t, "2", res.Header.Get("X-Inngest-Req-Version"))
		require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	}
}

func TestStepRunImmediateThenMemoized(t *testing.T) {
	c := devClient(t)
	var calls atomic.Int32
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (map[string]any, error) {
			a, err := step.Run(ctx, "first step", func(ctx context.Context) (string, error) {
				calls.Add(1)
				return "first step", nil
			})
			if err != nil {
				return nil, err
			}
			return map[string]any{"a": a, "id": in.Event.Data["id"]}, nil
		})
	require.NoError(t, err)
	h := newHandler(c)

	res := post(t, h, "fn", "step", callBody(t, testEvent, nil, nil))
	golden(t, "step_run_immediate", res.Body)
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.Equal(t, "98bf98df193bcce7c33e6bc50927cf2ac21206cb", ops[0].ID)
	require.JSONEq(t, `"first step"`, string(ops[0].Data))
	require.EqualValues(t, 1, calls.Load())

	res = post(t, h, "fn", "step", callBody(t, testEvent, []memo{data("first step", `"first step"`)}, nil))
	require.Equal(t, http.StatusOK, res.Code)
	require.JSONEq(t, `{"a":"first step","id":"abc"}`, string(res.Body))
	require.EqualValues(t, 1, calls.Load(), "a memoized step must not run again")
}

func TestStepPlannedWhenImmediateDisabled(t *testing.T) {
	c := devClient(t)
	var calls atomic.Int32
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "a", func(ctx context.Context) (string, error) { calls.Add(1); return "A", nil })
		})
	require.NoError(t, err)
	h := newHandler(c)
	res := post(t, h, "fn", "step", callBody(t, testEvent, nil, func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }))
	golden(t, "step_planned", res.Body)
	ops := res.ops(t)
	require.Equal(t, wire.OpStepPlanned, ops[0].Op)
	require.Zero(t, calls.Load())

	// The targeted call runs it.
	res = post(t, h, "fn", wire.HashStepID("a"), callBody(t, testEvent, nil, func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }))
	ops = res.ops(t)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.JSONEq(t, `"A"`, string(ops[0].Data))
	require.EqualValues(t, 1, calls.Load())
}

func TestStepErrors(t *testing.T) {
	c := devClient(t)
	retryAt := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(id string, stepErr error) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: id}, inngest.OnEvent("test/event"),
			func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
				return step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "", stepErr })
			})
		require.NoError(t, err)
	}
	mk("plain", errors.New("broken"))
	mk("nonretriable", inngest.NonRetriable(errors.New("bad input")))
	mk("retryafter", inngest.RetryAt(errors.New("rate limited"), retryAt))
	h := newHandler(c)

	res := post(t, h, "plain", "step", callBody(t, testEvent, nil, nil))
	golden(t, "step_error", res.Body)
	op := res.ops(t)[0]
	require.Equal(t, wire.OpStepError, op.Op)
	require.Equal(t, "broken", op.Error.Message)
	require.Equal(t, "Error", op.Error.Name)

	res = post(t, h, "nonretriable", "step", callBody(t, testEvent, nil, nil))
	op = res.ops(t)[0]
	require.Equal(t, wire.OpStepFailed, op.Op)
	require.True(t, op.Error.NoRetry)

	res = post(t, h, "retryafter", "step", callBody(t, testEvent, nil, nil))
	op = res.ops(t)[0]
	require.Equal(t, wire.OpStepError, op.Op)
	require.Equal(t, "2030-01-02T03:04:05Z", res.Header.Get("Retry-After"))
}

func TestMemoizedStepErrorFailsRunWithoutRetry(t *testing.T) {
	c := devClient(t)
	var got *inngest.StepError
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			_, err := step.Run(ctx, "charge", func(ctx context.Context) (string, error) { return "", nil })
			errors.As(err, &got)
			return "", err
		})
	require.NoError(t, err)
	h := newHandler(c)
	res := post(t, h, "fn", "step", callBody(t, testEvent, []memo{{id: "charge", raw: `{"error":{"name":"Error","message":"card declined","stack":"at x"}}`}}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code)
	require.Equal(t, "true", res.Header.Get("X-Inngest-No-Retry"))
	ue := res.userError(t)
	require.Equal(t, "card declined", ue.Message)
	require.Equal(t, "Error", ue.Name)
	require.NotNil(t, got)
	require.Equal(t, "charge", got.StepID)
	require.Equal(t, "at x", got.Stack)
}

func TestFunctionErrors(t *testing.T) {
	c := devClient(t)
	retryAt := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for id, fnErr := range map[string]error{
		"plain":        errors.New("broken func"),
		"nonretriable": inngest.NonRetriable(errors.New("invalid input")),
		"retryafter":   inngest.RetryAt(errors.New("later"), retryAt),
		"retrydelay":   inngest.RetryAfter(errors.New("rate limited"), 1500*time.Millisecond),
	} {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: id}, inngest.OnEvent("test/event"),
			func(ctx context.Context, in inngest.Input[anyData]) (any, error) { return nil, fnErr })
		require.NoError(t, err)
	}
	h := newHandler(c)

	res := post(t, h, "plain", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	require.Equal(t, "false", res.Header.Get("X-Inngest-No-Retry"))
	golden(t, "function_error", res.Body)

	res = post(t, h, "nonretriable", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusBadRequest, res.Code)
	require.Equal(t, "true", res.Header.Get("X-Inngest-No-Retry"))
	require.Equal(t, "invalid input", res.userError(t).Message)

	res = post(t, h, "retryafter", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	require.Equal(t, "false", res.Header.Get("X-Inngest-No-Retry"))
	require.Equal(t, "2030-01-02T03:04:05Z", res.Header.Get("Retry-After"))

	res = post(t, h, "retrydelay", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, "3", res.Header.Get("Retry-After"), "1.5s is sent as 3: rounded up, plus the second the server's rounding may take off")
}

func TestPanicsBecomeErrors(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "body"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			var m map[string]int
			m["boom"] = 1 //nolint:staticcheck // the nil map write is the panic under test
			return nil, nil
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "instep"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return step.Run(ctx, "s", func(ctx context.Context) (int, error) { panic("step blew up") })
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "inbranch"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return step.Parallel(ctx,
				func(ctx context.Context) (int, error) { return 1, nil },
				func(ctx context.Context) (int, error) { panic("branch blew up") },
			)
		})
	require.NoError(t, err)
	h := newHandler(c)

	res := post(t, h, "body", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	ue := res.userError(t)
	require.Equal(t, "Panic", ue.Name)
	require.Contains(t, ue.Message, "assignment to entry in nil map")
	require.Contains(t, ue.Stack, "call_test.go", "the stack points at user code")

	res = post(t, h, "instep", "step", callBody(t, testEvent, nil, nil))
	op := res.ops(t)[0]
	require.Equal(t, wire.OpStepError, op.Op, "a panic in a step's code is a step error, retried")
	require.Contains(t, op.Error.Message, "step blew up")

	res = post(t, h, "inbranch", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	require.Contains(t, res.userError(t).Message, "branch blew up")
}

func TestRecoverCannotSwallowControlFlow(t *testing.T) {
	c := devClient(t)
	var after atomic.Bool
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (out string, err error) {
			defer func() {
				if r := recover(); r != nil {
					out, err = "swallowed", nil
				}
			}()
			if err := step.Sleep(ctx, "nap", time.Minute); err != nil {
				return "", err
			}
			after.Store(true)
			return "done", nil
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil))
	ops := res.ops(t)
	require.Equal(t, wire.OpSleep, ops[0].Op)
	require.False(t, after.Load(), "code after a new step must not run in the same request")
}

func TestSleepWaitInvokeOps(t *testing.T) {
	c := devClient(t)
	approved := inngest.EventType[struct {
		InvoiceID string `json:"invoiceId"`
	}]("invoice/approved")
	until := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "sleep"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return nil, step.Sleep(ctx, "sleep", 2*time.Second)
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "until"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return nil, step.SleepUntil(ctx, "remind", until)
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "wait"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			ev, err := step.WaitForEvent(ctx, "wait", approved, step.WaitOpts{Timeout: 7 * 24 * time.Hour, Match: "data.invoiceId"})
			if err != nil {
				return nil, err
			}
			if ev == nil {
				return "timed out", nil
			}
			return ev.Data.InvoiceID, nil
		})
	require.NoError(t, err)
	child, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.On[struct{ N int }]("child/run"),
		func(ctx context.Context, in inngest.Input[struct{ N int }]) (int, error) {
			return in.Event.Data.N * 2, nil
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "invoke"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return step.Invoke(ctx, "call child", child, struct{ N int }{N: 21}, &step.InvokeOpts{Timeout: time.Hour})
		})
	require.NoError(t, err)
	h := newHandler(c)

	res := post(t, h, "sleep", "step", callBody(t, testEvent, nil, nil))
	golden(t, "sleep", res.Body)
	require.JSONEq(t, `{"duration":"2s"}`, string(res.ops(t)[0].Opts))
	res = post(t, h, "sleep", "step", callBody(t, testEvent, []memo{{id: "sleep", raw: `null`}}, nil))
	require.Equal(t, http.StatusOK, res.Code)

	res = post(t, h, "until", "step", callBody(t, testEvent, nil, nil))
	require.JSONEq(t, `{"duration":"2031-05-06T07:08:09Z"}`, string(res.ops(t)[0].Opts))

	res = post(t, h, "wait", "step", callBody(t, testEvent, nil, nil))
	golden(t, "wait_for_event", res.Body)
	op := res.ops(t)[0]
	require.Equal(t, wire.OpWaitForEvent, op.Op)
	require.JSONEq(t, `{"event":"invoice/approved","timeout":"168h","if":"event.data.invoiceId == async.data.invoiceId"}`, string(op.Opts))
	res = post(t, h, "wait", "step", callBody(t, testEvent, []memo{{id: "wait", raw: `{"name":"invoice/approved","data":{"invoiceId":"inv_1"},"id":"e2","ts":1}`}}, nil))
	require.JSONEq(t, `"inv_1"`, string(res.Body))
	res = post(t, h, "wait", "step", callBody(t, testEvent, []memo{{id: "wait", raw: `null`}}, nil))
	require.JSONEq(t, `"timed out"`, string(res.Body))

	res = post(t, h, "invoke", "step", callBody(t, testEvent, nil, nil))
	golden(t, "invoke", res.Body)
	op = res.ops(t)[0]
	require.Equal(t, wire.OpInvokeFunction, op.Op)
	require.JSONEq(t, `{"function_id":"app-child","payload":{"data":{"N":21}},"timeout":"1h"}`, string(op.Opts))
	res = post(t, h, "invoke", "step", callBody(t, testEvent, []memo{data("call child", `42`)}, nil))
	require.JSONEq(t, `42`, string(res.Body))
	res = post(t, h, "invoke", "step", callBody(t, testEvent, []memo{{id: "call child", raw: `{"error":{"name":"Error","message":"child failed"}}`}}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code)
	require.Equal(t, "child failed", res.userError(t).Message)
}

func TestRepeatedStepIDsAreIndexed(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) ([]int, error) {
			var out []int
			for i := 0; i < 3; i++ {
				v, err := step.Run(ctx, "my-step-id", func(ctx context.Context) (int, error) { return i, nil })
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		})
	require.NoError(t, err)
	h := newHandler(c)
	var memos []memo
	for i := 0; i < 3; i++ {
		res := post(t, h, "fn", "step", callBody(t, testEvent, memos, nil))
		op := res.ops(t)[0]
		require.Equal(t, wire.HashStepID(wire.IndexedStepID("my-step-id", i)), op.ID)
		require.Equal(t, "my-step-id", op.Userland.ID)
		require.Equal(t, i, op.Userland.Index)
		memos = append(memos, data(wire.IndexedStepID("my-step-id", i), fmt.Sprint(i)))
	}
	require.Equal(t, "e7d8a2f140845095749d60246ff1110c9d01d76a", wire.HashStepID(memos[0].id))
	res := post(t, h, "fn", "step", callBody(t, testEvent, memos, nil))
	require.JSONEq(t, `[0,1,2]`, string(res.Body))
}

func TestParallelReportsEveryBranchInOrder(t *testing.T) {
	c := devClient(t)
	var ran atomic.Int32
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			a, b, err := step.Parallel2(ctx,
				func(ctx context.Context) (string, error) {
					return step.Run(ctx, "charge", func(ctx context.Context) (string, error) { ran.Add(1); return "charged", nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "points", func(ctx context.Context) (int, error) { ran.Add(1); return 10, nil })
				},
			)
			if err != nil {
				return nil, err
			}
			return map[string]any{"a": a, "b": b}, nil
		})
	require.NoError(t, err)
	h := newHandler(c)
	for i := 0; i < 20; i++ { // order is deterministic whatever the scheduling
		res := post(t, h, "fn", "step", callBody(t, testEvent, nil, nil))
		ops := res.ops(t)
		require.Len(t, ops, 2)
		require.Equal(t, wire.OpStepPlanned, ops[0].Op)
		require.Equal(t, "charge", ops[0].Name)
		require.Equal(t, "points", ops[1].Name)
		if i == 0 {
			golden(t, "parallel_planned", res.Body)
		}
	}
	require.Zero(t, ran.Load(), "planned steps must not run in the discovery call")

	disable := func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }
	res := post(t, h, "fn", wire.HashStepID("points"), callBody(t, testEvent, nil, disable))
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.Equal(t, "points", ops[0].Name)
	require.EqualValues(t, 1, ran.Load())

	// Results memoized in the opposite order of discovery.
	res = post(t, h, "fn", "step", callBody(t, testEvent, []memo{data("points", "10"), data("charge", `"charged"`)}, disable))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, `{"a":"charged","b":10}`, string(res.Body))
}

func TestTargetedStepNotFound(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "renamed", func(ctx context.Context) (string, error) { return "x", nil })
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "fn", wire.HashStepID("old name"), callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	require.Equal(t, "false", res.Header.Get("X-Inngest-No-Retry"))
	require.Equal(t, "StepNotFound", res.userError(t).Name)
}

func TestBadCallRequests(t *testing.T) {
	c := devClient(t)
	type typed struct {
		Count int `json:"count"`
	}
	var reached atomic.Bool
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "typed"}, inngest.On[typed]("test/event"),
		func(ctx context.Context, in inngest.Input[typed]) (int, error) {
			reached.Store(true)
			return in.Event.Data.Count, nil
		})
	require.NoError(t, err)
	h := newHandler(c)

	tests := []struct {
		name    string
		target  string
		body    string
		status  int
		noRetry string
		msg     string
	}{
		{"malformed JSON", "/api/inngest?fnId=app-typed&stepId=step", `{"event":`, 400, "true", "malformed call request body"},
		{"missing fnId", "/api/inngest?stepId=step", `{}`, 400, "true", "missing fnId"},
		{"unknown function", "/api/inngest?fnId=app-nope&stepId=step", `{}`, 500, "false", `"app-nope" is not served`},
		{"typed event mismatch", "/api/inngest?fnId=app-typed&stepId=step", string(callBody(t, `{"name":"test/event","data":{"count":"three"}}`, nil, nil)), 400, "true", "does not decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, http.MethodPost, tt.target, []byte(tt.body), nil)
			require.Equal(t, tt.status, res.Code, "%s", res.Body)
			require.Equal(t, tt.noRetry, res.Header.Get("X-Inngest-No-Retry"))
			require.Contains(t, res.userError(t).Message, tt.msg)
		})
	}
	require.False(t, reached.Load())

	res := do(t, h, http.MethodPatch, "/api/inngest", nil, nil)
	require.Equal(t, http.StatusMethodNotAllowed, res.Code)
	require.Contains(t, string(res.Body), "PATCH not allowed")

	small := newHandlerWith(c, 64)
	res = do(t, small, http.MethodPost, "/api/inngest?fnId=app-typed", []byte(strings.Repeat(" ", 100)), nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.Code)

	// A compressed body is named as such, not read as bad JSON.
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		res = do(t, h, method, "/api/inngest?fnId=app-typed", []byte("\x1f\x8b\x08\x00"), map[string]string{"Content-Encoding": "gzip"})
		require.Equal(t, http.StatusUnsupportedMediaType, res.Code, method)
		require.Contains(t, string(res.Body), "Content-Encoding: gzip", method)
	}
}

func TestStepsOutsideAFunction(t *testing.T) {
	ctx := context.Background()
	_, err := step.Run(ctx, "x", func(ctx context.Context) (int, error) { return 1, nil })
	require.ErrorContains(t, err, "outside an Inngest function")
	require.ErrorContains(t, step.Sleep(ctx, "x", time.Second), "outside an Inngest function") //stepcheck:ignore misuse on purpose
	_, err = step.SendEvent(ctx, "x", inngest.GenericEvent{Name: "a"})                         //stepcheck:ignore misuse on purpose
	require.ErrorContains(t, err, "outside an Inngest function")

	c := devClient(t)
	var nested error
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			return step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
				_, nested = step.Run(ctx, "inner", func(ctx context.Context) (int, error) { return 1, nil }) //stepcheck:ignore misuse on purpose
				return 2, nil
			})
		})
	require.NoError(t, err)
	post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil))
	require.ErrorContains(t, nested, "steps cannot be nested")
}

func TestSendEventStep(t *testing.T) {
	events, srv := eventServer(t)
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL, Logger: discardLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) ([]string, error) {
			return step.SendEvent(ctx, "fan-out",
				inngest.GenericEvent{Name: "user/email", Data: map[string]any{"to": "a@example.com"}},
				inngest.GenericEvent{Name: "user/email", Data: map[string]any{"to": "b@example.com"}},
			)
		})
	require.NoError(t, err)
	h := newHandler(c)
	res := post(t, h, "fn", "step", callBody(t, testEvent, nil, nil))
	op := res.ops(t)[0]
	require.Equal(t, wire.OpStepRun, op.Op)
	require.JSONEq(t, `{"type":"step.sendEvent"}`, string(op.Opts))
	var ids []string
	require.NoError(t, json.Unmarshal(op.Data, &ids))
	require.Len(t, ids, 2)
	require.Len(t, events(), 2)

	res = post(t, h, "fn", "step", callBody(t, testEvent, []memo{{id: "fan-out", raw: `{"data":` + string(op.Data) + `}`}}, nil))
	require.Equal(t, http.StatusOK, res.Code)
	require.Len(t, events(), 2, "a memoized sendEvent must not send again")
}

func TestLoggerIsReplayAwareAndStepTagged(t *testing.T) {
	var logs captureLogger
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", Logger: logs.Logger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			log := in.Logger.With("component", "billing")
			log.Info("starting")
			v, err := step.Run(ctx, "charge", func(ctx context.Context) (string, error) {
				in.Logger.InfoContext(ctx, "charging")
				// A logger derived outside the step is tagged inside it,
				// with step_id beside the run's attributes, not in g.
				log.WithGroup("g").Info("inside", "x", 1)
				return "ok", nil
			})
			if err != nil {
				return "", err
			}
			inngest.Logger(ctx).Info("finished")
			return v, nil
		})
	require.NoError(t, err)
	h := newHandler(c)
	post(t, h, "fn", "step", callBody(t, testEvent, nil, nil))
	post(t, h, "fn", "step", callBody(t, testEvent, []memo{data("charge", `"ok"`)}, nil))
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "msg=starting"), out)
	require.Equal(t, 1, strings.Count(out, "msg=charging"), out)
	require.Equal(t, 1, strings.Count(out, "msg=finished"), out)
	require.Contains(t, out, "component=billing")
	require.Regexp(t, `msg=charging .*step_id=charge`, out)
	require.Regexp(t, `msg=inside function_id=fn run_id=01JRUN attempt=0 step_id=charge component=billing g.x=1`, out)
	require.Regexp(t, `msg=finished function_id=fn run_id=01JRUN attempt=0\n`, out, "no step_id outside a step")
	require.Contains(t, out, "run_id=01JRUN")
}

type tagSends struct{ middleware.Base }

func (tagSends) BeforeSendEvents(_ context.Context, evs []*middleware.Event) error {
	for _, e := range evs {
		if e.Name == "forbidden/event" {
			return errors.New("forbidden")
		}
		e.Data = json.RawMessage(`{"tagged":true}`)
	}
	return nil
}

func TestFunctionMiddlewareSeesStepSendEvent(t *testing.T) {
	events, srv := eventServer(t)
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL, Logger: discardLogger()})
	require.NoError(t, err)
	for _, name := range []string{"ok/event", "forbidden/event"} {
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: strings.ReplaceAll(name, "/", "-"), Middleware: []middleware.Middleware{tagSends{}}},
			inngest.OnEvent("test/event"),
			func(ctx context.Context, in inngest.Input[anyData]) ([]string, error) {
				return step.SendEvent(ctx, "send", inngest.GenericEvent{Name: name})
			})
		require.NoError(t, err)
	}
	h := newHandler(c)
	res := post(t, h, "ok-event", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, wire.OpStepRun, res.ops(t)[0].Op)
	require.JSONEq(t, `{"tagged":true}`, string(events()[0].Data))

	res = post(t, h, "forbidden-event", "step", callBody(t, testEvent, nil, nil))
	op := res.ops(t)[0]
	require.Equal(t, wire.OpStepFailed, op.Op)
	require.Contains(t, op.Error.Message, "forbidden")
	require.Len(t, events(), 1)
}

func TestLoggerFromCtxTagsTheStepOnce(t *testing.T) {
	var logs captureLogger
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", Logger: logs.Logger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return step.Run(ctx, "s1", func(ctx context.Context) (string, error) {
				inngest.Logger(ctx).InfoContext(ctx, "a")
				inngest.Logger(ctx).With("k", "v").InfoContext(ctx, "b")
				in.Logger.WithGroup("g").InfoContext(ctx, "c", "x", 1)
				return "ok", nil
			})
		})
	require.NoError(t, err)
	post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil))
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		require.Equal(t, 1, strings.Count(line, "step_id=s1"), line)
	}
	require.Regexp(t, `msg=b .*k=v`, logs.String())
}

func TestTargetedStepGoneNeverCompletesTheRun(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return "finished without b", nil // step "b" was removed from the code
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "fn", wire.HashStepID("b"), callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	require.Equal(t, "StepNotFound", res.userError(t).Name)
}

func TestPanicInBranchKeepsItsOwnMessageAndStack(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) ([]int, error) {
			return step.Parallel(ctx,
				func(ctx context.Context) (int, error) { return 1, nil },
				func(ctx context.Context) (int, error) { panic("boom in branch") },
			)
		})
	require.NoError(t, err)
	ue := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil)).userError(t)
	require.Equal(t, "function panicked: boom in branch", ue.Message)
	require.Contains(t, ue.Stack, "call_test.go")
}

// A panic in a step's code fails that step's attempt, and its message
// names the step, not the function.
func TestPanicInStepNamesTheStep(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			return step.Run(ctx, "charge", func(ctx context.Context) (int, error) { panic("card reader on fire") })
		})
	require.NoError(t, err)
	ops := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil)).ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepError, ops[0].Op)
	require.Equal(t, `step "charge" panicked: card reader on fire`, ops[0].Error.Message)
	require.Contains(t, ops[0].Error.Stack, "call_test.go")
}

func FuzzQueryParam(f *testing.F) {
	for _, q := range []string{"fnId=app-fn&stepId=step", "fnId=a%20b", "fn%49d=x", "fnId=1;x=2&fnId=3", "fnId=%zz&fnId=ok", "a=1&&fnId=+x+", "fnId"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		for _, key := range []string{"fnId", "stepId"} {
			if got, want := handler.QueryParam(raw, key), q.Get(key); got != want {
				t.Fatalf("queryParam(%q, %q) = %q, url.ParseQuery gives %q", raw, key, got, want)
			}
		}
	})
}
