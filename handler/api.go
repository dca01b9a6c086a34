package handler

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/durablefn/inngest/internal/wire"
)

// apiDo makes a request to the server's API with the signing key's
// bearer token, trying the fallback key when the first is refused, and
// returns the body of a 2xx answer.
func (h *Handler) apiDo(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	cfg := h.app.Config
	keys := []string{cfg.SigningKey}
	if cfg.SigningKeyFallback != "" {
		keys = append(keys, cfg.SigningKeyFallback)
	}
	var lastErr error
	for _, key := range keys {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, cfg.APIOrigin+path, rd)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.Header.Set(wire.HeaderContentType, "application/json")
		}
		if err := cfg.SetAPIHeaders(req, key); err != nil {
			return nil, err
		}
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			return nil, unwrapURLError(err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return raw, nil
		}
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		lastErr = fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			break
		}
	}
	return nil, lastErr
}
