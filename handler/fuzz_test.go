package handler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// FuzzCall sends arbitrary bodies to a function with every kind of step:
// the handler must answer with a status the protocol knows, never panic
// or hang.
func FuzzCall(f *testing.F) {
	f.Add(string(callBody(f, testEvent, nil, nil)))
	f.Add(string(callBody(f, testEvent, []memo{data("a", `"x"`), {id: "nap", raw: "null"}}, nil)))
	f.Add(`{"event":{"name":"x","data":[]},"steps":{"86f7e437faa5a7fce15d1ddcb9eaeaea377667b8":{"error":{"name":"E","message":"m"}}}}`)
	f.Add(`{"steps":{"a":{"data":tru}}}`)
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	type in struct {
		N int `json:"n"`
	}
	other := inngest.EventType[in]("other/event")
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.On[in]("test/event"),
		func(ctx context.Context, ev inngest.Input[in]) (any, error) {
			a, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "x", nil })
			if err != nil {
				return nil, err
			}
			if err := step.Sleep(ctx, "nap", time.Second); err != nil {
				return nil, err
			}
			got, err := step.WaitForEvent(ctx, "wait", other, step.WaitOpts{Timeout: time.Hour})
			if err != nil {
				return nil, err
			}
			res, err := step.Parallel(ctx,
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "p", func(ctx context.Context) (int, error) { return 1, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.InvokeByID[int](ctx, "inv", "app-other", map[string]any{}, nil)
				},
			)
			return []any{a, got, res}, err
		})
	if err != nil {
		f.Fatal(err)
	}
	h := newHandler(c)
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []string{"step", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"} {
			res := post(t, h, "fn", target, []byte(body))
			switch res.Code {
			case http.StatusOK, http.StatusPartialContent, http.StatusBadRequest, http.StatusInternalServerError:
			default:
				t.Fatalf("status %d for %q", res.Code, body)
			}
		}
	})
}
