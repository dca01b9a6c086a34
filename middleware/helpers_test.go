package middleware_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
)

// hashStepID is the server's key for a step's memoized result: the SHA-1
// hex of the step ID (first occurrence).
func hashStepID(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:])
}

// memo is a memoized step: its user ID and the data it returned.
type memo struct {
	id   string
	data any
}

// callBody builds a call request body as the server sends it, with the
// given event and memoized steps, in stack order.
func callBody(t testing.TB, runID string, attempt int, event map[string]any, steps ...memo) []byte {
	t.Helper()
	stepMap := map[string]any{}
	stack := []string{}
	for _, s := range steps {
		h := hashStepID(s.id)
		stepMap[h] = map[string]any{"data": s.data}
		stack = append(stack, h)
	}
	body, err := json.Marshal(map[string]any{
		"event":  event,
		"events": []any{event},
		"steps":  stepMap,
		"ctx": map[string]any{
			"run_id":  runID,
			"attempt": attempt,
			"stack":   map[string]any{"stack": stack, "current": len(stack)},
		},
		"version": 2,
	})
	require.NoError(t, err)
	return body
}

// serve sends a call request for fnID ("app-<id>") to h.
func serve(t testing.TB, h http.Handler, fnID string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId="+fnID+"&stepId=step", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	return rec
}

func newClient(t testing.TB, cfg inngest.ClientConfig) *inngest.Client {
	t.Helper()
	if cfg.AppID == "" {
		cfg.AppID = "app"
	}
	if cfg.Dev == "" {
		cfg.Dev = "1"
	}
	c, err := inngest.NewClient(cfg)
	require.NoError(t, err)
	return c
}

func newHandler(c *inngest.Client) http.Handler { return handler.New(c, handler.Config{}) }

// ops decodes a 206 answer's ops.
func ops(t testing.TB, rec *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusPartialContent, rec.Code, rec.Body.String())
	var out []map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	return out
}
