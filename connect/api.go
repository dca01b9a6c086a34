package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/durablefn/inngest/internal/connectpb"
	"github.com/durablefn/inngest/internal/wire"
	"google.golang.org/protobuf/proto"
)

// errUnauthorized is a start or flush refused with 401: the signing key
// is wrong, so trying again with it is pointless.
var errUnauthorized = errors.New("the server refused the signing key (401)")

// post POSTs msg to an API path with the bearer token of the signing key
// (then of the fallback key, when the first is refused) and decodes the
// answer into out.
func (w *Worker) post(ctx context.Context, path string, msg, out proto.Message) error {
	body, err := proto.Marshal(msg)
	if err != nil {
		return err
	}
	cfg := w.app.Config
	keys := []string{cfg.SigningKey}
	if cfg.SigningKeyFallback != "" {
		keys = append(keys, cfg.SigningKeyFallback)
	}
	var lastErr error
	for _, key := range keys {
		lastErr = w.postWith(ctx, key, path, body, out)
		if !errors.Is(lastErr, errUnauthorized) {
			return lastErr
		}
	}
	return lastErr
}

func (w *Worker) postWith(ctx context.Context, key, path string, body []byte, out proto.Message) error {
	cfg := w.app.Config
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.APIOrigin+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(wire.HeaderContentType, connectpb.ContentType)
	if err := cfg.SetAPIHeaders(req, key); err != nil {
		return err
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return errUnauthorized
	case resp.StatusCode != http.StatusOK:
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return fmt.Errorf("POST %s: HTTP %d: %s", path, resp.StatusCode, msg)
	}
	if err := proto.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("POST %s: malformed answer: %w", path, err)
	}
	return nil
}
