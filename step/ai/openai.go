package ai

import "encoding/json"

// OpenAIConfig configures OpenAI.
type OpenAIConfig struct {
	// Model is the model each request uses unless it names its own, such
	// as "gpt-4o-mini".
	Model string
	// APIKey is the API key. Default: the OPENAI_API_KEY environment
	// variable.
	APIKey string
	// BaseURL is the API's base URL; requests go to its chat/completions.
	// Default "https://api.openai.com/v1/". Set it for any
	// OpenAI-compatible provider ("https://api.deepseek.com/v1/",
	// "https://api.x.ai/v1/", "https://api.groq.com/openai/v1/", …).
	BaseURL string
	// Header holds extra headers sent with each request.
	Header map[string]string
}

// OpenAI returns a model in OpenAI's chat completions format
// (FormatOpenAIChat), which the server sends with the key as a bearer
// token.
func OpenAI(cfg OpenAIConfig) Model[OpenAIChatRequest, OpenAIChatResponse] {
	return Model[OpenAIChatRequest, OpenAIChatResponse]{
		Format:  FormatOpenAIChat,
		URL:     endpoint(cfg.BaseURL, "https://api.openai.com/v1/", "chat/completions"),
		AuthKey: keyOr(cfg.APIKey, "OPENAI_API_KEY"),
		Header:  cfg.Header,
		Prepare: func(req *OpenAIChatRequest) error { return needModel("OpenAI", &req.Model, cfg.Model) },
	}
}

// OpenAIChatRequest is a chat completions request. Fields left zero are
// not sent.
type OpenAIChatRequest struct {
	// Model defaults to the OpenAIConfig's.
	Model               string                `json:"model"`
	Messages            []OpenAIMessage       `json:"messages"`
	MaxCompletionTokens int                   `json:"max_completion_tokens,omitempty"`
	MaxTokens           int                   `json:"max_tokens,omitempty"` // for providers that want the older name
	Temperature         *float64              `json:"temperature,omitempty"`
	TopP                *float64              `json:"top_p,omitempty"`
	N                   int                   `json:"n,omitempty"`
	Stop                []string              `json:"stop,omitempty"`
	Seed                *int                  `json:"seed,omitempty"`
	User                string                `json:"user,omitempty"`
	ResponseFormat      *OpenAIResponseFormat `json:"response_format,omitempty"`
	Tools               []OpenAITool          `json:"tools,omitempty"`
	// ToolChoice is "auto", "none", "required", or a JSON object naming a
	// function.
	ToolChoice json.RawMessage `json:"tool_choice,omitempty"`
}

// OpenAIMessage is one message of a chat, in a request or a response.
type OpenAIMessage struct {
	// Role is "system", "developer", "user", "assistant" or "tool".
	Role       string           `json:"role"`
	Content    string           `json:"content"`
	Name       string           `json:"name,omitempty"`
	ToolCalls  []OpenAIToolCall `json:"tool_calls,omitempty"`
	ToolCallID string           `json:"tool_call_id,omitempty"` // for role "tool"
}

// OpenAIResponseFormat asks for JSON output: Type "json_object", or
// "json_schema" with a JSONSchema object.
type OpenAIResponseFormat struct {
	Type       string          `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema,omitempty"`
}

// OpenAITool is a tool the model may call.
type OpenAITool struct {
	Type     string         `json:"type"` // "function"
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction describes a function tool; Parameters is its JSON
// Schema.
type OpenAIFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
}

// OpenAIToolCall is a call of a tool the model asked for.
type OpenAIToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"` // "function"
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"` // JSON text
	} `json:"function"`
}

// OpenAIChatResponse is a chat completions response.
type OpenAIChatResponse struct {
	ID                string         `json:"id"`
	Object            string         `json:"object"`
	Created           int64          `json:"created"`
	Model             string         `json:"model"`
	Choices           []OpenAIChoice `json:"choices"`
	Usage             OpenAIUsage    `json:"usage"`
	SystemFingerprint string         `json:"system_fingerprint,omitempty"`
}

// OpenAIChoice is one completion.
type OpenAIChoice struct {
	Index   int           `json:"index"`
	Message OpenAIMessage `json:"message"`
	// FinishReason is "stop", "length", "tool_calls", "content_filter", …
	FinishReason string `json:"finish_reason"`
}

// OpenAIUsage counts a request's tokens.
type OpenAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// PromptTokensDetails says how many of the prompt's tokens were
	// cached; nil when the API did not say.
	PromptTokensDetails *OpenAIPromptTokensDetails `json:"prompt_tokens_details,omitempty"`
	// CompletionTokensDetails says how many of the completion's tokens
	// were reasoning; nil when the API did not say.
	CompletionTokensDetails *OpenAICompletionTokensDetails `json:"completion_tokens_details,omitempty"`
}

// OpenAIPromptTokensDetails splits a prompt's tokens.
type OpenAIPromptTokensDetails struct {
	// CachedTokens were read from the prompt cache; they are among
	// PromptTokens.
	CachedTokens int `json:"cached_tokens"`
}

// OpenAICompletionTokensDetails splits a completion's tokens.
type OpenAICompletionTokensDetails struct {
	// ReasoningTokens are the model's reasoning, which the answer does
	// not show; they are among CompletionTokens.
	ReasoningTokens int `json:"reasoning_tokens"`
}

// Text returns the first choice's content; "" when there is none.
func (r OpenAIChatResponse) Text() string {
	if len(r.Choices) == 0 {
		return ""
	}
	return r.Choices[0].Message.Content
}
