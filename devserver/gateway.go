package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/durablefn/inngest/internal/wire"
)

// Gateway and AIGateway ops ask the server to make an HTTP request on the
// function's behalf (step.fetch, step.ai.infer) and memoize the response,
// as the real server's executor does:
//
//   - Gateway: opts {url, method (default POST), headers, body}. A body
//     that is valid JSON is sent as it is, any other as a JSON string. Any
//     response, whatever its status, is memoized as {"data": {"url",
//     "headers", "body", "status_code"}}, headers joined with ",". A request
//     that fails outright is retried with the call's attempts, then
//     memoized as the step error GatewayError.
//   - AIGateway: opts {url, format, auth_key, headers, body}. The body is
//     POSTed as JSON, encoded again as the real server does (keys sorted,
//     numbers through float64), with the key where the format puts it (a
//     bearer token by default, x-api-key for anthropic, the key query
//     parameter for gemini, Authorization as given for bedrock). A 2xx
//     response's JSON body is memoized as {"data": <body>}; a failure,
//     another status or a body that is not JSON is retried, then memoized
//     as the step error AIGatewayError.
//
// Both send User-Agent: Inngest and Accept-Encoding: gzip on a connection
// of their own, follow up to 60 redirects and decode a gzip response. The
// key of an AIGateway op appears in no timeline entry, log line or API
// answer.

var gatewayMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodConnect: true,
	http.MethodOptions: true, http.MethodTrace: true,
}

// gatewayRequest is a request built from a gateway op, ready to send.
type gatewayRequest struct {
	ai     bool
	method string
	url    string // with a gemini key, if any
	shown  string // what timelines and memoized results show: no key
	header http.Header
	body   []byte
}

// newGatewayRequest reads a Gateway or AIGateway op's opts.
func newGatewayRequest(op *wire.Op) (*gatewayRequest, error) {
	g := &gatewayRequest{ai: op.Op == wire.OpAIGateway, header: make(http.Header)}
	var headers map[string]string
	var err error
	if g.ai {
		headers, err = g.readAI(op.Opts)
	} else {
		headers, err = g.readFetch(op.Opts)
	}
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(g.url)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("url %q is not an absolute http(s) URL", redactURL(g.shown))
	}
	// As on the real server, the op's headers are added to the ones it
	// sets, not put in their place.
	for k, v := range headers {
		g.header.Add(k, v)
	}
	g.header.Add("User-Agent", "Inngest")
	// The real server's client asks for gzip unless the op chose an
	// encoding; readGatewayBody decodes it.
	if g.header.Get("Accept-Encoding") == "" {
		g.header.Set("Accept-Encoding", "gzip")
	}
	return g, nil
}

// readFetch reads a Gateway op's opts.
func (g *gatewayRequest) readFetch(opts json.RawMessage) (map[string]string, error) {
	var o wire.GatewayOpts
	if err := unmarshalOpts(opts, &o); err != nil {
		return nil, err
	}
	g.url, g.shown, g.method = o.URL, o.URL, o.Method
	if g.method == "" {
		g.method = http.MethodPost
	}
	if !gatewayMethods[g.method] {
		return nil, fmt.Errorf("invalid http method: %s", g.method)
	}
	if o.Body != "" {
		if json.Valid([]byte(o.Body)) {
			g.body = []byte(o.Body)
		} else {
			g.body, _ = json.Marshal(o.Body)
		}
	}
	return o.Headers, nil
}

// readAI reads an AIGateway op's opts and puts its key where its format
// wants it.
func (g *gatewayRequest) readAI(opts json.RawMessage) (map[string]string, error) {
	var o wire.AIGatewayOpts
	if err := unmarshalOpts(opts, &o); err != nil {
		return nil, err
	}
	// The real server reads the opts untyped: the model gets the body re-encoded.
	g.url, g.shown, g.method, g.body = o.URL, o.URL, http.MethodPost, wire.Untyped(o.Body)
	g.header.Set("Content-Type", "application/json")
	switch o.Format {
	case wire.AIFormatGemini:
		u, err := url.Parse(o.URL)
		if err != nil {
			return nil, fmt.Errorf("url %q: not a URL", redactURL(o.URL))
		}
		q := u.Query()
		q.Add("key", o.AuthKey)
		u.RawQuery = q.Encode()
		g.url = u.String()
	case wire.AIFormatBedrock:
		g.header.Add("Authorization", o.AuthKey)
	case wire.AIFormatAnthropic:
		g.header.Add("X-Api-Key", o.AuthKey)
	default:
		g.header.Add("Authorization", "Bearer "+o.AuthKey)
	}
	return o.Headers, nil
}

// redactURL is a URL as timelines, logs and errors may show it: without
// its query (where a key may travel), user info or fragment.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a malformed URL)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// unmarshalOpts decodes an op's opts; absent or null opts are empty.
func unmarshalOpts(opts json.RawMessage, v any) error {
	if len(opts) == 0 || wire.IsNull(opts) {
		return nil
	}
	if err := json.Unmarshal(opts, v); err != nil {
		return fmt.Errorf("malformed opts: %w", err)
	}
	return nil
}
