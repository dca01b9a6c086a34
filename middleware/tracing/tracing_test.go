package tracing_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/tracing"
	"github.com/durablefn/inngest/step"
)

func hashStepID(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:])
}

func body(t *testing.T, memoized map[string]any, stack []string) []byte {
	t.Helper()
	ev := map[string]any{"name": "test/run", "data": map[string]any{}}
	raw, err := json.Marshal(map[string]any{
		"event": ev, "events": []any{ev}, "steps": memoized,
		"ctx": map[string]any{"run_id": "run-1", "attempt": 0, "stack": map[string]any{"stack": stack, "current": len(stack)}},
	})
	require.NoError(t, err)
	return raw
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}

func TestSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1",
		Middleware: []middleware.Middleware{tracing.New(tracing.Config{TracerProvider: tp, Propagator: propagation.TraceContext{}})}})
	require.NoError(t, err)
	var userSpanParent trace.SpanContext
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			userSpanParent = trace.SpanContextFromContext(ctx)
			a, err := step.Run(ctx, "load", func(ctx context.Context) (string, error) { return "A", nil })
			if err != nil {
				return "", err
			}
			_, err = step.Run(ctx, "save", func(ctx context.Context) (string, error) { return "", errors.New("disk full") })
			return a, err
		})
	require.NoError(t, err)
	h := handler.New(c, handler.Config{})
	serve := func(b []byte, hdr map[string]string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", bytes.NewReader(b))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		h.ServeHTTP(rec, req)
		return rec
	}

	// Call 1 runs step "load", continuing the caller's trace.
	parent := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	rec := serve(body(t, map[string]any{}, []string{}), map[string]string{"traceparent": parent})
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	spans := exp.GetSpans().Snapshots()
	require.Len(t, spans, 2)
	stepSpan, callSpan := spans[0], spans[1]
	require.Equal(t, tracing.SpanCall, callSpan.Name())
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", callSpan.SpanContext().TraceID().String())
	require.Equal(t, "00f067aa0ba902b7", callSpan.Parent().SpanID().String())
	ca := attrs(callSpan)
	require.Equal(t, "fn", ca[tracing.AttrFunctionID].AsString())
	require.Equal(t, "run-1", ca[tracing.AttrRunID].AsString())
	require.EqualValues(t, 0, ca[tracing.AttrAttempt].AsInt64())
	require.EqualValues(t, 0, ca[tracing.AttrMemoized].AsInt64())
	require.Equal(t, callSpan.SpanContext().SpanID(), userSpanParent.SpanID(), "the function's ctx carries the call span")

	require.Equal(t, tracing.SpanStep, stepSpan.Name())
	require.Equal(t, callSpan.SpanContext().SpanID(), stepSpan.Parent().SpanID())
	sa := attrs(stepSpan)
	require.Equal(t, "load", sa[tracing.AttrStepID].AsString())
	require.Equal(t, "step.run", sa[tracing.AttrStepKind].AsString())
	require.EqualValues(t, 0, sa[tracing.AttrStepIndex].AsInt64())
	require.Equal(t, "run-1", sa[tracing.AttrRunID].AsString())
	require.Equal(t, codes.Ok, stepSpan.Status().Code)

	// Call 2 replays "load" (no span) and runs "save", which fails.
	exp.Reset()
	h1 := hashStepID("load")
	rec = serve(body(t, map[string]any{h1: map[string]any{"data": "A"}}, []string{h1}), nil)
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	spans = exp.GetSpans().Snapshots()
	require.Len(t, spans, 2)
	require.Equal(t, "save", attrs(spans[0])[tracing.AttrStepID].AsString())
	require.Equal(t, codes.Error, spans[0].Status().Code)
	require.Equal(t, "disk full", spans[0].Status().Description)
	require.EqualValues(t, 1, attrs(spans[1])[tracing.AttrMemoized].AsInt64())

	// Call 3 has both memoized; the function returns the step's error.
	exp.Reset()
	h2 := hashStepID("save")
	rec = serve(body(t, map[string]any{
		h1: map[string]any{"data": "A"},
		h2: map[string]any{"error": map[string]any{"name": "Error", "message": "disk full"}},
	}, []string{h1, h2}), nil)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	spans = exp.GetSpans().Snapshots()
	require.Len(t, spans, 1)
	require.True(t, attrs(spans[0])[tracing.AttrFinished].AsBool())
	require.Equal(t, codes.Error, spans[0].Status().Code)
}

func TestSpansFromStepCodeAreChildrenOfTheStepSpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1",
		Middleware: []middleware.Middleware{tracing.New(tracing.Config{TracerProvider: tp})}})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.Run(ctx, "query", func(ctx context.Context) (int, error) {
				_, span := tp.Tracer("app").Start(ctx, "db.query")
				span.End()
				return 1, nil
			})
		})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	handler.New(c, handler.Config{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", bytes.NewReader(body(t, map[string]any{}, nil))))
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())

	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	require.Contains(t, byName, "db.query")
	require.Contains(t, byName, tracing.SpanStep)
	require.Equal(t, byName[tracing.SpanStep].SpanContext.SpanID(), byName["db.query"].Parent.SpanID())
}
