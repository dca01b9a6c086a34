package devserver_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

// A function with a retried step and a week-long sleep, run on virtual
// time, and its timeline.
func Example_timeline() {
	ctx := context.Background()
	srv, _ := devserver.New(devserver.Config{NoListener: true, TimeSkipping: true})
	_ = srv.Start(ctx)
	defer srv.Close(ctx)

	client, _ := inngest.NewClient(inngest.ClientConfig{AppID: "shop", Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tries := 0
	_, _ = inngest.CreateFunction(client, inngest.FunctionOpts{ID: "follow-up"}, inngest.OnEvent("order/placed"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			_, err := step.Run(ctx, "charge", func(ctx context.Context) (string, error) {
				if tries++; tries == 1 {
					return "", fmt.Errorf("card network unavailable")
				}
				return "ch_1", nil
			})
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "wait-a-week", 7*24*time.Hour); err != nil {
				return "", err
			}
			return "review requested", nil
		})
	_ = srv.AddApp(ctx, "http://shop.local/api/inngest", handler.New(client, handler.Config{}))

	ids, _ := srv.SendEvent(ctx, devserver.Event{Name: "order/placed", Data: map[string]any{"id": 7}})
	runs, _ := srv.WaitForEventRuns(ctx, ids[0], 1)
	r := runs[0]
	r.ID = "<run id>"
	fmt.Print(devserver.FormatTimeline(r))
	// Output:
	// run <run id> (shop-follow-up) Completed in 168h0m15s
	//   +0s        queued        event order/placed
	//   +0s        step.error    "charge" Error: card network unavailable (retry at +15s)
	//   +15s       step          "charge" attempt 1 → "ch_1"
	//   +15s       sleep         "wait-a-week" until +168h0m15s
	//   +168h0m15s sleep.done    "wait-a-week"
	//   +168h0m15s completed     → "review requested"
}
