package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		main() // this process is the service TestSecondSignalEndsTheService stops
		return
	}
	goleak.VerifyTestMain(m)
}

// TestServeSyncAndShutdown runs the service as main does, in dev mode
// against a stand-in dev server: it syncs its function with the URL it
// was given, answers introspection at /api/inngest, and returns nil once
// its context ends.
func TestServeSyncAndShutdown(t *testing.T) {
	synced := make(chan map[string]any, 1)
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/fn/register" {
			http.NotFound(w, r)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err == nil {
			synced <- body
		}
		_, _ = io.WriteString(w, `{"ok":true,"modified":true}`)
	}))
	defer dev.Close()
	t.Setenv("INNGEST_DEV", dev.URL)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	appURL := "http://" + ln.Addr().String() + "/api/inngest"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, appURL, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	select {
	case body := <-synced:
		require.Equal(t, appURL, body["url"])
		require.Equal(t, "shop", body["appName"])
		fns, ok := body["functions"].([]any)
		require.True(t, ok, "functions: %v", body["functions"])
		require.Len(t, fns, 1)
		require.Equal(t, "shop-fulfil-order", fns[0].(map[string]any)["id"])
	case err := <-done:
		t.Fatalf("run returned before syncing: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no sync within 10s")
	}

	resp, err := http.Get(appURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var intro struct {
		FunctionCount int    `json:"function_count"`
		Mode          string `json:"mode"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&intro))
	require.Equal(t, 1, intro.FunctionCount)
	require.Equal(t, "dev", intro.Mode)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of its context ending")
	}
	_, err = http.Get(appURL)
	require.Error(t, err, "the listener is closed after shutdown")
}
