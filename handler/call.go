package handler

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/internal/callpath"
	"github.com/durablefn/inngest/internal/wire"
)

// call answers POST (§4.4, §5): it runs the function named by fnId and
// answers 200 with its result, 206 with the steps it reached, or an error;
// streamed when Config.Streaming is set. A POST with a probe query
// parameter is a probe (trust.go). The call itself runs in
// internal/callpath, which Connect workers share.
func (h *Handler) call(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	if _, err := h.verify(r, body); err != nil {
		h.writeVerifyError(w, err)
		return
	}
	if probe := queryParam(r.URL.RawQuery, "probe"); probe != "" {
		h.probe(w, r, body, probe)
		return
	}
	c, fail := callpath.Prepare(h.app, callpath.Params{
		FnID:      queryParam(r.URL.RawQuery, "fnId"),
		StepID:    queryParam(r.URL.RawQuery, "stepId"),
		ForcePlan: r.Header.Get(wire.HeaderForceStepPlan) == "true",
		Request:   r,
		// Over HTTP a function that checkpoints posts its steps to the
		// server's API as they finish.
		Checkpointer: h.cpFor,
		Now:          h.cfg.Now,
	}, body)
	if fail != nil {
		fail.Write(w)
		return
	}
	if h.cfg.Streaming {
		sc := c // only a streamed call moves to the heap
		h.stream(w, func(w http.ResponseWriter) { sc.Run(r.Context(), h.log).Write(w) })
		return
	}
	c.Run(r.Context(), h.log).Write(w)
}

// queryParam returns the first value of key in a raw query string, as
// url.Values.Get of url.ParseQuery would, without building the map.
func queryParam(raw, key string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery skips such pairs
		}
		k, v, _ := strings.Cut(pair, "=")
		if k != key {
			if !strings.ContainsAny(k, "%+") {
				continue
			}
			if uk, err := url.QueryUnescape(k); err != nil || uk != key {
				continue
			}
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv
		}
	}
	return ""
}
