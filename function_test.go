package inngest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCreateFunctionValidation(t *testing.T) {
	c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	noop := func(ctx context.Context, in Input[map[string]any]) (any, error) { return nil, nil }
	trig := OnEvent("a/b")
	tests := []struct {
		name string
		opts FunctionOpts
		trig Trigger[map[string]any]
		want string
	}{
		{"missing ID", FunctionOpts{}, trig, "ID is required"},
		{"ID with space", FunctionOpts{ID: "a b"}, trig, "without spaces"},
		{"too many retries", FunctionOpts{ID: "x", Retries: Ptr(21)}, trig, "Retries must be between 0 and 20"},
		{"negative retries", FunctionOpts{ID: "x", Retries: Ptr(-1)}, trig, "Retries must be between"},
		{"three concurrency keys", FunctionOpts{ID: "x", Concurrency: []Concurrency{{Limit: 1}, {Limit: 1}, {Limit: 1}}}, trig, "at most 2"},
		{"zero concurrency", FunctionOpts{ID: "x", Concurrency: []Concurrency{{Limit: 0}}}, trig, "Limit must be positive"},
		{"bad scope", FunctionOpts{ID: "x", Concurrency: []Concurrency{{Limit: 1, Scope: "world"}}}, trig, "concurrency[0].scope: must be"},
		{"batch too big", FunctionOpts{ID: "x", BatchEvents: &BatchEvents{MaxSize: 101, Timeout: time.Second}}, trig, "MaxSize"},
		{"batch timeout", FunctionOpts{ID: "x", BatchEvents: &BatchEvents{MaxSize: 10, Timeout: 2 * time.Minute}}, trig, "BatchEvents.Timeout must be at most 60s"},
		{"throttle period", FunctionOpts{ID: "x", Throttle: &Throttle{Limit: 1, Period: time.Millisecond}}, trig, `throttle.period: "1ms" is shorter than the minimum of 1s`},
		{"rate limit", FunctionOpts{ID: "x", RateLimit: &RateLimit{Limit: 0, Period: time.Second}}, trig, "RateLimit.Limit"},
		{"debounce", FunctionOpts{ID: "x", Debounce: &Debounce{Period: 10 * time.Second, Timeout: time.Second}}, trig, "Debounce.Timeout"},
		{"cancel without event", FunctionOpts{ID: "x", CancelOn: []CancelOn{{If: "true"}}}, trig, "CancelOn needs an Event"},
		{"bad match", FunctionOpts{ID: "x", CancelOn: []CancelOn{{Event: "e", Match: "data.a == 1"}}}, trig, "field path"},
		{"singleton mode", FunctionOpts{ID: "x", Singleton: &Singleton{Mode: "maybe"}}, trig, `singleton.mode: must be "skip" or "cancel"`},
		{"priority", FunctionOpts{ID: "x", Priority: &Priority{}}, trig, "priority.run: an expression cannot be blank"},
		{"bad cron", FunctionOpts{ID: "x"}, Trigger[map[string]any]{list: OnCron("every day").list}, "invalid cron"},
		{"If on cron", FunctionOpts{ID: "x"}, Trigger[map[string]any]{list: OnCron("@daily").list}.If("true"), "applies to an event trigger"},
		{"empty if", FunctionOpts{ID: "x"}, OnEvent("a").If(" "), "triggers[0].expression: an expression cannot be blank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CreateFunction(c, tt.opts, tt.trig, noop)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.Contains(t, err.Error(), "inngest:")
		})
	}

	_, err = CreateFunction(c, FunctionOpts{ID: "dup"}, trig, noop)
	require.NoError(t, err)
	_, err = CreateFunction(c, FunctionOpts{ID: "dup"}, trig, noop)
	require.ErrorContains(t, err, "already registered")

	// A refused function leaves no OnFailure companion behind.
	fail := func(context.Context, FailureInput) error { return nil }
	_, err = CreateFunction(c, FunctionOpts{ID: "dup", OnFailure: fail}, trig, noop)
	require.ErrorContains(t, err, "already registered")
	_, ok := c.app().Lookup("app-dup-failure")
	require.False(t, ok)
	_, err = CreateFunction(c, FunctionOpts{ID: "dup-failure"}, trig, noop)
	require.NoError(t, err)
	_, err = CreateFunction(c, FunctionOpts{ID: "dup2"}, trig, noop)
	require.NoError(t, err)
	_, err = CreateFunction(c, FunctionOpts{ID: "dup2", OnFailure: fail}, trig, noop)
	require.Error(t, err)
	_, err = CreateFunction(c, FunctionOpts{ID: "solo-failure"}, trig, noop)
	require.NoError(t, err)
	_, err = CreateFunction(c, FunctionOpts{ID: "solo", OnFailure: fail}, trig, noop)
	require.ErrorContains(t, err, `"solo-failure"`, "the companion's ID clash is named")
	_, ok = c.app().Lookup("app-solo")
	require.False(t, ok, "nor is the function registered without its companion")

	_, err = CreateFunction(c, FunctionOpts{ID: "cron-tz"}, Trigger[map[string]any]{list: OnCron("TZ=Europe/Paris 0 9 * * 1-5").list}.Jitter(30*time.Second), noop)
	require.NoError(t, err)
}

func TestClassify(t *testing.T) {
	now := time.Now()
	ue, noRetry, r := classify(errors.New("plain"), now)
	require.Equal(t, "Error", ue.Name)
	require.False(t, noRetry)
	require.True(t, r.IsZero())

	ue, noRetry, _ = classify(NonRetriable(errors.New("bad")), now)
	require.True(t, noRetry)
	require.Equal(t, "NonRetriableError", ue.Name)

	when := now.Add(time.Minute)
	_, noRetry, retry := classify(RetryAt(errors.New("slow down"), when), now)
	require.False(t, noRetry)
	require.Equal(t, when, retry.At)
	_, _, retry = classify(RetryAfter(errors.New("slow down"), 90*time.Second), now)
	require.Equal(t, 90*time.Second, retry.After, "a delay travels as a delay, independent of clocks")

	se := &StepError{Name: "TypeError", Message: "x is undefined", StepID: "s"}
	ue, noRetry, _ = classify(se, now)
	require.True(t, noRetry)
	require.Equal(t, "TypeError", ue.Name)
	require.Equal(t, "x is undefined", ue.Message)

	wrapped := errors.Join(errors.New("saga failed"), se)
	ue, noRetry, _ = classify(wrapped, now)
	require.True(t, noRetry)
	require.Contains(t, ue.Message, "saga failed")

	// Unwrap reaches causes.
	cause := errors.New("root")
	require.ErrorIs(t, NonRetriable(cause), cause)
	require.ErrorIs(t, RetryAfter(cause, time.Second), cause)
}

// A function without triggers is accepted, as the server accepts it at
// sync: it runs only when invoked.
func TestCreateFunctionWithoutTriggersIsInvokeOnly(t *testing.T) {
	c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	noop := func(ctx context.Context, in Input[map[string]any]) (any, error) { return nil, nil }
	_, err = CreateFunction(c, FunctionOpts{ID: "invoked"}, Trigger[map[string]any]{}, noop)
	require.NoError(t, err)
	fn, ok := c.app().Lookup("app-invoked")
	require.True(t, ok)
	b, err := json.Marshal(fn.Config.Triggers)
	require.NoError(t, err)
	require.JSONEq(t, `[]`, string(b))
}
