package handler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
)

// Serve a client's functions at /api/inngest on any router; here
// net/http's ServeMux, asked for its introspection body as a server would
// ask it. examples/server is a whole service built this way, with
// configuration from the environment and graceful shutdown.
func ExampleNew() {
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: "shop", Dev: "1",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	_, err = inngest.CreateFunction(client, inngest.FunctionOpts{ID: "hello"}, inngest.OnEvent("shop/hello"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) { return "hi", nil })
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/api/inngest", handler.New(client, handler.Config{}))
	// chi, gorilla/mux: r.Handle("/api/inngest", handler.New(client, handler.Config{}))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/inngest", nil))
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"function_count":1`))
	// Output: 200 true
}
