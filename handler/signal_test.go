package handler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

type approval struct {
	By string `json:"by"`
}

// A WaitForSignal step is reported with the real server's opts (signal,
// timeout, conflict) and resumed from what the server memoizes: the
// signal and its data inside data, or null at the timeout.
func TestWaitForSignalOnTheWire(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "signal"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			sig, err := step.WaitForSignal[approval](ctx, "approval", "approval-abc", step.SignalOpts{
				Timeout: 24 * time.Hour, OnConflict: step.SignalConflictReplace, Name: "Wait for approval"})
			if err != nil {
				return "", err
			}
			if sig == nil {
				return "timed out", nil
			}
			return sig.Name + " by " + sig.Data.By, nil
		})
	require.NoError(t, err)
	h := newHandler(c)

	res := post(t, h, "signal", "step", callBody(t, testEvent, nil, nil))
	golden(t, "wait_for_signal", res.Body)

	res = post(t, h, "signal", "step", callBody(t, testEvent, []memo{data("approval", `{"signal":"approval-abc","data":{"by":"ana"}}`)}, nil))
	require.Equal(t, http.StatusOK, res.Code, string(res.Body))
	require.JSONEq(t, `"approval-abc by ana"`, string(res.Body))

	res = post(t, h, "signal", "step", callBody(t, testEvent, []memo{{id: "approval", raw: `null`}}, nil))
	require.Equal(t, http.StatusOK, res.Code, string(res.Body))
	require.JSONEq(t, `"timed out"`, string(res.Body))

	// A saved result that is not a signal fails the run without retries.
	res = post(t, h, "signal", "step", callBody(t, testEvent, []memo{data("approval", `{"signal":"approval-abc","data":"not an object"}`)}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code, string(res.Body))
	require.Equal(t, "UnusableStepResult", res.userError(t).Name)
}

// The conflict policy defaults to "fail", sent explicitly; bad arguments
// fail loudly before anything is reported.
func TestWaitForSignalOpts(t *testing.T) {
	c := devClient(t)
	var errs []string
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "signal"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			for _, bad := range []struct {
				signal string
				opts   step.SignalOpts
			}{{"", step.SignalOpts{Timeout: time.Hour}}, {"s", step.SignalOpts{}}, {"s", step.SignalOpts{Timeout: time.Hour, OnConflict: "merge"}}} {
				_, err := step.WaitForSignal[int](ctx, "bad", bad.signal, bad.opts)
				errs = append(errs, err.Error())
			}
			_, err := step.WaitForSignal[int](ctx, "plain", "s", step.SignalOpts{Timeout: time.Minute})
			return "", err
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "signal", "step", callBody(t, testEvent, nil, nil))
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, "plain", ops[0].DisplayName)
	require.JSONEq(t, `{"signal":"s","timeout":"1m","conflict":"fail"}`, string(ops[0].Opts))
	require.Equal(t, []string{
		`inngest: step.WaitForSignal("bad"): needs a signal name`,
		`inngest: step.WaitForSignal("bad"): needs a positive Timeout`,
		`inngest: step.WaitForSignal("bad"): unknown OnConflict "merge": use step.SignalConflictFail or step.SignalConflictReplace`,
	}, errs)
}

// Per-step options: each kind of step sends its display name as
// displayName, while name and userland keep the step ID that memoization
// goes by.
func TestStepDisplayNames(t *testing.T) {
	c := devClient(t)
	child, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.OnEvent("child/run"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) { return 1, nil })
	require.NoError(t, err)
	ev := inngest.EventType[anyData]("test/other")
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "named"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			_, err := step.Parallel(ctx,
				func(ctx context.Context) (any, error) {
					return step.Run(ctx, "charge", func(ctx context.Context) (int, error) { return 1, nil }, &step.Opts{Name: "Charge the card"})
				},
				func(ctx context.Context) (any, error) {
					return nil, step.Sleep(ctx, "nap", time.Minute, &step.Opts{Name: "Nap"})
				},
				func(ctx context.Context) (any, error) {
					return nil, step.SleepUntil(ctx, "until", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), &step.Opts{Name: "Until 2031"})
				},
				func(ctx context.Context) (any, error) {
					return step.WaitForEvent(ctx, "wait", ev, step.WaitOpts{Timeout: time.Hour, Name: "Wait for other"})
				},
				func(ctx context.Context) (any, error) {
					return step.Invoke(ctx, "invoke", child, anyData{}, &step.InvokeOpts{Name: "Invoke child"})
				},
				func(ctx context.Context) (any, error) {
					return step.SendEventWith(ctx, "send", &step.Opts{Name: "Send other"}, ev.New(anyData{}))
				},
				func(ctx context.Context) (any, error) {
					return step.Run(ctx, "unnamed", func(ctx context.Context) (int, error) { return 1, nil }, nil)
				},
			)
			return 0, err
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "named", "step", callBody(t, testEvent, nil, nil))
	golden(t, "display_names", res.Body)
	var names []string
	for _, op := range res.ops(t) {
		names = append(names, op.Name+"="+op.DisplayName)
	}
	require.Equal(t, []string{"charge=Charge the card", "nap=Nap", "until=Until 2031", "wait=Wait for other",
		"invoke=Invoke child", "send=Send other", "unnamed=unnamed"}, names)
}

// More than one *step.Opts is a mistake, reported by the step.
func TestStepOptsAtMostOne(t *testing.T) {
	c := devClient(t)
	var got error
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "two"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			_, got = step.Run(ctx, "a", func(ctx context.Context) (int, error) { return 1, nil }, &step.Opts{}, &step.Opts{})
			return 0, nil
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "two", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusOK, res.Code, string(res.Body))
	require.EqualError(t, got, `inngest: step.Run("a") takes at most one *step.Opts, got 2`)
}

// A step run in the same request reports its display name too.
func TestImmediateStepDisplayName(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "one"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			return step.Run(ctx, "charge", func(ctx context.Context) (int, error) { return 7, nil }, &step.Opts{Name: "Charge the card"})
		})
	require.NoError(t, err)
	ops := post(t, newHandler(c), "one", "step", callBody(t, testEvent, nil, nil)).ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, "StepRun", string(ops[0].Op))
	require.Equal(t, "charge", ops[0].Name)
	require.Equal(t, "Charge the card", ops[0].DisplayName)
}
