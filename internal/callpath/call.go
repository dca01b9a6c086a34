// Package callpath runs one call request for a function of an app and
// says what to answer, whatever carried the request: the HTTP handler
// (package handler) writes the answer as an HTTP response, a Connect
// worker (package connect) as a reply message. Both run calls through
// [Run], so a function behaves the same served either way.
package callpath

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// Params says which function and step a call runs.
type Params struct {
	// FnID is the fnId of the call: the composite ID (or the slug).
	FnID string
	// StepID is the targeted step's hash; "" or "step" for none.
	StepID string
	// ForcePlan is true when the server asked for steps to be planned,
	// never run at once (X-Inngest-Force-Step-Plan: true).
	ForcePlan bool
	// Request is the HTTP request, for middleware; nil over Connect.
	Request *http.Request
	// Checkpointer, if set, returns what saves the steps of the run a
	// call request names, for functions that checkpoint; nil when it
	// cannot. Now is the clock its timestamps are read from.
	Checkpointer func(*wire.CallCtx) engine.Checkpointer
	Now          func() time.Time
}

// Call is a call request ready to run: its function found, its body
// decoded.
type Call struct {
	app *app.App
	fn  *app.Function
	req *wire.CallRequest
	p   Params
}

// Prepare finds the function and decodes body. When that fails, the
// returned Answer (non-nil) is what to answer instead. The request must
// already be authenticated.
func Prepare(a *app.App, p Params, body []byte) (Call, *Answer) {
	if p.FnID == "" {
		ans := failure(http.StatusBadRequest, true, wire.UserError{Name: "BadRequest", Message: "missing fnId query parameter"})
		return Call{}, &ans
	}
	fn, found := a.Lookup(p.FnID)
	if !found {
		// The spec asks for a 500: a deploy may be rolling out and a retry
		// may reach an instance that has the function.
		ans := failure(http.StatusInternalServerError, false, wire.UserError{Name: "FunctionNotFound", Message: fmt.Sprintf("function %q is not served by app %q", p.FnID, a.Config.AppID)})
		return Call{}, &ans
	}
	req := new(wire.CallRequest)
	if err := wire.DecodeCallRequest(body, req); err != nil {
		ans := failure(http.StatusBadRequest, true, wire.UserError{Name: "BadRequest", Message: "malformed call request body: " + err.Error()})
		return Call{}, &ans
	}
	return Call{app: a, fn: fn, req: req, p: p}, nil
}

// Run prepares and runs a call in one go.
func Run(ctx context.Context, a *app.App, log *slog.Logger, p Params, body []byte) Answer {
	c, fail := Prepare(a, p, body)
	if fail != nil {
		return *fail
	}
	return c.Run(ctx, log)
}

// Run runs the function once and returns the answer. A panic outside the
// function's own goroutine (in a middleware hook that runs on the
// caller's) is answered as a panic in the function is, rather than
// escaping to the transport: over HTTP the connection would drop without
// an answer, and a Connect worker would crash.
func (c *Call) Run(ctx context.Context, log *slog.Logger) (ans Answer) {
	defer func() {
		if p := recover(); p != nil {
			ans = panicked(log, c.fn, p)
		}
	}()
	req, fn := c.req, c.fn
	if req.UseAPI || req.Ctx.UseAPI {
		if err := fetchState(ctx, c.app, req); err != nil {
			return failure(http.StatusInternalServerError, false, wire.UserError{Name: "StateFetchError", Message: err.Error()})
		}
	}
	target := c.p.StepID
	if target == "step" {
		target = ""
	}
	immediate := target == "" && !req.Ctx.DisableImmediateExecution && !c.p.ForcePlan
	var mc *middleware.Call // only functions with middleware use it
	if len(fn.Middleware) > 0 {
		mc = &middleware.Call{Request: c.p.Request}
	}
	call := &app.Call{
		Req: req,
		MW:  mc,
		Engine: engine.Input{
			Steps:      req.Steps,
			Stack:      req.Ctx.Stack.Stack,
			TargetHash: target,
			Immediate:  immediate,
			Logger:     log,
		},
	}
	c.checkpoint(call, immediate)
	res := fn.Invoke(ctx, call)
	for _, m := range fn.Middleware {
		m.BeforeResponse(ctx, mc)
	}
	return answer(log, fn, target, res)
}

// checkpoint lets the engine save steps as they finish, for a function
// that checkpoints: as both official SDKs, only in a discovery call that
// may run steps at once.
func (c *Call) checkpoint(call *app.Call, immediate bool) {
	if c.fn.Checkpoint == nil || !immediate || c.p.Checkpointer == nil {
		return
	}
	if cp := c.p.Checkpointer(&c.req.Ctx); cp != nil {
		call.Engine.Checkpoint = &engine.Checkpointing{Saver: cp, Policy: *c.fn.Checkpoint}
		call.Engine.Now = c.p.Now
	}
}
