package handler_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/wire"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestHandlerEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		cfg  handler.Config
		want handler.Config
	}{
		{"defaults", nil, handler.Config{}, handler.Config{}},
		{"streaming", map[string]string{"INNGEST_STREAMING": "true"}, handler.Config{}, handler.Config{Streaming: true}},
		{"streaming 1", map[string]string{"INNGEST_STREAMING": "1"}, handler.Config{}, handler.Config{Streaming: true}},
		{"streaming force, as inngest-js still reads it", map[string]string{"INNGEST_STREAMING": "force"}, handler.Config{}, handler.Config{Streaming: true}},
		{"streaming false", map[string]string{"INNGEST_STREAMING": "false"}, handler.Config{}, handler.Config{}},
		{"streaming malformed", map[string]string{"INNGEST_STREAMING": "sometimes"}, handler.Config{}, handler.Config{}},
		{"config wins", map[string]string{"INNGEST_STREAMING": "false", "INNGEST_ALLOW_IN_BAND_SYNC": "true"}, handler.Config{Streaming: true, DisableInBandSync: true}, handler.Config{Streaming: true, DisableInBandSync: true}},
		{"in-band refused", map[string]string{"INNGEST_ALLOW_IN_BAND_SYNC": "false"}, handler.Config{}, handler.Config{DisableInBandSync: true}},
		{"in-band allowed", map[string]string{"INNGEST_ALLOW_IN_BAND_SYNC": "1"}, handler.Config{}, handler.Config{}},
		{"unauthed sync", map[string]string{"INNGEST_ENABLE_UNAUTHED_SYNC": "true"}, handler.Config{}, handler.Config{EnableUnauthedSync: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			got := handler.Settings(handler.NewWithEnv(devClient(t), cfg, envOf(tt.env)))
			require.Equal(t, tt.want.Streaming, got.Streaming)
			require.Equal(t, tt.want.DisableInBandSync, got.DisableInBandSync)
			require.Equal(t, tt.want.EnableUnauthedSync, got.EnableUnauthedSync)
			require.Equal(t, handler.DefaultKeepAliveInterval, got.KeepAliveInterval)
		})
	}
}

func TestAllowInBandSyncFalse(t *testing.T) {
	h, reg, now := syncFixtureEnv(t, false, 0, "", envOf(map[string]string{"INNGEST_ALLOW_IN_BAND_SYNC": "false"}))
	body := []byte(`{"url":"https://app.example.com/api/inngest"}`)
	hdr := signed(body, testSigningKey, now)
	hdr[wire.HeaderSyncKind] = wire.SyncKindInBand
	res := do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.Empty(t, res.Header.Get(wire.HeaderSyncKind))
	require.Equal(t, 1, reg.count(), "the app syncs out-of-band although the server asked for in-band")
}

func TestEnableUnauthedSync(t *testing.T) {
	h, reg, _ := syncFixtureEnv(t, false, 0, "", envOf(map[string]string{"INNGEST_ENABLE_UNAUTHED_SYNC": "true"}))
	body := []byte(`{"url":"https://elsewhere.example/api/inngest"}`)
	res := do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, nil)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.Equal(t, 1, reg.count(), "an unsigned PUT syncs out-of-band")
	require.Contains(t, string(reg.bodies[0]), `"url":"https://app.example.com/api/inngest"`, "the unverified body's URL is not trusted")
	require.NotContains(t, string(reg.bodies[0]), "elsewhere")

	// In-band still needs a verified signature: unsigned, it is out-of-band.
	res = do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, map[string]string{wire.HeaderSyncKind: wire.SyncKindInBand})
	require.Equal(t, http.StatusOK, res.Code)
	require.Empty(t, res.Header.Get(wire.HeaderSyncKind))
	require.Equal(t, 2, reg.count())

	// Calls are verified as ever.
	res = do(t, h, http.MethodPost, "/api/inngest?fnId=app-fn", body, nil)
	require.Equal(t, http.StatusUnauthorized, res.Code)
}
