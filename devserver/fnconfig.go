package devserver

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/fnspec"
	"github.com/durablefn/inngest/internal/limits"
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

// compileFunction validates one function of a sync payload and compiles
// its configuration. internal/fnspec checks what the server checks at
// sync (the SDK's CreateFunction runs the same checks); this adds what
// needs a compiler or a reachable app: expressions and the step's URL.
func (s *Server) compileFunction(app *appRecord, w wire.Function) (*function, error) {
	cx := &fnCompiler{s: s, id: w.ID}
	if cx.id == "" {
		// As on the server, the ID defaults to the name, slugged.
		cx.id = slugOf(w.Name)
	}
	for _, p := range fnspec.Check(&w) {
		cx.errs = append(cx.errs, p.String())
	}
	if strings.TrimSpace(w.Name) != "" && cx.id == "" {
		cx.fail("id", "a function ID is required")
	}
	fn := &function{app: app, id: cx.id, uuid: wire.FunctionUUID(cx.id), name: w.Name}
	fn.urlBase, fn.maxAttempts = cx.steps(w.Steps, cx.id)
	fn.triggers, fn.crons = cx.triggers(fn, w.Triggers)
	fn.idempotency = cx.expr("idempotency", w.Idempotency)
	fn.rateLimit = compileRateLimit(cx, w.RateLimit)
	fn.throttle = compileThrottle(cx, w.Throttle)
	fn.debounce = compileDebounce(cx, w.Debounce)
	fn.batch = compileBatch(cx, w.BatchEvents)
	fn.concurrency = compileConcurrency(cx, w.Concurrency)
	if p := w.Priority; p != nil {
		fn.priority = cx.expr("priority.run", p.Run)
	}
	fn.singleton = compileSingleton(cx, w.Singleton)
	fn.cancels = compileCancels(cx, w.Cancel)
	fn.timeoutStart, fn.timeoutFinish = compileTimeouts(w.Timeouts)
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

// steps reads the function's single step (fnspec checked there is one):
// an http(s) URL (the server also takes ws and wss, which this
// orchestrator cannot call). It returns the call URL and the number of
// attempts.
func (cx *fnCompiler) steps(steps map[string]wire.Step, fnID string) (string, int) {
	attempts := DefaultAttempts
	if len(steps) != 1 {
		return "", attempts
	}
	var key string
	var st wire.Step
	for key, st = range steps {
	}
	field := "steps." + key
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

// compileRateLimit compiles a rate limit fnspec accepted.
func compileRateLimit(cx *fnCompiler, rl *wire.RateLimit) *rateCfg {
	if rl == nil {
		return nil
	}
	return &rateCfg{limit: rl.Limit, period: fnspec.Duration(&rl.Period), key: cx.expr("rateLimit.key", rl.Key)}
}

// throttleCfg is a compiled throttle: limit starts per period and key, burst more.
type throttleCfg struct {
	limit, burst int
	period       time.Duration
	key          *expr
}

// compileThrottle compiles a throttle fnspec accepted, as the server reads
// it (Throttle, pkg/inngest/function.go): a limit of 0 means 1, and the
// period counts in whole seconds.
func compileThrottle(cx *fnCompiler, th *wire.Throttle) *throttleCfg {
	if th == nil {
		return nil
	}
	return &throttleCfg{
		limit: max(th.Limit, 1), burst: th.Burst, key: cx.expr("throttle.key", th.Key),
		period: fnspec.Duration(&th.Period).Truncate(time.Second),
	}
}

// debounceCfg is a compiled debounce.
type debounceCfg struct {
	period, timeout time.Duration
	key             *expr
}

// compileDebounce compiles a debounce fnspec accepted; an empty key is
// none.
func compileDebounce(cx *fnCompiler, d *wire.Debounce) *debounceCfg {
	if d == nil {
		return nil
	}
	return &debounceCfg{period: fnspec.Duration(&d.Period), timeout: fnspec.Duration(d.Timeout), key: cx.expr("debounce.key", d.Key)}
}

// batchCfg is a compiled event batch.
type batchCfg struct {
	maxSize   int
	timeout   time.Duration
	key, cond *expr
}

// compileBatch compiles an event batch fnspec accepted (its timeout is a
// Go duration, as the server reads it).
func compileBatch(cx *fnCompiler, b *wire.BatchEvents) *batchCfg {
	if b == nil {
		return nil
	}
	d, _ := time.ParseDuration(b.Timeout)
	return &batchCfg{maxSize: b.MaxSize, timeout: d, key: cx.expr("batchEvents.key", b.Key), cond: cx.expr("batchEvents.if", b.If)}
}

// concCfg is one compiled concurrency limit; scope is fn, env or account.
type concCfg struct {
	limit int
	key   *expr
	scope string
}

// compileConcurrency compiles the concurrency limits fnspec accepted;
// scopes are fn, env or account in any case, and a limit of 0 means none.
// A run limit of the newer form (wire.Concurrency.Run), which the server
// holds for a whole run, is applied here as a function-scoped limit on
// steps running at once: the same bound while runs have one step in
// flight, a looser one for parallel steps.
func compileConcurrency(cx *fnCompiler, list wire.Concurrencies) []concCfg {
	var out []concCfg
	for i, cc := range list {
		key := cx.expr(fmt.Sprintf("concurrency[%d].key", i), cc.Key)
		scope := strings.ToLower(cc.Scope)
		if scope == "" || cc.Run {
			scope = "fn"
		}
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

// compileSingleton compiles a singleton fnspec accepted; its mode is
// "skip" (the default) or "cancel" in any case.
func compileSingleton(cx *fnCompiler, sg *wire.Singleton) *singletonCfg {
	if sg == nil {
		return nil
	}
	c := &singletonCfg{mode: strings.ToLower(sg.Mode), key: cx.expr("singleton.key", sg.Key)}
	if c.mode == "" {
		c.mode = "skip"
	}
	return c
}

// cancelCfg is one compiled cancellation.
type cancelCfg struct {
	event   string
	expr    *expr
	timeout time.Duration
}

// compileCancels compiles the cancellations fnspec accepted. Each if
// expression must keep to logic (the server's restrictive policy,
// pkg/expressions/validation.go: no macros, no function calls or
// arithmetic).
func compileCancels(cx *fnCompiler, list []wire.Cancel) []cancelCfg {
	var out []cancelCfg
	for i, cn := range list {
		field := fmt.Sprintf("cancel[%d].if", i)
		c := cancelCfg{event: cn.Event, timeout: fnspec.Duration(cn.Timeout)}
		if cn.If != nil && strings.TrimSpace(*cn.If) != "" {
			if err := cx.s.exprs.CheckLogicOnly(*cn.If); err != nil {
				cx.fail(field, "%v", err)
			} else {
				c.expr = cx.expr(field, cn.If)
			}
		}
		out = append(out, c)
	}
	return out
}

// compileTimeouts reads timeouts.start and timeouts.finish.
func compileTimeouts(t *wire.Timeouts) (start, finish time.Duration) {
	if t == nil {
		return 0, 0
	}
	return fnspec.Duration(t.Start), fnspec.Duration(t.Finish)
}

// errNoAppName refuses a sync without an app ID, as the server does
// (pkg/devserver/api.go, register).
var errNoAppName = errors.New("appName is required: the app's ID")
