package ai_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/step/ai"
)

// Each usage type reads the cached and reasoning token counts its API
// reports, and a response that reports none encodes as it was received.
func TestUsageTokenDetails(t *testing.T) {
	var o ai.OpenAIChatResponse
	require.NoError(t, json.Unmarshal([]byte(`{"usage":{"prompt_tokens":30,"completion_tokens":20,"total_tokens":50,
		"prompt_tokens_details":{"cached_tokens":10,"audio_tokens":0},
		"completion_tokens_details":{"reasoning_tokens":12,"audio_tokens":0}}}`), &o))
	require.Equal(t, 10, o.Usage.PromptTokensDetails.CachedTokens)
	require.Equal(t, 12, o.Usage.CompletionTokensDetails.ReasoningTokens)

	var g ai.GeminiResponse
	require.NoError(t, json.Unmarshal([]byte(`{"usageMetadata":{"promptTokenCount":30,"cachedContentTokenCount":10,
		"candidatesTokenCount":20,"thoughtsTokenCount":12,"totalTokenCount":62}}`), &g))
	require.Equal(t, ai.GeminiUsage{PromptTokenCount: 30, CachedContentTokenCount: 10,
		CandidatesTokenCount: 20, ThoughtsTokenCount: 12, TotalTokenCount: 62}, g.UsageMetadata)

	for _, tc := range []struct {
		body string
		into any
	}{
		{`{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}`, &ai.OpenAIUsage{}},
		{`{"promptTokenCount":1,"candidatesTokenCount":2,"totalTokenCount":3}`, &ai.GeminiUsage{}},
	} {
		require.NoError(t, json.Unmarshal([]byte(tc.body), tc.into))
		out, err := json.Marshal(tc.into)
		require.NoError(t, err)
		require.JSONEq(t, tc.body, string(out))
	}
}
