package callpath

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
)

// Answer is what a call answers, in HTTP terms: Connect maps the status
// to its reply's outcome and carries the rest as fields.
type Answer struct {
	// Status is 200 (a result), 206 (ops) or an error status.
	Status int
	// NoRetry is the X-Inngest-No-Retry value: "true" or "false" on
	// errors, "" when the header is not sent.
	NoRetry string
	// RetryAfter is the Retry-After value, or "".
	RetryAfter string
	// Body is the JSON body.
	Body []byte

	buf *[]byte // Body's pooled buffer, if it has one; see Write
}

// Write writes a as an HTTP response; other headers are the caller's. An
// answer is written once: its body's buffer is then reused.
func (a Answer) Write(w http.ResponseWriter) {
	h := w.Header()
	if a.RetryAfter != "" {
		h.Set(wire.HeaderRetryAfter, a.RetryAfter)
	}
	if a.NoRetry != "" {
		h.Set(wire.HeaderNoRetry, a.NoRetry)
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
	a.release()
}

func answer(log *slog.Logger, fn *app.Function, target string, res engine.Result) Answer {
	var out Answer
	switch {
	case res.Fatal != nil:
		log.Error("inngest: the run cannot go on", "function_id", fn.Slug, "error", res.Fatal.Error.Message)
		out = failure(http.StatusBadRequest, true, res.Fatal.Error)
	case res.Panic != nil:
		log.Error("inngest: function panicked", "function_id", fn.Slug, "panic", fmt.Sprint(res.Panic.Value))
		out = failure(http.StatusInternalServerError, false, res.Failure.Error)
	case target != "" && !res.TargetFound:
		// The targeted step was not reached: the code changed since it was
		// planned, or is non-deterministic. Whatever else the function
		// did, nothing may be reported in its place (not even a result,
		// which would end the run with the step never run). The real
		// server has no StepNotFound opcode; an error lets it retry (a
		// rolling deploy may settle) and then fail the run visibly.
		out = failure(http.StatusInternalServerError, false, wire.UserError{
			Name:    "StepNotFound",
			Message: fmt.Sprintf("step %s was not found in function %q: its code may have changed mid-run or be non-deterministic", target, fn.Slug),
		})
	case len(res.Ops) > 0:
		out = opsAnswer(res.Ops)
	case res.Done && res.Failure != nil:
		f := res.Failure
		out = failure(http.StatusInternalServerError, false, f.Error)
		if f.NoRetry {
			out = failure(http.StatusBadRequest, true, f.Error)
		}
		if !f.Retry.IsZero() {
			out.RetryAfter = wire.FormatRetryAfter(f.Retry.After, f.Retry.At)
		}
	case res.Done:
		v := res.Value
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		out = Answer{Status: http.StatusOK, Body: v}
	default:
		out = failure(http.StatusInternalServerError, false, wire.UserError{Name: "Aborted", Message: "the request ended before the function reached a result"})
	}
	if out.RetryAfter == "" && !res.RetryAfter.IsZero() {
		out.RetryAfter = wire.FormatRetryAfter(res.RetryAfter.After, res.RetryAfter.At)
	}
	return out
}

// panicked answers a call whose code outside the function panicked with
// p: a 500, retried, with the panic and its stack.
func panicked(log *slog.Logger, fn *app.Function, p any) Answer {
	pe := engine.Recovered(p)
	log.Error("inngest: a middleware hook panicked", "function_id", fn.Slug, "panic", fmt.Sprint(pe.Value))
	return failure(http.StatusInternalServerError, false, wire.UserError{Name: "Panic", Message: "inngest: a middleware hook panicked: " + fmt.Sprint(pe.Value), Stack: pe.Stack})
}

// failure is an error answer with the user error as its body.
func failure(status int, noRetry bool, ue wire.UserError) Answer {
	a := jsonAnswer(status, ue)
	a.NoRetry = "false"
	if noRetry {
		a.NoRetry = "true"
	}
	return a
}

func jsonAnswer(status int, v any) Answer {
	b, err := json.Marshal(v)
	if err != nil {
		return Answer{Status: http.StatusInternalServerError, Body: []byte(`{"error":"encoding response failed"}`)}
	}
	return Answer{Status: status, Body: b}
}

// opsAnswer answers 206 with the ops found. A discovery call of many
// parallel steps answers one op each, so they are encoded by hand (see
// wire.AppendOps), into a buffer sized for typical ops.
func opsAnswer(ops []wire.Op) Answer {
	buf := opsBuffer(192 * len(ops))
	b, err := wire.AppendOps(*buf, ops)
	if err != nil {
		return failure(http.StatusInternalServerError, false, wire.UserError{Name: "Error", Message: "inngest: encoding the steps found: " + err.Error()})
	}
	*buf = b
	return Answer{Status: http.StatusPartialContent, Body: b, buf: buf}
}
