package validation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/validation"
	"github.com/durablefn/inngest/schema"
	"github.com/durablefn/inngest/step"
)

type OrderData struct {
	OrderID string `json:"orderId" jsonschema:"format=uuid"`
	Email   string `json:"email" jsonschema:"format=email"`
	Total   int    `json:"total" jsonschema:"minimum=1"`
}

var OrderPlaced = inngest.EventType[OrderData]("shop/order.placed")

func setup(t *testing.T, cfg validation.Config, eventAPI string) (*inngest.Client, *atomic.Int32) {
	t.Helper()
	reg := &schema.Registry{}
	require.NoError(t, schema.Add(reg, OrderPlaced))
	cfg.Registry = reg
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "shop", Dev: "1", EventAPIOrigin: eventAPI,
		Middleware: []middleware.Middleware{validation.New(cfg)}})
	require.NoError(t, err)
	var ran atomic.Int32
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fulfil"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[OrderData]) (int, error) {
			ran.Add(1)
			return in.Event.Data.Total, nil
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "forward"}, inngest.OnEvent("shop/forward"),
		func(ctx context.Context, in inngest.Input[map[string]any]) ([]string, error) {
			return step.SendEvent(ctx, "send order", OrderPlaced.New(OrderData{OrderID: "nope", Email: "a@b.co", Total: 1}))
		})
	require.NoError(t, err)
	return c, &ran
}

func call(t *testing.T, h http.Handler, fnID string, event any) *httptest.ResponseRecorder {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"event": event, "events": []any{event}, "steps": map[string]any{},
		"ctx": map[string]any{"run_id": "r1", "attempt": 0, "stack": map[string]any{"stack": []string{}, "current": 0}},
	})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId="+fnID+"&stepId=step", bytes.NewReader(body)))
	return rec
}

func TestInvalidEventFailsWithoutRetry(t *testing.T) {
	t.Parallel()
	c, ran := setup(t, validation.Config{}, "")
	rec := call(t, handler.New(c, handler.Config{}), "shop-fulfil", map[string]any{
		"name": "shop/order.placed",
		"data": map[string]any{"orderId": "0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70", "email": "not an email", "total": 0},
	})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
	var body struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, `inngest: function "fulfil" refused its event: event "shop/order.placed" does not match its schema: data.email: must be an email address; data.total: must be at least 1, got 0`, body.Message)
	require.Zero(t, ran.Load(), "the function's code must not run")
}

func TestValidEventRuns(t *testing.T) {
	t.Parallel()
	c, ran := setup(t, validation.Config{}, "")
	rec := call(t, handler.New(c, handler.Config{}), "shop-fulfil", map[string]any{
		"name": "shop/order.placed",
		"data": map[string]any{"orderId": "0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70", "email": "a@b.co", "total": 3},
	})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, "3", rec.Body.String())
	require.EqualValues(t, 1, ran.Load())
}

func TestRequireDeclared(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, validation.Config{RequireDeclared: true}, "")
	rec := call(t, handler.New(c, handler.Config{}), "shop-forward", map[string]any{"name": "shop/forward", "data": map[string]any{}})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "true", rec.Header().Get("X-Inngest-No-Retry"))
	var body struct {
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, `inngest: function "forward" refused its event: event "shop/forward" has no declared schema; declare it with schema.Add`, body.Message)
}

func TestOutgoingEvents(t *testing.T) {
	t.Parallel()
	var received atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		_, _ = w.Write([]byte(`{"ids":["id1"],"status":200}`))
	}))
	t.Cleanup(srv.Close)
	c, _ := setup(t, validation.Config{}, srv.URL)

	t.Run("InvalidIsNotSent", func(t *testing.T) {
		_, err := c.Send(context.Background(), OrderPlaced.New(OrderData{OrderID: "x", Email: "a@b.co", Total: 2}))
		var verr *schema.ValidationError
		require.True(t, errors.As(err, &verr), "got %v", err)
		require.Equal(t, []schema.FieldError{{Field: "data.orderId", Message: "must be a UUID"}}, verr.Fields)
		var nr *inngest.NonRetriableError
		require.True(t, errors.As(err, &nr))
		require.EqualError(t, err, `inngest: middleware refused the events: event "shop/order.placed" does not match its schema: data.orderId: must be a UUID`)
		require.Zero(t, received.Load())
	})
	t.Run("ValidIsSent", func(t *testing.T) {
		ids, err := c.Send(context.Background(), OrderPlaced.New(OrderData{OrderID: "0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70", Email: "a@b.co", Total: 2}))
		require.NoError(t, err)
		require.Equal(t, []string{"id1"}, ids)
		require.EqualValues(t, 1, received.Load())
	})
	t.Run("StepSendEventFailsTheStepWithoutRetry", func(t *testing.T) {
		before := received.Load()
		rec := call(t, handler.New(c, handler.Config{}), "shop-forward", map[string]any{"name": "shop/forward", "data": map[string]any{}})
		require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
		var ops []struct {
			Op    string `json:"op"`
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ops))
		require.Len(t, ops, 1)
		require.Equal(t, "StepFailed", ops[0].Op)
		require.Equal(t, `inngest: middleware refused the events: event "shop/order.placed" does not match its schema: data.orderId: must be a UUID`, ops[0].Error.Message)
		require.Equal(t, before, received.Load())
	})
}

func TestNewWithoutRegistryPanics(t *testing.T) {
	t.Parallel()
	require.PanicsWithValue(t, "inngest: validation.New needs Config.Registry, the schema.Registry that declares the app's events", func() {
		validation.New(validation.Config{})
	})
}
