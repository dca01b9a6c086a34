package ai

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// GeminiConfig configures Gemini.
type GeminiConfig struct {
	// Model is the model, such as "gemini-2.5-flash". Required: it is part
	// of the URL.
	Model string
	// APIKey is the API key. Default: the GEMINI_API_KEY environment
	// variable.
	APIKey string
	// BaseURL is the API's base URL; requests go to its
	// models/<Model>:generateContent. Default
	// "https://generativelanguage.googleapis.com/v1beta/".
	BaseURL string
}

// Gemini returns a model in Gemini's generateContent format
// (FormatGemini), which the server sends with the key as the key query
// parameter; the URL the step carries holds no key.
func Gemini(cfg GeminiConfig) Model[GeminiRequest, GeminiResponse] {
	return Model[GeminiRequest, GeminiResponse]{
		Format:  FormatGemini,
		URL:     endpoint(cfg.BaseURL, "https://generativelanguage.googleapis.com/v1beta/", "models/"+url.PathEscape(cfg.Model)+":generateContent"),
		AuthKey: keyOr(cfg.APIKey, "GEMINI_API_KEY"),
		Prepare: func(*GeminiRequest) error {
			if cfg.Model == "" {
				return errors.New("no model: set GeminiConfig.Model")
			}
			return nil
		},
	}
}

// GeminiRequest is a generateContent request. Fields left zero are not
// sent.
type GeminiRequest struct {
	Contents          []GeminiContent         `json:"contents"`
	SystemInstruction *GeminiContent          `json:"systemInstruction,omitempty"`
	GenerationConfig  *GeminiGenerationConfig `json:"generationConfig,omitempty"`
	Tools             []GeminiTool            `json:"tools,omitempty"`
	SafetySettings    []GeminiSafetySetting   `json:"safetySettings,omitempty"`
}

// GeminiContent is one turn of a conversation.
type GeminiContent struct {
	Role  string       `json:"role,omitempty"` // "user" or "model"
	Parts []GeminiPart `json:"parts"`
}

// GeminiText returns a turn holding one text part.
func GeminiText(role, text string) GeminiContent {
	return GeminiContent{Role: role, Parts: []GeminiPart{{Text: text}}}
}

// GeminiPart is one part of a turn: text, inline data, a function call
// or a function's response.
type GeminiPart struct {
	Text             string                  `json:"text,omitempty"`
	InlineData       *GeminiBlob             `json:"inlineData,omitempty"`
	FunctionCall     *GeminiFunctionCall     `json:"functionCall,omitempty"`
	FunctionResponse *GeminiFunctionResponse `json:"functionResponse,omitempty"`
}

// GeminiBlob is inline data: base64 bytes of a MIME type.
type GeminiBlob struct {
	MIMEType string `json:"mimeType"`
	Data     string `json:"data"`
}

// GeminiFunctionCall is a call of a function the model asked for.
type GeminiFunctionCall struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
}

// GeminiFunctionResponse is a function's result, sent back to the model.
type GeminiFunctionResponse struct {
	Name     string          `json:"name"`
	Response json.RawMessage `json:"response"`
}

// GeminiTool declares functions the model may call.
type GeminiTool struct {
	FunctionDeclarations []GeminiFunctionDeclaration `json:"functionDeclarations"`
}

// GeminiFunctionDeclaration describes a function; Parameters is its
// schema.
type GeminiFunctionDeclaration struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// GeminiSafetySetting sets a harm category's blocking threshold.
type GeminiSafetySetting struct {
	Category  string `json:"category"`
	Threshold string `json:"threshold"`
}

// GeminiGenerationConfig tunes generation.
type GeminiGenerationConfig struct {
	Temperature      *float64        `json:"temperature,omitempty"`
	TopP             *float64        `json:"topP,omitempty"`
	TopK             *int            `json:"topK,omitempty"`
	MaxOutputTokens  int             `json:"maxOutputTokens,omitempty"`
	StopSequences    []string        `json:"stopSequences,omitempty"`
	CandidateCount   int             `json:"candidateCount,omitempty"`
	ResponseMIMEType string          `json:"responseMimeType,omitempty"`
	ResponseSchema   json.RawMessage `json:"responseSchema,omitempty"`
}

// GeminiResponse is a generateContent response.
type GeminiResponse struct {
	Candidates    []GeminiCandidate `json:"candidates"`
	UsageMetadata GeminiUsage       `json:"usageMetadata"`
	ModelVersion  string            `json:"modelVersion,omitempty"`
	ResponseID    string            `json:"responseId,omitempty"`
}

// GeminiCandidate is one generated answer.
type GeminiCandidate struct {
	Content GeminiContent `json:"content"`
	// FinishReason is "STOP", "MAX_TOKENS", "SAFETY", …
	FinishReason string `json:"finishReason,omitempty"`
	Index        int    `json:"index"`
}

// GeminiUsage counts a request's tokens.
type GeminiUsage struct {
	PromptTokenCount int `json:"promptTokenCount"`
	// CachedContentTokenCount counts the prompt's tokens read from the
	// cache; they are among PromptTokenCount.
	CachedContentTokenCount int `json:"cachedContentTokenCount,omitempty"`
	CandidatesTokenCount    int `json:"candidatesTokenCount"`
	// ThoughtsTokenCount counts a thinking model's thoughts, which are
	// not among CandidatesTokenCount but are in TotalTokenCount.
	ThoughtsTokenCount int `json:"thoughtsTokenCount,omitempty"`
	TotalTokenCount    int `json:"totalTokenCount"`
}

// Text returns the first candidate's text parts, joined.
func (r GeminiResponse) Text() string {
	if len(r.Candidates) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range r.Candidates[0].Content.Parts {
		b.WriteString(p.Text)
	}
	return b.String()
}
