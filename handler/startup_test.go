package handler_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
)

// A handler built on a nil or zero Client does not panic: it logs the
// mistake once, answers every request 500 saying what to do, and Sync
// fails with the same advice.
func TestNewWithoutAClientFromNewClient(t *testing.T) {
	var logs captureLogger
	prev := slog.Default()
	slog.SetDefault(logs.Logger())
	t.Cleanup(func() { slog.SetDefault(prev) })

	var zero inngest.Client
	for name, c := range map[string]*inngest.Client{"Zero": &zero, "New": new(inngest.Client), "Nil": nil} {
		t.Run(name, func(t *testing.T) {
			before := strings.Count(logs.String(), "level=ERROR")
			var h *handler.Handler
			require.NotPanics(t, func() { h = handler.New(c, handler.Config{}) })
			require.Equal(t, before+1, strings.Count(logs.String(), "level=ERROR"), "New logs the mistake once")
			require.Contains(t, logs.String(), "inngest.NewClient")

			for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPost} {
				res := do(t, h, method, "/api/inngest?fnId=app-fn&stepId=step", []byte(`{}`), nil)
				require.Equal(t, http.StatusInternalServerError, res.Code, method)
				require.Contains(t, string(res.Body), "inngest.NewClient", method)
				require.Equal(t, "application/json", res.Header.Get("Content-Type"))
			}
			require.Equal(t, before+1, strings.Count(logs.String(), "level=ERROR"), "requests do not log it again")

			err := h.Sync(context.Background(), "https://app.example.com/api/inngest")
			require.ErrorContains(t, err, "inngest.NewClient")
			require.Regexp(t, `^inngest: `, err.Error())
			require.Equal(t, 1, strings.Count(err.Error(), "inngest:"), "prefixed once: %s", err)
		})
	}
}

// In cloud mode without a signing key every request from the server would
// be refused: New says so in the log, and Sync fails before calling out.
func TestCloudModeWithoutSigningKeyIsReportedAtStartUp(t *testing.T) {
	reg := &registry{}
	api := httptest.NewServer(reg)
	defer api.Close()
	var logs captureLogger
	c, err := inngest.NewClient(inngest.ClientConfig{
		AppID: "app", Dev: "0", EventKey: "evtkey-secret", APIOrigin: api.URL, Logger: logs.Logger(),
	})
	require.NoError(t, err)

	h := handler.New(c, handler.Config{})
	require.Equal(t, 1, strings.Count(logs.String(), "level=ERROR"), "New logs the missing key once: %s", logs.String())
	require.Contains(t, logs.String(), "INNGEST_SIGNING_KEY")
	require.NotContains(t, logs.String(), "evtkey-secret")

	err = h.Sync(context.Background(), "https://app.example.com/api/inngest")
	require.ErrorContains(t, err, "INNGEST_SIGNING_KEY")
	require.Regexp(t, `^inngest: `, err.Error())
	require.Equal(t, 1, strings.Count(err.Error(), "inngest:"), "prefixed once: %s", err)
	require.Zero(t, reg.count(), "no unauthenticated sync is sent")
}

// With a signing key, or in dev mode, New logs no error.
func TestNewLogsNothingWhenConfigured(t *testing.T) {
	for name, cfg := range map[string]inngest.ClientConfig{
		"Cloud":             {AppID: "app", Dev: "0", SigningKey: testSigningKey},
		"CloudFallbackOnly": {AppID: "app", Dev: "0", SigningKeyFallback: testFallbackKey},
		"Dev":               {AppID: "app", Dev: "1"},
	} {
		t.Run(name, func(t *testing.T) {
			var logs captureLogger
			cfg.Logger = logs.Logger()
			c, err := inngest.NewClient(cfg)
			require.NoError(t, err)
			_ = handler.New(c, handler.Config{})
			require.Empty(t, logs.String())
		})
	}
}
