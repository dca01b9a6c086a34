package ui_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/devserver/ui"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

// testTimeout bounds every wait of a test.
const testTimeout = 30 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// fixture is a server on a virtual clock that never skips, so a sleeping
// run stays asleep, with the demo app synced in process.
type fixture struct {
	srv *devserver.Server
	ui  http.Handler
}

// newFixture starts a server; cfg's Clock and UI are set here.
func newFixture(t testing.TB, cfg devserver.Config) *fixture {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = devserver.NewVirtualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	}
	cfg.UI = func(s *devserver.Server) http.Handler { return ui.New(s, nil) }
	srv, err := devserver.New(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, srv.Close(ctx))
	})
	return &fixture{srv: srv, ui: srv.Handler()}
}

// demoApp defines the functions the tests drive:
//
//	greet  (demo/hello)  one step, returns a greeting of data.name
//	nap    (demo/nap)    sleeps a day, then one step
//	order  (demo/order)  waits for demo/paid, then one step
//	broken (demo/broken) a step that fails without retries
func demoApp(t testing.TB, srv *devserver.Server) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "demo", Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	must := func(_ any, err error) { require.NoError(t, err) }
	must(inngest.CreateFunction(c, inngest.FunctionOpts{ID: "greet", Name: "Greet"}, inngest.OnEvent("demo/hello"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return step.Run(ctx, "compose", func(ctx context.Context) (string, error) {
				return fmt.Sprintf("hello, %v", in.Event.Data["name"]), nil
			})
		}))
	must(inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nap"}, inngest.OnEvent("demo/nap"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			if err := step.Sleep(ctx, "nap", 24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "wake", func(ctx context.Context) (string, error) { return "awake", nil })
		}))
	must(inngest.CreateFunction(c, inngest.FunctionOpts{ID: "order"}, inngest.OnEvent("demo/order"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			paid, err := step.WaitForEvent(ctx, "payment", inngest.EventType[map[string]any]("demo/paid"), step.WaitOpts{Timeout: 7 * 24 * time.Hour})
			if err != nil || paid == nil {
				return "unpaid", err
			}
			return step.Run(ctx, "ship", func(ctx context.Context) (string, error) { return "shipped", nil })
		}))
	must(inngest.CreateFunction(c, inngest.FunctionOpts{ID: "broken", Retries: inngest.Ptr(0)}, inngest.OnEvent("demo/broken"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			return step.Run(ctx, "explode", func(ctx context.Context) (string, error) {
				return "", errors.New("the flux capacitor broke")
			})
		}))
	require.NoError(t, srv.AddApp(ctxT(t), "http://demo.local/api/inngest", handler.New(c, handler.Config{})))
	return c
}

// send sends one event and returns its internal ID.
func send(t testing.TB, srv *devserver.Server, name string, data map[string]any) string {
	t.Helper()
	ids, err := srv.SendEvent(ctxT(t), devserver.Event{Name: name, Data: data})
	require.NoError(t, err)
	return ids[0]
}

// runOf waits until the event started a run and returns it.
func runOf(t testing.TB, srv *devserver.Server, eventID string) *devserver.Run {
	t.Helper()
	var r *devserver.Run
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(eventID)
		if len(runs) > 0 {
			r = runs[0]
		}
		return r != nil
	}))
	return r
}

// ended waits until the event's run ended.
func ended(t testing.TB, srv *devserver.Server, eventID string) *devserver.Run {
	t.Helper()
	runs, err := srv.WaitForEventRuns(ctxT(t), eventID, 1)
	require.NoError(t, err)
	return runs[0]
}

// sleeping waits until the run sleeps.
func sleeping(t testing.TB, srv *devserver.Server, runID string) {
	t.Helper()
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		r := srv.Run(runID)
		for _, e := range r.Timeline {
			if e.Kind == devserver.TimelineSleep {
				return true
			}
		}
		return false
	}))
}

// get serves a GET and returns the response and its body.
func (f *fixture) get(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	return f.do(t, httptest.NewRequest(http.MethodGet, path, nil))
}

// post serves a form POST.
func (f *fixture) post(t testing.TB, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(t, req)
}

func (f *fixture) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	f.ui.ServeHTTP(w, req)
	resp := w.Result()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// requirePage checks what every page answers.
func requirePage(t testing.TB, resp *http.Response, status int) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
}
