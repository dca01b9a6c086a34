package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// sync answers PUT (§4.3). In-band, the app config is the answer, only when
// the server asked for it (X-Inngest-Sync-Kind: in_band) with a verified
// signature. Otherwise the handler registers out-of-band by POSTing the
// config to the server's /fn/register; in cloud mode only for a PUT with a
// valid signature, so that no one else can make the app call out.
func (h *Handler) sync(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	verified, ok := h.verifySync(w, r, body)
	if !ok {
		return
	}
	appURL, err := h.appURL(r, body, verified || h.app.Config.Dev)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, wire.SyncAnswer{Message: err.Error()})
		return
	}
	wantInBand := strings.EqualFold(r.Header.Get(wire.HeaderSyncKind), wire.SyncKindInBand)
	if wantInBand && verified && !h.cfg.DisableInBandSync {
		h.syncInBand(w, r, body, appURL)
		return
	}

	modified, err := h.register(r.Context(), appURL, r.URL.Query().Get("deployId"), r.Header.Get(wire.HeaderServerKind))
	if err != nil {
		h.log.Error("inngest: sync failed", "error", err)
		writeJSON(w, http.StatusInternalServerError, wire.SyncAnswer{Message: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, wire.SyncAnswer{Message: "Successfully synced.", Modified: modified})
}

// verifySync checks a sync request's signature. Dev mode skips the check,
// but an in-band answer carries the function list, so a signature is
// checked when present. In cloud mode a request that fails is answered
// 401 (ok false), unless Config.EnableUnauthedSync lets it sync
// out-of-band unverified.
func (h *Handler) verifySync(w http.ResponseWriter, r *http.Request, body []byte) (verified, ok bool) {
	signed := r.Header.Get(wire.HeaderSignature) != ""
	if h.app.Config.Dev {
		if !signed {
			return false, true
		}
		_, err := h.checkSignature(r, body)
		return err == nil, true
	}
	_, err := h.checkSignature(r, body)
	switch {
	case err == nil:
		return true, true
	case h.cfg.EnableUnauthedSync && !errors.Is(err, sign.ErrNoKey):
		return false, true
	}
	h.writeVerifyError(w, err)
	return false, false
}

func (h *Handler) syncInBand(w http.ResponseWriter, r *http.Request, reqBody []byte, appURL string) {
	cfg := h.app.Config
	t := true
	base := wire.Introspection{
		AuthenticationSucceeded: &t,
		FunctionCount:           len(h.app.Functions()),
		HasEventKey:             cfg.EventKey != "",
		HasSigningKey:           cfg.SigningKey != "",
		HasSigningKeyFallback:   cfg.SigningKeyFallback != "",
		Mode:                    mode(h.app),
		SchemaVersion:           wire.IntrospectionSchema,
	}
	out := wire.InBandSync{
		AppID:       cfg.AppID,
		Framework:   h.framework,
		Functions:   h.app.SyncFunctions(appURL),
		Inspection:  h.authedIntrospection(base),
		SDKAuthor:   "durablefn",
		SDKLanguage: wire.SDKLanguage,
		SDKVersion:  wire.SDKVersion,
		URL:         appURL,
	}
	if cfg.Env != "" {
		out.Env = &cfg.Env
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the in-band sync answer failed")
		return
	}
	w.Header().Set(wire.HeaderSyncKind, wire.SyncKindInBand)
	h.writeSigned(w, r, reqBody, http.StatusOK, b)
}

// appURL is the URL the server should call: ServeOrigin and ServePath when
// set; else the "url" of the sync request's body when it can be trusted
// (a verified signature, or dev mode), which is the URL the server reached
// the app at; else the request's own host and path. X-Forwarded-* headers
// are not trusted: they are not covered by the signature. Any deployId is
// left out.
func (h *Handler) appURL(r *http.Request, body []byte, trustBody bool) (string, error) {
	cfg := h.app.Config
	var u *url.URL
	if trustBody && len(body) > 0 && cfg.ServeOrigin == "" && cfg.ServePath == "" {
		var in struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(body, &in) == nil && in.URL != "" {
			if pu, err := url.Parse(in.URL); err == nil && (pu.Scheme == "http" || pu.Scheme == "https") && pu.Host != "" {
				u = pu
			}
		}
	}
	if u == nil {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		origin := scheme + "://" + r.Host
		if cfg.ServeOrigin != "" {
			origin = cfg.ServeOrigin
		}
		path := r.URL.Path
		if cfg.ServePath != "" {
			path = cfg.ServePath
		}
		pu, err := url.Parse(origin + path)
		if err != nil || pu.Host == "" {
			return "", fmt.Errorf("cannot build the app URL from origin %q and path %q; set INNGEST_SERVE_ORIGIN", origin, path)
		}
		pu.RawQuery = r.URL.RawQuery
		u = pu
	}
	q := u.Query()
	q.Del("deployId")
	q.Del("fnId")
	q.Del("stepId")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// payload returns the sync payload for appURL, as POSTed to /fn/register.
func (h *Handler) payload(appURL string) wire.RegisterRequest {
	cfg := h.app.Config
	caps := capabilities
	return wire.RegisterRequest{
		URL:          appURL,
		DeployType:   wire.DeployTypePing,
		AppName:      cfg.AppID,
		AppVersion:   cfg.AppVersion,
		SDK:          wire.SDKHeader,
		V:            wire.SyncPayloadVersion,
		Framework:    h.framework,
		Functions:    h.app.SyncFunctions(appURL),
		Capabilities: &caps,
	}
}

// Sync registers the app with the server out-of-band, telling it to call
// the functions at appURL (the public URL of this handler). Use it at
// start-up when no server will send a sync request, for example against a
// self-hosted server that was not given the app's URL.
//
// Sync fails without calling out when the handler could not serve the
// server's requests: in cloud mode without a signing key, or when New got
// a client not made by inngest.NewClient.
func (h *Handler) Sync(ctx context.Context, appURL string) error {
	if err := h.startupError(); err != nil {
		return fmt.Errorf("inngest: sync: %w", err)
	}
	if u, err := url.Parse(appURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("inngest: sync: app URL %q must be absolute, such as https://app.example.com/api/inngest", appURL)
	}
	if _, err := h.register(ctx, appURL, "", ""); err != nil {
		return fmt.Errorf("inngest: sync: %w", err)
	}
	return nil
}

// register POSTs the app config to the server and returns "modified".
func (h *Handler) register(ctx context.Context, appURL, deployID, serverKind string) (bool, error) {
	cfg := h.app.Config
	body, err := json.Marshal(h.payload(appURL))
	if err != nil {
		return false, fmt.Errorf("encoding sync payload: %w", err)
	}
	endpoint := cfg.APIOrigin + "/fn/register"
	if deployID != "" {
		endpoint += "?deployId=" + url.QueryEscape(deployID)
	}
	keys := []string{cfg.SigningKey, cfg.SigningKeyFallback}
	var lastErr error
	for i, key := range keys {
		if i > 0 && key == "" {
			break
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return false, fmt.Errorf("building sync request: %w", err)
		}
		req.Header.Set(wire.HeaderContentType, "application/json")
		if serverKind != "" {
			req.Header.Set(wire.HeaderExpectedServerKind, serverKind)
		}
		if err := cfg.SetAPIHeaders(req, key); err != nil {
			return false, err
		}
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			return false, fmt.Errorf("reaching %s/fn/register: %w", cfg.APIOrigin, app.UnwrapURLError(err))
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		var out wire.RegisterResponse
		_ = json.Unmarshal(raw, &out)
		if resp.StatusCode == http.StatusOK {
			return out.Modified, nil
		}
		msg := out.Error
		if msg == "" {
			msg = strings.TrimSpace(string(raw))
			if len(msg) > 300 {
				msg = msg[:300]
			}
		}
		lastErr = fmt.Errorf("server refused the sync with HTTP %d: %s", resp.StatusCode, msg)
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			break
		}
	}
	return false, lastErr
}
