package wire

import "encoding/json"

// Gateway and AIGateway ops ask the server to make an HTTP request for the
// function (step.Fetch, ai.Infer) and memoize what came back. These are
// the shapes the real server reads and writes.

// GatewayOpts are the opts of a Gateway op. The server sends Body as it
// is when it is valid JSON and as a JSON string otherwise; an empty
// Method means POST to the server (this SDK always sends one).
type GatewayOpts struct {
	URL     string            `json:"url"`
	Method  string            `json:"method,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// GatewayResponse is what a Gateway op memoizes under "data", whatever
// the response's status: the request's URL, the response's headers (each
// one's values joined with ","), its body as a string and its status.
type GatewayResponse struct {
	URL        string            `json:"url,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       string            `json:"body"`
	StatusCode int               `json:"status_code"`
}

// AIGatewayOpts are the opts of an AIGateway op. The server POSTs Body as
// JSON to URL with AuthKey where Format puts it (see the AIFormat
// constants) and memoizes a 2xx response's JSON body under "data".
// AuthKey is a secret: it must never be logged or shown.
type AIGatewayOpts struct {
	Type    string            `json:"type,omitempty"` // StepTypeAIInfer, as inngest-js sends it
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	AuthKey string            `json:"auth_key,omitempty"`
	Format  string            `json:"format,omitempty"`
	Body    json.RawMessage   `json:"body"`
}

// The formats of an AIGateway op the real server knows. Each decides where
// the key goes: Authorization: Bearer (openai-chat and any format it does
// not know), x-api-key (anthropic), Authorization as given (bedrock), or
// the key query parameter (gemini).
const (
	AIFormatOpenAIChat = "openai-chat"
	AIFormatAnthropic  = "anthropic"
	AIFormatGemini     = "gemini"
	AIFormatBedrock    = "bedrock"
)

// Step types sent in the opts of AI steps, as inngest-js names them.
const (
	StepTypeAIInfer = "step.ai.infer"
	StepTypeAIWrap  = "step.ai.wrap"
)

// The names of the step errors a gateway request memoizes once it failed
// for good.
const (
	GatewayErrorName   = "GatewayError"
	AIGatewayErrorName = "AIGatewayError"
)

// AIWrapOpts are the opts of a step.ai.wrap step: its type and the input
// its code was given, as a one-element list (inngest-js sends the
// arguments of the wrapped call).
type AIWrapOpts struct {
	Type  string            `json:"type"`
	Input []json.RawMessage `json:"input,omitempty"`
}
