// Package expr compiles and evaluates the protocol's CEL expressions
// (trigger filters, wait and cancellation conditions, concurrency,
// batch, idempotency and priority keys) with the real server's
// semantics. It is shared by the embedded orchestrator and the test
// engine, so that both judge an expression the same way.
//
// Expressions see two dynamic variables, each an event decoded from JSON:
// `event` (the run's triggering event, or the event being matched by a
// trigger) and `async` (the candidate event of a wait or cancellation).
// Two rules differ from plain CEL, as on the server. A field the event
// lacks is not an error: it equals null and nothing else (not even
// another missing field), != is the opposite, ordering comparisons with
// it never hold, and adding it to x gives x. Arithmetic mixing an integer
// literal with a JSON number (a double) takes the integer as a double.
package expr

import (
	"encoding/json"
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// MaxLength bounds the source of one expression, in bytes.
const MaxLength = 4096

// maxCached bounds a Cache: expressions normally come from a few function
// configs, and a flood of distinct ones should not grow it without bound.
const maxCached = 10000

// Cache compiles each expression string once. It is safe for concurrent
// use.
type Cache struct {
	env *cel.Env
	mu  sync.RWMutex
	m   map[string]*Expr
}

// Expr is one compiled expression. It is safe for concurrent use.
type Expr struct {
	src string
	prg cel.Program
	ix  *EqIndex
}

// NewCache builds the expression environment and an empty cache.
func NewCache() (*Cache, error) {
	env, err := cel.NewEnv(
		cel.Variable("event", cel.DynType),
		cel.Variable("async", cel.DynType),
	)
	if err != nil {
		return nil, fmt.Errorf("building the expression environment: %w", err)
	}
	return &Cache{env: env, m: make(map[string]*Expr)}, nil
}

// Compile returns the compiled form of src, compiling it on first use.
// The error says why src is not a valid expression.
func (c *Cache) Compile(src string) (*Expr, error) {
	c.mu.RLock()
	e, ok := c.m[src]
	c.mu.RUnlock()
	if ok {
		return e, nil
	}
	if len(src) > MaxLength {
		return nil, fmt.Errorf("expression longer than %d bytes", MaxLength)
	}
	ast, iss := c.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("invalid expression %q: %w", src, iss.Err())
	}
	prg, err := c.env.Program(ast, cel.CustomDecorator(missingFieldDecorator))
	if err != nil {
		return nil, fmt.Errorf("invalid expression %q: %w", src, err)
	}
	e = &Expr{src: src, prg: prg, ix: findEqIndex(ast.NativeRep().Expr())}
	c.mu.Lock()
	if len(c.m) > maxCached {
		c.m = make(map[string]*Expr)
	}
	c.m[src] = e
	c.mu.Unlock()
	return e, nil
}

// String returns the expression's source.
func (e *Expr) String() string { return e.src }

// Index returns the equality through which matches of the expression can
// be found by value, or nil when it has none.
func (e *Expr) Index() *EqIndex { return e.ix }

// Eval evaluates the expression with event and async (nil for either
// means an empty event). An error is a failure to evaluate, such as
// comparing values of different types.
func (e *Expr) Eval(event, async map[string]any) (ref.Val, error) {
	vars := map[string]any{"event": orEmpty(event), "async": orEmpty(async)}
	out, _, err := e.prg.Eval(vars)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Check reports whether the expression holds. When it does not, the
// error, if any, says why it could not: evaluation failed, or the result
// is not a boolean. Either counts as a non-match on the server, never as
// a failure of the run.
func (e *Expr) Check(event, async map[string]any) (bool, error) {
	v, err := e.Eval(event, async)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the result %v is a %s, not a bool", v.Value(), v.Type().TypeName())
	}
	return bool(b), nil
}

// Match reports whether the expression holds; see [Expr.Check].
func (e *Expr) Match(event, async map[string]any) bool {
	ok, _ := e.Check(event, async)
	return ok
}

// Key evaluates the expression to a string for grouping (concurrency,
// batch and idempotency keys): a string result as is, any other as its
// JSON. Failures give the empty key.
func (e *Expr) Key(event map[string]any) string {
	v, err := e.Eval(event, nil)
	if err != nil {
		return ""
	}
	return keyOf(v)
}

// RateKey evaluates a rate-limit or idempotency key once: the key as Key
// gives it, or exempt when the expression evaluates to false, which on the
// server leaves the event out of the limit.
func (e *Expr) RateKey(event map[string]any) (key string, exempt bool) {
	v, err := e.Eval(event, nil)
	if err != nil {
		return "", false
	}
	if b, ok := v.Value().(bool); ok && !b {
		return "", true
	}
	return keyOf(v), false
}

func keyOf(v ref.Val) string {
	if s, ok := v.Value().(string); ok {
		return s
	}
	b, err := json.Marshal(v.Value())
	if err != nil {
		return fmt.Sprint(v.Value())
	}
	return string(b)
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
