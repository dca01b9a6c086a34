package fnspec_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/fnspec"
	"github.com/durablefn/inngest/internal/wire"
)

// fn is a valid function with the JSON fields of override set over it.
func fn(t *testing.T, override string) *wire.Function {
	t.Helper()
	m := map[string]json.RawMessage{}
	base := `{"id":"a-f","name":"f","triggers":[{"event":"x"}],"steps":{"step":{"id":"step","name":"step","runtime":{"type":"http","url":""}}}}`
	require.NoError(t, json.Unmarshal([]byte(base), &m))
	require.NoError(t, json.Unmarshal([]byte(override), &m), override)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	w := &wire.Function{}
	require.NoError(t, json.Unmarshal(b, w))
	return w
}

func TestCheck(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("e", 256)
	cases := []struct {
		name, override string
		want           []string // problems, "" for none
	}{
		{"Valid", `{}`, nil},
		{"NoTriggersIsInvokeOnly", `{"triggers":[]}`, nil},
		{"SpacesInEventName", `{"triggers":[{"event":" a b "}]}`, nil},
		{"BlankName", `{"name":" "}`, []string{"name: a function name is required"}},
		{"NoSteps", `{"steps":{}}`, []string{"steps: a function must have exactly one step, got 0"}},
		{"StepWithoutName", `{"steps":{"s":{"runtime":{}}}}`, []string{"steps.s.name: all steps must have a name"}},
		{"ElevenTriggers", `{"triggers":[{"event":"0"},{"event":"1"},{"event":"2"},{"event":"3"},{"event":"4"},{"event":"5"},{"event":"6"},{"event":"7"},{"event":"8"},{"event":"9"},{"event":"10"}]}`, []string{"triggers: at most 10 triggers are allowed, got 11"}},
		{"Duplicate", `{"triggers":[{"event":"x"},{"event":"x"}]}`, []string{`triggers[1]: duplicate trigger {"event":"x"}`}},
		{"DuplicateCron", `{"triggers":[{"cron":"0 * * * *"},{"cron":"0 * * * *","jitter":"10s"}]}`, []string{`triggers[1].cron: duplicate cron expression "0 * * * *"`}},
		{"BlankIf", `{"triggers":[{"event":"x","expression":" "}]}`, []string{"triggers[0].expression: an expression cannot be blank"}},
		{"EventAndCron", `{"triggers":[{"event":"x","cron":"0 * * * *"}]}`, []string{"triggers[0]: a trigger cannot have both an event and a cron"}},
		{"Empty", `{"triggers":[{}]}`, []string{"triggers[0]: a trigger must have an event name or a cron schedule"}},
		{"LongEvent", `{"triggers":[{"event":"` + long + `"}]}`, []string{"triggers[0].event: the event name is longer than 255 characters"}},
		{"Descriptor", `{"triggers":[{"cron":"@hourly"}]}`, []string{`triggers[0].cron: invalid cron "@hourly"`}},
		{"JitterTooSmall", `{"triggers":[{"cron":"0 * * * *","jitter":"500ms"}]}`, []string{"triggers[0].jitter: must be 0 or at least 1s"}},
		{"JitterTooLarge", `{"triggers":[{"cron":"0 * * * *","jitter":"5m1s"}]}`, []string{"triggers[0].jitter: must be at most 5m"}},
		{"JitterNegative", `{"triggers":[{"cron":"0 * * * *","jitter":"-1s"}]}`, []string{"triggers[0].jitter: must not be negative"}},
		{"ConcurrencyThree", `{"concurrency":[{"limit":1},{"limit":1},{"limit":1}]}`, []string{"concurrency: at most 2"}},
		{"ConcurrencyZero", `{"concurrency":[{"limit":0}]}`, nil},
		{"ConcurrencyNegative", `{"concurrency":-1}`, []string{"concurrency[0].limit: must not be negative"}},
		{"ConcurrencyScope", `{"concurrency":[{"limit":1,"scope":"world"}]}`, []string{"concurrency[0].scope: must be"}},
		{"ConcurrencyAccountNoKey", `{"concurrency":[{"limit":1,"scope":"Account"}]}`, []string{"concurrency[0].key: a concurrency key is required for account-scoped limits"}},
		{"ConcurrencyNewForm", `{"concurrency":{"fn":[{"limit":3,"scope":"app"}],"step":[{"limit":1},{"limit":2,"key":"event.data.a"}]}}`, nil},
		{"ConcurrencyNewFormTwoRunLimits", `{"concurrency":{"fn":[{"limit":3},{"limit":4}]}}`, []string{"concurrency.fn: only one function concurrency limit is allowed"}},
		{"ConcurrencyNewFormZero", `{"concurrency":{"fn":[{"limit":0}]}}`, []string{"concurrency[0].limit: function concurrency limit must be > 0"}},
		{"RateLimitZero", `{"rateLimit":{"limit":0,"period":"1m"}}`, []string{"rateLimit.limit: must be greater than 0"}},
		{"RateLimitLong", `{"rateLimit":{"limit":1,"period":"1d1s"}}`, []string{"rateLimit.period: \"1d1s\" is longer than the maximum of 24h0m0s"}},
		{"RateLimitBlankKey", `{"rateLimit":{"limit":1,"period":"1m","key":""}}`, []string{"rateLimit.key: an expression cannot be blank"}},
		{"ThrottleZeroLimitMeansOne", `{"throttle":{"limit":0,"period":"1s"}}`, nil},
		{"ThrottleShort", `{"throttle":{"limit":1,"period":"999ms"}}`, []string{"throttle.period: \"999ms\" is shorter than the minimum of 1s"}},
		{"DebounceEmptyKeyIsNone", `{"debounce":{"period":"1s","key":""}}`, nil},
		{"DebounceLong", `{"debounce":{"period":"7d1s"}}`, []string{"debounce.period: \"7d1s\" is greater than the maximum of 168h"}},
		{"BatchOfOne", `{"batchEvents":{"maxSize":1,"timeout":"1s"}}`, []string{"batchEvents.maxSize: a batch size cannot be smaller than 2, got 1"}},
		{"BatchDays", `{"batchEvents":{"maxSize":2,"timeout":"1d"}}`, []string{`batchEvents.timeout: invalid duration "1d"`}},
		{"BatchWithAll", `{"batchEvents":{"maxSize":2,"timeout":"1s"},"cancel":[{"event":"c"}],"debounce":{"period":"1s"},"singleton":{},"priority":{"run":"1"}}`, []string{
			"batchEvents: batching and cancel", "batchEvents: batching and debounce", "batchEvents: batching and singleton", "batchEvents: batching and priority.run"}},
		{"BlankPriority", `{"priority":{"run":""}}`, []string{"priority.run: an expression cannot be blank"}},
		{"SingletonMode", `{"singleton":{"mode":"first"}}`, []string{`singleton.mode: must be "skip" or "cancel", got "first"`}},
		{"SixCancels", `{"cancel":[{"event":"a"},{"event":"b"},{"event":"c"},{"event":"d"},{"event":"e"},{"event":"f"}]}`, []string{"cancel: at most 5 cancellations are allowed, got 6"}},
		{"CancelNoEvent", `{"cancel":[{"if":"true"}]}`, []string{"cancel[0].event: an event name is required"}},
		{"TimeoutsBad", `{"timeouts":{"start":"soon","finish":"-1s"}}`, []string{`timeouts.start: invalid duration "soon"`, `timeouts.finish: invalid duration "-1s"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fnspec.Check(fn(t, tc.override))
			require.Len(t, got, len(tc.want), "%v", got)
			for i, want := range tc.want {
				require.Contains(t, got[i].String(), want)
			}
		})
	}
}

// Jitter and Duration read what Check accepted.
func TestReaders(t *testing.T) {
	t.Parallel()
	j := "90s"
	require.Equal(t, "1m30s", fnspec.Jitter(wire.Trigger{Cron: "0 * * * *", Jitter: &j}).String())
	require.Zero(t, fnspec.Jitter(wire.Trigger{Cron: "0 * * * *"}))
	d := "1d"
	require.Equal(t, "24h0m0s", fnspec.Duration(&d).String())
	require.Zero(t, fnspec.Duration(nil))
}
