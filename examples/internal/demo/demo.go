// Package demo runs the examples in one of two modes:
//
//   - Embedded (no INNGEST_DEV, no keys): an in-process orchestrator with
//     time skipping hosts the app, the example's scenario sends its events,
//     each run's timeline is printed, and the program exits (non-zero if a
//     run ended wrongly).
//   - Served (INNGEST_DEV=<url>, or INNGEST_SIGNING_KEY for Inngest Cloud or
//     a self-hosted server): the app is served at 127.0.0.1:$PORT/api/inngest
//     (PORT defaults to 3000), synced with that server, and the scenario's
//     events are sent to it; the program serves until interrupted.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
)

// Env is what an example's scenario works with.
type Env struct {
	// Client sends events and holds the example's functions.
	Client *inngest.Client
	// Server is the embedded orchestrator, nil when served.
	Server *devserver.Server
	// Out receives the example's printed output.
	Out io.Writer

	mu   sync.Mutex
	runs []Run
}

// Runs returns the ended runs the scenario waited for, in the order it
// first saw them.
func (e *Env) Runs() []Run {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Run(nil), e.runs...)
}

func (e *Env) record(runs []Run) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range runs {
		if !slices.ContainsFunc(e.runs, func(o Run) bool { return o.ID == r.ID }) {
			e.runs = append(e.runs, r)
		}
	}
}

// Embedded reports whether the example runs on the embedded orchestrator.
func (e *Env) Embedded() bool { return e.Server != nil }

// Run is a finished run, as the example sees it.
type Run struct {
	ID         string
	FunctionID string
	Status     string
	Output     json.RawMessage
	Timeline   string
	// Duration is the run's length on the orchestrator's clock (virtual
	// when embedded); zero when unknown.
	Duration time.Duration

	ended bool // served mode: the server set ended_at
}

// Send sends events with the client and returns their IDs.
func (e *Env) Send(ctx context.Context, events ...inngest.Sendable) ([]string, error) {
	return e.Client.Send(ctx, events...)
}

// WaitForEventRuns waits until the event started n runs and all of them ended.
func (e *Env) WaitForEventRuns(ctx context.Context, eventID string, n int) ([]Run, error) {
	if e.Server == nil {
		return e.WaitRunsOf(ctx, []string{eventID}, n)
	}
	runs, err := e.Server.WaitForEventRuns(ctx, eventID, n)
	if err != nil {
		return nil, err
	}
	out := make([]Run, len(runs))
	for i, r := range runs {
		out[i] = fromServer(r)
	}
	e.record(out)
	return out, nil
}

// WaitRunsOf waits until the events together started n distinct runs and
// all of them ended, and returns them in the order their events were
// given. It suits batches: on the real server a batch run is found only
// through the batch's last event, and which event that is depends on the
// order the server took them in.
func (e *Env) WaitRunsOf(ctx context.Context, eventIDs []string, n int) ([]Run, error) {
	out, err := e.poll(ctx, eventIDs, n, true)
	if err != nil {
		return nil, err
	}
	e.record(out)
	return out, nil
}

// poll reads the runs the events started until there are n distinct ones,
// all ended if ended is set. A failed read (a real server restarting) is
// tried again until ctx ends.
func (e *Env) poll(ctx context.Context, eventIDs []string, n int, ended bool) ([]Run, error) {
	for {
		out, done, err := e.runsOf(ctx, eventIDs)
		if err == nil && len(out) >= n && (done || !ended) {
			return out, nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, fmt.Errorf("%w (last read: %w)", ctx.Err(), err)
			}
			return nil, fmt.Errorf("%d of %d runs ended: %w", len(out), n, ctx.Err())
		case <-time.After(e.pollEvery()):
		}
	}
}

// runsOf returns the distinct runs the events started so far, and whether
// all of them ended.
func (e *Env) runsOf(ctx context.Context, eventIDs []string) (out []Run, ended bool, err error) {
	ended = true
	for _, id := range eventIDs {
		var runs []Run
		if e.Server == nil {
			runs, err = fetchRuns(ctx, &http.Client{Timeout: 10 * time.Second}, apiOrigin()+"/v1/events/"+id+"/runs")
			if err != nil {
				return nil, false, err
			}
		} else {
			for _, r := range e.Server.Runs(id) {
				runs = append(runs, fromServer(r))
			}
		}
		for _, r := range runs {
			if !slices.ContainsFunc(out, func(o Run) bool { return o.ID == r.ID }) {
				out = append(out, r)
				ended = ended && r.ended
			}
		}
	}
	return out, ended, nil
}

// fromServer is a run of the embedded orchestrator as the examples see it.
func fromServer(r *devserver.Run) Run {
	return Run{ID: r.ID, FunctionID: r.FunctionID, Status: string(r.Status), Output: r.Output, Timeline: devserver.FormatTimeline(r),
		Duration: r.EndedAt.Sub(r.StartedAt), ended: r.Status.Ended()}
}

// pollEvery is how often runs are read again: a real server is polled
// once a second, the embedded one is waited on more closely.
func (e *Env) pollEvery() time.Duration {
	if e.Server == nil {
		return time.Second
	}
	return 5 * time.Millisecond
}

// ExpectRuns waits for the run of each event in turn, prints it, and checks
// it ended with the status given at the same position.
func (e *Env) ExpectRuns(ctx context.Context, eventIDs []string, statuses ...string) error {
	if len(eventIDs) != len(statuses) {
		return fmt.Errorf("%d events but %d expected statuses", len(eventIDs), len(statuses))
	}
	for i, want := range statuses {
		if _, err := e.ExpectRun(ctx, eventIDs[i], want); err != nil {
			return err
		}
	}
	return nil
}

// ExpectRun waits for the run an event starts, prints it, checks it ended
// with status, and returns it.
func (e *Env) ExpectRun(ctx context.Context, eventID, status string) (Run, error) {
	r, err := e.WaitForEventRun(ctx, eventID)
	if err != nil {
		return r, err
	}
	e.Print(r)
	return r, Expect(r, status)
}

// WaitForEventRun is WaitForEventRuns for an event that starts exactly one run.
func (e *Env) WaitForEventRun(ctx context.Context, eventID string) (Run, error) {
	runs, err := e.WaitForEventRuns(ctx, eventID, 1)
	if err != nil {
		return Run{}, err
	}
	if len(runs) != 1 {
		return Run{}, fmt.Errorf("event %s started %d runs, want 1", eventID, len(runs))
	}
	return runs[0], nil
}

// WaitPaused waits until every run the event started is sleeping or
// waiting for an event. On a real server it waits until the runs exist and
// gives them a moment to get there.
func (e *Env) WaitPaused(ctx context.Context, eventID string, n int) error {
	if e.Server == nil {
		if _, err := e.poll(ctx, []string{eventID}, n, false); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
			return nil
		}
	}
	return e.Server.WaitFor(ctx, func() bool {
		runs := e.Server.Runs(eventID)
		if len(runs) < n {
			return false
		}
		for _, r := range runs {
			if len(r.Timeline) == 0 {
				return false
			}
			switch r.Timeline[len(r.Timeline)-1].Kind {
			case devserver.TimelineSleep, devserver.TimelineWait:
			default:
				return false
			}
		}
		return true
	})
}

// FreezeTime runs fn with time skipping off, so that sleeping and waiting
// runs stay put until fn returns: a scenario uses it to send an event to a
// run while it waits. On a real server it just calls fn.
func (e *Env) FreezeTime(fn func() error) error {
	if e.Server == nil {
		return fn()
	}
	if err := e.Server.SetTimeSkipping(false); err != nil {
		return err
	}
	err := fn()
	if serr := e.Server.SetTimeSkipping(true); err == nil {
		err = serr
	}
	return err
}

// Print writes a run's outcome and, when known, its timeline.
func (e *Env) Print(r Run) {
	if r.Timeline != "" {
		fmt.Fprintln(e.Out, strings.TrimRight(r.Timeline, "\n"))
		return
	}
	fmt.Fprintf(e.Out, "run %s (%s) %s → %s\n", r.ID, r.FunctionID, r.Status, r.Output)
}

// Expect checks that a run ended with the given status.
func Expect(r Run, status string) error {
	if r.Status != status {
		return fmt.Errorf("run %s of %s ended %s, want %s (output %s)", r.ID, r.FunctionID, r.Status, status, r.Output)
	}
	return nil
}

// Example is one runnable pattern.
type Example struct {
	// AppID is the example's app ID.
	AppID string
	// Register creates the example's functions on the client.
	Register func(c *inngest.Client) error
	// Scenario sends the example's events and checks the outcome.
	Scenario func(ctx context.Context, env *Env) error
	// Middleware is client middleware: it runs around every function of
	// the app and every event the client sends.
	Middleware []middleware.Middleware
}

// Main runs an example as a program and exits.
func Main(ex Example) {
	if err := run(ex); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func served() bool {
	return os.Getenv("INNGEST_DEV") != "" || os.Getenv("INNGEST_SIGNING_KEY") != ""
}

func run(ex Example) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if served() {
		return serve(ctx, ex)
	}
	env, closeFn, err := Embed(ctx, ex.AppID, ex.Register, ex.Middleware...)
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return ex.Scenario(ctx, env)
}

// Play runs the example's scenario on an embedded orchestrator with time
// skipping, printing to out, and returns the runs the scenario waited for
// (also when it failed).
func Play(ctx context.Context, ex Example, out io.Writer) ([]Run, error) {
	env, closeFn, err := Embed(ctx, ex.AppID, ex.Register, ex.Middleware...)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	env.Out = out
	err = ex.Scenario(ctx, env)
	return env.Runs(), err
}

// Embed starts an embedded orchestrator with time skipping, creates the
// app's client and functions on it, and returns the environment and a
// function that shuts it down. The client runs mws around every function
// and send.
func Embed(ctx context.Context, appID string, register func(*inngest.Client) error, mws ...middleware.Middleware) (*Env, func(), error) {
	srv, err := devserver.New(devserver.Config{TimeSkipping: true})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, nil, err
	}
	closeFn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(cctx)
	}
	client, err := inngest.NewClient(inngest.ClientConfig{
		AppID:      appID,
		Dev:        srv.URL(),
		HTTPClient: srv.HTTPClient(),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Middleware: mws,
	})
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	if err := register(client); err != nil {
		closeFn()
		return nil, nil, err
	}
	if err := srv.AddApp(ctx, "http://"+appID+".local/api/inngest", handler.New(client, handler.Config{})); err != nil {
		closeFn()
		return nil, nil, err
	}
	return &Env{Client: client, Server: srv, Out: os.Stdout}, closeFn, nil
}

func serve(ctx context.Context, ex Example) error {
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: ex.AppID, Middleware: ex.Middleware})
	if err != nil {
		return err
	}
	if err := ex.Register(client); err != nil {
		return err
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	h := handler.New(client, handler.Config{})
	mux := http.NewServeMux()
	mux.Handle("/api/inngest", h)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	appURL := os.Getenv("INNGEST_SERVE_ORIGIN")
	if appURL == "" {
		appURL = "http://" + addr
	}
	appURL += "/api/inngest"
	fmt.Printf("serving %s at %s\n", ex.AppID, appURL)
	if err := h.Sync(ctx, appURL); err != nil {
		fmt.Println("sync failed (the server may still discover the app):", err)
	}
	env := &Env{Client: client, Out: os.Stdout}
	if err := ex.Scenario(ctx, env); err != nil {
		fmt.Println("scenario:", err)
	}
	fmt.Println("serving until interrupted")
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	return nil
}

// apiOrigin is the served-mode server's API origin.
func apiOrigin() string {
	api := os.Getenv("INNGEST_API_ORIGIN")
	if api == "" {
		api = os.Getenv("INNGEST_DEV")
	}
	if api == "" || api == "1" {
		api = inngest.DefaultDevServerURL
	}
	return strings.TrimRight(api, "/")
}

func fetchRuns(ctx context.Context, hc *http.Client, url string) ([]Run, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data []struct {
			RunID      string          `json:"run_id"`
			FunctionID string          `json:"function_id"`
			Status     string          `json:"status"`
			Output     json.RawMessage `json:"output"`
			StartedAt  *time.Time      `json:"run_started_at"`
			EndedAt    *time.Time      `json:"ended_at"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := make([]Run, len(body.Data))
	for i, d := range body.Data {
		// The real server's status can read Completed or Failed while the
		// run goes on (a parallel step done, a retry pending): only
		// ended_at says it ended.
		out[i] = Run{ID: d.RunID, FunctionID: d.FunctionID, Status: d.Status, Output: d.Output, ended: d.EndedAt != nil && !d.EndedAt.IsZero()}
		if d.StartedAt != nil && out[i].ended {
			out[i].Duration = d.EndedAt.Sub(*d.StartedAt)
		}
	}
	return out, nil
}
