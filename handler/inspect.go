package handler

import (
	"net/http"

	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// inspect answers GET (§4.5): an unauthenticated body to anyone, the
// authenticated body (hashes of keys, never keys) to a verified caller.
func (h *Handler) inspect(w http.ResponseWriter, r *http.Request) {
	cfg := h.app.Config
	base := wire.Introspection{
		FunctionCount:         len(h.app.Functions()),
		HasEventKey:           cfg.EventKey != "",
		HasSigningKey:         cfg.SigningKey != "",
		HasSigningKeyFallback: cfg.SigningKeyFallback != "",
		Mode:                  mode(h.app),
		SchemaVersion:         wire.IntrospectionSchema,
	}
	if r.Header.Get(wire.HeaderSignature) == "" {
		writeJSON(w, http.StatusOK, base)
		return
	}
	// The authenticated body needs a verified signature in every mode:
	// the key hashes it holds are bearer tokens for the server's API.
	if _, err := h.checkSignature(r, []byte{}); err != nil {
		f := false
		base.AuthenticationSucceeded = &f
		writeJSON(w, http.StatusOK, base)
		return
	}
	t := true
	base.AuthenticationSucceeded = &t
	writeJSON(w, http.StatusOK, h.authedIntrospection(base))
}

func (h *Handler) authedIntrospection(base wire.Introspection) wire.IntrospectionAuthed {
	cfg := h.app.Config
	out := wire.IntrospectionAuthed{
		Introspection:  base,
		APIOrigin:      cfg.APIOrigin,
		AppID:          cfg.AppID,
		Capabilities:   capabilities,
		EventAPIOrigin: cfg.EventAPIOrigin,
		Framework:      h.framework,
		SDKLanguage:    wire.SDKLanguage,
		SDKVersion:     wire.SDKVersion,
	}
	if cfg.Env != "" {
		out.Env = &cfg.Env
	}
	if cfg.EventKey != "" {
		s := sign.HashEventKey(cfg.EventKey)
		out.EventKeyHash = &s
	}
	if cfg.ServeOrigin != "" {
		out.ServeOrigin = &cfg.ServeOrigin
	}
	if cfg.ServePath != "" {
		out.ServePath = &cfg.ServePath
	}
	if s, err := sign.HashedKey(cfg.SigningKey); err == nil {
		out.SigningKeyHash = &s
	}
	if s, err := sign.HashedKey(cfg.SigningKeyFallback); err == nil {
		out.SigningKeyFallbackHash = &s
	}
	return out
}
