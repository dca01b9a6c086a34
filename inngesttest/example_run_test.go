package inngesttest_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Run a function with one event and inspect its result and steps.
func ExampleRun() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "accounts"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "welcome"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "send-email", func(ctx context.Context) (string, error) {
				return "sent to " + in.Event.Data.Email, nil
			})
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(UserSignedUp.New(Signup{Email: "ana@example.com"})))

	fmt.Println(res.Status, res.Output, res.Err)
	for _, s := range res.Steps {
		fmt.Println(s.ID, s.Kind, string(s.Output))
	}
	fmt.Println("virtual time:", res.Duration())
	// Output:
	// Completed sent to ana@example.com <nil>
	// wait-a-day sleep null
	// send-email run "sent to ana@example.com"
	// virtual time: 24h0m0s
}

// A failed run: the error is in the result, each attempt is recorded.
func ExampleRun_failure() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "ship", Retries: inngest.Ptr(2)}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			return "", fmt.Errorf("warehouse for order %s is closed", in.Event.Data.ID)
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-1"})))

	fmt.Println(res.Status, "after", len(res.Attempts), "attempts:", res.Err)
	// Output:
	// Failed after 3 attempts: warehouse for order o-1 is closed
}

// NewClient gives a dev-mode client whose event sends are captured.
func ExampleNewClient() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "fanout"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "loader"}, inngest.OnEvent("load/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			ids, err := step.SendEvent(ctx, "fan-out", OrderPlaced.New(Order{ID: "a"}), OrderPlaced.New(Order{ID: "b"}))
			return len(ids), err
		})

	res := inngesttest.Run(t, c, fn)

	s := res.Step("fan-out")
	fmt.Println(s.Kind, len(s.Sent), "events sent:", s.Sent[0].Name, s.Sent[0].Data["id"], s.Sent[1].Data["id"])
	// Output:
	// sendEvent 2 events sent: order/placed a b
}

// An app's own client, built with the engine's HTTP client in tests.
func ExampleHTTPClient() {
	newClient := func(httpClient *http.Client) *inngest.Client {
		c, err := inngest.NewClient(inngest.ClientConfig{AppID: "billing", Dev: "1", HTTPClient: httpClient})
		if err != nil {
			panic(err)
		}
		return c
	}
	c := newClient(inngesttest.HTTPClient())
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "notify"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			_, err := step.SendEvent(ctx, "notify", inngest.GenericEvent{Name: "order/notified", Data: map[string]any{"id": in.Event.Data.ID}})
			return "ok", err
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-7"})))

	fmt.Println(res.Output, res.Sent[0].Name, res.Sent[0].Data["id"])
	// Output:
	// ok order/notified o-7
}
