package devserver_test

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// The official SDKs put a call body into its canonical JSON form (RFC
// 8785) before checking its signature, as the real server signs that form.
// The server therefore sends the canonical bytes and signs exactly them, so
// an SDK verifying the raw body and one canonicalising it both agree.
func TestCallBodiesAreSignedInCanonicalForm(t *testing.T) {
	const key = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff"
	srv := startServer(t, devserver.Config{NoListener: true, SigningKey: key})
	var (
		mu     sync.Mutex
		bodies [][]byte
		sigs   []string
	)
	app := &rawApp{url: "http://raw.local/api/inngest", key: key}
	app.call = func(string, *wire.CallRequest) (int, any) { return 200, "ok" }
	capture := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies, sigs = append(bodies, b), append(sigs, r.Header.Get(wire.HeaderSignature))
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		app.ServeHTTP(w, r)
	})
	require.NoError(t, srv.AddApp(ctxT(t), app.url, capture))
	id := send(t, srv, "raw/go", map[string]any{"z": 1, "a": "<&> é", "n": 1.5, "big": 1e21})
	require.Equal(t, devserver.StatusCompleted, oneRun(t, srv, id).Status)

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, bodies)
	for i, b := range bodies {
		canonical, err := jcs.Transform(b)
		require.NoError(t, err)
		require.Equal(t, string(canonical), string(b), "the body sent is its canonical form")
		require.NoError(t, sign.Verify(sigs[i], canonical, time.Now(), key))
	}
}
