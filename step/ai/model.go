package ai

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Format is the request and response format of a model, which decides
// where the server puts the key.
type Format string

// The formats the server knows. A format it does not know is sent as
// FormatOpenAIChat is: the key as a bearer token.
const (
	FormatOpenAIChat Format = "openai-chat" // Authorization: Bearer <key>
	FormatAnthropic  Format = "anthropic"   // x-api-key: <key>
	FormatGemini     Format = "gemini"      // the key query parameter
	FormatBedrock    Format = "bedrock"     // Authorization: <key>, signed by you
)

// Model is a model the server calls for Infer. Req and Resp are the
// request and response types of its format. OpenAI, Anthropic and Gemini
// build one; a Model literal serves any other provider.
type Model[Req, Resp any] struct {
	// Format is the model's format. Default FormatOpenAIChat.
	Format Format
	// URL is the absolute http or https URL the request is POSTed to.
	URL string
	// AuthKey is the provider's API key. It travels to the server in the
	// step's op and is never logged or shown there.
	AuthKey string
	// Header holds headers sent with each request, beside the key.
	Header map[string]string
	// Prepare, when set, completes each request before it is sent (the
	// built-in models fill in their model name); an error fails the
	// Infer call.
	Prepare func(req *Req) error
}

// check validates a model before its request is built.
func (m Model[Req, Resp]) check() error {
	u, err := url.Parse(m.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("the model's URL %q is not an absolute http or https URL", m.URL)
	}
	return nil
}

// endpoint joins a base URL and a path, whether or not the base ends with
// a slash.
func endpoint(base, def, path string) string {
	if base == "" {
		base = def
	}
	return strings.TrimSuffix(base, "/") + "/" + path
}

// keyOr returns key, or the environment variable env when key is empty.
func keyOr(key, env string) string {
	if key != "" {
		return key
	}
	return os.Getenv(env)
}

// needModel fills in a request's model name from the config's.
func needModel(provider string, got *string, def string) error {
	if *got == "" {
		*got = def
	}
	if *got == "" {
		return fmt.Errorf("no model: set %sConfig.Model or the request's Model", provider)
	}
	return nil
}
