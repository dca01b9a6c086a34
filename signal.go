package inngest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/durablefn/inngest/internal/wire"
)

// SendSignal sends the signal named signal with data, which must encode as
// JSON (nil sends null), to the run waiting for it in step.WaitForSignal,
// and returns that run's ID. When no run waits for the signal (none ever
// did, its wait timed out, or another signal already resumed it), the
// server answers 404 and SendSignal returns "" and no error: a signal is
// not kept for a run that starts waiting later.
//
// The signal goes to the server's API (ClientConfig.APIOrigin), POST
// /v1/signals, authorized with the signing key (the fallback key is tried
// when the server refuses it); dev mode needs no key. It is sent once:
// on an error the signal may or may not have reached its run, and sending
// it again is safe, since a run resumes once.
func (c *Client) SendSignal(ctx context.Context, signal string, data any) (string, error) {
	if err := c.usable("SendSignal"); err != nil {
		return "", err
	}
	if signal == "" {
		return "", fmt.Errorf("inngest: SendSignal needs a signal name")
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("inngest: SendSignal(%q): encoding data: %w", signal, err)
	}
	return c.sendSignal(ctx, signal, raw)
}

// signaler sends the signals of step.SendSignal with the client's
// SendSignal.
type signaler struct{ c *Client }

func (s signaler) SendSignal(ctx context.Context, signal string, data json.RawMessage) (string, error) {
	return s.c.sendSignal(ctx, signal, data)
}

// sendSignal is SendSignal with the data encoded.
func (c *Client) sendSignal(ctx context.Context, signal string, raw json.RawMessage) (string, error) {
	body, err := json.Marshal(wire.SendSignalRequest{Signal: signal, Data: raw})
	if err != nil {
		return "", fmt.Errorf("inngest: SendSignal(%q): %w", signal, err)
	}
	cfg := c.app().Config
	keys := []string{cfg.SigningKey}
	if cfg.SigningKeyFallback != "" {
		keys = append(keys, cfg.SigningKeyFallback)
	}
	if cfg.SigningKey == "" && !cfg.Dev {
		return "", fmt.Errorf("inngest: SendSignal(%q) needs a signing key outside dev mode: set ClientConfig.SigningKey or INNGEST_SIGNING_KEY", signal)
	}
	var status int
	var answer []byte
	for _, key := range keys {
		if status, answer, err = c.postSignal(ctx, key, body); err != nil {
			return "", fmt.Errorf("inngest: SendSignal(%q): %w", signal, err)
		}
		if status != http.StatusUnauthorized && status != http.StatusForbidden {
			break
		}
	}
	return signalAnswer(signal, status, answer)
}

// postSignal makes one POST /v1/signals with key's bearer token (none for
// an empty key) and returns the answer's status and body.
func (c *Client) postSignal(ctx context.Context, key string, body []byte) (int, []byte, error) {
	cfg := c.app().Config
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.APIOrigin+"/v1/signals", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set(wire.HeaderContentType, "application/json")
	if err := cfg.SetAPIHeaders(req, key); err != nil {
		return 0, nil, err
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, raw, nil
}

// signalAnswer reads the server's answer to a signal: the resumed run's
// ID, "" for 404 (no run waits), an error for anything else.
func signalAnswer(signal string, status int, raw []byte) (string, error) {
	switch {
	case status == http.StatusNotFound:
		return "", nil
	case status >= 200 && status < 300:
		var out wire.SendSignalResponse
		if err := json.Unmarshal(raw, &out); err != nil || out.Data.RunID == "" {
			return "", fmt.Errorf(`inngest: SendSignal(%q): the server answered HTTP %d without {"data": {"run_id": …}}: %.200s`, signal, status, raw)
		}
		return out.Data.RunID, nil
	}
	var e struct {
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(raw))
	if json.Unmarshal(raw, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	hint := ""
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		hint = " (check the signing key: ClientConfig.SigningKey or INNGEST_SIGNING_KEY)"
	}
	return "", fmt.Errorf("inngest: SendSignal(%q) failed with HTTP %d%s: %s", signal, status, hint, msg)
}
