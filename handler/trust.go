package handler

import (
	"net/http"
	"strconv"

	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// capabilities are the optional protocol features the handler offers,
// reported at sync and in the authenticated introspection.
var capabilities = wire.Capabilities{InBandSync: wire.CapabilityV1, TrustProbe: wire.CapabilityV1}

// trustProbeAnswer is the body of an answer to a trust probe.
var trustProbeAnswer = []byte(`{}`)

// probe answers a POST with ?probe=. The trust probe lets a server check
// that the app holds its signing key: the request was verified in cloud
// mode (call answered 401 otherwise), and the answer, 200 with {}, is
// signed with the key that verified it, so the server can check it in
// turn. In dev mode the request is not verified; the answer is signed
// only when it carries a signature that verifies. Other probes are a 400.
func (h *Handler) probe(w http.ResponseWriter, r *http.Request, body []byte, probe string) {
	if probe != wire.ProbeTrust {
		writeError(w, http.StatusBadRequest, "unknown probe "+strconv.Quote(probe)+"; the handler answers probe=trust")
		return
	}
	h.writeSigned(w, r, body, http.StatusOK, trustProbeAnswer)
}

// writeSigned writes an answer to a signed request (a trust probe, an
// in-band sync), with an X-Inngest-Signature over exactly its bytes made
// with the key that verified the request, as the official SDKs sign it.
// Nothing is signed when the request's signature does not verify (dev
// mode only: cloud mode refused such requests before).
func (h *Handler) writeSigned(w http.ResponseWriter, r *http.Request, reqBody []byte, status int, answer []byte) {
	if r.Header.Get(wire.HeaderSignature) != "" {
		if key, err := h.checkSignature(r, reqBody); err == nil {
			w.Header().Set(wire.HeaderSignature, sign.Header(key, answer, h.cfg.Now()))
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}
