package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/logbuf"
)

// startBinary runs the binary with args until the test ends.
func startBinary(t *testing.T, args ...string) (*devserver.Server, *logbuf.Buffer) {
	t.Helper()
	out := &logbuf.Buffer{}
	ready := make(chan *devserver.Server, 1)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--port", "0", "--log-level", "error"}, args...), out, out, ready)
	}()
	var srv *devserver.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v (%s)", err, out)
	}
	t.Cleanup(func() {
		stop()
		require.NoError(t, <-done)
	})
	return srv, out
}

func getPage(t *testing.T, url string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestServesTheUIAtTheRoot(t *testing.T) {
	srv, out := startBinary(t)
	require.Contains(t, out.String(), "UI at "+srv.URL()+"/")
	status, ctype, body := getPage(t, srv.URL()+"/")
	require.Equal(t, http.StatusOK, status, "redirected to /runs")
	require.Equal(t, "text/html; charset=utf-8", ctype)
	require.Contains(t, body, "<h1>Runs</h1>")
	status, ctype, _ = getPage(t, srv.URL()+"/health")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "application/json", ctype, "the API keeps its paths")
}

func TestNoUIWithASigningKeyUnlessAsked(t *testing.T) {
	const key = "signkey-test-0123456789abcdef0123456789abcdef"
	srv, out := startBinary(t, "--signing-key", key)
	require.NotContains(t, out.String(), "UI at")
	status, ctype, _ := getPage(t, srv.URL()+"/runs")
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "application/json", ctype)

	srv, _ = startBinary(t, "--signing-key", key, "--ui")
	status, _, body := getPage(t, srv.URL()+"/runs")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, "0123456789abcdef")
}
