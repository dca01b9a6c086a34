package devserver_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
)

func TestProbeTrust(t *testing.T) {
	const key = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff"
	srv := startServer(t, devserver.Config{NoListener: true, SigningKey: key})
	// app serves an app in process; its sync fails when its key differs,
	// but it is routed all the same.
	app := func(t *testing.T, cfg inngest.ClientConfig) string {
		cfg.AppID, cfg.HTTPClient, cfg.Logger = "app", srv.HTTPClient(), quietLogger()
		if cfg.Dev == "" {
			cfg.Dev = "0"
		}
		c, err := inngest.NewClient(cfg)
		require.NoError(t, err)
		u := "http://" + t.Name() + ".local/api/inngest"
		_ = srv.AddApp(ctxT(t), u, handler.New(c, handler.Config{}))
		return u
	}
	t.Run("SameKey", func(t *testing.T) {
		u := app(t, inngest.ClientConfig{SigningKey: key, APIOrigin: srv.URL()})
		require.NoError(t, srv.ProbeTrust(ctxT(t), u))
	})
	t.Run("SameKeyAsFallback", func(t *testing.T) {
		u := app(t, inngest.ClientConfig{SigningKey: "signkey-test-aa", SigningKeyFallback: key, APIOrigin: srv.URL()})
		require.NoError(t, srv.ProbeTrust(ctxT(t), u))
	})
	t.Run("AnotherKey", func(t *testing.T) {
		u := app(t, inngest.ClientConfig{SigningKey: "signkey-test-aa", APIOrigin: srv.URL()})
		require.ErrorContains(t, srv.ProbeTrust(ctxT(t), u), "answered HTTP 401")
	})
	t.Run("DevModeAppWithoutKey", func(t *testing.T) {
		u := app(t, inngest.ClientConfig{Dev: srv.URL()})
		require.ErrorContains(t, srv.ProbeTrust(ctxT(t), u), "does not verify")
	})
	t.Run("NoKeyOnTheServer", func(t *testing.T) {
		plain := startServer(t, devserver.Config{NoListener: true})
		require.ErrorContains(t, plain.ProbeTrust(ctxT(t), "http://x.local/api/inngest"), "needs Config.SigningKey")
	})
}
