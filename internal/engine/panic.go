package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
)

// PanicError is a panic in user code, turned into an error.
type PanicError struct {
	Value any
	Stack string
	// Step is the user's ID of the step whose code panicked; "" for a
	// panic in the function's own code.
	Step string
}

func (p *PanicError) Error() string {
	if p.Step != "" {
		return fmt.Sprintf("step %q panicked: %v", p.Step, p.Value)
	}
	return fmt.Sprintf("function panicked: %v", p.Value)
}

// Recovered turns a recovered value into a *PanicError with the stack of
// the panic. Call it from the deferred function that recovered (the
// engine's, or callpath's for a middleware hook). A *PanicError re-raised
// from a Parallel branch keeps its own stack.
func Recovered(p any) *PanicError {
	if pe, ok := p.(*PanicError); ok {
		return pe
	}
	return &PanicError{Value: p, Stack: trimStack(debug.Stack())}
}

// runGuarded runs the code of step stepID, a panic in it turned into its
// error.
func runGuarded(ctx context.Context, stepID string, fn RunFunc) (data json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			pe := Recovered(p)
			data, err = nil, &PanicError{Value: pe.Value, Stack: pe.Stack, Step: stepID}
		}
	}()
	return fn(ctx)
}

// trimStack drops the runtime and engine frames from a panic stack so the
// user's frames come first.
func trimStack(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	out := make([]string, 0, len(lines))
	skip := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "runtime/debug.") || strings.HasPrefix(l, "panic(") ||
			strings.Contains(l, "internal/engine.") {
			skip = true
			continue
		}
		if skip && strings.HasPrefix(l, "\t") {
			skip = false
			continue
		}
		skip = false
		out = append(out, l)
	}
	s := strings.Join(out, "\n")
	if len(s) > 8<<10 {
		s = s[:8<<10]
	}
	return s
}
