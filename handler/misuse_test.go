package handler_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

type typedItem struct {
	N int `json:"n"`
}

// A memoized result or waited event that cannot be decoded into the
// step's type fails the run for good, naming the step: a retry would read
// the same bytes again. The user's function cannot turn it into a retry.
func TestUndecodableMemoizedResultIsNotRetried(t *testing.T) {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	cases := map[string]memo{
		"WrongType":        data("load", `{"n":"not a number"}`),
		"ControlCharacter": data("load", "{\"n\":1,\"s\":\"a\x01b\"}"),
		"TooDeep":          data("load", deep),
		"WaitedEvent":      {id: "approval", raw: `{"name":"a","data":{"n":"x"}}`},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			c := devClient(t)
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
				func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
					if m.id == "approval" {
						ev, err := step.WaitForEvent(ctx, "approval", inngest.EventType[typedItem]("a"), step.WaitOpts{Timeout: 1e9})
						if err != nil {
							return 0, err
						}
						return ev.Data.N, nil
					}
					it, err := step.Run(ctx, "load", func(ctx context.Context) (typedItem, error) { return typedItem{}, nil })
					if err != nil {
						return 0, inngest.RetryAfter(err, 1e9) // the function asks for a retry; it must not get one
					}
					return it.N, nil
				})
			require.NoError(t, err)
			// The body is built around a placeholder: encoding/json would
			// refuse to write the malformed values themselves.
			body := callBody(t, testEvent, []memo{{id: m.id, raw: `"raw"`}}, nil)
			body = []byte(strings.Replace(string(body), `"raw"`, m.raw, 1))
			res := post(t, newHandler(c), "fn", "step", body)
			require.Equal(t, http.StatusBadRequest, res.Code, "body: %s", res.Body)
			require.Equal(t, "true", res.Header.Get("X-Inngest-No-Retry"))
			require.Contains(t, res.userError(t).Message, `"`+m.id+`"`)
		})
	}
}

// shape is an interface: a step result of that type cannot be decoded.
type shape interface{ Area() float64 }

// The error names the type a memoized value did not decode into, also
// when that type is an interface (whose zero value has no dynamic type).
func TestUndecodableResultNamesItsType(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			_, err := step.Run(ctx, "load", func(ctx context.Context) (shape, error) { return nil, nil })
			return 0, err
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, []memo{data("load", `{"side":2}`)}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code, "body: %s", res.Body)
	require.Contains(t, res.userError(t).Message, "does not decode into handler_test.shape:")
}

// A goroutine calling a step is answered as a failure the server does not
// retry, with a message naming the step and step.Parallel.
func TestGoroutineStepIsANonRetriableFailureOnTheWire(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			var v int
			done := make(chan struct{})
			go func() {
				defer close(done)
				v, _ = step.Run(ctx, "in-goroutine", func(ctx context.Context) (int, error) { return 1, nil }) //stepcheck:ignore misuse on purpose
			}()
			<-done
			return v, nil
		})
	require.NoError(t, err)
	for _, stack := range [][]memo{nil, {data("in-goroutine", "1")}} {
		res := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, stack, nil))
		if stack != nil {
			// Memoized, the goroutine's step returns without stopping it:
			// nothing here can tell it from the function's own.
			require.Equal(t, http.StatusOK, res.Code)
			continue
		}
		require.Equal(t, http.StatusBadRequest, res.Code, "body: %s", res.Body)
		require.Equal(t, "true", res.Header.Get("X-Inngest-No-Retry"))
		ue := res.userError(t)
		require.Equal(t, "StepMisuse", ue.Name)
		require.Contains(t, ue.Message, `step.Run("in-goroutine")`)
		require.Contains(t, ue.Message, "step.Parallel")
	}
}
