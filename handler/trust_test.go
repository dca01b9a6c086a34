package handler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// goldenAnswer pins an answer's status, the named headers and its JSON body.
func goldenAnswer(t *testing.T, name string, res response, headers ...string) {
	t.Helper()
	hd := map[string]string{}
	for _, k := range headers {
		hd[k] = res.Header.Get(k)
	}
	b, err := json.Marshal(map[string]any{"status": res.Code, "headers": hd, "body": json.RawMessage(res.Body)})
	require.NoError(t, err)
	golden(t, name, b)
}

func TestTrustProbe(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	h := handler.New(cloudClient(t, testSigningKey, testFallbackKey), handler.Config{Now: func() time.Time { return now }})
	const target = "/api/inngest?probe=trust"
	body := []byte(`{}`)

	res := do(t, h, http.MethodPost, target, body, signed(body, testSigningKey, now))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.NoError(t, sign.Verify(res.Header.Get(wire.HeaderSignature), res.Body, now, testSigningKey),
		"the answer is signed over its exact bytes with the key that verified the probe")
	goldenAnswer(t, "trust_probe", res, wire.HeaderSignature, wire.HeaderContentType)

	res = do(t, h, http.MethodPost, target, body, signed(body, testFallbackKey, now))
	require.Equal(t, http.StatusOK, res.Code)
	require.NoError(t, sign.Verify(res.Header.Get(wire.HeaderSignature), res.Body, now, testFallbackKey), "signed with the fallback key that verified it")
	require.Error(t, sign.Verify(res.Header.Get(wire.HeaderSignature), res.Body, now, testSigningKey))

	for name, hdr := range map[string]map[string]string{
		"unsigned": nil,
		"forged":   signed(body, "signkey-test-deadbeef", now),
		"expired":  signed(body, testSigningKey, now.Add(-6*time.Minute)),
	} {
		res := do(t, h, http.MethodPost, target, body, hdr)
		require.Equal(t, http.StatusUnauthorized, res.Code, name)
		require.Empty(t, res.Header.Get(wire.HeaderSignature), name)
	}

	res = do(t, h, http.MethodPost, "/api/inngest?probe=health", body, signed(body, testSigningKey, now))
	require.Equal(t, http.StatusBadRequest, res.Code)
	require.Contains(t, string(res.Body), `unknown probe \"health\"`)
}

func TestTrustProbeDevMode(t *testing.T) {
	h := newHandler(devClient(t))
	res := do(t, h, http.MethodPost, "/api/inngest?probe=trust", nil, nil)
	require.Equal(t, http.StatusOK, res.Code)
	require.JSONEq(t, `{}`, string(res.Body))
	require.Empty(t, res.Header.Get(wire.HeaderSignature), "dev mode without a key signs nothing")
}

func TestTrustProbeIsNeverStreamed(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	h := handler.New(cloudClient(t, testSigningKey, ""), handler.Config{Streaming: true, Now: func() time.Time { return now }})
	res := do(t, h, http.MethodPost, "/api/inngest?probe=trust", nil, signed(nil, testSigningKey, now))
	require.Equal(t, http.StatusOK, res.Code)
	require.NoError(t, sign.Verify(res.Header.Get(wire.HeaderSignature), res.Body, now, testSigningKey))
}

func TestInBandSyncAnswerIsSigned(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	c := cloudClient(t, testSigningKey, testFallbackKey)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	h := handler.New(c, handler.Config{Now: func() time.Time { return now }})
	body := []byte(`{"url":"https://app.example.com/api/inngest"}`)
	for _, key := range []string{testSigningKey, testFallbackKey} {
		hdr := signed(body, key, now)
		hdr[wire.HeaderSyncKind] = wire.SyncKindInBand
		res := do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
		require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
		require.Equal(t, wire.SyncKindInBand, res.Header.Get(wire.HeaderSyncKind))
		require.NoError(t, sign.Verify(res.Header.Get(wire.HeaderSignature), res.Body, now, key),
			"the in-band answer is signed over its exact bytes with the key that verified the request")
		if key == testSigningKey {
			goldenAnswer(t, "in_band_sync", res, wire.HeaderSignature, wire.HeaderSyncKind)
		}
	}
}
