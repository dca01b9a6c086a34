package connect_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// A worker serving an app through Connect, here against the embedded
// orchestrator's gateway: the app has no HTTP endpoint at all.
func Example_worker() {
	ctx := context.Background()
	srv, err := devserver.New(devserver.Config{NoListener: true, TimeSkipping: true})
	if err != nil {
		panic(err)
	}
	if err := srv.Start(ctx); err != nil {
		panic(err)
	}
	defer srv.Close(ctx)

	client, err := inngest.NewClient(inngest.ClientConfig{AppID: "reports", Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	_, err = inngest.CreateFunction(client, inngest.FunctionOpts{ID: "nightly"}, inngest.OnEvent("report/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			if err := step.Sleep(ctx, "wait-for-night", 8*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "build", func(ctx context.Context) (string, error) { return "report built", nil })
		})
	if err != nil {
		panic(err)
	}

	w, err := connect.New(client, &connect.Config{InstanceID: "reports-1", MaxWorkerConcurrency: 10})
	if err != nil {
		panic(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	if err := w.Ready(ctx); err != nil {
		panic(err)
	}

	ids, err := client.Send(ctx, inngest.GenericEvent{Name: "report/requested"})
	if err != nil {
		panic(err)
	}
	runs, err := srv.WaitForEventRuns(ctx, ids[0], 1)
	if err != nil {
		panic(err)
	}
	run, err := srv.WaitForRun(ctx, runs[0].ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Status, string(run.Output))

	stop() // drain: no new calls, finish those in flight, close
	fmt.Println(<-done, w.State())
	// Output:
	// Completed "report built"
	// <nil> closed
}
