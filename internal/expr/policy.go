package expr

import (
	"errors"
	"fmt"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
)

// logicOnly are the calls a logic-only expression may make: comparisons,
// boolean operators, the conditional, indexing, membership and the
// numeric conversions. This is the real server's restrictive validation
// policy (pkg/expressions/validation.go in inngest/inngest), which it
// applies to cancellation expressions.
var logicOnly = map[string]bool{
	operators.Conditional:   true,
	operators.LogicalAnd:    true,
	operators.LogicalOr:     true,
	operators.LogicalNot:    true,
	operators.Equals:        true,
	operators.NotEquals:     true,
	operators.Less:          true,
	operators.LessEquals:    true,
	operators.Greater:       true,
	operators.GreaterEquals: true,
	operators.Index:         true,
	operators.OptIndex:      true,
	operators.OptSelect:     true,
	operators.In:            true,
	"int":                   true,
	"uint":                  true,
	"double":                true,
}

// CheckLogicOnly compiles src and reports whether it keeps to logic:
// no macros (has, all, exists, exists_one, map, filter) and no calls but
// comparisons, boolean operators, the conditional, indexing, `in` and
// int, uint and double. The error names every call that breaks the rule.
func (c *Cache) CheckLogicOnly(src string) error {
	if _, err := c.Compile(src); err != nil {
		return err
	}
	ast, iss := c.env.Parse(src)
	if iss != nil && iss.Err() != nil {
		return fmt.Errorf("invalid expression %q: %w", src, iss.Err())
	}
	var errs []error
	walkLogicOnly(ast.NativeRep().Expr(), &errs)
	if len(errs) > 0 {
		return fmt.Errorf("expression %q is not allowed here: %w", src, errors.Join(errs...))
	}
	return nil
}

// walkLogicOnly follows the same parts of the tree the server's check
// follows: call arguments and select operands.
func walkLogicOnly(e celast.Expr, errs *[]error) {
	switch e.Kind() {
	case celast.ComprehensionKind:
		*errs = append(*errs, errors.New("macros such as all, exists, map and filter are not allowed"))
	case celast.SelectKind:
		s := e.AsSelect()
		if s.IsTestOnly() {
			*errs = append(*errs, errors.New("macros such as has() are not allowed"))
		}
		walkLogicOnly(s.Operand(), errs)
	case celast.CallKind:
		call := e.AsCall()
		if !logicOnly[call.FunctionName()] {
			*errs = append(*errs, fmt.Errorf("function calls and arithmetic are not allowed (uses %s)", displayName(call.FunctionName())))
		}
		for _, a := range call.Args() {
			walkLogicOnly(a, errs)
		}
	}
}

// displayName turns an operator's internal name ("_+_") into its symbol.
func displayName(fn string) string {
	if op, ok := operators.FindReverse(fn); ok && op != "" {
		return "'" + op + "'"
	}
	return fn + "()"
}
