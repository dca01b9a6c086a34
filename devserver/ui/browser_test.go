package ui_test

import (
	"context"
	"flag"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive headless Chromium: Debian's chromium package
// (apt-get install -y chromium), or the binary named by $CHROMIUM. One
// browser and one tab serve every test of the binary, one after another:
// a new tab costs seconds on a busy machine.

// browserTimeout bounds each browser test: generous, since two cores
// are shared with the rest of the test run.
const browserTimeout = 90 * time.Second

var screenshots = flag.Bool("screenshots", false, "write the UI's screenshots to docs/ (browser tests)")

var browser struct {
	once        sync.Once
	ctx         context.Context
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
	dir         string
	err         error
}

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// tab returns the browser's tab, reset, for the test, starting the
// browser on first use.
func tab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("browser tests need Chromium at %s: apt-get install -y chromium (or set $CHROMIUM)", path)
	}
	browser.once.Do(func() { startBrowser(path) })
	if browser.err != nil {
		t.Fatalf("starting Chromium: %v", browser.err)
	}
	ctx, cancel := context.WithTimeout(browser.ctx, browserTimeout)
	t.Cleanup(cancel)
	if err := chromedp.Run(ctx, chromedp.EmulateReset(), chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("resetting the tab: %v", err)
	}
	return ctx
}

func startBrowser(path string) {
	browser.dir, browser.err = os.MkdirTemp("", "ui-chromium-")
	if browser.err != nil {
		return
	}
	// These flags keep Chromium off the network it would otherwise call
	// home on, which a closed network answers by refusing connections.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(browser.dir), chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	browser.ctx, browser.cancel, browser.cancelAlloc = ctx, cancel, cancelAlloc
	// Not under a timeout: the context of the first Run owns the browser.
	browser.err = chromedp.Run(ctx)
}

// stopBrowser ends the browser, once every test has run.
func stopBrowser() {
	if browser.cancel != nil {
		browser.cancel()
		browser.cancelAlloc()
	}
	if browser.dir != "" {
		_ = os.RemoveAll(browser.dir)
	}
}

func exit(code int) { os.Exit(code) }
