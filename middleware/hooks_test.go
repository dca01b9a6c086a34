package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// hookLog is the hooks the recorders of one test saw, in order.
type hookLog struct {
	mu    sync.Mutex
	lines []string
}

// take returns the hooks seen since the last take.
func (l *hookLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// recorder appends each hook it sees, prefixed with its name.
type recorder struct {
	middleware.Base
	name string
	log  *hookLog
}

func (r recorder) add(format string, args ...any) {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	r.log.lines = append(r.log.lines, r.name+"."+fmt.Sprintf(format, args...))
}

func (r recorder) TransformInput(ctx context.Context, c *middleware.Call, in *middleware.Input) (context.Context, error) {
	r.add("TransformInput(memoized=%d)", len(in.Steps))
	return ctx, nil
}
func (r recorder) BeforeMemoization(context.Context, *middleware.Call) { r.add("BeforeMemoization") }
func (r recorder) AfterMemoization(context.Context, *middleware.Call)  { r.add("AfterMemoization") }
func (r recorder) BeforeExecution(context.Context, *middleware.Call)   { r.add("BeforeExecution") }
func (r recorder) BeforeStep(ctx context.Context, _ *middleware.Call, s middleware.Step) context.Context {
	r.add("BeforeStep(%s)", s.ID)
	return ctx
}
func (r recorder) TransformStep(_ context.Context, _ *middleware.Call, s middleware.Step, o *middleware.Output) {
	r.add("TransformStep(%s=%s)", s.ID, o.Data)
}
func (r recorder) TransformOutput(_ context.Context, _ *middleware.Call, o *middleware.Output) {
	r.add("TransformOutput(%s)", o.Data)
}
func (r recorder) AfterExecution(context.Context, *middleware.Call) { r.add("AfterExecution") }
func (r recorder) BeforeResponse(context.Context, *middleware.Call) { r.add("BeforeResponse") }
func (r recorder) OnPanic(_ context.Context, _ *middleware.Call, p *middleware.Panic) {
	where := "function"
	if p.Step != nil {
		where = "step " + p.Step.ID + " (" + p.Step.Name + ")"
	}
	r.add("OnPanic(%v in %s, stack=%t)", p.Value, where, strings.Contains(p.Stack, "hooks_test.go"))
}

// TestHookOrder drives a run of two steps through the real handler, one
// request per step plus the final one, and checks which hooks run, in
// which order, for client (c) and function (f) middleware.
func TestHookOrder(t *testing.T) {
	log := &hookLog{}
	c := newClient(t, inngest.ClientConfig{Middleware: []middleware.Middleware{recorder{name: "c", log: log}}})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Middleware: []middleware.Middleware{recorder{name: "f", log: log}}},
		inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			a, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "A", nil })
			if err != nil {
				return "", err
			}
			b, err := step.Run(ctx, "b", func(ctx context.Context) (string, error) { return "B", nil })
			if err != nil {
				return "", err
			}
			return a + b, nil
		})
	require.NoError(t, err)
	h := newHandler(c)
	ev := map[string]any{"name": "test/run", "data": map[string]any{}}

	// Request 1: nothing memoized; step a runs.
	rec := serve(t, h, "app-fn", callBody(t, "r1", 0, ev))
	require.Len(t, ops(t, rec), 1)
	require.Equal(t, []string{
		"c.TransformInput(memoized=0)", "f.TransformInput(memoized=0)",
		"c.BeforeMemoization", "f.BeforeMemoization",
		"c.AfterMemoization", "f.AfterMemoization",
		"c.BeforeExecution", "f.BeforeExecution",
		"c.BeforeStep(a)", "f.BeforeStep(a)",
		`f.TransformStep(a="A")`, `c.TransformStep(a="A")`,
		"f.AfterExecution", "c.AfterExecution",
		"c.BeforeResponse", "f.BeforeResponse",
	}, log.take())

	// Request 2: a memoized, replayed without step hooks; b runs.
	rec = serve(t, h, "app-fn", callBody(t, "r1", 0, ev, memo{"a", "A"}))
	require.Len(t, ops(t, rec), 1)
	require.Equal(t, []string{
		"c.TransformInput(memoized=1)", "f.TransformInput(memoized=1)",
		"c.BeforeMemoization", "f.BeforeMemoization",
		"c.AfterMemoization", "f.AfterMemoization",
		"c.BeforeExecution", "f.BeforeExecution",
		"c.BeforeStep(b)", "f.BeforeStep(b)",
		`f.TransformStep(b="B")`, `c.TransformStep(b="B")`,
		"f.AfterExecution", "c.AfterExecution",
		"c.BeforeResponse", "f.BeforeResponse",
	}, log.take())

	// Request 3: both memoized; the function returns.
	rec = serve(t, h, "app-fn", callBody(t, "r1", 0, ev, memo{"a", "A"}, memo{"b", "B"}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `"AB"`, rec.Body.String())
	require.Equal(t, []string{
		"c.TransformInput(memoized=2)", "f.TransformInput(memoized=2)",
		"c.BeforeMemoization", "f.BeforeMemoization",
		"c.AfterMemoization", "f.AfterMemoization",
		"c.BeforeExecution", "f.BeforeExecution",
		`f.TransformOutput("AB")`, `c.TransformOutput("AB")`,
		"f.AfterExecution", "c.AfterExecution",
		"c.BeforeResponse", "f.BeforeResponse",
	}, log.take())
}

// TestPanicHookOrder checks where OnPanic runs among the other hooks:
// between BeforeStep and TransformStep for a step's code, after
// AfterExecution for the function's own code; in reverse order, like the
// other "after" hooks.
func TestPanicHookOrder(t *testing.T) {
	log := &hookLog{}
	c := newClient(t, inngest.ClientConfig{Middleware: []middleware.Middleware{recorder{name: "c", log: log}}})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Middleware: []middleware.Middleware{recorder{name: "f", log: log}}},
		inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			v, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { panic("in a") }, &step.Opts{Name: "Step A"})
			if err != nil {
				return "", err
			}
			panic("after " + v)
		})
	require.NoError(t, err)
	h := newHandler(c)
	ev := map[string]any{"name": "test/run", "data": map[string]any{}}

	// Request 1: step a's code panics; the step fails that attempt.
	rec := serve(t, h, "app-fn", callBody(t, "r1", 0, ev))
	got := ops(t, rec)
	require.Len(t, got, 1)
	require.Equal(t, "StepError", got[0]["op"])
	require.Equal(t, []string{
		"c.TransformInput(memoized=0)", "f.TransformInput(memoized=0)",
		"c.BeforeMemoization", "f.BeforeMemoization",
		"c.AfterMemoization", "f.AfterMemoization",
		"c.BeforeExecution", "f.BeforeExecution",
		"c.BeforeStep(a)", "f.BeforeStep(a)",
		"f.OnPanic(in a in step a (Step A), stack=true)", "c.OnPanic(in a in step a (Step A), stack=true)",
		"f.TransformStep(a=)", "c.TransformStep(a=)",
		"f.AfterExecution", "c.AfterExecution",
		"c.BeforeResponse", "f.BeforeResponse",
	}, log.take())

	// Request 2: a memoized; the function's own code panics.
	rec = serve(t, h, "app-fn", callBody(t, "r1", 0, ev, memo{"a", "A"}))
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	require.Equal(t, []string{
		"c.TransformInput(memoized=1)", "f.TransformInput(memoized=1)",
		"c.BeforeMemoization", "f.BeforeMemoization",
		"c.AfterMemoization", "f.AfterMemoization",
		"c.BeforeExecution", "f.BeforeExecution",
		"f.AfterExecution", "c.AfterExecution",
		"f.OnPanic(after A in function, stack=true)", "c.OnPanic(after A in function, stack=true)",
		"c.BeforeResponse", "f.BeforeResponse",
	}, log.take())
}
