package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

func cloudClient(t testing.TB, signingKey, fallback string) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{
		AppID: "app", Dev: "0", SigningKey: signingKey, SigningKeyFallback: fallback,
		EventKey: "evtkey-secret", Logger: discardLogger(),
	})
	require.NoError(t, err)
	return c
}

func TestCloudModeVerifiesEveryCall(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	c := cloudClient(t, testSigningKey, testFallbackKey)
	var reached atomic.Int32
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { reached.Add(1); return "ok", nil })
	require.NoError(t, err)
	h := handler.New(c, handler.Config{Now: func() time.Time { return now }})
	body := callBody(t, testEvent, nil, nil)
	target := "/api/inngest?fnId=app-fn&stepId=step"

	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"unsigned", nil, http.StatusUnauthorized},
		{"forged", signed(body, "signkey-test-deadbeef", now), http.StatusUnauthorized},
		{"expired", signed(body, testSigningKey, now.Add(-6*time.Minute)), http.StatusUnauthorized},
		{"future-dated", signed(body, testSigningKey, now.Add(6*time.Minute)), http.StatusUnauthorized},
		{"garbage header", map[string]string{wire.HeaderSignature: "t=x&s=y"}, http.StatusUnauthorized},
		{"signature of another body", signed([]byte(`{}`), testSigningKey, now), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, http.MethodPost, target, body, tt.header)
			require.Equal(t, tt.status, res.Code)
			require.NotContains(t, string(res.Body), testSigningKey)
		})
	}
	require.Zero(t, reached.Load(), "no unverified request may reach user code")

	res := do(t, h, http.MethodPost, target, body, signed(body, testSigningKey, now))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	res = do(t, h, http.MethodPost, target, body, signed(body, testFallbackKey, now.Add(-4*time.Minute)))
	require.Equal(t, http.StatusOK, res.Code, "the fallback key verifies too")
	require.EqualValues(t, 2, reached.Load())
}

func TestCloudModeWithoutSigningKey(t *testing.T) {
	c := cloudClient(t, "", "")
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	body := callBody(t, testEvent, nil, nil)
	res := do(t, handler.New(c, handler.Config{}), http.MethodPost, "/api/inngest?fnId=app-fn", body, signed(body, testSigningKey, time.Now()))
	require.Equal(t, http.StatusInternalServerError, res.Code)
	require.Contains(t, string(res.Body), "no signing key configured")
}

func TestDevModeAcceptsUnsigned(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	res := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusOK, res.Code)
}

// The real dev server's call requests carry no server kind; only a request
// that says it comes from another kind of server is worth a warning.
func TestDevModeWarnsOnlyAboutAnotherServerKind(t *testing.T) {
	var logs captureLogger
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", Logger: logs.Logger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	h := newHandler(c)
	body := callBody(t, testEvent, nil, nil)

	res := do(t, h, http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", body, nil)
	require.Equal(t, http.StatusOK, res.Code)
	res = post(t, h, "fn", "step", body)
	require.Equal(t, http.StatusOK, res.Code)
	require.NotContains(t, logs.String(), "not a dev server")

	for range 2 {
		res = do(t, h, http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", body, map[string]string{wire.HeaderServerKind: "cloud"})
		require.Equal(t, http.StatusOK, res.Code)
	}
	require.Equal(t, 1, strings.Count(logs.String(), "not a dev server"), "warned once: %s", logs.String())
}

func TestIntrospection(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	c := cloudClient(t, testSigningKey, testFallbackKey)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	h := handler.New(c, handler.Config{Now: func() time.Time { return now }})

	secrets := []string{testSigningKey, sign.StripPrefix(testSigningKey), testFallbackKey, "evtkey-secret"}
	noSecrets := func(t *testing.T, b []byte) {
		for _, s := range secrets {
			require.NotContains(t, string(b), s)
		}
	}

	res := do(t, h, http.MethodGet, "/api/inngest", nil, nil)
	require.Equal(t, http.StatusOK, res.Code)
	golden(t, "introspection_unauthenticated", res.Body)
	noSecrets(t, res.Body)

	res = do(t, h, http.MethodGet, "/api/inngest", nil, signed(nil, "signkey-test-00", now))
	var body map[string]any
	require.NoError(t, json.Unmarshal(res.Body, &body))
	require.Equal(t, false, body["authentication_succeeded"])
	require.NotContains(t, body, "signing_key_hash")

	res = do(t, h, http.MethodGet, "/api/inngest", nil, signed(nil, testSigningKey, now))
	golden(t, "introspection_authenticated", res.Body)
	noSecrets(t, res.Body)
	require.NoError(t, json.Unmarshal(res.Body, &body))
	require.Equal(t, true, body["authentication_succeeded"])
	hashed, _ := sign.HashedKey(testSigningKey)
	require.Equal(t, hashed, body["signing_key_hash"])
	require.Equal(t, "2024-05-24", body["schema_version"])
	require.Equal(t, "cloud", body["mode"])
}

func TestNoSecretsInErrors(t *testing.T) {
	// A send that fails at the network level must not leak the event key,
	// which travels in the URL.
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "0", EventKey: "evtkey-very-secret",
		EventAPIOrigin: "http://127.0.0.1:1", Logger: discardLogger()})
	require.NoError(t, err)
	_, err = c.SendWith(context.Background(), &inngest.SendOpts{MaxAttempts: 2, Backoff: time.Millisecond}, inngest.GenericEvent{Name: "a/b"})
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), "evtkey-very-secret"), err.Error())
}

func TestDevModeIntrospectionNeedsARealSignature(t *testing.T) {
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", SigningKey: testSigningKey, Logger: discardLogger()})
	require.NoError(t, err)
	h := handler.New(c, handler.Config{})
	res := do(t, h, http.MethodGet, "/api/inngest", nil, map[string]string{wire.HeaderSignature: "anything"})
	require.Equal(t, http.StatusOK, res.Code)
	require.NotContains(t, string(res.Body), "signing_key_hash")
	require.Contains(t, string(res.Body), `"authentication_succeeded":false`)

	res = do(t, h, http.MethodGet, "/api/inngest", nil, signed(nil, testSigningKey, time.Now()))
	require.Contains(t, string(res.Body), "signing_key_hash")
}

func TestBodyLongerOrShorterThanAnnounced(t *testing.T) {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	h := newHandler(c)
	body := callBody(t, testEvent, nil, nil)
	for _, announced := range []int64{int64(len(body)) / 2, int64(len(body)), 1 << 23} {
		req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn", bytes.NewReader(body))
		req.ContentLength = announced
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, "announced %d: %s", announced, rec.Body)
	}
}

func TestNonHexSigningKeyIsRefused(t *testing.T) {
	_, err := inngest.NewClient(inngest.ClientConfig{SigningKey: "signkey-prod-not-hex"})
	require.ErrorContains(t, err, "inngest: the signing key is not a signing key")
	require.NotContains(t, err.Error(), "not-hex", "the key itself is never echoed")
}

// A key that is only its prefix would sign with an empty HMAC key, which
// anyone can forge: it is a placeholder left unfilled, and refused.
func TestEmptySigningKeyAfterItsPrefixIsRefused(t *testing.T) {
	for _, key := range []string{"signkey-prod-", "signkey-branch-"} {
		_, err := inngest.NewClient(inngest.ClientConfig{SigningKey: key})
		require.ErrorContains(t, err, "inngest: the signing key is not a signing key", key)
		_, err = inngest.NewClient(inngest.ClientConfig{SigningKey: testSigningKey, SigningKeyFallback: key})
		require.ErrorContains(t, err, "inngest: the fallback signing key is not a signing key", key)
	}
}
