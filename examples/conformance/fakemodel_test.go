package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/durablefn/inngest/step/ai"
)

// The keys the fake model expects, one per format.
const (
	keyOpenAI    = "sk-openai-fake"
	keyAnthropic = "sk-ant-fake"
	keyGemini    = "gemini-fake-key"
)

// fakeModel answers OpenAI chat completions, Anthropic messages and
// Gemini generateContent requests with "<format> says <last text>", and
// notes the key each format's request carried where that format puts it.
type fakeModel struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]string
}

func newFakeModel(t *testing.T) *fakeModel {
	m := &fakeModel{seen: map[string]string{}}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.Close)
	return m
}

func (m *fakeModel) keys() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.seen)
}

func (m *fakeModel) note(format, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen[format] = key
}

func (m *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	var reply any
	switch {
	case strings.HasSuffix(r.URL.Path, "/chat/completions"):
		var req ai.OpenAIChatRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		m.note("openai", strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		reply = ai.OpenAIChatResponse{Choices: []ai.OpenAIChoice{{Message: ai.OpenAIMessage{Role: "assistant",
			Content: "openai says " + req.Messages[len(req.Messages)-1].Content}}}}
	case strings.HasSuffix(r.URL.Path, "/messages"):
		var req ai.AnthropicRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		m.note("anthropic", r.Header.Get("X-Api-Key"))
		reply = ai.AnthropicResponse{Type: "message", Role: "assistant", Model: req.Model,
			Content: []ai.AnthropicBlock{{Type: "text", Text: "anthropic says " + req.Messages[0].Content[0].Text}}}
	case strings.HasSuffix(r.URL.Path, ":generateContent"):
		var req ai.GeminiRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		m.note("gemini", r.URL.Query().Get("key"))
		reply = ai.GeminiResponse{Candidates: []ai.GeminiCandidate{{Content: ai.GeminiText("model", "gemini says "+req.Contents[0].Parts[0].Text)}}}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}
