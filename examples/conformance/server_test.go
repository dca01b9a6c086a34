package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/handler"
)

// The scenarios against a running Inngest dev server, the functions
// served by a Connect worker through its gateway. Opt-in, since it needs
// that server: CONFORMANCE_SERVER=http://127.0.0.1:8288 (the dev server's
// function-level retries back off for over a minute, so allow minutes).
func TestFixtureOverConnectOnServer(t *testing.T) {
	client := serverClient(t, AppID, register)
	w, err := connect.New(client, &connect.Config{InstanceID: "conformance-connect"})
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		require.NoError(t, <-done)
	})
	rctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, w.Ready(rctx))
	scenarios(t, &demo.Env{Client: client, Out: io.Discard})
}

// The same scenarios against the same server, the functions served over
// HTTP on a local port that the test syncs: the baseline Connect is held to.
func TestFixtureOverHTTPOnServer(t *testing.T) {
	client := serverClient(t, AppID+"-http", register)
	serveHTTP(t, client, handler.Config{}, nil)
	scenarios(t, &demo.Env{Client: client, Out: io.Discard})
}

// serverClient returns a client of the dev server named by
// CONFORMANCE_SERVER, holding the functions register creates, and skips
// the test when the variable is unset.
func serverClient(t *testing.T, appID string, register func(*inngest.Client) error) *inngest.Client {
	t.Helper()
	origin := os.Getenv("CONFORMANCE_SERVER")
	if origin == "" {
		t.Skip("set CONFORMANCE_SERVER to a dev server's URL to run")
	}
	t.Setenv("INNGEST_DEV", origin)
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: appID, Dev: origin,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, register(client))
	return client
}

// serveHTTP serves the client's functions over HTTP on a local port,
// through wrap when it is set, and syncs them with the server.
func serveHTTP(t *testing.T, client *inngest.Client, cfg handler.Config, wrap func(http.Handler) http.Handler) {
	t.Helper()
	h := handler.New(client, cfg)
	var served http.Handler = h
	if wrap != nil {
		served = wrap(h)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	require.NoError(t, h.Sync(t.Context(), srv.URL+"/api/inngest"))
}
