package inngesttest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/app"
)

// DefaultWaitTimeout bounds, in wall time, each wait of an Env when
// EnvConfig.WaitTimeout is zero.
const DefaultWaitTimeout = 10 * time.Second

// Statuses that only integration mode reports (see also StatusCompleted
// and StatusFailed).
const (
	// StatusRunning: the run has not ended yet.
	StatusRunning = devserver.StatusRunning
	// StatusCancelled: the run was cancelled, by a cancelOn event or a
	// timeout.
	StatusCancelled = devserver.StatusCancelled
)

// EnvConfig configures NewEnv. The zero value is valid: time skipping on,
// the virtual clock starting at the current time.
type EnvConfig struct {
	// Start is the virtual clock's reading when the environment starts.
	// Default: the wall-clock time, truncated to the second.
	Start time.Time
	// NoTimeSkipping turns time skipping off: the virtual clock then moves
	// only through Env.Advance and Env.AdvanceTo, so a test can send an
	// event to a run while it sleeps or waits. Default: off (time skipping
	// is on), so that whenever every run waits on a timer the clock jumps
	// to it, and a seven-day sleep takes no wall time. Env.SetTimeSkipping
	// switches it during a test.
	NoTimeSkipping bool
	// WaitTimeout bounds each wait of the Env (WaitForEventRuns, WaitIdle, …) in
	// wall time; a wait that runs out fails the test with the timelines of
	// the runs involved. Default DefaultWaitTimeout.
	WaitTimeout time.Duration
	// Backoff returns the delay before retry number attempt (1 for the
	// first retry), on the virtual clock. Default: the orchestrator's
	// schedule (devserver.DefaultBackoff).
	Backoff func(attempt int) time.Duration
	// Logger receives the orchestrator's logs and those of clients made
	// by Env.NewClient that have no logger of their own. Default: logs
	// are discarded.
	Logger *slog.Logger
}

// Env is an integration environment: the embedded orchestrator
// (package devserver) on a virtual clock, hosting apps in process. Unlike
// Run, it plays every part of the orchestrator: triggers and their
// expressions, fan-out through sent events, invoke, waits matched by
// real events, cancelOn, batching, debounce, concurrency, throttling,
// timeouts and retries with backoff, all on virtual time.
//
// Create one with NewEnv; it is closed when the test ends. Its methods
// are safe for concurrent use and fail the test (they do not return
// errors) when something goes wrong.
type Env struct {
	tb      testing.TB
	srv     *devserver.Server
	clock   *devserver.VirtualClock
	sender  *inngest.Client
	timeout time.Duration
	logger  *slog.Logger

	mu       sync.Mutex
	unserved []*inngest.Client // made by NewClient, not yet served
	served   map[*inngest.Client]bool
}

// NewEnv starts an integration environment for the test t and closes it
// when the test ends (t.Cleanup), after every call in flight has
// returned, so that no goroutine outlives the test.
//
//	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
//	c := env.NewClient(inngest.ClientConfig{AppID: "shop"})
//	fn := newCheckout(c) // creates the function on c
//	env.Serve(c)
//	ids := env.Send(OrderPlaced.New(Order{ID: "o1"}))
//	run := env.WaitForEventRun(ids[0])
//	require.Equal(t, inngesttest.StatusCompleted, run.Status, run)
func NewEnv(t testing.TB, cfg EnvConfig) *Env {
	t.Helper()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	timeout := cfg.WaitTimeout
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	start := cfg.Start
	if start.IsZero() {
		start = time.Now().Truncate(time.Second)
	}
	clock := devserver.NewVirtualClock(start)
	srv, err := devserver.New(devserver.Config{
		NoListener:   true,
		Clock:        clock,
		TimeSkipping: !cfg.NoTimeSkipping,
		Backoff:      cfg.Backoff,
		Logger:       logger,
	})
	if err != nil {
		t.Fatalf("inngesttest.NewEnv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("inngesttest.NewEnv: %v", err)
	}
	e := &Env{tb: t, srv: srv, clock: clock, timeout: timeout, logger: logger, served: map[*inngest.Client]bool{}}
	t.Cleanup(e.close)
	sender, err := inngest.NewClient(e.wire(inngest.ClientConfig{AppID: "inngesttest"}))
	if err != nil {
		t.Fatalf("inngesttest.NewEnv: %v", err)
	}
	e.sender = sender
	return e
}

func (e *Env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	if err := e.srv.Close(ctx); err != nil {
		e.tb.Errorf("inngesttest: closing the environment: %v (a function call was still running)", err)
	}
}

// ctx returns a context bounded by the wait timeout.
func (e *Env) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), e.timeout)
}

// wire points a client configuration at the environment.
func (e *Env) wire(cfg inngest.ClientConfig) inngest.ClientConfig {
	cfg.Dev = e.srv.URL()
	cfg.APIOrigin = e.srv.URL()
	cfg.EventAPIOrigin = e.srv.URL()
	cfg.HTTPClient = e.srv.HTTPClient()
	if cfg.Logger == nil {
		cfg.Logger = e.logger
	}
	return cfg
}

// Server returns the embedded orchestrator, for what Env does not wrap
// (its HTTP API, Functions, WaitFor).
func (e *Env) Server() *devserver.Server { return e.srv }

// URL returns the orchestrator's origin, reachable only through
// HTTPClient: give both to a client built elsewhere
// (inngest.ClientConfig Dev, APIOrigin and EventAPIOrigin, and
// HTTPClient).
func (e *Env) URL() string { return e.srv.URL() }

// HTTPClient returns an *http.Client that reaches the orchestrator and
// the apps it hosts in process, without sockets.
func (e *Env) HTTPClient() *http.Client { return e.srv.HTTPClient() }

// NewClient returns a dev-mode client whose HTTP goes to the environment:
// its event sends reach the orchestrator, which triggers functions and
// matches waits with them. cfg is used as given except for Dev,
// APIOrigin, EventAPIOrigin and HTTPClient (replaced) and Logger (the
// environment's when nil). Invalid configuration fails the test.
//
// Create the app's functions on the client, then call Serve; Send serves
// any client made here that Serve has not served yet.
func (e *Env) NewClient(cfg inngest.ClientConfig) *inngest.Client {
	e.tb.Helper()
	c, err := inngest.NewClient(e.wire(cfg))
	if err != nil {
		e.tb.Fatalf("inngesttest: Env.NewClient: %v", err)
	}
	e.mu.Lock()
	e.unserved = append(e.unserved, c)
	e.mu.Unlock()
	return c
}

// Serve hosts the functions of client c on the orchestrator, in process,
// and syncs them, as serving the app's handler and syncing it would. Call
// it after creating the functions; calling it again syncs functions
// created since.
//
// c must send its events to the environment: make it with NewClient, or
// build it with Dev, APIOrigin and EventAPIOrigin set to URL() and
// HTTPClient set to HTTPClient(). A client wired elsewhere fails the test.
func (e *Env) Serve(c *inngest.Client) {
	e.tb.Helper()
	a, ok := app.Of(c)
	if !ok {
		e.tb.Fatalf("inngesttest: Env.Serve needs a client from inngest.NewClient or Env.NewClient")
	}
	cfg := a.Config
	if cfg.EventAPIOrigin != e.srv.URL() || cfg.HTTPClient == nil || cfg.HTTPClient.Transport != e.srv.HTTPClient().Transport {
		e.tb.Fatalf("inngesttest: client %q does not send to the environment (events go to %s): create it with env.NewClient, or set Dev, APIOrigin and EventAPIOrigin to env.URL() and HTTPClient to env.HTTPClient()",
			cfg.AppID, cfg.EventAPIOrigin)
	}
	appURL := "http://" + url.PathEscape(cfg.AppID) + ".inngesttest.invalid/api/inngest"
	ctx, cancel := e.ctx()
	defer cancel()
	if err := e.srv.AddApp(ctx, appURL, handler.New(c, handler.Config{})); err != nil {
		e.tb.Fatalf("inngesttest: serving app %q: %v", cfg.AppID, err)
	}
	e.mu.Lock()
	e.served[c] = true
	e.mu.Unlock()
}

// serveAll serves the clients made by NewClient that are not served yet.
func (e *Env) serveAll() {
	e.tb.Helper()
	e.mu.Lock()
	pending := e.unserved
	e.unserved = nil
	e.mu.Unlock()
	for _, c := range pending {
		e.mu.Lock()
		done := e.served[c]
		e.mu.Unlock()
		if !done {
			e.Serve(c)
		}
	}
}

// Send sends events to the orchestrator, as a client's Send would, and
// returns their IDs in order. Events sent in one call are accepted
// together: a batch of them meets the state the previous call left, and
// all of them can join one batch window. Before sending, Send serves any
// client made by NewClient that Serve has not served yet.
func (e *Env) Send(events ...inngest.Sendable) []string {
	e.tb.Helper()
	e.serveAll()
	ctx, cancel := e.ctx()
	defer cancel()
	ids, err := e.sender.Send(ctx, events...)
	if err != nil {
		e.tb.Fatalf("inngesttest: sending %d event(s): %v", len(events), err)
	}
	return ids
}

// Now returns the virtual time.
func (e *Env) Now() time.Time { return e.clock.Now() }

// SetTimeSkipping turns time skipping on or off during the test (see
// EnvConfig.NoTimeSkipping). Turn it off to send an event to a run while
// it sleeps or waits, then on again to let the runs finish.
func (e *Env) SetTimeSkipping(on bool) {
	e.tb.Helper()
	if err := e.srv.SetTimeSkipping(on); err != nil {
		e.tb.Fatalf("inngesttest: %v", err)
	}
}

// Advance moves the virtual clock forward by d, firing the sleeps, wait
// timeouts, retry delays and flow-control windows it passes, and waits
// until the orchestrator is idle again (see WaitIdle).
func (e *Env) Advance(d time.Duration) {
	e.tb.Helper()
	e.AdvanceTo(e.clock.Now().Add(d))
}

// AdvanceTo moves the virtual clock forward to t (a t in the past does
// nothing) and waits as Advance does.
func (e *Env) AdvanceTo(t time.Time) {
	e.tb.Helper()
	e.WaitIdle()
	e.clock.AdvanceTo(t)
	e.WaitIdle()
}

// WaitIdle waits until the orchestrator has nothing left to do now: no
// call in flight, nothing ready to run and, with time skipping on, no
// timer left to skip to. Every run has then ended or waits for an event
// (or, with time skipping off, for the clock). On timeout it fails the
// test with the timelines of the runs still running.
func (e *Env) WaitIdle() {
	e.tb.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	if err := e.srv.WaitIdle(ctx); err != nil {
		e.tb.Fatalf("inngesttest: the orchestrator did not settle within %s; runs still running:\n%s", e.timeout, e.describeRunning())
	}
}

// describeRunning renders the timelines of every run not yet ended.
func (e *Env) describeRunning() string {
	var b strings.Builder
	for _, fnID := range e.srv.Functions() {
		for _, r := range e.srv.FunctionRuns(fnID) {
			if !r.Status.Ended() {
				b.WriteString(indent(devserver.FormatTimeline(r)))
			}
		}
	}
	if b.Len() == 0 {
		return "  none\n"
	}
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

func describeRuns(runs []*devserver.Run) string {
	if len(runs) == 0 {
		return "  none\n"
	}
	var b strings.Builder
	for _, r := range runs {
		b.WriteString(indent(devserver.FormatTimeline(r)))
	}
	return b.String()
}

// WaitForEventRuns waits until the event eventID has started at least n runs and
// every one of them has ended, and returns them, oldest first. On timeout
// it fails the test with the timelines of the runs the event started.
func (e *Env) WaitForEventRuns(eventID string, n int) []*EnvRun {
	e.tb.Helper()
	ctx, cancel := e.ctx()
	defer cancel()
	runs, err := e.srv.WaitForEventRuns(ctx, eventID, n)
	if err != nil {
		runs = e.srv.Runs(eventID)
		e.tb.Fatalf("inngesttest: event %s started %d run(s) within %s, want %d ended; its runs:\n%s", eventID, len(runs), e.timeout, n, describeRuns(runs))
	}
	return envRuns(runs)
}

// WaitForEventRun waits until the event eventID has started exactly one run and
// that run has ended, and returns it.
func (e *Env) WaitForEventRun(eventID string) *EnvRun {
	e.tb.Helper()
	runs := e.WaitForEventRuns(eventID, 1)
	if len(runs) != 1 {
		raw := make([]*devserver.Run, len(runs))
		for i, r := range runs {
			raw[i] = r.raw
		}
		e.tb.Fatalf("inngesttest: event %s started %d runs, want 1 (use WaitForEventRuns):\n%s", eventID, len(runs), describeRuns(raw))
	}
	return runs[0]
}

// WaitForFunctionRuns waits until the function functionID (its full ID,
// Function.FullID) has exactly n runs and every one of them has ended,
// and returns them, oldest first: the way to wait for the runs of a
// fan-out, which start from events the function under test sent. On
// timeout it fails the test with the function's timelines.
func (e *Env) WaitForFunctionRuns(functionID string, n int) []*EnvRun {
	e.tb.Helper()
	e.knownFunction(functionID)
	ctx, cancel := e.ctx()
	defer cancel()
	runs, err := e.srv.WaitForFunctionRuns(ctx, functionID, n)
	if err != nil || len(runs) != n {
		runs = e.srv.FunctionRuns(functionID)
		e.tb.Fatalf("inngesttest: %s has %d run(s), want %d ended within %s; its runs:\n%s", functionID, len(runs), n, e.timeout, describeRuns(runs))
	}
	return envRuns(runs)
}

// Run returns a snapshot of the run runID, ended or not. An unknown run
// fails the test.
func (e *Env) Run(runID string) *EnvRun {
	e.tb.Helper()
	r := e.srv.Run(runID)
	if r == nil {
		e.tb.Fatalf("inngesttest: no run %s in the environment", runID)
	}
	return envRun(r)
}

// Runs returns snapshots of the runs the event eventID started so far,
// oldest first, without waiting.
func (e *Env) Runs(eventID string) []*EnvRun { return envRuns(e.srv.Runs(eventID)) }

// FunctionRuns returns snapshots of the runs of the function functionID
// (its full ID) so far, oldest first, without waiting.
func (e *Env) FunctionRuns(functionID string) []*EnvRun {
	e.tb.Helper()
	e.knownFunction(functionID)
	return envRuns(e.srv.FunctionRuns(functionID))
}

// knownFunction fails the test when no synced function has the ID, which
// is usually a function's own ID passed instead of its full ID.
func (e *Env) knownFunction(functionID string) {
	e.tb.Helper()
	fns := e.srv.Functions()
	for _, id := range fns {
		if id == functionID {
			return
		}
	}
	e.tb.Fatalf("inngesttest: no function %q is served; pass the full ID (Function.FullID, \"<app id>-<function id>\"); served: %q", functionID, fns)
}

// Timeline returns the run's timeline as a readable trace (see
// devserver.FormatTimeline). An unknown run fails the test.
func (e *Env) Timeline(runID string) string {
	e.tb.Helper()
	return e.Run(runID).String()
}
