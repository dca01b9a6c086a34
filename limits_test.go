package inngest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
)

// CreateFunction refuses, with a message naming the option, every config
// the server would refuse at sync: a mistake shows when the app starts,
// not as a failed sync or a run that never starts.
func TestCreateFunctionRefusesWhatTheServerRefuses(t *testing.T) {
	ev := inngest.OnEvent("app/e")
	many := ev
	for i := range 10 {
		many = many.Or(inngest.OnEvent(fmt.Sprintf("app/e%d", i)))
	}
	cancels := make([]inngest.CancelOn, 6)
	for i := range cancels {
		cancels[i] = inngest.CancelOn{Event: fmt.Sprintf("app/stop%d", i)}
	}
	batch := &inngest.BatchEvents{MaxSize: 10, Timeout: time.Second}
	cases := []struct {
		name    string
		opts    inngest.FunctionOpts
		trigger inngest.Trigger[map[string]any]
		want    string
	}{
		{"BatchOfOne", inngest.FunctionOpts{BatchEvents: &inngest.BatchEvents{MaxSize: 1, Timeout: time.Second}}, ev, "batchEvents.maxSize: a batch size cannot be smaller than 2, got 1"},
		{"ElevenTriggers", inngest.FunctionOpts{}, many, "triggers: at most 10 triggers are allowed, got 11"},
		{"SameTriggerTwice", inngest.FunctionOpts{}, ev.Or(inngest.OnEvent("app/e")), `triggers[1]: duplicate trigger {"event":"app/e"}`},
		{"SameCronTwice", inngest.FunctionOpts{}, ev.OrCron("0 * * * *").OrCron("0 * * * *").Jitter(time.Minute), `triggers[2].cron: duplicate cron expression "0 * * * *"`},
		{"LongEventName", inngest.FunctionOpts{}, inngest.OnEvent("app/" + strings.Repeat("x", 252)), "triggers[0].event: the event name is longer than 255 characters"},
		{"JitterTooShort", inngest.FunctionOpts{}, ev.OrCron("0 * * * *").Jitter(500 * time.Millisecond), `triggers[1].jitter: must be 0 or at least 1s, got "500ms"`},
		{"JitterTooLong", inngest.FunctionOpts{}, ev.OrCron("0 * * * *").Jitter(6 * time.Minute), `triggers[1].jitter: must be at most 5m, got "6m"`},
		{"SixCancels", inngest.FunctionOpts{CancelOn: cancels}, ev, "cancel: at most 5 cancellations are allowed, got 6"},
		{"BatchWithCancel", inngest.FunctionOpts{BatchEvents: batch, CancelOn: cancels[:1]}, ev, "batchEvents: batching and cancel cannot be used together"},
		{"BatchWithDebounce", inngest.FunctionOpts{BatchEvents: batch, Debounce: &inngest.Debounce{Period: time.Minute}}, ev, "batchEvents: batching and debounce cannot be used together"},
		{"BatchWithSingleton", inngest.FunctionOpts{BatchEvents: batch, Singleton: &inngest.Singleton{Mode: inngest.SingletonSkip}}, ev, "batchEvents: batching and singleton cannot be used together"},
		{"BatchWithPriority", inngest.FunctionOpts{BatchEvents: batch, Priority: &inngest.Priority{Run: "10"}}, ev, "batchEvents: batching and priority.run cannot be used together"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1"})
			require.NoError(t, err)
			tc.opts.ID = "fn"
			_, err = inngest.CreateFunction(c, tc.opts, tc.trigger, func(context.Context, inngest.Input[map[string]any]) (int, error) { return 0, nil })
			require.ErrorContains(t, err, tc.want)
			require.True(t, strings.HasPrefix(err.Error(), `inngest: function "fn": `), err.Error())
		})
	}
}

// A negative jitter would travel as "0s" and read as no jitter.
func TestNegativeJitterIsRefused(t *testing.T) {
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("app/e").OrCron("0 * * * *").Jitter(-time.Minute),
		func(context.Context, inngest.Input[map[string]any]) (int, error) { return 0, nil })
	require.ErrorContains(t, err, "Trigger.Jitter(-1m0s): a jitter cannot be negative")
}
