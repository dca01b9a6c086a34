package devserver

import (
	iexpr "github.com/durablefn/inngest/internal/expr"
)

// MaxExpressionLength bounds the source of one expression.
const MaxExpressionLength = iexpr.MaxLength

// expr is one compiled expression, with the semantics package
// internal/expr gives them (shared with the test engine).
type expr = iexpr.Expr

// keyOf evaluates an optional key expression; nil gives "".
func keyOf(e *expr, data map[string]any) string {
	if e == nil {
		return ""
	}
	return e.Key(data)
}
