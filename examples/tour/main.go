// Command tour runs every example pattern end to end on an embedded
// orchestrator with time skipping: for each pattern it prints the timeline
// of every run (steps, waits, retries, outcome, timings), then a summary.
// It exits non-zero if any run ended wrongly.
//
//	go run ./examples/tour
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	approval "github.com/durablefn/inngest/examples/approval/app"
	batch "github.com/durablefn/inngest/examples/batch/app"
	chunks "github.com/durablefn/inngest/examples/chunks/app"
	fanout "github.com/durablefn/inngest/examples/fanout/app"
	healthcheck "github.com/durablefn/inngest/examples/healthcheck/app"
	"github.com/durablefn/inngest/examples/internal/demo"
	mw "github.com/durablefn/inngest/examples/middleware/app"
	parallel "github.com/durablefn/inngest/examples/parallel/app"
	reminder "github.com/durablefn/inngest/examples/reminder/app"
	retries "github.com/durablefn/inngest/examples/retries/app"
	saga "github.com/durablefn/inngest/examples/saga/app"
	schema "github.com/durablefn/inngest/examples/schema/app"
)

// pattern is one stop of the tour.
type pattern struct {
	name    string
	summary string
	example func() demo.Example
}

var patterns = []pattern{
	{"fanout", "one event per user, one run per event", fanout.Example},
	{"parallel", "two steps at once, results combined", parallel.Example},
	{"approval", "wait up to 7 days for a human", approval.Example},
	{"reminder", "sleep until due, cancelled by a delete", reminder.Example},
	{"saga", "compensate when a later step fails", saga.Example},
	{"healthcheck", "cron with a step per service and alerts", healthcheck.Example},
	{"retries", "NonRetriable and RetryAfter", retries.Example},
	{"batch", "100 events per run, one bulk insert", batch.Example},
	{"chunks", "a large import in chunk steps", chunks.Example},
	{"schema", "typed events validated by JSON Schema", schema.Example},
	{"middleware", "logging, validation, error reporting", mw.Example},
}

// result is how one pattern went.
type result struct {
	pattern pattern
	runs    []demo.Run
	err     error
	wall    time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := tour(ctx, os.Stdout, patterns); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

// tour plays each pattern in turn, writing its timelines and then the
// summary to w, and fails if any pattern did.
func tour(ctx context.Context, w io.Writer, ps []pattern) error {
	start := time.Now()
	var results []result
	for _, p := range ps {
		fmt.Fprintf(w, "\n== %s: %s ==\n\n", p.name, p.summary)
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		t0 := time.Now()
		runs, err := demo.Play(pctx, p.example(), w)
		cancel()
		res := result{pattern: p, runs: runs, err: err, wall: time.Since(t0)}
		if err != nil {
			fmt.Fprintf(w, "FAILED: %v\n", err)
		}
		results = append(results, res)
	}
	failed := printSummary(w, results, time.Since(start))
	if failed > 0 {
		return fmt.Errorf("%d of %d patterns ended wrongly", failed, len(results))
	}
	return nil
}

func printSummary(w io.Writer, results []result, total time.Duration) (failed int) {
	fmt.Fprintf(w, "\n== summary ==\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATTERN\tRUNS\tOUTCOME\tAS EXPECTED\tVIRTUAL TIME\tWALL TIME")
	runs := 0
	for _, r := range results {
		verdict := "yes"
		if r.err != nil {
			verdict, failed = "NO", failed+1
		}
		runs += len(r.runs)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.pattern.name, len(r.runs), outcomes(r.runs), verdict,
			longest(r.runs), r.wall.Round(time.Millisecond))
	}
	fmt.Fprintf(tw, "total\t%d\t\t%d of %d\t\t%s\n", runs, len(results)-failed, len(results), total.Round(time.Millisecond))
	tw.Flush()
	fmt.Fprintln(w, "\nFailed and Cancelled runs are part of the patterns: each shows how a run ends when things go wrong.")
	fmt.Fprintln(w, "VIRTUAL TIME is the longest run on the orchestrator's clock, which skips ahead while every run waits.")
	return failed
}

// longest is the duration of the longest run.
func longest(runs []demo.Run) time.Duration {
	var d time.Duration
	for _, r := range runs {
		d = max(d, r.Duration)
	}
	return d
}

// outcomes counts runs by status, such as "2 Completed, 1 Cancelled".
func outcomes(runs []demo.Run) string {
	var order []string
	count := map[string]int{}
	for _, r := range runs {
		if count[r.Status] == 0 {
			order = append(order, r.Status)
		}
		count[r.Status]++
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", count[s], s)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
