package ai_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step/ai"
)

// The built-in models target the providers' URLs, take their keys from
// the environment variables the official SDKs read, and join a base URL
// with or without its trailing slash.
func TestModelsDefaults(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "from-env-openai")
	t.Setenv("ANTHROPIC_API_KEY", "from-env-anthropic")
	t.Setenv("GEMINI_API_KEY", "from-env-gemini")

	o := ai.OpenAI(ai.OpenAIConfig{})
	require.Equal(t, ai.FormatOpenAIChat, o.Format)
	require.Equal(t, "https://api.openai.com/v1/chat/completions", o.URL)
	require.Equal(t, "from-env-openai", o.AuthKey)
	require.Equal(t, "https://api.deepseek.com/v1/chat/completions", ai.OpenAI(ai.OpenAIConfig{BaseURL: "https://api.deepseek.com/v1"}).URL)
	require.Equal(t, "given", ai.OpenAI(ai.OpenAIConfig{APIKey: "given"}).AuthKey)

	a := ai.Anthropic(ai.AnthropicConfig{Version: "2024-01-01"})
	require.Equal(t, ai.FormatAnthropic, a.Format)
	require.Equal(t, "https://api.anthropic.com/v1/messages", a.URL)
	require.Equal(t, "from-env-anthropic", a.AuthKey)
	require.Equal(t, map[string]string{"anthropic-version": "2024-01-01"}, a.Header)

	g := ai.Gemini(ai.GeminiConfig{Model: "gemini/odd name"})
	require.Equal(t, ai.FormatGemini, g.Format)
	require.Equal(t, "https://generativelanguage.googleapis.com/v1beta/models/gemini%2Fodd%20name:generateContent", g.URL)
	require.Equal(t, "from-env-gemini", g.AuthKey)
	require.NotContains(t, g.URL, "key=", "the server adds the key; the step's URL holds none")
}

// A request's own model name wins over the config's; a Model literal
// without a format is sent as openai-chat, as the server reads it.
func TestInferRequestsAsSent(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "a"})
	type echo struct {
		Said string `json:"said"`
	}
	custom := ai.Model[map[string]string, echo]{URL: "http://localhost:11434/v1/chat/completions"}
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "f"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			r, err := ai.Infer(ctx, "own", ai.OpenAI(ai.OpenAIConfig{Model: "default", APIKey: "k"}), ai.OpenAIChatRequest{Model: "mine"})
			if err != nil {
				return "", err
			}
			e, err := ai.Infer(ctx, "custom", custom, map[string]string{"say": r.Model})
			return e.Said, err
		})
	require.NoError(t, err)
	res := inngesttest.Run(t, c, fn,
		inngesttest.MockInfer("own", func(req ai.OpenAIChatRequest) (ai.OpenAIChatResponse, error) {
			return ai.OpenAIChatResponse{Model: req.Model}, nil
		}),
		inngesttest.MockInfer("custom", func(req map[string]string) (echo, error) { return echo{Said: req["say"]}, nil }),
	)
	require.NoError(t, res.Err)
	require.Equal(t, "mine", res.Output)
	require.Equal(t, "openai-chat", res.Step("custom").Infer.Format)
	require.False(t, res.Step("custom").Infer.HasAuthKey)
}
