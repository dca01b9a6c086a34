package ui_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

// tripApp is a saga: book a flight and a hotel, hold them, charge the
// card; when the charge fails for good, undo the bookings in reverse.
func tripApp(t *testing.T, srv *devserver.Server) {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "travel", Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "book-trip", Name: "Book a trip", Retries: inngest.Ptr(2)},
		inngest.OnEvent("trip/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			flight, err := step.Run(ctx, "reserve-flight", func(ctx context.Context) (string, error) { return "FL-1024", nil })
			if err != nil {
				return "", err
			}
			hotel, err := step.Run(ctx, "reserve-hotel", func(ctx context.Context) (string, error) { return "HT-2048", nil })
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "hold-bookings", 10*time.Minute); err != nil {
				return "", err
			}
			_, charge := step.Run(ctx, "charge-card", func(ctx context.Context) (string, error) {
				return "", errors.New("card declined")
			})
			if charge == nil {
				return "booked", nil
			}
			if _, err := step.Run(ctx, "cancel-hotel", func(ctx context.Context) (string, error) { return "released " + hotel, nil }); err != nil {
				return "", err
			}
			if _, err := step.Run(ctx, "cancel-flight", func(ctx context.Context) (string, error) { return "released " + flight, nil }); err != nil {
				return "", err
			}
			return "rolled back: " + charge.Error(), nil
		})
	require.NoError(t, err)
	require.NoError(t, srv.AddApp(ctxT(t), "http://travel.local/api/inngest", handler.New(c, handler.Config{})))
}

// TestBrowserSagaTimeline shows a saga's run: retries of the failing
// charge on virtual time, then the compensations. With -screenshots it
// writes docs/ui-runs.png and docs/ui-run-timeline.png.
func TestBrowserSagaTimeline(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t, devserver.Config{TimeSkipping: true})
	demoApp(t, f.srv)
	tripApp(t, f.srv)
	ended(t, f.srv, send(t, f.srv, "demo/hello", map[string]any{"name": "Ada"}))
	ended(t, f.srv, send(t, f.srv, "demo/broken", nil))
	saga := ended(t, f.srv, send(t, f.srv, "trip/requested", map[string]any{"traveller": "Grace", "to": "Lisbon"}))
	require.JSONEq(t, `"rolled back: step \"charge-card\" failed: card declined"`, string(saga.Output))
	// Without time skipping, new runs stay where they wait.
	require.NoError(t, f.srv.SetTimeSkipping(false))
	napping := runOf(t, f.srv, send(t, f.srv, "demo/nap", nil))
	sleeping(t, f.srv, napping.ID)
	cancelled := runOf(t, f.srv, send(t, f.srv, "demo/nap", nil))
	sleeping(t, f.srv, cancelled.ID)
	require.NoError(t, f.srv.CancelRun(ctxT(t), cancelled.ID))
	runOf(t, f.srv, send(t, f.srv, "demo/order", nil))

	var runsPNG, sagaPNG []byte
	require.NoError(t, chromedp.Run(ctx,
		chromedp.EmulateViewport(1100, 640),
		chromedp.Navigate(f.srv.URL()+"/runs"),
		chromedp.WaitVisible(`tr[data-run="`+saga.ID+`"]`, chromedp.ByQuery),
		chromedp.WaitReady(`html[data-refreshed]`, chromedp.ByQuery),
		chromedp.FullScreenshot(&runsPNG, 100),
		chromedp.Navigate(f.srv.URL()+"/runs/"+saga.ID),
		chromedp.WaitReady(`html[data-refreshed]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-kind="retry"][data-label="charge-card"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-kind="failed"][data-label="charge-card"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-kind="sleep"][data-label="hold-bookings"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-kind="step"][data-label="cancel-flight"]`, chromedp.ByQuery),
		chromedp.Click(`li[data-kind="failed"][data-label="charge-card"] summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-kind="failed"][data-label="charge-card"] .more`, chromedp.ByQuery),
		chromedp.FullScreenshot(&sagaPNG, 100),
	))
	var retries int
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll('li[data-kind="retry"]').length`, &retries)))
	require.Equal(t, 2, retries, "two failed attempts before the last")
	if *screenshots {
		for name, png := range map[string][]byte{"ui-runs.png": runsPNG, "ui-run-timeline.png": sagaPNG} {
			require.NoError(t, os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644))
		}
	}
}
