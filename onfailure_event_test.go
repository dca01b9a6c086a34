package inngest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
)

// An OnFailure handler is never run with a zero OriginalEvent: a
// function.failed event whose original event is missing or does not
// decode fails the handler's run, without retries, saying why.
func TestOnFailureNeedsTheOriginalEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event any // data.event of the inngest/function.failed event; nil: absent
		want  string
	}{
		{"Malformed", map[string]any{"name": "shop/order", "data": "not an object"},
			`inngest: function "fulfil-failure": the original event of inngest/function.failed does not decode: json: cannot unmarshal string into Go struct field Event[map[string]interface {}].data of type map[string]interface {}`},
		{"Missing", nil,
			`inngest: function "fulfil-failure": inngest/function.failed has no original event (data.event)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := inngest.NewClient(inngest.ClientConfig{AppID: "shop", Dev: "1"})
			require.NoError(t, err)
			var ran atomic.Int32
			_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fulfil",
				OnFailure: func(ctx context.Context, in inngest.FailureInput) error {
					ran.Add(1)
					return nil
				}},
				inngest.OnEvent("shop/order"),
				func(ctx context.Context, in inngest.Input[map[string]any]) (any, error) { return nil, nil })
			require.NoError(t, err)

			data := map[string]any{"function_id": "shop-fulfil", "run_id": "r0", "error": map[string]any{"name": "Error", "message": "boom"}}
			if tt.event != nil {
				data["event"] = tt.event
			}
			event := map[string]any{"name": "inngest/function.failed", "data": data}
			body, err := json.Marshal(map[string]any{
				"event": event, "events": []any{event}, "steps": map[string]any{},
				"ctx": map[string]any{"run_id": "r1", "attempt": 0, "stack": map[string]any{"stack": []string{}, "current": 0}},
			})
			require.NoError(t, err)
			rec := httptest.NewRecorder()
			handler.New(c, handler.Config{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=shop-fulfil-failure&stepId=step", bytes.NewReader(body)))

			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
			var got struct {
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			require.Equal(t, tt.want, got.Message)
			require.Zero(t, ran.Load(), "the OnFailure handler must not run")
		})
	}
}
