package devserver

import (
	"fmt"

	"cel.dev/cel-go/common/types/ref"

	iexpr "github.com/durablefn/inngest/internal/expr"
)

// MaxExpressionLength bounds the source of one expression.
const MaxExpressionLength = iexpr.MaxLength

// exprCache compiles each expression string once, with the semantics
// package internal/expr gives them (shared with the test engine).
type exprCache struct {
	c *iexpr.Cache
}

// expr is one compiled expression, as the rest of the package uses it.
type expr struct {
	*iexpr.Expr
}

func newExprCache() (*exprCache, error) {
	c, err := iexpr.NewCache()
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	return &exprCache{c: c}, nil
}

// compile returns the compiled form of src, compiling it on first use.
func (c *exprCache) compile(src string) (*expr, error) {
	e, err := c.c.Compile(src)
	if err != nil {
		return nil, err
	}
	return &expr{e}, nil
}

// eval evaluates the expression.
func (e *expr) eval(event, async map[string]any) (ref.Val, error) { return e.Eval(event, async) }

// match reports whether the expression holds. Missing fields and type
// errors count as a non-match, not as a failure of the caller.
func (e *expr) match(event, async map[string]any) bool { return e.Match(event, async) }

// key evaluates the expression to a string key for grouping (concurrency
// keys, batch keys, …). Failures give the empty key.
func (e *expr) key(event map[string]any) string { return e.Key(event) }
