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

// Signup is the data of the event in Example_embedding.
type Signup struct {
	Email string `json:"email"`
}

// Embed the orchestrator in a program or a test: no socket (NoListener),
// the app's handler served in process (AddApp), events sent with the
// app's own client, and virtual time that skips the day-long sleep.
func Example_embedding() {
	ctx := context.Background()
	srv, err := devserver.New(devserver.Config{NoListener: true, TimeSkipping: true})
	if err != nil {
		panic(err)
	}
	if err := srv.Start(ctx); err != nil {
		panic(err)
	}
	defer srv.Close(ctx)

	// The client sends events to the embedded server, in process.
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: "accounts", Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	userSignedUp := inngest.EventType[Signup]("user/signed.up")
	_, err = inngest.CreateFunction(client, inngest.FunctionOpts{ID: "welcome"}, userSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "send-tips", func(ctx context.Context) (string, error) {
				return "tips sent to " + in.Event.Data.Email, nil
			})
		})
	if err != nil {
		panic(err)
	}
	if err := srv.AddApp(ctx, "http://accounts.local/api/inngest", handler.New(client, handler.Config{})); err != nil {
		panic(err)
	}

	ids, err := client.Send(ctx, userSignedUp.New(Signup{Email: "ada@example.com"}))
	if err != nil {
		panic(err)
	}
	runs, err := srv.WaitForEventRuns(ctx, ids[0], 1)
	if err != nil {
		panic(err)
	}
	r := runs[0]
	fmt.Println(r.Status, string(r.Output), r.EndedAt.Sub(r.StartedAt))
	// Output: Completed "tips sent to ada@example.com" 24h0m0s
}
