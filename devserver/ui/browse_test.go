package ui_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

// TestBrowserSendAnEventAndFollowItsRun sends an event through the form,
// watches its run appear and complete on the live runs list, and opens
// its timeline.
func TestBrowserSendAnEventAndFollowItsRun(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t, devserver.Config{})
	demoApp(t, f.srv)
	base := f.srv.URL()

	var sent string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(base+"/events"),
		chromedp.WaitVisible(`#event`, chromedp.ByID),
		chromedp.SetValue(`#event`, `{"name": "demo/order", "data": {"id": "o-1"}}`, chromedp.ByID),
		chromedp.Click(`#send`, chromedp.ByID),
		chromedp.WaitVisible(`#sent`, chromedp.ByID),
		chromedp.Text(`#sent`, &sent, chromedp.ByID),
		// The run is listed under its event.
		chromedp.WaitVisible(`li[data-name="demo/order"] .badge.running`, chromedp.ByQuery),
	))
	require.Contains(t, sent, "Sent 1 event:")

	// The runs list shows the run waiting, then, live, completed.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(base+"/runs"),
		chromedp.WaitVisible(`tr[data-function="demo-order"][data-status="Running"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#live`, chromedp.ByID),
	))
	send(t, f.srv, "demo/paid", nil)
	require.NoError(t, chromedp.Run(ctx,
		chromedp.WaitVisible(`tr[data-function="demo-order"][data-status="Completed"]`, chromedp.ByQuery),
	))

	// Its timeline: the wait, opened, shows the event that ended it.
	var waited, shipped string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`tr[data-function="demo-order"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#waterfall`, chromedp.ByID),
		chromedp.WaitVisible(`.badge.completed#run-status`, chromedp.ByQuery),
		chromedp.Click(`li[data-kind="wait"][data-label="payment"] summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-kind="wait"][data-label="payment"] pre.output`, chromedp.ByQuery),
		chromedp.Text(`li[data-kind="wait"][data-label="payment"] pre.output`, &waited, chromedp.ByQuery),
		chromedp.Text(`#run-output`, &shipped, chromedp.ByID),
	))
	require.Contains(t, waited, `"name": "demo/paid"`)
	require.Equal(t, `"shipped"`, shipped)
}

// TestBrowserCancelASleepingRun cancels, with its button, a run that
// sleeps on a clock that does not move.
func TestBrowserCancelASleepingRun(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t, devserver.Config{})
	demoApp(t, f.srv)
	r := runOf(t, f.srv, send(t, f.srv, "demo/nap", nil))
	sleeping(t, f.srv, r.ID)

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(f.srv.URL()+"/runs/"+r.ID),
		chromedp.WaitVisible(`li.k-sleep.ongoing[data-label="nap"]`, chromedp.ByQuery),
		// The stream's first message refreshes the page once; click after.
		chromedp.WaitReady(`html[data-refreshed]`, chromedp.ByQuery),
		chromedp.Click(`#cancel`, chromedp.ByID),
		chromedp.WaitVisible(`.badge.cancelled#run-status`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#cancel`, chromedp.ByID),
	))
	require.Equal(t, devserver.StatusCancelled, f.srv.Run(r.ID).Status)
}

// TestBrowserRunsNoScriptFromEventData sends event data that would run a
// script if it were not escaped, and checks it ran nowhere.
func TestBrowserRunsNoScriptFromEventData(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t, devserver.Config{})
	demoApp(t, f.srv)
	r := ended(t, f.srv, send(t, f.srv, "demo/hello", map[string]any{"name": `<img src=x onerror="window.pwned=1">`}))

	var pwned bool
	for _, path := range []string{"/events", "/runs/" + r.ID} {
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(f.srv.URL()+path),
			chromedp.WaitVisible(`#main`, chromedp.ByID),
			chromedp.Evaluate(`window.pwned === 1 || document.querySelector('main img') !== null`, &pwned),
		))
		require.False(t, pwned, path)
	}
}

// TestBrowserNarrowScreenAndKeyboard checks that pages fit a phone's
// width and that the keyboard reaches the content first.
func TestBrowserNarrowScreenAndKeyboard(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t, devserver.Config{})
	demoApp(t, f.srv)
	r := ended(t, f.srv, send(t, f.srv, "demo/hello", map[string]any{"name": "Ada"}))

	require.NoError(t, chromedp.Run(ctx, chromedp.EmulateViewport(360, 740)))
	for _, path := range []string{"/runs", "/runs/" + r.ID, "/events", "/apps"} {
		var fits bool
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(f.srv.URL()+path),
			chromedp.WaitVisible(`#main`, chromedp.ByID),
			chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits),
		))
		require.True(t, fits, "%s scrolls sideways at 360px", path)
	}

	var focused string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(f.srv.URL()+"/runs/"+r.ID),
		chromedp.WaitVisible(`#waterfall`, chromedp.ByID),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`document.activeElement.className`, &focused),
	))
	require.Equal(t, "skip", focused, "the first Tab reaches the skip link")
	var open bool
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Focus(`#row-1 summary`, chromedp.ByQuery),
		chromedp.KeyEvent("\r"),
		chromedp.Evaluate(`document.getElementById('row-1').open`, &open),
	))
	require.True(t, open, "Enter on a row opens it")
}
