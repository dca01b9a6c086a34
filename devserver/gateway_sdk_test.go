package devserver_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
	"github.com/durablefn/inngest/step/ai"
)

// seenRequest is a request a test provider got.
type seenRequest struct {
	method, path, query, body string
	header                    http.Header
	close                     bool
}

// fakeProviders serves /fetch (echoes the body, 201), /redirect (to
// /fetch), /gzip, and an OpenAI, Anthropic and Gemini endpoint each
// answering a fixed completion, recording what it got.
func fakeProviders(t *testing.T) (*httptest.Server, func(path string) seenRequest) {
	var mu sync.Mutex
	seen := map[string]seenRequest{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[r.URL.Path] = seenRequest{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone(), r.Close}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/fetch":
			w.Header().Add("X-Many", "1")
			w.Header().Add("X-Many", "2")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(b)
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, "/fetch", http.StatusTemporaryRedirect)
		case r.URL.Path == "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write([]byte("unzipped"))
			_ = zw.Close()
		case r.URL.Path == "/v1/chat/completions":
			_, _ = w.Write([]byte(`{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"openai says hi"},"finish_reason":"stop"}],"usage":{"total_tokens":9}}`))
		case r.URL.Path == "/v1/messages":
			_, _ = w.Write([]byte(`{"id":"m1","type":"message","content":[{"type":"text","text":"claude says hi"}],"usage":{"input_tokens":1,"output_tokens":2}}`))
		case strings.HasSuffix(r.URL.Path, ":generateContent"):
			_, _ = w.Write([]byte(`{"candidates":[{"content":{"parts":[{"text":"gemini says hi"}]},"index":0}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func(path string) seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return seen[path]
	}
}

// The SDK's gateway steps run end to end: the server makes each request
// as the real server does and the function gets typed results. No key
// reaches the timeline or the API.
func TestGatewayStepsFromThisSDK(t *testing.T) {
	t.Parallel()
	prov, seen := fakeProviders(t)
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	inProcApp(t, srv, "gw", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent("gw/go"),
			func(ctx context.Context, in inngest.Input[map[string]any]) ([]string, error) {
				var out []string
				for _, path := range []string{"/fetch", "/redirect", "/gzip"} {
					res, err := step.Fetch(ctx, "fetch "+path, step.FetchRequest{Method: "PUT", URL: prov.URL + path + "?q=1",
						Header: http.Header{"X-Mine": {"yes"}}, Body: []byte(`{"n":1}`)})
					if err != nil {
						return nil, err
					}
					out = append(out, res.Header.Get("X-Many")+" "+http.StatusText(res.StatusCode)+" "+string(res.Body))
				}
				o, err := ai.Infer(ctx, "openai", ai.OpenAI(ai.OpenAIConfig{Model: "gpt", APIKey: "sk-secret-openai", BaseURL: prov.URL + "/v1/"}),
					ai.OpenAIChatRequest{Messages: []ai.OpenAIMessage{{Role: "user", Content: "hi"}}})
				if err != nil {
					return nil, err
				}
				a, err := ai.Infer(ctx, "anthropic", ai.Anthropic(ai.AnthropicConfig{Model: "claude", APIKey: "sk-secret-anthropic", BaseURL: prov.URL + "/v1"}),
					ai.AnthropicRequest{MaxTokens: 10, Messages: []ai.AnthropicMessage{ai.AnthropicText("user", "hi")}})
				if err != nil {
					return nil, err
				}
				g, err := ai.Infer(ctx, "gemini", ai.Gemini(ai.GeminiConfig{Model: "gem", APIKey: "sk-secret-gemini", BaseURL: prov.URL}),
					ai.GeminiRequest{Contents: []ai.GeminiContent{ai.GeminiText("user", "hi")}})
				if err != nil {
					return nil, err
				}
				w, err := ai.Wrap(ctx, "wrap", g.Text(), func(ctx context.Context, s string) (string, error) { return strings.ToUpper(s), nil })
				return append(out, o.Text(), a.Text(), g.Text(), w), err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "gw/go", nil))
	tl := devserver.FormatTimeline(r)
	require.Equal(t, devserver.StatusCompleted, r.Status, tl)
	require.JSONEq(t, `["1,2 Created {\"n\":1}", "1,2 Created {\"n\":1}", " OK unzipped",
		"openai says hi", "claude says hi", "gemini says hi", "GEMINI SAYS HI"]`, string(r.Output), tl)

	fetch := seen("/fetch")
	require.Equal(t, http.MethodPut, fetch.method)
	require.Equal(t, "q=1", fetch.query)
	require.Equal(t, "yes", fetch.header.Get("X-Mine"))
	require.Equal(t, "Inngest", fetch.header.Get("User-Agent"))
	require.True(t, fetch.close, "one connection per request, as on the real server")
	openai := seen("/v1/chat/completions")
	require.Equal(t, "Bearer sk-secret-openai", openai.header.Get("Authorization"))
	require.JSONEq(t, `{"model":"gpt","messages":[{"role":"user","content":"hi"}]}`, openai.body)
	anthropic := seen("/v1/messages")
	require.Equal(t, "sk-secret-anthropic", anthropic.header.Get("X-Api-Key"))
	require.Equal(t, "2023-06-01", anthropic.header.Get("Anthropic-Version"))
	require.Empty(t, anthropic.header.Get("Authorization"))
	gemini := seen("/models/gem:generateContent")
	require.Equal(t, "key=sk-secret-gemini", gemini.query)
	require.Empty(t, gemini.header.Get("Authorization"))

	// The key is in no timeline entry and no API answer.
	require.NotContains(t, tl, "sk-secret")
	api := srv.Handler()
	for _, path := range []string{"/v1/runs/" + r.ID, "/v0/runs/" + r.ID + "/actions"} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, rec.Code, path)
		require.NotContains(t, rec.Body.String(), "sk-secret", path)
	}
	raw, err := json.Marshal(r)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "sk-secret")
}

// An AI provider answering 2xx with a body that is not JSON fails the
// step, as on the real server, which cannot store it; a gzip body is read
// decoded; an error never shows a gemini key.
func TestAIGatewayBodiesThatAreNotJSONFail(t *testing.T) {
	t.Parallel()
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("plain text"))
	}))
	t.Cleanup(prov.Close)
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	inProcApp(t, srv, "gw", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "f", Retries: inngest.Ptr(0)}, inngest.OnEvent("gw/go"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				m := ai.Model[map[string]string, map[string]string]{Format: ai.FormatGemini, URL: prov.URL + "/x", AuthKey: "sk-secret-g"}
				_, err := ai.Infer(ctx, "ask", m, map[string]string{})
				return "", err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "gw/go", nil))
	tl := devserver.FormatTimeline(r)
	require.Equal(t, devserver.StatusFailed, r.Status, tl)
	require.Contains(t, r.Error.Message, "Error making AI request: the response body is not JSON", tl)
	require.Contains(t, kinds(r), devserver.TimelineKind("step.failed"))
	require.NotContains(t, tl, "sk-secret")
	require.False(t, bytes.Contains(r.Output, []byte("sk-secret")))
}
