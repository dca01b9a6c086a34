package ai

import (
	"encoding/json"
	"errors"
	"strings"
)

// AnthropicConfig configures Anthropic.
type AnthropicConfig struct {
	// Model is the model each request uses unless it names its own, such
	// as "claude-sonnet-4-5".
	Model string
	// APIKey is the API key. Default: the ANTHROPIC_API_KEY environment
	// variable.
	APIKey string
	// BaseURL is the API's base URL; requests go to its messages.
	// Default "https://api.anthropic.com/v1/".
	BaseURL string
	// Version is the anthropic-version header. Default "2023-06-01".
	Version string
	// Beta lists beta features, sent joined in the anthropic-beta header.
	Beta []string
}

// Anthropic returns a model in Anthropic's messages format
// (FormatAnthropic), which the server sends with the key in the x-api-key
// header.
func Anthropic(cfg AnthropicConfig) Model[AnthropicRequest, AnthropicResponse] {
	h := map[string]string{"anthropic-version": "2023-06-01"}
	if cfg.Version != "" {
		h["anthropic-version"] = cfg.Version
	}
	if len(cfg.Beta) > 0 {
		h["anthropic-beta"] = strings.Join(cfg.Beta, ",")
	}
	return Model[AnthropicRequest, AnthropicResponse]{
		Format:  FormatAnthropic,
		URL:     endpoint(cfg.BaseURL, "https://api.anthropic.com/v1/", "messages"),
		AuthKey: keyOr(cfg.APIKey, "ANTHROPIC_API_KEY"),
		Header:  h,
		Prepare: func(req *AnthropicRequest) error {
			if req.MaxTokens <= 0 {
				return errors.New("the request needs MaxTokens: Anthropic requires it")
			}
			return needModel("Anthropic", &req.Model, cfg.Model)
		},
	}
}

// AnthropicRequest is a messages request. Fields left zero are not sent.
type AnthropicRequest struct {
	// Model defaults to the AnthropicConfig's.
	Model         string             `json:"model"`
	MaxTokens     int                `json:"max_tokens"`
	Messages      []AnthropicMessage `json:"messages"`
	System        string             `json:"system,omitempty"`
	Temperature   *float64           `json:"temperature,omitempty"`
	TopP          *float64           `json:"top_p,omitempty"`
	TopK          *int               `json:"top_k,omitempty"`
	StopSequences []string           `json:"stop_sequences,omitempty"`
	Tools         []AnthropicTool    `json:"tools,omitempty"`
	// ToolChoice is a JSON object such as {"type":"auto"}.
	ToolChoice json.RawMessage `json:"tool_choice,omitempty"`
}

// AnthropicMessage is one message of a conversation.
type AnthropicMessage struct {
	Role    string           `json:"role"` // "user" or "assistant"
	Content []AnthropicBlock `json:"content"`
}

// AnthropicText returns a message holding one text block.
func AnthropicText(role, text string) AnthropicMessage {
	return AnthropicMessage{Role: role, Content: []AnthropicBlock{{Type: "text", Text: text}}}
}

// AnthropicBlock is one content block: "text" (Text), "tool_use" (ID,
// Name, Input) or "tool_result" (ToolUseID, Content, IsError).
type AnthropicBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
}

// AnthropicTool is a tool the model may use; InputSchema is its JSON
// Schema.
type AnthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// AnthropicResponse is a messages response.
type AnthropicResponse struct {
	ID      string           `json:"id"`
	Type    string           `json:"type"`
	Role    string           `json:"role"`
	Model   string           `json:"model"`
	Content []AnthropicBlock `json:"content"`
	// StopReason is "end_turn", "max_tokens", "stop_sequence", "tool_use", …
	StopReason   string         `json:"stop_reason"`
	StopSequence string         `json:"stop_sequence,omitempty"`
	Usage        AnthropicUsage `json:"usage"`
}

// AnthropicUsage counts a request's tokens.
type AnthropicUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens,omitempty"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens,omitempty"`
}

// Text returns the response's text blocks, joined.
func (r AnthropicResponse) Text() string {
	var b strings.Builder
	for _, c := range r.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}
