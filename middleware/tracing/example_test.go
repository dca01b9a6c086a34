package tracing_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/tracing"
	"github.com/durablefn/inngest/step"
)

// Each call request becomes an inngest.call span and each step that runs
// in it an inngest.step span inside it. In production, pass the app's
// TracerProvider, or none to use the global one.
func Example() {
	exporter := tracetest.NewInMemoryExporter()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = provider.Shutdown(context.Background()) }()

	client, _ := inngest.NewClient(inngest.ClientConfig{
		AppID: "reports", Dev: "1",
		Middleware: []middleware.Middleware{tracing.New(tracing.Config{TracerProvider: provider})},
	})
	_, _ = inngest.CreateFunction(client, inngest.FunctionOpts{ID: "build-report"}, inngest.OnEvent("reports/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.Run(ctx, "count-rows", func(ctx context.Context) (int, error) { return 42, nil })
		})

	// The first call of a run: no memoized steps, so "count-rows" runs.
	body := `{"event":{"name":"reports/requested","data":{}},"events":[{"name":"reports/requested","data":{}}],"steps":{},"ctx":{"run_id":"01J0RUN","attempt":0,"stack":{"stack":[],"current":0}}}`
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=reports-build-report&stepId=step", bytes.NewBufferString(body))
	handler.New(client, handler.Config{}).ServeHTTP(httptest.NewRecorder(), req)

	for _, s := range exporter.GetSpans().Snapshots() {
		fmt.Print(s.Name())
		for _, kv := range s.Attributes() {
			fmt.Printf(" %s=%s", kv.Key, kv.Value.Emit())
		}
		fmt.Println()
	}
	// Output:
	// inngest.step inngest.function.id=build-report inngest.run.id=01J0RUN inngest.attempt=0 inngest.step.id=count-rows inngest.step.index=0 inngest.step.kind=step.run
	// inngest.call inngest.function.id=build-report inngest.run.id=01J0RUN inngest.attempt=0 inngest.steps.memoized=0
}
