package inngest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/sign"
)

// SendSignal on the wire: POST /v1/signals with {"signal", "data"} and the
// hashed signing key, the fallback key after a 401; the run ID from 200,
// "" from 404, an error naming the status otherwise.
func TestSendSignalOnTheWire(t *testing.T) {
	const key, fallback = "signkey-prod-aa", "signkey-prod-bb"
	hashed, err := sign.HashedKey(key)
	require.NoError(t, err)
	hashedFallback, err := sign.HashedKey(fallback)
	require.NoError(t, err)
	var (
		bodies, auths []string
		answers       []func(w http.ResponseWriter)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "/v1/signals", r.URL.Path)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, "staging", r.Header.Get("X-Inngest-Env"))
		b, _ := io.ReadAll(r.Body)
		bodies, auths = append(bodies, string(b)), append(auths, r.Header.Get("Authorization"))
		answers[0](w)
		answers = answers[1:]
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{Dev: "0", APIOrigin: srv.URL, SigningKey: key, SigningKeyFallback: fallback, Env: "staging", HTTPClient: srv.Client()})
	require.NoError(t, err)
	answer := func(status int, body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) { w.WriteHeader(status); _, _ = io.WriteString(w, body) }
	}
	ctx := context.Background()

	answers = append(answers, answer(200, `{"data":{"run_id":"01JRUN"},"metadata":{"fetched_at":"2026-01-01T00:00:00Z"}}`))
	runID, err := c.SendSignal(ctx, "approve-1", map[string]any{"by": "ana"})
	require.NoError(t, err)
	require.Equal(t, "01JRUN", runID)
	require.JSONEq(t, `{"signal":"approve-1","data":{"by":"ana"}}`, bodies[0])
	require.Equal(t, "Bearer "+hashed, auths[0])

	answers = append(answers, answer(401, `{"error":"bad key"}`), answer(404, `{"error":"No signal found","status":404}`))
	runID, err = c.SendSignal(ctx, "approve-2", nil)
	require.NoError(t, err)
	require.Empty(t, runID)
	require.JSONEq(t, `{"signal":"approve-2","data":null}`, bodies[2])
	require.Equal(t, []string{"Bearer " + hashed, "Bearer " + hashedFallback}, auths[1:])

	answers = append(answers, answer(500, `{"error":"Failed to receive signal","status":500}`))
	_, err = c.SendSignal(ctx, "approve-3", 1)
	require.EqualError(t, err, `inngest: SendSignal("approve-3") failed with HTTP 500: Failed to receive signal`)

	answers = append(answers, answer(200, `{"ids":[]}`))
	_, err = c.SendSignal(ctx, "approve-4", 1)
	require.ErrorContains(t, err, `the server answered HTTP 200 without {"data": {"run_id": …}}`)
	require.Empty(t, answers)
}

func TestSendSignalMisuse(t *testing.T) {
	c, err := NewClient(ClientConfig{Dev: "0"})
	require.NoError(t, err)
	_, err = c.SendSignal(context.Background(), "s", nil)
	require.ErrorContains(t, err, "needs a signing key outside dev mode")
	_, err = c.SendSignal(context.Background(), "", nil)
	require.EqualError(t, err, "inngest: SendSignal needs a signal name")
	_, err = c.SendSignal(context.Background(), "s", func() {})
	require.ErrorContains(t, err, `inngest: SendSignal("s"): encoding data`)
	var zero *Client
	_, err = zero.SendSignal(context.Background(), "s", nil)
	require.True(t, strings.HasPrefix(err.Error(), "inngest: SendSignal needs a client made by inngest.NewClient"))
}
