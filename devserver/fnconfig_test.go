package devserver_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

// fnPayload is the sync payload of app "a" with one function: a valid
// one, with the fields of override (a JSON object) set over it, and
// those set to null removed.
func fnPayload(t *testing.T, override string) string {
	t.Helper()
	fn := map[string]any{
		"id": "a-f", "name": "f",
		"triggers": []any{map[string]any{"event": "x"}},
		"steps": map[string]any{"step": map[string]any{"id": "step", "name": "step",
			"runtime": map[string]any{"type": "http", "url": "http://127.0.0.1:1/api?fnId=a-f&stepId=step"}}},
	}
	var o map[string]any
	require.NoError(t, json.Unmarshal([]byte(override), &o), override)
	for k, v := range o {
		if v == nil {
			delete(fn, k)
		} else {
			fn[k] = v
		}
	}
	b, err := json.Marshal(map[string]any{"url": "http://127.0.0.1:1/api", "appName": "a", "functions": []any{fn}})
	require.NoError(t, err)
	return string(b)
}

// list is a JSON array of n copies of item, with %d in item replaced by
// the index.
func list(item string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.ReplaceAll(item, "%d", fmt.Sprint(i))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

var (
	step1  = `{"id":"step","name":"step","runtime":{"type":"http","url":"http://127.0.0.1:1/api"}}`
	long   = strings.Repeat("e", 256)
	cron10 = list(`{"cron":"%d * * * *"}`, 10)
)

// Each function config the real server refuses at sync is refused with a
// 400 that names the function and the field, never a 5xx.
func TestSyncRefusesConfigTheServerRefuses(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{})
	cases := []struct {
		name, override, want string
	}{
		// The function (pkg/inngest/function.go, pkg/sdk/function.go).
		{"NoName", `{"name":null}`, "name: a function name is required"},
		{"NoIDOrName", `{"id":null,"name":null}`, "a function: name: a function name is required"},
		{"NoSteps", `{"steps":{}}`, "steps: a function must have exactly one step, got 0"},
		{"TwoSteps", `{"steps":{"a":` + step1 + `,"b":` + step1 + `}}`, "steps: a function must have exactly one step, got 2"},
		{"StepWithoutName", `{"steps":{"step":{"runtime":{"url":"http://h/api"}}}}`, "steps.step.name: all steps must have a name"},
		{"StepWithoutURL", `{"steps":{"step":{"name":"step","runtime":{}}}}`, "steps.step.runtime.url: no URL"},
		{"StepURLNotHTTP", `{"steps":{"step":{"name":"step","runtime":{"url":"ftp://h/api"}}}}`, `steps.step.runtime.url: "ftp://h/api" is not an http(s) URL`},
		{"StepURLNoHost", `{"steps":{"step":{"name":"step","runtime":{"url":"http:///api"}}}}`, "has no host"},
		// Triggers (pkg/inngest/trigger.go, MaxTriggers in pkg/consts).
		{"ElevenTriggers", `{"triggers":` + list(`{"event":"e%d"}`, 11) + `}`, "triggers: at most 10 triggers are allowed, got 11"},
		{"DuplicateTrigger", `{"triggers":[{"event":"x"},{"event":"x"}]}`, `triggers[1]: duplicate trigger {"event":"x"}`},
		{"DuplicateCronOtherJitter", `{"triggers":[{"cron":"0 * * * *"},{"cron":"0 * * * *","jitter":"10s"}]}`, `triggers[1].cron: duplicate cron expression "0 * * * *"`},
		{"EventAndCron", `{"triggers":[{"event":"x","cron":"0 * * * *"}]}`, "triggers[0]: a trigger cannot have both an event and a cron"},
		{"EmptyTrigger", `{"triggers":[{}]}`, "triggers[0]: a trigger must have an event name or a cron schedule"},
		{"LongEventName", `{"triggers":[{"event":"` + long + `"}]}`, "triggers[0].event: the event name is longer than 255 characters"},
		{"LongCron", `{"triggers":[{"cron":"0 * * * * ` + long + `"}]}`, "triggers[0].cron: the schedule is longer than 255 characters"},
		{"BadCron", `{"triggers":[{"cron":"every day"}]}`, `triggers[0].cron: invalid cron "every day"`},
		// The server compiles a present expression, and CEL refuses a
		// blank one.
		{"BlankTriggerExpression", `{"triggers":[{"event":"x","expression":" "}]}`, "triggers[0].expression: an expression cannot be blank"},
		{"BlankCancelIf", `{"cancel":[{"event":"stop","if":""}]}`, "cancel[0].if: an expression cannot be blank"},
		{"BadTriggerExpression", `{"triggers":[{"event":"x","expression":"event.data.a ==="}]}`, "triggers[0].expression: invalid expression"},
		{"JitterNotADuration", `{"triggers":[{"cron":"0 * * * *","jitter":"soon"}]}`, `triggers[0].jitter: "soon" is not a valid duration`},
		{"JitterNegative", `{"triggers":[{"cron":"0 * * * *","jitter":"-1s"}]}`, "triggers[0].jitter: must not be negative"},
		{"JitterUnderASecond", `{"triggers":[{"cron":"0 * * * *","jitter":"500ms"}]}`, "triggers[0].jitter: must be 0 or at least 1s"},
		{"JitterOverFiveMinutes", `{"triggers":[{"cron":"0 * * * *","jitter":"5m1s"}]}`, "triggers[0].jitter: must be at most 5m"},
		// Concurrency (pkg/inngest/concurrency.go, MaxConcurrencyLimits).
		{"ThreeConcurrencyLimits", `{"concurrency":[{"limit":1},{"limit":2,"key":"event.data.a"},{"limit":3,"key":"event.data.b"}]}`, "concurrency: at most 2 concurrency limits are allowed, got 3"},
		{"ConcurrencyNegative", `{"concurrency":[{"limit":-1}]}`, "concurrency[0].limit: must not be negative, got -1"},
		{"ConcurrencyNegativeNumber", `{"concurrency":-5}`, "concurrency[0].limit: must not be negative, got -5"},
		{"ConcurrencyUnknownScope", `{"concurrency":[{"limit":1,"scope":"world"}]}`, `concurrency[0].scope: must be "fn", "env" or "account", got "world"`},
		{"ConcurrencyEnvWithoutKey", `{"concurrency":[{"limit":1,"scope":"env"}]}`, "concurrency[0].key: a concurrency key is required for env-scoped limits"},
		{"ConcurrencyBadKey", `{"concurrency":[{"limit":1},{"limit":1,"key":"event.data.("}]}`, "concurrency[1].key: invalid expression"},
		// Rate limit (RateLimit.IsValid, FunctionIdempotencyPeriod).
		{"RateLimitNoPeriod", `{"rateLimit":{"limit":1}}`, "rateLimit.period: is required"},
		{"RateLimitNegativeLimit", `{"rateLimit":{"limit":-1,"period":"1m"}}`, "rateLimit.limit: must be greater than 0, got -1"},
		{"RateLimitOver24h", `{"rateLimit":{"limit":1,"period":"24h1s"}}`, "rateLimit.period: \"24h1s\" is longer than the maximum of 24h0m0s"},
		{"RateLimitBadKey", `{"rateLimit":{"limit":1,"period":"1m","key":"event.("}}`, "rateLimit.key: invalid expression"},
		// Throttle.
		{"ThrottleBadKey", `{"throttle":{"limit":1,"period":"1m","key":"event.("}}`, "throttle.key: invalid expression"},
		// Debounce (MinDebouncePeriod, MaxDebouncePeriod).
		{"DebounceUnderASecond", `{"debounce":{"period":"999ms"}}`, `debounce.period: "999ms" is less than the minimum of 1s`},
		{"DebounceOverSevenDays", `{"debounce":{"period":"7d1s"}}`, `debounce.period: "7d1s" is greater than the maximum of 168h`},
		{"DebounceNoPeriod", `{"debounce":{"key":"event.data.a"}}`, `debounce.period: invalid duration ""`},
		{"DebounceBadKey", `{"debounce":{"period":"1s","key":"event.("}}`, "debounce.key: invalid expression"},
		{"DebounceBadTimeout", `{"debounce":{"period":"1s","timeout":"later"}}`, `debounce.timeout: invalid duration "later"`},
		// Batching (pkg/inngest/batch.go; exclusions in Function.Validate).
		{"BatchOfOne", `{"batchEvents":{"maxSize":1,"timeout":"5s"}}`, "batchEvents.maxSize: a batch size cannot be smaller than 2, got 1"},
		{"BatchUnderASecond", `{"batchEvents":{"maxSize":2,"timeout":"999ms"}}`, `batchEvents.timeout: "999ms" is shorter than the minimum of 1s`},
		{"BatchTimeoutInDays", `{"batchEvents":{"maxSize":2,"timeout":"1d"}}`, `batchEvents.timeout: invalid duration "1d"`},
		{"BatchBadKey", `{"batchEvents":{"maxSize":2,"timeout":"5s","key":"event.("}}`, "batchEvents.key: invalid expression"},
		{"BatchBadIf", `{"batchEvents":{"maxSize":2,"timeout":"5s","if":"event.("}}`, "batchEvents.if: invalid expression"},
		{"BatchAndCancel", `{"batchEvents":{"maxSize":2,"timeout":"5s"},"cancel":[{"event":"stop"}]}`, "batchEvents: batching and cancel cannot be used together"},
		{"BatchAndDebounce", `{"batchEvents":{"maxSize":2,"timeout":"5s"},"debounce":{"period":"5s"}}`, "batchEvents: batching and debounce cannot be used together"},
		{"BatchAndSingleton", `{"batchEvents":{"maxSize":2,"timeout":"5s"},"singleton":{"mode":"skip"}}`, "batchEvents: batching and singleton cannot be used together"},
		{"BatchAndPriority", `{"batchEvents":{"maxSize":2,"timeout":"5s"},"priority":{"run":"10"}}`, "batchEvents: batching and priority.run cannot be used together"},
		// Priority, singleton, idempotency, timeouts.
		{"PriorityBadRun", `{"priority":{"run":"event.data.("}}`, "priority.run: invalid expression"},
		{"SingletonUnknownMode", `{"singleton":{"mode":"first"}}`, `singleton.mode: must be "skip" or "cancel", got "first"`},
		{"SingletonBadKey", `{"singleton":{"mode":"skip","key":"event.("}}`, "singleton.key: invalid expression"},
		{"IdempotencyBadKey", `{"idempotency":"event.("}`, "idempotency: invalid expression"},
		{"TimeoutsBadStart", `{"timeouts":{"start":"soon"}}`, `timeouts.start: invalid duration "soon"`},
		{"TimeoutsBadFinish", `{"timeouts":{"finish":"-1s"}}`, `timeouts.finish: invalid duration "-1s"`},
		// Cancellation (MaxCancellations; the restrictive expression
		// policy of pkg/expressions/validation.go).
		{"SixCancels", `{"cancel":` + list(`{"event":"stop%d"}`, 6) + `}`, "cancel: at most 5 cancellations are allowed, got 6"},
		{"CancelWithoutEvent", `{"cancel":[{"if":"true"}]}`, "cancel[0].event: an event name is required"},
		{"CancelIfMacro", `{"cancel":[{"event":"stop","if":"has(async.data.id)"}]}`, "cancel[0].if: expression \"has(async.data.id)\" is not allowed here: macros such as has() are not allowed"},
		{"CancelIfFunction", `{"cancel":[{"event":"stop","if":"size(async.data.id) > 1"}]}`, "function calls and arithmetic are not allowed (uses size())"},
		{"CancelIfArithmetic", `{"cancel":[{"event":"stop","if":"async.data.n + 1 == event.data.n"}]}`, "function calls and arithmetic are not allowed (uses '+')"},
		{"CancelIfInvalid", `{"cancel":[{"event":"stop","if":"async.("}]}`, "cancel[0].if: invalid expression"},
		{"CancelBadTimeout", `{"cancel":[{"event":"stop","timeout":"soon"}]}`, `cancel[0].timeout: invalid duration "soon"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postJSON(t, srv.URL()+"/fn/register", fnPayload(t, tc.override))
			require.Equal(t, 400, status, out)
			msg, _ := out["error"].(string)
			require.Contains(t, msg, tc.want)
			if !strings.Contains(tc.override, `"id":null`) {
				require.Contains(t, msg, `function "a-f": `)
			}
		})
	}
	require.Empty(t, srv.Functions())
}

// Configs at the real server's limits, and the forms it normalises, are
// accepted.
func TestSyncAcceptsConfigAtTheLimits(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{})
	cases := []struct {
		name, override, wantID string
	}{
		{"NoTriggers", `{"triggers":[]}`, ""}, // invoke-only
		{"TenTriggers", `{"triggers":` + cron10 + `}`, ""},
		{"SameEventTwoExpressions", `{"triggers":[{"event":"x","expression":"event.data.a == 1"},{"event":"x","expression":"event.data.a == 2"}]}`, ""},
		{"IDFromName", `{"id":null,"name":"Send Welcome Email!"}`, "send-welcome-email"},
		{"JitterBounds", `{"triggers":[{"cron":"0 * * * *","jitter":"1s"},{"cron":"5 * * * *","jitter":"5m"},{"cron":"9 * * * *","jitter":"0s"},{"cron":"7 * * * *","jitter":""}]}`, ""},
		{"TwoConcurrencyLimits", `{"concurrency":[{"limit":5},{"limit":1,"key":"event.data.user","scope":"Account"}]}`, ""},
		{"ConcurrencyZeroMeansNone", `{"concurrency":[{"limit":0}]}`, ""},
		{"ConcurrencyNumber", `{"concurrency":3}`, ""},
		{"RateLimit24h", `{"rateLimit":{"limit":1,"period":"24h","key":"event.data.user"}}`, ""},
		{"RateLimitOneDay", `{"rateLimit":{"limit":1,"period":"1d"}}`, ""},
		{"ThrottleZeroLimit", `{"throttle":{"limit":0,"period":"1s","burst":0}}`, ""},
		{"DebounceMinimum", `{"debounce":{"period":"1s","key":""}}`, ""},
		{"DebounceMaximum", `{"debounce":{"period":"7d","timeout":"7d"}}`, ""},
		{"BatchMinimum", `{"batchEvents":{"maxSize":2,"timeout":"1s"}}`, ""},
		// The server sets no upper bound on maxSize: a batch also closes
		// at 10 MiB of events.
		{"BatchHuge", `{"batchEvents":{"maxSize":1000000000,"timeout":"60s","key":"event.data.a","if":"event.data.b == 1"}}`, ""},
		{"FiveLogicCancels", `{"cancel":` + list(`{"event":"stop%d","if":"event.data.id == async.data.id && !(async.data.n > 2) || async.data.tags[0] in ['a'] && int(async.data.s) != 1","timeout":"1h"}`, 5) + `}`, ""},
		{"SingletonModeAnyCase", `{"singleton":{"mode":"Cancel","key":"event.data.user"}}`, ""},
		{"PriorityAndTimeouts", `{"priority":{"run":"event.data.vip ? 600 : 0"},"timeouts":{"start":"1m","finish":"2h"}}`, ""},
		{"RetriesAboveTheMaximum", `{"steps":{"step":{"id":"step","name":"step","runtime":{"url":"http://127.0.0.1:1/api"},"retries":{"attempts":50}}}}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postJSON(t, srv.URL()+"/fn/register", fnPayload(t, tc.override))
			require.Equal(t, 200, status, out)
			require.Equal(t, true, out["ok"])
			want := tc.wantID
			if want == "" {
				want = "a-f"
			}
			require.Contains(t, srv.Functions(), want)
		})
	}
}

// One answer lists every problem of every function, as the server's
// does.
func TestSyncListsEveryProblem(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{})
	body := `{"url":"http://127.0.0.1:1/api","appName":"a","functions":[` +
		`{"id":"a-f","name":"f","triggers":[{"event":"x"}],"steps":{"step":` + step1 + `},"rateLimit":{"limit":0,"period":"1m"},"debounce":{"period":"0s"}},` +
		`{"id":"a-g","name":"g","triggers":[{"event":"x"}],"steps":{"step":` + step1 + `},"concurrency":[{"limit":-1}]}]}`
	status, out := postJSON(t, srv.URL()+"/fn/register", body)
	require.Equal(t, 400, status, out)
	require.Equal(t, "invalid sync payload: "+
		`function "a-f": rateLimit.limit: must be greater than 0, got 0; debounce.period: "0s" is less than the minimum of 1s`+"\n"+
		`function "a-g": concurrency[0].limit: must not be negative, got -1 (0 means no limit)`, out["error"])
}

// A sync without an app ID is refused, as on the real server.
func TestSyncNeedsAnAppName(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{})
	status, out := postJSON(t, srv.URL()+"/fn/register", `{"url":"http://127.0.0.1:1/api","functions":[]}`)
	require.Equal(t, 400, status, out)
	require.Equal(t, "invalid sync payload: appName is required: the app's ID", out["error"])
}
