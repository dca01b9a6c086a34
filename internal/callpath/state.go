package callpath

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/wire"
)

// fetchState loads the events and memoized steps the server left out of a
// large request (§4.4.2).
func fetchState(ctx context.Context, a *app.App, req *wire.CallRequest) error {
	runID := req.Ctx.RunID
	if runID == "" {
		return fmt.Errorf("use_api set without ctx.run_id")
	}
	var events []json.RawMessage
	if err := apiGet(ctx, a, "/v0/runs/"+url.PathEscape(runID)+"/batch", &events); err != nil {
		return fmt.Errorf("fetching the run's events: %w", err)
	}
	var steps map[string]json.RawMessage
	if err := apiGet(ctx, a, "/v0/runs/"+url.PathEscape(runID)+"/actions", &steps); err != nil {
		return fmt.Errorf("fetching the run's step state: %w", err)
	}
	if len(events) > 0 {
		req.Events = events
		req.Event = events[0]
	}
	req.Steps = steps
	return nil
}

// apiGet GETs an API path with the signing key's bearer token, trying the
// fallback key when the first is refused.
func apiGet(ctx context.Context, a *app.App, path string, into any) error {
	cfg := a.Config
	keys := []string{cfg.SigningKey}
	if cfg.SigningKeyFallback != "" {
		keys = append(keys, cfg.SigningKeyFallback)
	}
	var lastErr error
	for _, key := range keys {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.APIOrigin+path, nil)
		if err != nil {
			return err
		}
		if err := cfg.SetAPIHeaders(req, key); err != nil {
			return err
		}
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			return unwrapURLError(err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(raw, into); err != nil {
				return fmt.Errorf("malformed answer: %w", err)
			}
			return nil
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
	return lastErr
}

func unwrapURLError(err error) error {
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
