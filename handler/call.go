package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// call answers POST (§4.4, §5): it runs the function named by fnId and
// answers 200 with its result, 206 with the steps it reached, or an error;
// streamed when Config.Streaming is set. A POST with a probe query
// parameter is a probe (trust.go).
func (h *Handler) call(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	if _, err := h.verify(r, body); err != nil {
		h.writeVerifyError(w, err)
		return
	}
	if probe := queryParam(r.URL.RawQuery, "probe"); probe != "" {
		h.probe(w, r, body, probe)
		return
	}
	fnID := queryParam(r.URL.RawQuery, "fnId")
	if fnID == "" {
		writeFailure(w, http.StatusBadRequest, true, wire.UserError{Name: "BadRequest", Message: "missing fnId query parameter"})
		return
	}
	fn, found := h.app.Lookup(fnID)
	if !found {
		// The spec asks for a 500: a deploy may be rolling out and a retry
		// may reach an instance that has the function.
		writeFailure(w, http.StatusInternalServerError, false, wire.UserError{Name: "FunctionNotFound", Message: fmt.Sprintf("function %q is not served by app %q", fnID, h.app.Config.AppID)})
		return
	}
	req := new(wire.CallRequest)
	if err := wire.DecodeCallRequest(body, req); err != nil {
		writeFailure(w, http.StatusBadRequest, true, wire.UserError{Name: "BadRequest", Message: "malformed call request body: " + err.Error()})
		return
	}
	if h.cfg.Streaming {
		h.stream(w, func(w http.ResponseWriter) { h.run(w, r, fn, req) })
		return
	}
	h.run(w, r, fn, req)
}

// run runs fn for a decoded call request and writes the answer.
func (h *Handler) run(w http.ResponseWriter, r *http.Request, fn *app.Function, req *wire.CallRequest) {
	if req.UseAPI || req.Ctx.UseAPI {
		if err := h.fetchState(r.Context(), req); err != nil {
			writeFailure(w, http.StatusInternalServerError, false, wire.UserError{Name: "StateFetchError", Message: err.Error()})
			return
		}
	}
	target := queryParam(r.URL.RawQuery, "stepId")
	if target == "step" {
		target = ""
	}
	immediate := target == "" && !req.Ctx.DisableImmediateExecution && r.Header.Get(wire.HeaderForceStepPlan) != "true"
	var mc *middleware.Call // only functions with middleware use it
	if len(fn.Middleware) > 0 {
		mc = &middleware.Call{Request: r}
	}
	call := &app.Call{
		Req: req,
		MW:  mc,
		Engine: engine.Input{
			Steps:      req.Steps,
			Stack:      req.Ctx.Stack.Stack,
			TargetHash: target,
			Immediate:  immediate,
			Logger:     h.log,
		},
	}
	if fn.Checkpoint != nil && immediate {
		// As both official SDKs: only a discovery call that may run steps
		// at once checkpoints.
		if cp := h.checkpointerFor(&req.Ctx); cp != nil {
			call.Engine.Checkpoint = &engine.Checkpointing{Saver: cp, Policy: *fn.Checkpoint}
			call.Engine.Now = h.cfg.Now
		}
	}
	res := fn.Invoke(r.Context(), call)
	for _, m := range fn.Middleware {
		m.BeforeResponse(r.Context(), mc)
	}
	h.respond(w, fn, target, res)
}

func (h *Handler) respond(w http.ResponseWriter, fn *app.Function, target string, res engine.Result) {
	if !res.RetryAfter.IsZero() {
		w.Header().Set(wire.HeaderRetryAfter, wire.FormatRetryAfter(res.RetryAfter.After, res.RetryAfter.At))
	}
	switch {
	case res.Fatal != nil:
		h.log.Error("inngest: the run cannot go on", "function_id", fn.Slug, "error", res.Fatal.Error.Message)
		writeFailure(w, http.StatusBadRequest, true, res.Fatal.Error)
	case res.Panic != nil:
		h.log.Error("inngest: function panicked", "function_id", fn.Slug, "panic", fmt.Sprint(res.Panic.Value))
		writeFailure(w, http.StatusInternalServerError, false, res.Failure.Error)
	case target != "" && !res.TargetFound:
		// The targeted step was not reached: the code changed since it was
		// planned, or is non-deterministic. Whatever else the function
		// did, nothing may be reported in its place (not even a result,
		// which would end the run with the step never run). The real
		// server has no StepNotFound opcode; an error lets it retry (a
		// rolling deploy may settle) and then fail the run visibly.
		writeFailure(w, http.StatusInternalServerError, false, wire.UserError{
			Name:    "StepNotFound",
			Message: fmt.Sprintf("step %s was not found in function %q: its code may have changed mid-run or be non-deterministic", target, fn.Slug),
		})
	case len(res.Ops) > 0:
		writeOps(w, res.Ops)
	case res.Done && res.Failure != nil:
		f := res.Failure
		if !f.Retry.IsZero() {
			w.Header().Set(wire.HeaderRetryAfter, wire.FormatRetryAfter(f.Retry.After, f.Retry.At))
		}
		if f.NoRetry {
			writeFailure(w, http.StatusBadRequest, true, f.Error)
			return
		}
		writeFailure(w, http.StatusInternalServerError, false, f.Error)
	case res.Done:
		v := res.Value
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(v)
	default:
		writeFailure(w, http.StatusInternalServerError, false, wire.UserError{Name: "Aborted", Message: "the request ended before the function reached a result"})
	}
}

// writeOps answers 206 with the ops found. A discovery call of many
// parallel steps answers one op each, so they are encoded by hand (see
// wire.AppendOps), into a buffer sized for typical ops.
func writeOps(w http.ResponseWriter, ops []wire.Op) {
	b, err := wire.AppendOps(make([]byte, 0, 192*len(ops)), ops)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, wire.UserError{Name: "Error", Message: "inngest: encoding the steps found: " + err.Error()})
		return
	}
	w.WriteHeader(http.StatusPartialContent)
	_, _ = w.Write(b)
}

func writeFailure(w http.ResponseWriter, status int, noRetry bool, ue wire.UserError) {
	if noRetry {
		w.Header().Set(wire.HeaderNoRetry, "true")
	} else {
		w.Header().Set(wire.HeaderNoRetry, "false")
	}
	writeJSON(w, status, ue)
}

// fetchState loads the events and memoized steps the server left out of a
// large request (§4.4.2).
func (h *Handler) fetchState(ctx context.Context, req *wire.CallRequest) error {
	runID := req.Ctx.RunID
	if runID == "" {
		return fmt.Errorf("use_api set without ctx.run_id")
	}
	var events []json.RawMessage
	if err := h.apiGet(ctx, "/v0/runs/"+url.PathEscape(runID)+"/batch", &events); err != nil {
		return fmt.Errorf("fetching the run's events: %w", err)
	}
	var steps map[string]json.RawMessage
	if err := h.apiGet(ctx, "/v0/runs/"+url.PathEscape(runID)+"/actions", &steps); err != nil {
		return fmt.Errorf("fetching the run's step state: %w", err)
	}
	if len(events) > 0 {
		req.Events = events
		req.Event = events[0]
	}
	req.Steps = steps
	return nil
}

// queryParam returns the first value of key in a raw query string, as
// url.Values.Get of url.ParseQuery would, without building the map.
func queryParam(raw, key string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery skips such pairs
		}
		k, v, _ := strings.Cut(pair, "=")
		if k != key {
			if !strings.ContainsAny(k, "%+") {
				continue
			}
			if uk, err := url.QueryUnescape(k); err != nil || uk != key {
				continue
			}
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv
		}
	}
	return ""
}
