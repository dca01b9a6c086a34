package handler_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// panicky panics in the one hook it is named after.
type panicky struct {
	middleware.Base
	hook string
}

func (m panicky) boom(hook string) {
	if m.hook == hook {
		panic("boom in " + hook)
	}
}

func (m panicky) TransformInput(ctx context.Context, _ *middleware.Call, _ *middleware.Input) (context.Context, error) {
	m.boom("TransformInput")
	return ctx, nil
}
func (m panicky) BeforeMemoization(context.Context, *middleware.Call) { m.boom("BeforeMemoization") }
func (m panicky) AfterExecution(context.Context, *middleware.Call)    { m.boom("AfterExecution") }
func (m panicky) OnPanic(context.Context, *middleware.Call, *middleware.Panic) {
	m.boom("OnPanic")
}
func (m panicky) BeforeResponse(context.Context, *middleware.Call) { m.boom("BeforeResponse") }

// A middleware hook that panics outside the function's goroutine is
// answered as a panic in the function is, a retried 500, rather than
// escaping the handler: over HTTP the connection would drop without an
// answer, and a Connect worker or a test would crash.
func TestPanicInMiddlewareHookIsAnErrorAnswer(t *testing.T) {
	for _, hook := range []string{"TransformInput", "BeforeMemoization", "AfterExecution", "OnPanic", "BeforeResponse"} {
		t.Run(hook, func(t *testing.T) {
			c := devClient(t)
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Middleware: []middleware.Middleware{panicky{hook: hook}}},
				inngest.OnEvent("test/event"),
				func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
					if _, err := step.Run(ctx, "s", func(context.Context) (int, error) { return 1, nil }); err != nil {
						return 0, err
					}
					if hook == "OnPanic" {
						panic("in the function")
					}
					return 1, nil
				})
			require.NoError(t, err)
			h := newHandler(c)
			var res response
			require.NotPanics(t, func() { res = post(t, h, "fn", "step", callBody(t, testEvent, []memo{data("s", "1")}, nil)) })
			require.Equal(t, http.StatusInternalServerError, res.Code, "body: %s", res.Body)
			require.Equal(t, "false", res.Header.Get(wire.HeaderNoRetry))
			ue := res.userError(t)
			require.Equal(t, "Panic", ue.Name)
			require.Contains(t, ue.Message, "boom in "+hook)
			require.Contains(t, ue.Stack, "hookpanic_test.go", "the stack points at the hook")
		})
	}
}
