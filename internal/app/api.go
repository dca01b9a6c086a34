package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/internal/wire"
)

// API makes a request to the server's API with the signing key's bearer
// token, trying the fallback key when the first is refused, and returns
// the body of a 2xx answer. A nil body sends none.
func (a *App) API(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	cfg := a.Config
	keys := []string{cfg.SigningKey}
	if cfg.SigningKeyFallback != "" {
		keys = append(keys, cfg.SigningKeyFallback)
	}
	var lastErr error
	for _, key := range keys {
		raw, status, err := cfg.apiOnce(ctx, method, path, body, key)
		if err != nil {
			return nil, err
		}
		if status >= 200 && status < 300 {
			return raw, nil
		}
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		lastErr = fmt.Errorf("HTTP %d: %s", status, msg)
		if status != http.StatusUnauthorized && status != http.StatusForbidden {
			break
		}
	}
	return nil, lastErr
}

// apiOnce makes one request with key and returns the answer's body and
// status.
func (c *Config) apiOnce(ctx context.Context, method, path string, body []byte, key string) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.APIOrigin+path, rd)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set(wire.HeaderContentType, "application/json")
	}
	if err := c.SetAPIHeaders(req, key); err != nil {
		return nil, 0, err
	}
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		return nil, 0, UnwrapURLError(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return raw, resp.StatusCode, err
}

// UnwrapURLError drops the *url.Error wrapping of a client error, whose
// text repeats the URL.
func UnwrapURLError(err error) error {
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
