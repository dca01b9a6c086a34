package devserver

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// The limits the real server applies when an app syncs are in
// internal/limits, shared with the SDK. A function config that breaks one
// is refused with a 400 naming the function and the field. More retries
// than limits.MaxRetries are lowered to it, not refused
// (pkg/sdk/function.go); a batch's maxSize has no upper bound, but a batch
// is closed at maxBatchBytes of events.

// fnCompiler compiles one function of a sync payload and collects what
// is wrong with it, each problem under the name of its field, so that a
// sync reports every problem at once, as the real server does.
type fnCompiler struct {
	s    *Server
	id   string
	errs []string
}

// fail records a problem with field.
func (cx *fnCompiler) fail(field, format string, args ...any) {
	cx.errs = append(cx.errs, field+": "+fmt.Sprintf(format, args...))
}

// err returns the problems found, or nil.
func (cx *fnCompiler) err() error {
	if len(cx.errs) == 0 {
		return nil
	}
	name := "a function"
	if cx.id != "" {
		name = fmt.Sprintf("function %q", cx.id)
	}
	return fmt.Errorf("%s: %s", name, strings.Join(cx.errs, "; "))
}

// expr compiles an optional expression; nil or blank gives nil.
func (cx *fnCompiler) expr(field string, src *string) *expr {
	if src == nil || strings.TrimSpace(*src) == "" {
		return nil
	}
	e, err := cx.s.exprs.Compile(*src)
	if err != nil {
		cx.fail(field, "%v", err)
		return nil
	}
	return e
}

// duration parses a time string such as "30s", "2h" or "1d".
func (cx *fnCompiler) duration(field, v string) (time.Duration, bool) {
	d, err := timestr.Parse(v)
	if err != nil || d < 0 {
		cx.fail(field, "invalid duration %q", v)
		return 0, false
	}
	return d, true
}

// compileFunction validates one function of a sync payload and compiles
// its configuration. Each option validates itself below; this checks
// what concerns the function as a whole (pkg/inngest/function.go,
// Function.Validate, and pkg/sdk/function.go in inngest/inngest).
func (s *Server) compileFunction(app *appRecord, w wire.Function) (*function, error) {
	cx := &fnCompiler{s: s, id: w.ID}
	if cx.id == "" {
		// As on the server, the ID defaults to the name, slugged.
		cx.id = slugOf(w.Name)
	}
	if strings.TrimSpace(w.Name) == "" {
		cx.fail("name", "a function name is required")
	} else if cx.id == "" {
		cx.fail("id", "a function ID is required")
	}
	fn := &function{app: app, id: cx.id, uuid: functionUUID(cx.id), name: w.Name}
	fn.urlBase, fn.maxAttempts = cx.steps(w.Steps, cx.id)
	fn.triggers, fn.crons = cx.triggers(fn, w.Triggers)
	fn.idempotency = cx.expr("idempotency", w.Idempotency)
	fn.rateLimit = compileRateLimit(cx, w.RateLimit)
	fn.throttle = compileThrottle(cx, w.Throttle)
	fn.debounce = compileDebounce(cx, w.Debounce)
	fn.batch = compileBatch(cx, w)
	fn.concurrency = compileConcurrency(cx, w.Concurrency)
	if p := w.Priority; p != nil {
		fn.priority = cx.expr("priority.run", p.Run)
	}
	fn.singleton = compileSingleton(cx, w.Singleton)
	fn.cancels = compileCancels(cx, w.Cancel)
	fn.timeoutStart, fn.timeoutFinish = compileTimeouts(cx, w.Timeouts)
	if err := cx.err(); err != nil {
		return nil, err
	}
	return fn, nil
}

// slugOf is the ID the server derives from a name: lower case, with each
// run of other characters than letters and digits made one dash.
func slugOf(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// steps checks the function's single step, as the server does: exactly
// one, with a name and an http(s) URL (the server also takes ws and wss,
// which this orchestrator cannot call). It returns the call URL and the
// number of attempts.
func (cx *fnCompiler) steps(steps map[string]wire.Step, fnID string) (string, int) {
	attempts := DefaultAttempts
	if len(steps) != 1 {
		cx.fail("steps", "a function must have exactly one step, got %d", len(steps))
		return "", attempts
	}
	var key string
	var st wire.Step
	for key, st = range steps {
	}
	field := "steps." + key
	if st.Name == "" {
		cx.fail(field+".name", "all steps must have a name")
	}
	if st.Retries != nil {
		// Like the real server, "attempts" counts retries (capped at
		// 20): a function runs up to attempts+1 times.
		attempts = min(max(st.Retries.Attempts, 0), limits.MaxRetries) + 1
	}
	raw := st.Runtime.URL
	if raw == "" {
		cx.fail(field+".runtime.url", "no URL given for the function")
		return "", attempts
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		cx.fail(field+".runtime.url", "%q is not a valid URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		cx.fail(field+".runtime.url", "%q is not an http(s) URL", raw)
	case u.Host == "":
		cx.fail(field+".runtime.url", "%q has no host", raw)
	default:
		return callURLBase(u, fnID), attempts
	}
	return "", attempts
}

// rateCfg is a compiled rate limit: at most limit runs per period and key.
type rateCfg struct {
	limit  int
	period time.Duration
	key    *expr
}

// compileRateLimit follows RateLimit.IsValid, pkg/inngest/function.go:
// a positive limit, a period of at most 24 hours (FunctionIdempotencyPeriod,
// pkg/consts/consts.go) and a valid key. A zero period is refused too.
func compileRateLimit(cx *fnCompiler, rl *wire.RateLimit) *rateCfg {
	if rl == nil {
		return nil
	}
	c := &rateCfg{limit: rl.Limit, key: cx.expr("rateLimit.key", rl.Key)}
	if rl.Limit <= 0 {
		cx.fail("rateLimit.limit", "must be greater than 0, got %d", rl.Limit)
	}
	if rl.Period == "" {
		cx.fail("rateLimit.period", "is required")
		return c
	}
	var ok bool
	if c.period, ok = cx.duration("rateLimit.period", rl.Period); !ok {
		return c
	}
	switch {
	case c.period <= 0:
		cx.fail("rateLimit.period", "must be positive, got %q", rl.Period)
	case c.period > limits.MaxRateLimitPeriod:
		cx.fail("rateLimit.period", "%q is longer than the maximum of %s", rl.Period, limits.MaxRateLimitPeriod)
	}
	return c
}

// throttleCfg is a compiled throttle: limit starts per period and key, burst more.
type throttleCfg struct {
	limit, burst int
	period       time.Duration
	key          *expr
}

// compileThrottle follows Throttle, pkg/inngest/function.go: limit and
// burst are unsigned, a limit of 0 means 1, and the period counts in
// whole seconds, at least one.
func compileThrottle(cx *fnCompiler, th *wire.Throttle) *throttleCfg {
	if th == nil {
		return nil
	}
	c := &throttleCfg{limit: max(th.Limit, 1), burst: th.Burst, key: cx.expr("throttle.key", th.Key)}
	if th.Limit < 0 {
		cx.fail("throttle.limit", "must not be negative, got %d", th.Limit)
	}
	if th.Burst < 0 {
		cx.fail("throttle.burst", "must not be negative, got %d", th.Burst)
	}
	if d, ok := cx.duration("throttle.period", th.Period); ok {
		c.period = d.Truncate(time.Second)
		if c.period <= 0 {
			cx.fail("throttle.period", "%q is shorter than the minimum of 1s", th.Period)
		}
	}
	return c
}

// debounceCfg is a compiled debounce.
type debounceCfg struct {
	period, timeout time.Duration
	key             *expr
}

// compileDebounce follows Function.Validate, pkg/inngest/function.go: a
// period from 1 second to 7 days and a valid key (an empty one is none).
func compileDebounce(cx *fnCompiler, d *wire.Debounce) *debounceCfg {
	if d == nil {
		return nil
	}
	c := &debounceCfg{key: cx.expr("debounce.key", d.Key)}
	if p, ok := cx.duration("debounce.period", d.Period); ok {
		c.period = p
		switch {
		case p < limits.MinDebouncePeriod:
			cx.fail("debounce.period", "%q is less than the minimum of %s", d.Period, limits.MinDebouncePeriod)
		case p > limits.MaxDebouncePeriod:
			cx.fail("debounce.period", "%q is greater than the maximum of %s", d.Period, timestr.Format(limits.MaxDebouncePeriod))
		}
	}
	if d.Timeout != nil && *d.Timeout != "" {
		c.timeout, _ = cx.duration("debounce.timeout", *d.Timeout)
	}
	return c
}

// batchCfg is a compiled event batch.
type batchCfg struct {
	maxSize   int
	timeout   time.Duration
	key, cond *expr
}

// compileBatch follows EventBatchConfig.IsValid, pkg/inngest/batch.go: at
// least 2 events, a timeout of at least 1 second written as a Go
// duration, valid key and if expressions. As in Function.Validate
// (pkg/inngest/function.go), batching excludes cancellation, debounce,
// singletons and a priority expression.
func compileBatch(cx *fnCompiler, w wire.Function) *batchCfg {
	b := w.BatchEvents
	if b == nil {
		return nil
	}
	c := &batchCfg{maxSize: b.MaxSize, key: cx.expr("batchEvents.key", b.Key), cond: cx.expr("batchEvents.if", b.If)}
	if b.MaxSize < limits.MinBatchSize {
		cx.fail("batchEvents.maxSize", "a batch size cannot be smaller than %d, got %d", limits.MinBatchSize, b.MaxSize)
	}
	// The server reads this one with time.ParseDuration: no "d" or "w".
	if d, err := time.ParseDuration(b.Timeout); err != nil {
		cx.fail("batchEvents.timeout", "invalid duration %q", b.Timeout)
	} else if c.timeout = d; d < limits.MinBatchTimeout {
		cx.fail("batchEvents.timeout", "%q is shorter than the minimum of %s", b.Timeout, limits.MinBatchTimeout)
	}
	for _, other := range []struct {
		set   bool
		field string
	}{
		{len(w.Cancel) > 0, "cancel"},
		{w.Debounce != nil, "debounce"},
		{w.Singleton != nil, "singleton"},
		{w.Priority != nil && w.Priority.Run != nil, "priority.run"},
	} {
		if other.set {
			cx.fail("batchEvents", "batching and %s cannot be used together", other.field)
		}
	}
	return c
}

// concCfg is one compiled concurrency limit; scope is fn, env or account.
type concCfg struct {
	limit int
	key   *expr
	scope string
}

// compileConcurrency follows ConcurrencyLimits.Validate,
// pkg/inngest/concurrency.go: at most two limits, a key for env and
// account scopes, valid keys; scopes are fn, env or account in any case.
// A limit of 0 means none. A negative limit is refused: the server
// refuses it in its newer form of the option ("fn" limits must be > 0)
// and would read -1 in the older one as no limit at all.
func compileConcurrency(cx *fnCompiler, list wire.Concurrencies) []concCfg {
	if len(list) > limits.MaxConcurrencyLimits {
		cx.fail("concurrency", "at most %d concurrency limits are allowed, got %d", limits.MaxConcurrencyLimits, len(list))
	}
	var out []concCfg
	for i, cc := range list {
		field := fmt.Sprintf("concurrency[%d]", i)
		scope := strings.ToLower(cc.Scope)
		switch scope {
		case "", "fn":
			scope = "fn"
		case "env", "account":
			if cc.Key == nil {
				cx.fail(field+".key", "a concurrency key is required for %s-scoped limits", scope)
			}
		default:
			cx.fail(field+".scope", "must be \"fn\", \"env\" or \"account\", got %q", cc.Scope)
		}
		if cc.Limit < 0 {
			cx.fail(field+".limit", "must not be negative, got %d (0 means no limit)", cc.Limit)
		}
		key := cx.expr(field+".key", cc.Key)
		if cc.Limit > 0 {
			out = append(out, concCfg{limit: cc.Limit, key: key, scope: scope})
		}
	}
	return out
}

// singletonCfg is a compiled singleton; mode is skip or cancel.
type singletonCfg struct {
	key  *expr
	mode string
}

// compileSingleton follows Singleton, pkg/inngest/function.go, whose mode
// is "skip" (the default) or "cancel" in any case.
func compileSingleton(cx *fnCompiler, sg *wire.Singleton) *singletonCfg {
	if sg == nil {
		return nil
	}
	c := &singletonCfg{mode: strings.ToLower(sg.Mode), key: cx.expr("singleton.key", sg.Key)}
	switch c.mode {
	case "":
		c.mode = "skip"
	case "skip", "cancel":
	default:
		cx.fail("singleton.mode", "must be \"skip\" or \"cancel\", got %q", sg.Mode)
	}
	return c
}

// cancelCfg is one compiled cancellation.
type cancelCfg struct {
	event   string
	expr    *expr
	timeout time.Duration
}

// compileCancels follows Function.Validate, pkg/inngest/function.go: at
// most five, and each if expression keeps to logic (the server's
// restrictive policy, pkg/expressions/validation.go: no macros, no
// function calls or arithmetic). An event name is required too.
func compileCancels(cx *fnCompiler, list []wire.Cancel) []cancelCfg {
	if len(list) > limits.MaxCancellations {
		cx.fail("cancel", "at most %d cancellations are allowed, got %d", limits.MaxCancellations, len(list))
	}
	var out []cancelCfg
	for i, cn := range list {
		field := fmt.Sprintf("cancel[%d]", i)
		c := cancelCfg{event: cn.Event}
		if cn.Event == "" {
			cx.fail(field+".event", "an event name is required")
		}
		if cn.If != nil && strings.TrimSpace(*cn.If) != "" {
			if err := cx.s.exprs.CheckLogicOnly(*cn.If); err != nil {
				cx.fail(field+".if", "%v", err)
			} else {
				c.expr = cx.expr(field+".if", cn.If)
			}
		}
		if cn.Timeout != nil && *cn.Timeout != "" {
			c.timeout, _ = cx.duration(field+".timeout", *cn.Timeout)
		}
		out = append(out, c)
	}
	return out
}

// compileTimeouts reads timeouts.start and timeouts.finish.
func compileTimeouts(cx *fnCompiler, t *wire.Timeouts) (start, finish time.Duration) {
	if t == nil {
		return 0, 0
	}
	if t.Start != nil && *t.Start != "" {
		start, _ = cx.duration("timeouts.start", *t.Start)
	}
	if t.Finish != nil && *t.Finish != "" {
		finish, _ = cx.duration("timeouts.finish", *t.Finish)
	}
	return start, finish
}

// errNoAppName refuses a sync without an app ID, as the server does
// (pkg/devserver/api.go, register).
var errNoAppName = errors.New("appName is required: the app's ID")
