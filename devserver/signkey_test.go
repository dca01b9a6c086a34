package devserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/durablefn/inngest/internal/logbuf"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

const (
	keyHex = "4f6b20746869732069732061207465737420736967"
	// keyHashed is hex(SHA-256(hex-decoded keyHex)).
	keyHashed = "f52dc3fc190138d52670ef6dae4bdd7dd1cb23bacc21d38f8bd0a8a779bdd3fc"
)

// cloudApp serves, over HTTP, an app in cloud mode holding key, whose
// function cloud-fn (on "go") returns "signed" from a step, and syncs it.
func cloudApp(t *testing.T, srv *devserver.Server, key string) {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "cloud", SigningKey: key, Dev: "0",
		APIOrigin: srv.URL(), EventAPIOrigin: srv.URL(), EventKey: "k", Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			return step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "signed", nil })
		})
	require.NoError(t, err)
	ts := newHTTPServer(t, c)
	require.NoError(t, srv.SyncApp(ctxT(t), ts+"/api/inngest"))
	require.Contains(t, srv.Functions(), "cloud-fn")
}

// As on the real server, the signkey-<env>- prefix of a signing key plays
// no part: a server and an app holding the same hex under different
// prefixes (or none) sync, sign and verify each other's calls.
func TestSigningKeyPrefixPlaysNoPart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ server, app string }{
		{keyHex, "signkey-prod-" + keyHex},
		{"signkey-prod-" + keyHex, keyHex},
		{"signkey-test-" + keyHex, "signkey-prod-" + keyHex},
		{"signkey-prod-" + keyHex, "signkey-prod-" + keyHex},
	} {
		t.Run(tc.server+" and "+tc.app, func(t *testing.T) {
			t.Parallel()
			logs := &logbuf.Buffer{}
			srv := startServer(t, devserver.Config{SigningKey: tc.server, TimeSkipping: true,
				Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			cloudApp(t, srv, tc.app)
			r := oneRun(t, srv, send(t, srv, "go", nil))
			require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
			require.JSONEq(t, `"signed"`, string(r.Output))
			require.NotContains(t, logs.String(), keyHex)
			require.NotContains(t, logs.String(), keyHashed)
		})
	}
}

// With a signing key set, the runs and events API needs the bearer token,
// as `inngest start` does; the token is the hashed key or the key, with any
// prefix or none. No answer carries either key.
func TestRunsAPINeedsTheBearerToken(t *testing.T) {
	t.Parallel()
	logs := &logbuf.Buffer{}
	srv := startServer(t, devserver.Config{SigningKey: "signkey-prod-" + keyHex, TimeSkipping: true,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	cloudApp(t, srv, keyHex)
	id := send(t, srv, "go", nil)
	r := oneRun(t, srv, id)

	get := func(path, auth string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, srv.URL()+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NotContains(t, string(b), keyHex)
		require.NotContains(t, string(b), keyHashed)
		return resp.StatusCode, string(b)
	}
	paths := []string{"/v1/events/" + id + "/runs", "/v1/runs/" + r.ID, "/v0/runs/" + r.ID + "/batch", "/v0/runs/" + r.ID + "/actions"}
	for _, p := range paths {
		for _, bad := range []string{"", "Bearer ", "Bearer signkey-prod-" + strings.Repeat("0", 64), "Basic " + keyHashed, "Bearer nope"} {
			status, body := get(p, bad)
			require.Equal(t, http.StatusUnauthorized, status, "%s with %q: %s", p, bad, body)
		}
		for _, good := range []string{
			"Bearer signkey-prod-" + keyHashed, "Bearer signkey-test-" + keyHashed, "Bearer " + keyHashed,
			"bearer " + keyHashed, "Bearer " + keyHex, "Bearer signkey-prod-" + keyHex,
		} {
			status, body := get(p, good)
			require.Equal(t, http.StatusOK, status, "%s with %q: %s", p, good, body)
		}
	}
	// Liveness and the event API stay open: events have their own key.
	status, _ := get("/health", "")
	require.Equal(t, http.StatusOK, status)
	status, _ = postJSON(t, srv.URL()+"/e/k", `{"name":"go"}`)
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, logs.String(), keyHex)
	require.NotContains(t, logs.String(), keyHashed)
}

func TestSigningKeyMustBeHex(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"signkey-prod-xyz", "not hex", "signkey-prod-abc"} {
		_, err := devserver.New(devserver.Config{SigningKey: key})
		require.Error(t, err, key)
		require.NotContains(t, err.Error(), key)
	}
}
