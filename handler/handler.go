// Package handler serves an app's functions to an Inngest server over
// HTTP, at one endpoint (conventionally /api/inngest):
//
//   - GET answers introspection (health) requests,
//   - PUT syncs the app's functions with the server,
//   - POST runs a function for a call request.
//
// Mount it on any router:
//
//	http.Handle("/api/inngest", handler.New(client, handler.Config{}))
//
// In cloud mode every request must carry a valid X-Inngest-Signature made
// with the signing key (or the fallback key); requests that fail
// verification are answered 401 and never reach user code. In dev mode
// verification is skipped.
//
// A POST with ?probe=trust is a trust probe: it is verified like a call
// and answered 200 with a body signed with the key that verified it, as
// is an in-band sync answer, so the server can check the app holds its
// key. With Config.Streaming (INNGEST_STREAMING) calls are answered 201 at
// once, with spaces while the function runs and then the answer in one
// JSON frame, for platforms that cut idle connections.
//
// # Mistakes reported at start-up
//
// New cannot fail, so it reports what would make the handler useless when
// it is built, with a logged error, and [Handler.Sync] fails with the same
// advice:
//
//   - cloud mode without a signing key (INNGEST_SIGNING_KEY): call and sync
//     requests are answered 500, since none can be verified;
//   - a nil or zero *inngest.Client, not made by inngest.NewClient: every
//     request is answered 500, and the error is logged with slog.Default.
package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"sync/atomic"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// DefaultMaxBodyBytes bounds call request bodies. The server moves to
// use_api above 4 MiB, so real bodies stay well under it.
const DefaultMaxBodyBytes = 16 << 20

// Config tunes a Handler. The zero Config uses the defaults, as does the
// zero value of each field. A boolean field set to true wins over its
// environment variable; left false, the variable decides.
type Config struct {
	// Framework names the web framework in sync payloads and headers, such
	// as "nethttp" (the default) or "chi".
	Framework string
	// MaxBodyBytes bounds request bodies. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// DisableInBandSync makes every sync out-of-band, even when the server
	// asks for in-band. Env: INNGEST_ALLOW_IN_BAND_SYNC set to false (or 0)
	// disables it too. Default: in-band when the server asks with a
	// verified signature.
	DisableInBandSync bool
	// EnableUnauthedSync lets a sync request without a valid signature
	// make the app sync out-of-band in cloud mode, for servers that cannot
	// sign. The app URL is then taken from the request, never from its
	// body, and an in-band answer still needs a valid signature. Env:
	// INNGEST_ENABLE_UNAUTHED_SYNC (true or 1). Default: off, so that no one
	// but the server can make the app call out. Dev mode never checks.
	EnableUnauthedSync bool
	// Streaming answers each call request 201 at once, writes a space
	// every KeepAliveInterval while the function runs, then the answer as
	// one JSON object holding its status, headers and body, which the
	// server unpacks. It keeps platforms that close idle connections
	// (serverless functions, proxies) from cutting long steps. Env:
	// INNGEST_STREAMING (true or 1). Default: off.
	Streaming bool
	// KeepAliveInterval is the time between two spaces of a streamed
	// answer. Default DefaultKeepAliveInterval.
	KeepAliveInterval time.Duration
	// Now is the clock used to check and make signatures, and to time and
	// stamp checkpoints (inngest.Checkpoint). Default time.Now.
	Now func() time.Time
}

// DefaultKeepAliveInterval is the time between two keep-alive spaces of a
// streamed answer, as inngest-js writes them.
const DefaultKeepAliveInterval = 3 * time.Second

// Handler is the http.Handler serving a client's functions.
type Handler struct {
	devWarn      atomic.Bool
	app          *app.App // nil when New got no client from inngest.NewClient
	noClient     error    // why app is nil
	cfg          Config
	log          *slog.Logger
	framework    string
	frameworkHdr []string
	// keepAlive returns the keep-alive ticks of a streamed answer and how
	// to stop them; tests replace it to drive the ticks.
	keepAlive func(time.Duration) (<-chan time.Time, func())
	// cpFor is checkpointerFor bound once, so that a call does not
	// allocate the method value.
	cpFor func(*wire.CallCtx) engine.Checkpointer
}

// New returns a handler serving every function created on client.
// Functions created after New are served too.
//
// New does not panic. It logs an error when the handler cannot work: in
// cloud mode without a signing key (call and sync requests will be
// answered 500), or when client was not made by inngest.NewClient (every
// request will be answered 500; logged with slog.Default). Handler.Sync
// fails in both cases, so an app that syncs at start-up stops there.
func New(client *inngest.Client, cfg Config) *Handler {
	return newHandler(client, cfg, os.Getenv)
}

func newHandler(client *inngest.Client, cfg Config, getenv func(string) string) *Handler {
	h := &Handler{keepAlive: tickerEvery}
	h.cpFor = h.checkpointerFor
	a, ok := app.Of(client)
	if ok {
		h.app, h.log = a, a.Config.Logger
	} else {
		h.noClient = errors.New("handler.New needs a client made by inngest.NewClient; a nil or zero Client has no configuration")
		h.log = slog.Default()
		h.log.Error("inngest: " + h.noClient.Error() + "; the handler answers every request 500")
	}
	h.cfg = cfg
	if h.cfg.MaxBodyBytes <= 0 {
		h.cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if h.cfg.Now == nil {
		h.cfg.Now = time.Now
	}
	h.framework = h.cfg.Framework
	if h.framework == "" {
		h.framework = "nethttp"
	}
	h.frameworkHdr = []string{h.framework}
	if h.cfg.KeepAliveInterval <= 0 {
		h.cfg.KeepAliveInterval = DefaultKeepAliveInterval
	}
	h.applyEnv(getenv)
	if h.app != nil && h.missingSigningKey() {
		h.log.Error("inngest: " + noSigningKey + "; until then the server's call and sync requests are answered 500")
	}
	return h
}

// noSigningKey says what to do about cloud mode without a signing key.
const noSigningKey = "no signing key configured: set ClientConfig.SigningKey or INNGEST_SIGNING_KEY, or INNGEST_DEV=1 for local development"

// missingSigningKey reports cloud mode without a key to verify requests.
func (h *Handler) missingSigningKey() bool {
	cfg := h.app.Config
	return !cfg.Dev && cfg.SigningKey == "" && cfg.SigningKeyFallback == ""
}

// startupError is why the handler cannot serve or sync at all, if any.
func (h *Handler) startupError() error {
	switch {
	case h.app == nil:
		return h.noClient
	case h.missingSigningKey():
		return errors.New(noSigningKey)
	}
	return nil
}

// ServeHTTP dispatches on the method.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setHeaders(w, h.frameworkHdr)
	if h.app == nil {
		writeError(w, http.StatusInternalServerError, h.noClient.Error())
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.inspect(w, r)
	case http.MethodPut:
		h.sync(w, r)
	case http.MethodPost:
		h.call(w, r)
	default:
		w.Header().Set("Allow", "GET, PUT, POST")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET, PUT or POST")
	}
}

// Header values set on every response, shared to save an allocation each.
var (
	headerJSON       = []string{"application/json"}
	headerSDK        = []string{wire.SDKHeader}
	headerReqVersion = []string{wire.ReqVersion}
)

func setHeaders(w http.ResponseWriter, framework []string) {
	hd := w.Header()
	hd[canonicalContentType] = headerJSON
	hd[canonicalSDK] = headerSDK
	hd[canonicalReqVersion] = headerReqVersion
	hd[canonicalFramework] = framework
}

var (
	canonicalContentType = textproto.CanonicalMIMEHeaderKey(wire.HeaderContentType)
	canonicalSDK         = textproto.CanonicalMIMEHeaderKey(wire.HeaderSDK)
	canonicalReqVersion  = textproto.CanonicalMIMEHeaderKey(wire.HeaderReqVersion)
	canonicalFramework   = textproto.CanonicalMIMEHeaderKey(wire.HeaderFramework)
)

// readBody reads at most the configured bytes; ok is false once an error
// answer was written.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		// Servers send plain JSON; a compressed body would otherwise be
		// refused as JSON that does not parse.
		writeError(w, http.StatusUnsupportedMediaType, "request body sent with Content-Encoding: "+ce+"; send it uncompressed")
		return nil, false
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes), r.ContentLength, h.cfg.MaxBodyBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", h.cfg.MaxBodyBytes))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "reading request body failed")
		return nil, false
	}
	return body, true
}

// readAll reads a body. The buffer starts one byte past the announced
// Content-Length, so a body of that length is read with no copy, but
// capped so that an unauthenticated client cannot make the handler reserve
// memory for bytes it never sends; it grows as data arrives.
func readAll(r io.Reader, n, limit int64) ([]byte, error) {
	const maxPrealloc = 256 << 10
	size := int64(512)
	if n > 0 && n <= limit {
		size = min(n+1, maxPrealloc)
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// verify checks the request signature of a call or sync. In dev mode it
// passes without checking, as the spec asks, and warns once when a request
// says it comes from a server that is not a dev server. Call requests of
// the real dev server carry no server kind, so a missing one is no sign.
func (h *Handler) verify(r *http.Request, body []byte) (authed bool, err error) {
	cfg := h.app.Config
	if cfg.Dev {
		if kind := r.Header.Get(wire.HeaderServerKind); kind != "" && kind != wire.ServerKindDev && h.devWarn.CompareAndSwap(false, true) {
			h.log.Warn("inngest: dev mode is on but a request came from a server that is not a dev server; requests are not verified in dev mode",
				"server_kind", kind)
		}
		return false, nil
	}
	if _, err := h.checkSignature(r, body); err != nil {
		return false, err
	}
	return true, nil
}

// checkSignature verifies the signature with the configured keys, in any
// mode, and returns the key that matched. With no key it fails with
// sign.ErrNoKey.
func (h *Handler) checkSignature(r *http.Request, body []byte) (string, error) {
	cfg := h.app.Config
	if cfg.SigningKey == "" && cfg.SigningKeyFallback == "" {
		return "", sign.ErrNoKey
	}
	return sign.VerifyKey(r.Header.Get(wire.HeaderSignature), body, h.cfg.Now(), cfg.SigningKey, cfg.SigningKeyFallback)
}

// writeVerifyError answers a failed verification without details that
// could help an attacker, and without any key material.
func (h *Handler) writeVerifyError(w http.ResponseWriter, err error) {
	if errors.Is(err, sign.ErrNoKey) {
		h.log.Error("inngest: " + noSigningKey)
		writeError(w, http.StatusInternalServerError, noSigningKey)
		return
	}
	writeError(w, http.StatusUnauthorized, "request signature verification failed: "+err.Error())
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding response failed"}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func mode(a *app.App) string {
	if a.Config.Dev {
		return wire.ServerKindDev
	}
	return wire.ServerKindCloud
}
