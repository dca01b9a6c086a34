package step

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/internal/stepcall"
	"github.com/durablefn/inngest/internal/wire"
)

// FetchRequest is the HTTP request a Fetch step asks the server to make.
type FetchRequest struct {
	// Method is the HTTP method. Default GET.
	Method string
	// URL is the absolute http or https URL to request.
	URL string
	// Header holds the request's headers; a header's values are sent
	// joined with ", ".
	Header http.Header
	// Body is the request body, empty or JSON: the server sends any other
	// body as a JSON string, so Fetch refuses it.
	Body []byte
}

// FetchResponse is the response the server got for a Fetch step, saved
// with the run: a step that already ran returns it without a request.
type FetchResponse struct {
	// URL is the URL that was requested.
	URL string
	// StatusCode is the response's HTTP status. Any status is a response,
	// not an error.
	StatusCode int
	// Header holds the response's headers, each with its values joined
	// with "," in one value, as the server saves them.
	Header http.Header
	// Body is the response body. The server saves it as a string, so bytes
	// that are not UTF-8 are replaced with U+FFFD.
	Body []byte
}

// Fetch makes a durable HTTP request: the server makes it on the
// function's behalf (the run is not using the app's time while it waits)
// and saves the response, so the request is made once however often the
// function is called again. It returns the response whatever its status.
// A request that fails outright (unreachable host, timeout) is retried
// with the function's retries; after the last one Fetch returns an
// *inngest.StepError named "GatewayError".
func Fetch(ctx context.Context, stepID string, req FetchRequest) (*FetchResponse, error) {
	r, err := start(ctx, "step.Fetch", stepID)
	if err != nil {
		return nil, err
	}
	opts, err := req.opts()
	if err != nil {
		return nil, stepcall.Invalid("inngest: step.Fetch(%q): %w", stepID, err)
	}
	ref, raw, ok, err := r.Lookup(ctx, "step.Fetch", stepID)
	if err != nil {
		return nil, err
	}
	if ok {
		got, err := decodeOutcome[*wire.GatewayResponse](r, stepID, raw)
		if err != nil {
			return nil, err
		}
		if got == nil {
			return nil, unusable(r, fmt.Errorf("inngest: step.Fetch(%q): its saved response is null", stepID))
		}
		return fetchResponse(got), nil
	}
	r.Report(ctx, ref, wire.OpGateway, opts)
	panic("unreachable")
}

// opts checks a request and returns the op's opts.
func (req FetchRequest) opts() (wire.GatewayOpts, error) {
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
	default:
		return wire.GatewayOpts{}, fmt.Errorf("method %q is not one the server can send", req.Method)
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return wire.GatewayOpts{}, fmt.Errorf("URL %q is not an absolute http or https URL", req.URL)
	}
	if len(req.Body) > 0 && !json.Valid(req.Body) {
		return wire.GatewayOpts{}, fmt.Errorf("the body must be JSON (or empty): the server would send it as a JSON string")
	}
	o := wire.GatewayOpts{URL: req.URL, Method: method, Headers: map[string]string{}, Body: string(req.Body)}
	for k, vs := range req.Header {
		o.Headers[k] = strings.Join(vs, ", ")
	}
	return o, nil
}

func fetchResponse(g *wire.GatewayResponse) *FetchResponse {
	h := make(http.Header, len(g.Headers))
	for k, v := range g.Headers {
		h[http.CanonicalHeaderKey(k)] = []string{v}
	}
	return &FetchResponse{URL: g.URL, StatusCode: g.StatusCode, Header: h, Body: []byte(g.Body)}
}
