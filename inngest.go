// Package inngest is a Go SDK for durable step functions that speaks the
// Inngest protocol. Functions made of steps survive crashes, deploys and
// week-long waits: an orchestrator calls the app's endpoint with the
// triggering event and the results of the steps already done, and the SDK
// replays the function, returning saved results and reporting the next
// step.
//
// The same code runs on the real Inngest servers (the Inngest Dev Server,
// self-hosted `inngest start`, Inngest Cloud), on the embedded orchestrator
// in package devserver, and in tests with package inngesttest.
//
// # A tour
//
//	type Signup struct{ Email string `json:"email"` }
//	var UserSignedUp = inngest.EventType[Signup]("user/signed.up")
//
//	client, _ := inngest.NewClient(inngest.ClientConfig{AppID: "accounts"})
//	_, _ = inngest.CreateFunction(client,
//		inngest.FunctionOpts{ID: "welcome"},
//		UserSignedUp.Trigger(),
//		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
//			id, err := step.Run(ctx, "create-account", func(ctx context.Context) (string, error) {
//				return createAccount(ctx, in.Event.Data.Email)
//			})
//			if err != nil {
//				return "", err
//			}
//			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
//				return "", err
//			}
//			return id, nil
//		})
//	http.Handle("/api/inngest", handler.New(client, handler.Config{}))
//
// # Packages
//
//   - [github.com/durablefn/inngest/step]: the steps (Run, Sleep, WaitForEvent, SendEvent, Invoke, Parallel).
//   - [github.com/durablefn/inngest/handler]: the http.Handler serving functions.
//   - [github.com/durablefn/inngest/middleware]: lifecycle hooks, with logging, validation and tracing built in.
//   - [github.com/durablefn/inngest/schema]: JSON Schema for typed events, and validation.
//   - [github.com/durablefn/inngest/inngesttest]: unit and integration tests with virtual time.
//   - [github.com/durablefn/inngest/devserver]: the embedded orchestrator (cmd/inngest-dev runs it alone).
//
// # Errors
//
// Return [NonRetriable] to fail without retries, [RetryAfter] to retry no
// sooner than a given time. A step that failed for good returns a
// [*StepError].
package inngest
