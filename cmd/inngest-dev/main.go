// Command inngest-dev runs the embedded Inngest orchestrator of package
// devserver as a standalone server, for developing against with any
// Inngest SDK:
//
//	go run ./cmd/inngest-dev --sdk-url http://127.0.0.1:3000/api/inngest
//
// It listens on 127.0.0.1:8288 by default, syncs each --sdk-url at start,
// and prints each run's outcome as it ends. Point SDKs at it with
// INNGEST_DEV=http://127.0.0.1:8288. With --db FILE it keeps its state in
// a SQLite file and carries on after a restart, a crash included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/devserver/store/sqlitestore"
)

type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, ",") }
func (u *urlList) Set(v string) error { *u = append(*u, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "inngest-dev:", err)
		os.Exit(1)
	}
}

// options are the parsed command line.
type options struct {
	addr, signingKey, eventKey, db string
	sdkURLs                        urlList
	level                          slog.Level
	maxRuns, maxQueued             int
	runRetention, eventRetention   time.Duration
}

// parseFlags reads args; it returns nil options for -help.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("inngest-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	host := fs.String("host", "127.0.0.1", "interface to listen on")
	port := fs.Int("port", 8288, "port to listen on (0: any free port)")
	fs.Var(&o.sdkURLs, "sdk-url", "URL of an app to sync at start (repeatable)")
	fs.Var(&o.sdkURLs, "u", "shorthand for --sdk-url")
	fs.StringVar(&o.db, "db", "", "SQLite file that keeps the server's state across restarts (created if missing; default: state in memory)")
	// Keys default to their env vars after parsing, not as flag defaults,
	// so that -help never prints them.
	fs.StringVar(&o.signingKey, "signing-key", "", "signing key (hex, any signkey-<env>- prefix): sign calls and require it, hashed, as the bearer token on the API (default: env INNGEST_SIGNING_KEY)")
	fs.StringVar(&o.eventKey, "event-key", "", "the only event key accepted, when set (default: env INNGEST_EVENT_KEY)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&o.maxRuns, "max-finished-runs", devserver.DefaultMaxFinishedRuns, "finished runs kept for inspection; the oldest are dropped past it")
	fs.DurationVar(&o.runRetention, "run-retention", 0, "how long finished runs are kept (0: until -max-finished-runs pushes them out)")
	fs.DurationVar(&o.eventRetention, "event-retention", devserver.DefaultEventRetention, "how long events are kept, and their IDs de-duplicated")
	fs.IntVar(&o.maxQueued, "max-queued-calls", devserver.DefaultMaxQueuedCalls, "calls that may wait for a free slot before new events are refused with 429")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil
		}
		return nil, err
	}
	o.addr = net.JoinHostPort(*host, strconv.Itoa(*port))
	if o.signingKey == "" {
		o.signingKey = os.Getenv("INNGEST_SIGNING_KEY")
	}
	if o.eventKey == "" {
		o.eventKey = os.Getenv("INNGEST_EVENT_KEY")
	}
	if err := o.level.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", *logLevel)
	}
	return &o, nil
}

// run parses args, starts the server and blocks until ctx ends. ready, if
// not nil, receives the server once it listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- *devserver.Server) error {
	o, err := parseFlags(args, stderr)
	if err != nil || o == nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.level}))
	cfg := devserver.Config{
		Addr: o.addr, SigningKey: o.signingKey, EventKey: o.eventKey, Logger: logger,
		MaxFinishedRuns: o.maxRuns, RunRetention: o.runRetention, EventRetention: o.eventRetention,
		MaxQueuedCalls: o.maxQueued, OnRunFinished: printRun(stdout),
	}
	if o.db != "" {
		st, err := sqlitestore.Open(o.db, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		cfg.Store = st
	}
	srv, err := devserver.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "inngest-dev listening on %s\n", srv.URL())
	if o.db != "" {
		fmt.Fprintf(stdout, "state kept in %s\n", o.db)
	}
	wg := syncApps(ctx, srv, o.sdkURLs, stdout, logger)
	if ready != nil {
		ready <- srv
	}
	<-ctx.Done()
	wg.Wait()
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Close(cctx)
}

// printRun prints each run's outcome as it ends.
func printRun(stdout io.Writer) func(r *devserver.Run) {
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

// syncApps syncs each URL, retrying until it works or ctx ends: apps may
// start after the server, as the real dev server's poller allows.
func syncApps(ctx context.Context, srv *devserver.Server, urls []string, stdout io.Writer, logger *slog.Logger) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
		}()
	}
	return &wg
}
