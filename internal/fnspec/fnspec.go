// Package fnspec checks a function's sync config (wire.Function) against
// the rules the real Inngest server applies when an app syncs
// (Function.Validate in pkg/inngest/function.go, trigger.go,
// concurrency.go and batch.go in inngest/inngest; the limits are in
// internal/limits). The SDK's CreateFunction and the embedded
// orchestrator's sync both call Check, so the two cannot disagree.
//
// Two things are left to the caller: compiling expressions (the SDK does
// not link a CEL compiler; devserver compiles every expression Check
// lets through), and the step's URL, which only exists once an app is
// served. Check does refuse an expression that is present but blank: the
// server compiles it, and CEL refuses an empty expression.
package fnspec

import (
	"fmt"
	"strings"

	"github.com/durablefn/inngest/internal/wire"
)

// Problem is one thing wrong with a function's config, named by its field
// in the sync payload ("triggers[0].jitter", "batchEvents.timeout").
type Problem struct {
	Field string
	Msg   string
}

// String returns "field: message".
func (p Problem) String() string { return p.Field + ": " + p.Msg }

// checker collects problems.
type checker struct{ out []Problem }

func (c *checker) fail(field, format string, args ...any) {
	c.out = append(c.out, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// expr refuses an expression that is present but blank.
func (c *checker) expr(field string, src *string) {
	if src != nil && strings.TrimSpace(*src) == "" {
		c.fail(field, "an expression cannot be blank")
	}
}

// Check returns every problem the real server would report for w at
// sync, in the order of w's fields, or nil. Zero triggers are allowed: a
// function without one can still be invoked.
func Check(w *wire.Function) []Problem {
	c := &checker{}
	if strings.TrimSpace(w.Name) == "" {
		c.fail("name", "a function name is required")
	}
	c.steps(w.Steps)
	c.triggers(w.Triggers)
	c.concurrency(w.Concurrency)
	c.rateLimit(w.RateLimit)
	c.throttle(w.Throttle)
	c.debounce(w.Debounce)
	c.batch(w)
	if w.Priority != nil {
		c.expr("priority.run", w.Priority.Run)
	}
	c.singleton(w.Singleton)
	c.cancels(w.Cancel)
	c.timeouts(w.Timeouts)
	return c.out
}

// steps checks that there is exactly one step, with a name.
func (c *checker) steps(steps map[string]wire.Step) {
	if len(steps) != 1 {
		c.fail("steps", "a function must have exactly one step, got %d", len(steps))
		return
	}
	for key, st := range steps {
		if st.Name == "" {
			c.fail("steps."+key+".name", "all steps must have a name")
		}
	}
}
