// Command inngest-dev runs the embedded Inngest orchestrator of package
// devserver as a standalone server, for developing against with any
// Inngest SDK:
//
//	go run ./cmd/inngest-dev --sdk-url http://127.0.0.1:3000/api/inngest
//
// It listens on 127.0.0.1:8288 by default, syncs each --sdk-url at start,
// and prints each run's outcome as it ends. Point SDKs at it with
// INNGEST_DEV=http://127.0.0.1:8288. Its web UI is at the same address:
// the runs and their timelines, the events, the apps (--ui=false turns it
// off; with a signing key it is off unless --ui is given). With --db FILE
// it keeps its state in a SQLite file and carries on after a restart, a
// crash included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/devserver/store/sqlitestore"
	"github.com/durablefn/inngest/devserver/ui"
)

type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, ",") }
func (u *urlList) Set(v string) error { *u = append(*u, v); return nil }

func main() {
	ctx, stop := signalContext()
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "inngest-dev:", err)
		os.Exit(1)
	}
}

// signalContext returns a context that ends on the first SIGINT or
// SIGTERM. From then on the signals have their default effect again:
// shutting down waits for the calls in flight, and a second Ctrl-C ends
// the process at once.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// run parses args, starts the server and blocks until ctx ends. ready, if
// not nil, receives the server once it listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- *devserver.Server) error {
	fs := flag.NewFlagSet("inngest-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "interface to listen on")
	port := fs.Int("port", 8288, "port to listen on (0: any free port)")
	var sdkURLs urlList
	fs.Var(&sdkURLs, "sdk-url", "URL of an app to sync at start (repeatable)")
	fs.Var(&sdkURLs, "u", "shorthand for --sdk-url")
	// Keys default to their env vars after parsing, not as flag defaults,
	// so that -help never prints them.
	signingKey := fs.String("signing-key", "", "signing key (hex, any signkey-<env>- prefix): sign calls and require it, hashed, as the bearer token on the API (default: env INNGEST_SIGNING_KEY)")
	eventKey := fs.String("event-key", "", "the only event key accepted, when set (default: env INNGEST_EVENT_KEY)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	maxRuns := fs.Int("max-finished-runs", devserver.DefaultMaxFinishedRuns, "finished runs kept for inspection; the oldest are dropped past it")
	runRetention := fs.Duration("run-retention", 0, "how long finished runs are kept (0: until -max-finished-runs pushes them out)")
	eventRetention := fs.Duration("event-retention", devserver.DefaultEventRetention, "how long events are kept, and their IDs de-duplicated")
	maxQueued := fs.Int("max-queued-calls", devserver.DefaultMaxQueuedCalls, "calls that may wait for a free slot before new events are refused with 429")
	db := fs.String("db", "", "SQLite file that keeps the server's state across restarts, created if missing (default: state in memory)")
	withUI := fs.Bool("ui", true, "serve the web UI at / (off by default with a signing key: the UI has no login)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	orEnv(signingKey, "INNGEST_SIGNING_KEY")
	orEnv(eventKey, "INNGEST_EVENT_KEY")
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// The UI has no login: with a signing key, the API wants a token
	// that the UI would not.
	if *signingKey != "" && !flagSet(fs, "ui") {
		*withUI = false
	}
	mountUI := uiMount(*withUI, logger)
	cfg := devserver.Config{
		UI:              mountUI,
		Addr:            net.JoinHostPort(*host, strconv.Itoa(*port)),
		SigningKey:      *signingKey,
		EventKey:        *eventKey,
		Logger:          logger,
		MaxFinishedRuns: *maxRuns,
		RunRetention:    *runRetention,
		EventRetention:  *eventRetention,
		MaxQueuedCalls:  *maxQueued,
		OnRunFinished:   printOutcome(stdout),
	}
	closeStore, err := openStore(&cfg, *db)
	if err != nil {
		return err
	}
	defer closeStore()
	srv, err := devserver.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "inngest-dev listening on %s\n", srv.URL())
	if *withUI {
		fmt.Fprintf(stdout, "UI at %s/\n", srv.URL())
	}
	if *db != "" {
		fmt.Fprintf(stdout, "state kept in %s\n", *db)
	}
	wg := syncAll(ctx, srv, sdkURLs, stdout, logger)
	if ready != nil {
		ready <- srv
	}
	<-ctx.Done()
	wg.Wait()
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Close(cctx)
}

// uiMount returns what mounts the web UI, or nil without it.
func uiMount(on bool, logger *slog.Logger) func(*devserver.Server) http.Handler {
	if !on {
		return nil
	}
	return func(s *devserver.Server) http.Handler { return ui.New(s, &ui.Config{Logger: logger}) }
}

// openStore opens the SQLite file at path, if any, as cfg's store, and
// returns what closes it.
func openStore(cfg *devserver.Config, path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	st, err := sqlitestore.Open(path, nil)
	if err != nil {
		return nil, err
	}
	cfg.Store = st
	return func() { _ = st.Close() }, nil
}

// syncAll syncs each app on its own goroutine.
func syncAll(ctx context.Context, srv *devserver.Server, urls []string, stdout io.Writer, logger *slog.Logger) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			syncUntilDone(ctx, srv, u, stdout, logger)
		}()
	}
	return &wg
}

// syncUntilDone syncs the app at u, retrying until it succeeds or ctx
// ends: apps may start after the server, and the real dev server's poller
// keeps trying too.
func syncUntilDone(ctx context.Context, srv *devserver.Server, u string, stdout io.Writer, logger *slog.Logger) {
	wait := 500 * time.Millisecond
	for {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := srv.SyncApp(sctx, u)
		cancel()
		if err == nil {
			fmt.Fprintf(stdout, "synced %s\n", u)
			return
		}
		logger.Warn("sync failed; retrying", "url", u, "in", wait, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// printOutcome prints a line for each run that ends.
func printOutcome(stdout io.Writer) func(r *devserver.Run) {
	return func(r *devserver.Run) {
		line := fmt.Sprintf("run %s %s %s in %s", r.ID, r.FunctionID, r.Status, r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond))
		if r.Error != nil {
			line += ": " + r.Error.Name + ": " + r.Error.Message
		} else if len(r.Output) > 0 && len(r.Output) < 200 {
			line += " → " + string(r.Output)
		}
		fmt.Fprintln(stdout, line)
	}
}

// orEnv sets an empty flag value from the environment.
func orEnv(v *string, name string) {
	if *v == "" {
		*v = os.Getenv(name)
	}
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
