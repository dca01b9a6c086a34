package fnspec

import (
	"fmt"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// duration checks a time string such as "30s", "2h" or "1d" and returns
// it, or false.
func (c *checker) duration(field, v string) (time.Duration, bool) {
	d, err := timestr.Parse(v)
	if err != nil || d < 0 {
		c.fail(field, "invalid duration %q", v)
		return 0, false
	}
	return d, true
}

// optDuration checks an optional time string; nil or "" is none.
func (c *checker) optDuration(field string, v *string) {
	if v != nil && *v != "" {
		c.duration(field, *v)
	}
}

// concurrency follows ConcurrencyLimits.Validate,
// pkg/inngest/concurrency.go: at most two step limits, a key for env and
// account scopes; scopes are fn, env or account in any case. A limit of
// 0 means none. A negative limit is refused: the server refuses it in its
// newer form of the option ("fn" limits must be > 0) and would read -1
// in the older one as no limit at all. Of the newer form's run limits
// (wire.Concurrency.Run) there is at most one, positive, scoped fn or app.
func (c *checker) concurrency(list wire.Concurrencies) {
	steps, runs := 0, 0
	for i, cc := range list {
		field := fmt.Sprintf("concurrency[%d]", i)
		if cc.Run {
			runs++
			c.runConcurrency(field, cc, runs)
			continue
		}
		steps++
		switch scope := strings.ToLower(cc.Scope); scope {
		case "", "fn":
		case "env", "account":
			if cc.Key == nil {
				c.fail(field+".key", "a concurrency key is required for %s-scoped limits", scope)
			}
		default:
			c.fail(field+".scope", "must be \"fn\", \"env\" or \"account\", got %q", cc.Scope)
		}
		if cc.Limit < 0 {
			c.fail(field+".limit", "must not be negative, got %d (0 means no limit)", cc.Limit)
		}
	}
	if steps > limits.MaxConcurrencyLimits {
		c.fail("concurrency", "at most %d concurrency limits are allowed, got %d", limits.MaxConcurrencyLimits, steps)
	}
}

// runConcurrency checks the n-th limit of the newer form's "fn" list
// (FnConcurrency.Validate, pkg/inngest/concurrency.go).
func (c *checker) runConcurrency(field string, cc wire.Concurrency, n int) {
	if n == 2 {
		c.fail("concurrency.fn", "only one function concurrency limit is allowed")
	}
	switch strings.ToLower(cc.Scope) {
	case "", "fn", "app":
	default:
		c.fail(field+".scope", "must be \"fn\" or \"app\", got %q", cc.Scope)
	}
	if cc.Limit <= 0 {
		c.fail(field+".limit", "function concurrency limit must be > 0, got %d", cc.Limit)
	}
}

// rateLimit follows RateLimit.IsValid, pkg/inngest/function.go: a
// positive limit, a period of at most 24 hours (FunctionIdempotencyPeriod,
// pkg/consts/consts.go) and a key. A zero period is refused too.
func (c *checker) rateLimit(rl *wire.RateLimit) {
	if rl == nil {
		return
	}
	if rl.Limit <= 0 {
		c.fail("rateLimit.limit", "must be greater than 0, got %d", rl.Limit)
	}
	c.expr("rateLimit.key", rl.Key)
	if rl.Period == "" {
		c.fail("rateLimit.period", "is required")
		return
	}
	d, ok := c.duration("rateLimit.period", rl.Period)
	switch {
	case !ok:
	case d <= 0:
		c.fail("rateLimit.period", "must be positive, got %q", rl.Period)
	case d > limits.MaxRateLimitPeriod:
		c.fail("rateLimit.period", "%q is longer than the maximum of %s", rl.Period, limits.MaxRateLimitPeriod)
	}
}

// throttle follows Throttle, pkg/inngest/function.go: limit and burst are
// unsigned, a limit of 0 means 1, and the period counts in whole seconds,
// at least one.
func (c *checker) throttle(th *wire.Throttle) {
	if th == nil {
		return
	}
	if th.Limit < 0 {
		c.fail("throttle.limit", "must not be negative, got %d", th.Limit)
	}
	if th.Burst < 0 {
		c.fail("throttle.burst", "must not be negative, got %d", th.Burst)
	}
	if d, ok := c.duration("throttle.period", th.Period); ok && d < time.Second {
		c.fail("throttle.period", "%q is shorter than the minimum of 1s", th.Period)
	}
}

// debounce follows Function.Validate, pkg/inngest/function.go: a period
// from 1 second to 7 days; an empty key is none.
func (c *checker) debounce(d *wire.Debounce) {
	if d == nil {
		return
	}
	if p, ok := c.duration("debounce.period", d.Period); ok {
		switch {
		case p < limits.MinDebouncePeriod:
			c.fail("debounce.period", "%q is less than the minimum of %s", d.Period, limits.MinDebouncePeriod)
		case p > limits.MaxDebouncePeriod:
			c.fail("debounce.period", "%q is greater than the maximum of %s", d.Period, timestr.Format(limits.MaxDebouncePeriod))
		}
	}
	c.optDuration("debounce.timeout", d.Timeout)
}

// batch follows EventBatchConfig.IsValid, pkg/inngest/batch.go: at least
// 2 events, a timeout of at least 1 second written as a Go duration (the
// server reads it with time.ParseDuration: no "d" or "w"). As in
// Function.Validate, batching excludes cancellation, debounce, singletons
// and a priority expression.
func (c *checker) batch(w *wire.Function) {
	b := w.BatchEvents
	if b == nil {
		return
	}
	if b.MaxSize < limits.MinBatchSize {
		c.fail("batchEvents.maxSize", "a batch size cannot be smaller than %d, got %d", limits.MinBatchSize, b.MaxSize)
	}
	if d, err := time.ParseDuration(b.Timeout); err != nil {
		c.fail("batchEvents.timeout", "invalid duration %q", b.Timeout)
	} else if d < limits.MinBatchTimeout {
		c.fail("batchEvents.timeout", "%q is shorter than the minimum of %s", b.Timeout, limits.MinBatchTimeout)
	}
	c.expr("batchEvents.key", b.Key)
	c.expr("batchEvents.if", b.If)
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
			c.fail("batchEvents", "batching and %s cannot be used together", other.field)
		}
	}
}

// singleton follows Singleton, pkg/inngest/function.go, whose mode is
// "skip" (the default) or "cancel" in any case.
func (c *checker) singleton(sg *wire.Singleton) {
	if sg == nil {
		return
	}
	switch strings.ToLower(sg.Mode) {
	case "", "skip", "cancel":
	default:
		c.fail("singleton.mode", "must be \"skip\" or \"cancel\", got %q", sg.Mode)
	}
}

// cancels follows Function.Validate, pkg/inngest/function.go: at most
// five, each with an event name (the server would never match one
// without) and an expression that, when present, is not blank. The
// server's logic-only rule for these expressions needs a compiler: the
// caller checks it.
func (c *checker) cancels(list []wire.Cancel) {
	if len(list) > limits.MaxCancellations {
		c.fail("cancel", "at most %d cancellations are allowed, got %d", limits.MaxCancellations, len(list))
	}
	for i, cn := range list {
		field := fmt.Sprintf("cancel[%d]", i)
		if cn.Event == "" {
			c.fail(field+".event", "an event name is required")
		}
		c.expr(field+".if", cn.If)
		c.optDuration(field+".timeout", cn.Timeout)
	}
}

// timeouts checks timeouts.start and timeouts.finish.
func (c *checker) timeouts(t *wire.Timeouts) {
	if t == nil {
		return
	}
	c.optDuration("timeouts.start", t.Start)
	c.optDuration("timeouts.finish", t.Finish)
}

// Duration reads an optional time string Check accepted; nil or "" is 0.
func Duration(v *string) time.Duration {
	if v == nil {
		return 0
	}
	d, _ := timestr.Parse(*v)
	return max(d, 0)
}
