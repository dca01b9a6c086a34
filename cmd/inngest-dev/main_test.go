package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/durablefn/inngest/internal/logbuf"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(crashChildEnv); ok {
		os.Exit(crashChild(args)) // this process is a server the crash test kills
	}
	goleak.VerifyTestMain(m)
}

func TestServesSyncsAndPrintsOutcomes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The app listens first; its dev server URL is known only once the
	// binary listens, so the client reads it lazily through a forwarder.
	var devURL string
	var mu sync.Mutex
	fwd := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		u := devURL
		mu.Unlock()
		r2 := r.Clone(r.Context())
		r2.URL.Host = strings.TrimPrefix(u, "http://")
		r2.Host = r2.URL.Host
		r2.RequestURI = ""
		return http.DefaultTransport.RoundTrip(r2)
	})}
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "cli", Dev: "http://placeholder:1", HTTPClient: fwd})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "hello"}, inngest.OnEvent("hi"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return step.Run(ctx, "greet", func(ctx context.Context) (string, error) { return "hello there", nil })
		})
	require.NoError(t, err)
	app := httptest.NewServer(handler.New(c, handler.Config{}))
	defer app.Close()

	out := &logbuf.Buffer{}
	ready := make(chan *devserver.Server, 1)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, []string{"--port", "0", "--log-level", "error", "--sdk-url", app.URL + "/api/inngest"}, out, out, ready)
	}()
	var srv *devserver.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v (%s)", err, out)
	}
	// The first sync attempt may fail (the URL was not known yet); the
	// binary keeps retrying until the app syncs.
	mu.Lock()
	devURL = srv.URL()
	mu.Unlock()
	require.NoError(t, srv.WaitFor(ctx, func() bool { return slices.Contains(srv.Functions(), "cli-hello") }))
	require.Contains(t, out.String(), "inngest-dev listening on http://127.0.0.1:")

	resp, err := http.Post(srv.URL()+"/e/anykey", "application/json", strings.NewReader(`{"name":"hi"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.NoError(t, srv.WaitFor(ctx, func() bool { return strings.Contains(out.String(), "cli-hello Completed") }))
	require.Contains(t, out.String(), `"hello there"`)
	stop()
	require.NoError(t, <-done)
}

func TestBadFlags(t *testing.T) {
	out := &logbuf.Buffer{}
	err := run(context.Background(), []string{"--log-level", "loud"}, out, out, nil)
	require.ErrorContains(t, err, "--log-level")
	err = run(context.Background(), []string{"--nope"}, out, out, nil)
	require.Error(t, err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
