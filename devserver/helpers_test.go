package devserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait in a test.
const testTimeout = 20 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startServer starts a server and closes it when the test ends.
func startServer(t *testing.T, cfg devserver.Config) *devserver.Server {
	t.Helper()
	srv, err := devserver.New(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, srv.Close(ctx))
	})
	return srv
}

// inProcApp builds an app whose client and handler talk to srv without
// sockets, lets define add functions, and syncs it.
func inProcApp(t *testing.T, srv *devserver.Server, appID string, define func(c *inngest.Client)) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: appID, Dev: srv.URL(), HTTPClient: srv.HTTPClient(), Logger: quietLogger()})
	require.NoError(t, err)
	define(c)
	require.NoError(t, srv.AddApp(ctxT(t), "http://"+appID+".local/api/inngest", handler.New(c, handler.Config{})))
	return c
}

// httpApp serves an app on a loopback socket and syncs it over HTTP.
func httpApp(t *testing.T, srv *devserver.Server, cfg inngest.ClientConfig, define func(c *inngest.Client)) *inngest.Client {
	t.Helper()
	cfg.Dev = srv.URL()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	c, err := inngest.NewClient(cfg)
	require.NoError(t, err)
	define(c)
	ts := httptest.NewServer(handler.New(c, handler.Config{}))
	t.Cleanup(ts.Close)
	require.NoError(t, srv.SyncApp(ctxT(t), ts.URL+"/api/inngest"))
	return c
}

// send sends one event and returns its ID.
func send(t *testing.T, srv *devserver.Server, name string, data map[string]any) string {
	t.Helper()
	ids, err := srv.SendEvent(ctxT(t), devserver.Event{Name: name, Data: data})
	require.NoError(t, err)
	return ids[0]
}

// oneRun waits for the single run an event starts to end.
func oneRun(t *testing.T, srv *devserver.Server, eventID string) *devserver.Run {
	t.Helper()
	runs, err := srv.WaitForEventRuns(ctxT(t), eventID, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	return runs[0]
}

// newHTTPServer serves c's handler on a loopback socket and returns its
// origin.
func newHTTPServer(t *testing.T, c *inngest.Client) string {
	ts := httptest.NewServer(handler.New(c, handler.Config{}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// getJSON GETs url, checks the status and decodes the body into v.
func getJSON(t *testing.T, url string, status int, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, status, resp.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, v), string(body))
}

// postJSON POSTs body to url and returns the status and decoded answer.
func postJSON(t *testing.T, url, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func handlerFor(c *inngest.Client) http.Handler { return handler.New(c, handler.Config{}) }

func newHTTPServerB(b *testing.B, c *inngest.Client) string {
	ts := httptest.NewServer(handler.New(c, handler.Config{}))
	b.Cleanup(ts.Close)
	return ts.URL
}

// gatedApp serves function "fn" (on "order/placed") whose step "a" blocks
// until release is closed and whose step "b" records that it ran, plus a
// "watch" function counting inngest/function.cancelled events. opts adds
// options such as CancelOn; OnFailure counts into failures.
type gatedApp struct {
	failures, cancelled atomic.Int32
	stepB               atomic.Bool
	release             chan struct{}
	started             chan struct{}
}

func newGatedApp(t *testing.T, srv *devserver.Server, opts inngest.FunctionOpts) *gatedApp {
	t.Helper()
	g := &gatedApp{release: make(chan struct{}), started: make(chan struct{}, 1)}
	opts.ID = "fn"
	opts.OnFailure = func(ctx context.Context, in inngest.FailureInput) error {
		g.failures.Add(1)
		return nil
	}
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, opts, inngest.OnEvent("order/placed"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				_, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) {
					g.started <- struct{}{}
					<-g.release
					return "a", nil
				})
				if err != nil {
					return "", err
				}
				_, err = step.Run(ctx, "b", func(ctx context.Context) (string, error) {
					g.stepB.Store(true)
					return "b", nil
				})
				return "done", err
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "watch"}, inngest.OnEvent("inngest/function.cancelled"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				g.cancelled.Add(1)
				return "", nil
			})
		require.NoError(t, err)
	})
	return g
}

// clientOn returns a client for app "app" whose calls go to srv in
// process.
func clientOn(t *testing.T, srv *devserver.Server) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL(), HTTPClient: srv.HTTPClient(), Logger: quietLogger()})
	require.NoError(t, err)
	return c
}

// interceptedApp serves c's functions on srv through a wrapper: edit sees
// each request and the body of the SDK's answer, and returns the body to
// send instead, as another SDK might write it, or acts on the side.
func interceptedApp(t *testing.T, srv *devserver.Server, c *inngest.Client, edit func(r *http.Request, body []byte) []byte) {
	t.Helper()
	h := handler.New(c, handler.Config{})
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := edit(r, rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	require.NoError(t, srv.AddApp(ctxT(t), "http://app.local/api/inngest", wrapped))
}
