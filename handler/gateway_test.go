package handler_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
	"github.com/durablefn/inngest/step/ai"
)

// step.Fetch reports a Gateway op with the request in the shape the real
// server reads, and returns the response the server memoized.
func TestFetchOnTheWire(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fetch"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			res, err := step.Fetch(ctx, "get user", step.FetchRequest{
				Method: "post",
				URL:    "https://api.example.com/users?id=7",
				Header: http.Header{"X-Trace": {"a", "b"}, "Content-Type": {"application/json"}},
				Body:   []byte(`{"id":7}`),
			})
			if err != nil {
				return nil, err
			}
			return map[string]any{"status": res.StatusCode, "body": string(res.Body), "type": res.Header.Get("content-type"), "url": res.URL}, nil
		})
	require.NoError(t, err)
	h := newHandler(c)

	res := post(t, h, "fetch", "step", callBody(t, testEvent, nil, nil))
	golden(t, "fetch", res.Body)
	op := res.ops(t)[0]
	require.Equal(t, wire.OpGateway, op.Op)
	require.Equal(t, wire.HashStepID("get user"), op.ID)

	saved := `{"data":{"url":"https://api.example.com/users?id=7","headers":{"Content-Type":"text/plain; charset=utf-8"},"body":"not found","status_code":404}}`
	res = post(t, h, "fetch", "step", callBody(t, testEvent, []memo{{id: "get user", raw: saved}}, nil))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, `{"status":404,"body":"not found","type":"text/plain; charset=utf-8","url":"https://api.example.com/users?id=7"}`, string(res.Body),
		"a non-2xx response is a response, not an error")

	res = post(t, h, "fetch", "step", callBody(t, testEvent, []memo{data("get user", `null`)}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code, "a null response cannot be used: the run fails without retries")
	require.Equal(t, "UnusableStepResult", res.userError(t).Name)
	require.Equal(t, "true", res.Header.Get("X-Inngest-No-Retry"))

	failed := `{"error":{"name":"GatewayError","message":"Error making gateway request: Unable to reach SDK URL"}}`
	res = post(t, h, "fetch", "step", callBody(t, testEvent, []memo{{id: "get user", raw: failed}}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code)
	ue := res.userError(t)
	require.Equal(t, "Error making gateway request: Unable to reach SDK URL", ue.Message)
}

// A request the server could not send as given is refused before it is
// reported, and not retried: a retry would be refused alike.
func TestFetchRefusesWhatTheServerCannotSend(t *testing.T) {
	c := devClient(t)
	for id, req := range map[string]step.FetchRequest{
		"notjson":  {URL: "https://example.com", Method: "POST", Body: []byte("a=1&b=2")},
		"relative": {URL: "/users"},
		"method":   {URL: "https://example.com", Method: "BREW"},
	} {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: id}, inngest.OnEvent("test/event"),
			func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
				return step.Fetch(ctx, "f", req)
			})
		require.NoError(t, err)
	}
	h := newHandler(c)
	for id, want := range map[string]string{
		"notjson":  `inngest: step.Fetch("f"): the body must be JSON`,
		"relative": `inngest: step.Fetch("f"): URL "/users" is not an absolute http or https URL`,
		"method":   `inngest: step.Fetch("f"): method "BREW" is not one the server can send`,
	} {
		res := post(t, h, id, "step", callBody(t, testEvent, nil, nil))
		require.Equal(t, http.StatusBadRequest, res.Code, id)
		require.Equal(t, "true", res.Header.Get(wire.HeaderNoRetry), id)
		require.Contains(t, res.userError(t).Message, want, id)
	}
}

// ai.Infer reports an AIGateway op per format, carrying the key for the
// server, and decodes the memoized provider response into its type.
func TestInferOnTheWire(t *testing.T) {
	c := devClient(t)
	temp := 0.2
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "openai"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			m := ai.OpenAI(ai.OpenAIConfig{Model: "gpt-4o-mini", APIKey: "sk-test-openai", BaseURL: "https://llm.example.com/v1"})
			res, err := ai.Infer(ctx, "ask", m, ai.OpenAIChatRequest{
				Messages:    []ai.OpenAIMessage{{Role: "user", Content: "Hi"}},
				Temperature: &temp,
			})
			return map[string]any{"text": res.Text(), "tokens": res.Usage.TotalTokens}, err
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "anthropic"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			m := ai.Anthropic(ai.AnthropicConfig{Model: "claude-sonnet-4-5", APIKey: "sk-test-anthropic", Beta: []string{"a", "b"}})
			res, err := ai.Infer(ctx, "ask", m, ai.AnthropicRequest{MaxTokens: 100, System: "Be brief.", Messages: []ai.AnthropicMessage{ai.AnthropicText("user", "Hi")}})
			return res.Text(), err
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "gemini"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			m := ai.Gemini(ai.GeminiConfig{Model: "gemini-2.5-flash", APIKey: "test-gemini"})
			res, err := ai.Infer(ctx, "ask", m, ai.GeminiRequest{Contents: []ai.GeminiContent{ai.GeminiText("user", "Hi")}})
			return res.Text(), err
		})
	require.NoError(t, err)
	h := newHandler(c)

	for _, fn := range []string{"openai", "anthropic", "gemini"} {
		res := post(t, h, fn, "step", callBody(t, testEvent, nil, nil))
		golden(t, "ai_infer_"+fn, res.Body)
		require.Equal(t, wire.OpAIGateway, res.ops(t)[0].Op)
	}

	res := post(t, h, "openai", "step", callBody(t, testEvent, []memo{data("ask",
		`{"id":"c1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`)}, nil))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, `{"text":"Hello!","tokens":5}`, string(res.Body))
	res = post(t, h, "anthropic", "step", callBody(t, testEvent, []memo{data("ask",
		`{"id":"m1","type":"message","role":"assistant","content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}`)}, nil))
	require.JSONEq(t, `"Hello"`, string(res.Body))
	res = post(t, h, "gemini", "step", callBody(t, testEvent, []memo{data("ask",
		`{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi there"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":2,"totalTokenCount":3}}`)}, nil))
	require.JSONEq(t, `"Hi there"`, string(res.Body))

	failed := `{"error":{"name":"AIGatewayError","message":"Error making AI request: unsuccessful status code: 429","stack":"{\"error\":\"rate limited\"}","data":{"error":"rate limited"}}}`
	res = post(t, h, "openai", "step", callBody(t, testEvent, []memo{{id: "ask", raw: failed}}, nil))
	require.Equal(t, http.StatusBadRequest, res.Code)
	require.Equal(t, "Error making AI request: unsuccessful status code: 429", res.userError(t).Message)
}

// A model that cannot be called is refused before it is reported, and not
// retried: a retry would be refused alike.
func TestInferRefusesAnUnusableModel(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nomodel"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return ai.Infer(ctx, "ask", ai.OpenAI(ai.OpenAIConfig{APIKey: "k"}), ai.OpenAIChatRequest{})
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nomax"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return ai.Infer(ctx, "ask", ai.Anthropic(ai.AnthropicConfig{Model: "m", APIKey: "k"}), ai.AnthropicRequest{})
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nourl"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (any, error) {
			return ai.Infer(ctx, "ask", ai.Model[map[string]any, map[string]any]{}, nil)
		})
	require.NoError(t, err)
	h := newHandler(c)
	for id, want := range map[string]string{
		"nomodel": `inngest: ai.Infer("ask"): no model: set OpenAIConfig.Model or the request's Model`,
		"nomax":   `inngest: ai.Infer("ask"): the request needs MaxTokens`,
		"nourl":   `inngest: ai.Infer("ask"): the model's URL "" is not an absolute http or https URL`,
	} {
		res := post(t, h, id, "step", callBody(t, testEvent, nil, nil))
		require.Equal(t, http.StatusBadRequest, res.Code, id)
		require.Equal(t, "true", res.Header.Get(wire.HeaderNoRetry), id)
		require.Contains(t, res.userError(t).Message, want, id)
	}
}

// ai.Wrap runs its code as a step whose op carries the type and input
// inngest-js sends, whether it runs at once or is planned.
func TestWrapOnTheWire(t *testing.T) {
	c := devClient(t)
	type prompt struct {
		Prompt string `json:"prompt"`
	}
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "wrap"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			return ai.Wrap(ctx, "generate", prompt{"Hi"}, func(ctx context.Context, p prompt) (string, error) {
				return "echo: " + p.Prompt, nil
			})
		})
	require.NoError(t, err)
	h := newHandler(c)

	res := post(t, h, "wrap", "step", callBody(t, testEvent, nil, nil))
	golden(t, "ai_wrap", res.Body)
	op := res.ops(t)[0]
	require.Equal(t, wire.OpStepRun, op.Op)
	require.JSONEq(t, `"echo: Hi"`, string(op.Data))

	res = post(t, h, "wrap", "step", callBody(t, testEvent, nil, func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }))
	op = res.ops(t)[0]
	require.Equal(t, wire.OpStepPlanned, op.Op)
	require.JSONEq(t, `{"type":"step.ai.wrap","input":[{"prompt":"Hi"}]}`, string(op.Opts))

	res = post(t, h, "wrap", "step", callBody(t, testEvent, []memo{data("generate", `"saved"`)}, nil))
	require.JSONEq(t, `"saved"`, string(res.Body))
}
