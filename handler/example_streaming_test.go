package handler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
)

// Stream answers on a platform that closes idle connections: the call is
// answered 201 at once, a space follows every KeepAliveInterval while the
// function runs, then the real answer in one frame, which the server
// unpacks. INNGEST_STREAMING=true turns it on without code.
func ExampleConfig_streaming() {
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
	h := handler.New(client, handler.Config{Streaming: true, KeepAliveInterval: 10 * time.Second})

	body := `{"event":{"name":"shop/hello","data":{}},"events":[{"name":"shop/hello","data":{}}],"steps":{},"ctx":{"run_id":"01JRUN","stack":{"stack":[]}}}`
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=shop-hello&stepId=step", strings.NewReader(body)))
	fmt.Println(rec.Code)
	fmt.Println(strings.TrimSpace(rec.Body.String()))
	// Output:
	// 201
	// {"status":200,"body":"\"hi\""}
}
