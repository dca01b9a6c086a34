package devserver

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// MaxExpressionLength bounds the source of one expression.
const MaxExpressionLength = 4096

// exprCache compiles each expression string once. Expressions see two
// dynamic variables: `event` (the run's triggering event, or the event
// being matched by a trigger) and `async` (the candidate event of a wait
// or cancellation).
type exprCache struct {
	env *cel.Env
	mu  sync.RWMutex
	m   map[string]*expr
}

// expr is one compiled expression.
type expr struct {
	src  string
	prg  cel.Program
	eqIx *eqIndex // non-nil when matches can be found through an index
}

// eqIndex describes a top-level equality `async.<path> == <other>` where
// <other> depends on `event` only (or is a literal): a pause can be filed
// under the value of <other>, computed once, and an incoming event looked
// up by the value at <path>.
type eqIndex struct {
	asyncPath []string
	other     celast.Expr
}

func newExprCache() (*exprCache, error) {
	env, err := cel.NewEnv(
		cel.Variable("event", cel.DynType),
		cel.Variable("async", cel.DynType),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: building the expression environment: %w", err)
	}
	return &exprCache{env: env, m: make(map[string]*expr)}, nil
}

// compile returns the compiled form of src, compiling it on first use.
func (c *exprCache) compile(src string) (*expr, error) {
	c.mu.RLock()
	e, ok := c.m[src]
	c.mu.RUnlock()
	if ok {
		return e, nil
	}
	if len(src) > MaxExpressionLength {
		return nil, fmt.Errorf("expression longer than %d bytes", MaxExpressionLength)
	}
	ast, iss := c.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("invalid expression %q: %w", src, iss.Err())
	}
	prg, err := c.env.Program(ast, cel.CustomDecorator(missingFieldDecorator))
	if err != nil {
		return nil, fmt.Errorf("invalid expression %q: %w", src, err)
	}
	e = &expr{src: src, prg: prg, eqIx: findEqIndex(ast.NativeRep().Expr())}
	c.mu.Lock()
	if len(c.m) > 10000 {
		// Expressions normally come from a few function configs; a flood
		// of distinct ones should not grow the cache without bound.
		c.m = make(map[string]*expr)
	}
	c.m[src] = e
	c.mu.Unlock()
	return e, nil
}

// eval evaluates the expression. Missing fields and type errors count as a
// non-match, not as a failure of the caller.
func (e *expr) eval(event, async map[string]any) (ref.Val, error) {
	vars := map[string]any{"event": mapOrEmpty(event), "async": mapOrEmpty(async)}
	out, _, err := e.prg.Eval(vars)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// match reports whether the expression holds.
func (e *expr) match(event, async map[string]any) bool {
	v, err := e.eval(event, async)
	if err != nil {
		return false
	}
	b, ok := v.(types.Bool)
	return ok && bool(b)
}

// key evaluates the expression to a string key for grouping (concurrency
// keys, batch keys, …). Failures give the empty key.
func (e *expr) key(event map[string]any) string {
	v, err := e.eval(event, nil)
	if err != nil {
		return ""
	}
	if s, ok := v.Value().(string); ok {
		return s
	}
	b, err := json.Marshal(v.Value())
	if err != nil {
		return fmt.Sprint(v.Value())
	}
	return string(b)
}

func mapOrEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// findEqIndex looks through a top-level chain of && for the first equality
// usable as an index.
func findEqIndex(e celast.Expr) *eqIndex {
	if e.Kind() != celast.CallKind {
		return nil
	}
	call := e.AsCall()
	switch call.FunctionName() {
	case operators.LogicalAnd:
		for _, a := range call.Args() {
			if ix := findEqIndex(a); ix != nil {
				return ix
			}
		}
	case operators.Equals:
		args := call.Args()
		if len(args) != 2 {
			return nil
		}
		for i := 0; i < 2; i++ {
			path, root := selectPath(args[i])
			if root != "async" || len(path) == 0 {
				continue
			}
			other := args[1-i]
			if !dependsOnlyOnEvent(other) {
				continue
			}
			return &eqIndex{asyncPath: path, other: other}
		}
	}
	return nil
}

// selectPath turns a.b.c into root "a" and path [b c].
func selectPath(e celast.Expr) ([]string, string) {
	var path []string
	for e.Kind() == celast.SelectKind {
		s := e.AsSelect()
		if s.IsTestOnly() {
			return nil, ""
		}
		path = append([]string{s.FieldName()}, path...)
		e = s.Operand()
	}
	if e.Kind() != celast.IdentKind {
		return nil, ""
	}
	return path, e.AsIdent()
}

func dependsOnlyOnEvent(e celast.Expr) bool {
	if e.Kind() == celast.LiteralKind {
		return true
	}
	path, root := selectPath(e)
	return root == "event" && len(path) > 0
}

// otherValue computes the non-async side of the equality for a run whose
// triggering event is event.
func (ix *eqIndex) otherValue(event map[string]any) (string, bool) {
	if ix.other.Kind() == celast.LiteralKind {
		return indexValue(ix.other.AsLiteral().Value())
	}
	path, _ := selectPath(ix.other)
	v, ok := lookupPath(event, path)
	if !ok {
		return "", false
	}
	return indexValue(v)
}

// asyncValue reads the indexed field of an incoming event.
func (ix *eqIndex) asyncValue(async map[string]any) (string, bool) {
	v, ok := lookupPath(async, ix.asyncPath)
	if !ok {
		return "", false
	}
	return indexValue(v)
}

func (ix *eqIndex) pathKey() string { return strings.Join(ix.asyncPath, ".") }

func lookupPath(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = mm[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// indexValue normalizes a scalar so that equal CEL values give equal keys:
// every number becomes a float64.
func indexValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return "s" + x, true
	case bool:
		return "b" + strconv.FormatBool(x), true
	case float64:
		return "n" + strconv.FormatFloat(x, 'g', -1, 64), true
	case int64:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64), true
	case uint64:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64), true
	case int:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64), true
	}
	return "", false
}

// missingFieldDecorator gives comparisons with a field the event lacks the
// real server's meaning instead of an error: missing == null holds,
// missing == anything else (another missing field too) does not, != is the
// opposite, ordering comparisons never hold, and missing + x is x.
func missingFieldDecorator(i interpreter.Interpretable) (interpreter.Interpretable, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok || len(call.Args()) != 2 {
		return i, nil
	}
	switch call.Function() {
	case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals,
		operators.Greater, operators.GreaterEquals, operators.Add,
		operators.Subtract, operators.Multiply, operators.Divide:
		return &missingAware{InterpretableCall: call}, nil
	}
	return i, nil
}

// missingAware wraps a binary call; see missingFieldDecorator.
type missingAware struct {
	interpreter.InterpretableCall
}

func (m *missingAware) Eval(act interpreter.Activation) ref.Val {
	args := m.Args()
	if v, ok := m.decide(args[0].Eval(act), args[1].Eval(act)); ok {
		return v
	}
	return m.InterpretableCall.Eval(act)
}

func (m *missingAware) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	args := m.Args()
	if v, ok := m.decide(args[0].Exec(frame), args[1].Exec(frame)); ok {
		return v
	}
	return m.InterpretableCall.Exec(frame)
}

// decide answers the call when an argument is a missing field, or when
// arithmetic mixes an integer with a double (JSON numbers decode as
// doubles, literals like 1 are integers): the integer is taken as a double.
func (m *missingAware) decide(a, b ref.Val) (ref.Val, bool) {
	ma, mb := isMissing(a), isMissing(b)
	if !ma && !mb {
		return mixedArithmetic(m.Function(), a, b)
	}
	other := b
	if mb {
		other = a
	}
	both := ma && mb
	otherNull := !both && other.Type() == types.NullType
	switch m.Function() {
	case operators.Equals:
		return types.Bool(otherNull), true
	case operators.NotEquals:
		return types.Bool(!otherNull), true
	case operators.Add:
		if both {
			return types.NullValue, true
		}
		return other, true
	default:
		return types.False, true
	}
}

// mixedArithmetic computes +, -, * and / when one side is a double and the
// other an integer, which CEL would refuse.
func mixedArithmetic(fn string, a, b ref.Val) (ref.Val, bool) {
	x, okA := asFloat(a)
	y, okB := asFloat(b)
	if !okA || !okB || a.Type() == b.Type() {
		return nil, false
	}
	if a.Type() != types.DoubleType && b.Type() != types.DoubleType {
		return nil, false
	}
	switch fn {
	case operators.Add:
		return types.Double(x + y), true
	case operators.Subtract:
		return types.Double(x - y), true
	case operators.Multiply:
		return types.Double(x * y), true
	case operators.Divide:
		return types.Double(x / y), true
	}
	return nil, false
}

func asFloat(v ref.Val) (float64, bool) {
	switch n := v.(type) {
	case types.Double:
		return float64(n), true
	case types.Int:
		return float64(n), true
	case types.Uint:
		return float64(n), true
	}
	return 0, false
}

// isMissing reports whether v is the error of selecting a field (or
// variable) that is not there.
func isMissing(v ref.Val) bool {
	if !types.IsError(v) {
		return false
	}
	msg := fmt.Sprint(v.Value())
	return strings.Contains(msg, "no such key") || strings.Contains(msg, "no such attribute")
}
