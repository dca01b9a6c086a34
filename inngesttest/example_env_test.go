package inngesttest_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// envT stands in, in the integration examples, for the *testing.T a test
// receives: it keeps the cleanups NewEnv registers and runs them when the
// example calls done, as the testing package does when a test ends.
type envT struct {
	exampleT
	cleanups []func()
}

func (e *envT) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }

func (e *envT) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// steps prints a timeline without its first line, which names the run by
// its random ID.
func steps(timeline string) {
	lines := strings.Split(strings.TrimRight(timeline, "\n"), "\n")
	for _, l := range lines[1:] {
		fmt.Println(strings.Join(strings.Fields(l), " "))
	}
}

// Host an app on the embedded orchestrator, send an event and read the
// run it started. Time skipping is on: the day-long sleep takes no wall
// time.
func ExampleNewEnv() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "accounts"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "welcome"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "send-email", func(ctx context.Context) (string, error) {
				return "sent to " + in.Event.Data.Email, nil
			})
		})
	env.Serve(c)

	ids := env.Send(UserSignedUp.New(Signup{Email: "ana@example.com"}))
	run := env.WaitForEventRun(ids[0])

	fmt.Println(run.Status, inngesttest.Output[string](t, run))
	fmt.Println(run.StepIDs(), run.Duration())
	// Output:
	// Completed sent to ana@example.com
	// [wait-a-day send-email] 24h0m0s
}

// A loader sends one event per row; WaitForFunctionRuns waits for the worker
// runs those events started.
func ExampleEnv_WaitForFunctionRuns() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "importer"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "loader"}, ImportRequested.Trigger(),
		func(ctx context.Context, in inngest.Input[ImportJob]) (int, error) {
			events := make([]inngest.Sendable, in.Event.Data.Rows)
			for i := range events {
				events[i] = RowImported.New(Row{N: i + 1})
			}
			ids, err := step.SendEvent(ctx, "fan-out", events...)
			return len(ids), err
		})
	worker, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "worker"}, RowImported.Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) { return in.Event.Data.N * 10, nil })

	env.Send(ImportRequested.New(ImportJob{Rows: 3})) // serves c first
	total := 0
	for _, run := range env.WaitForFunctionRuns(worker.FullID(), 3) {
		total += inngesttest.Output[int](t, run)
	}
	fmt.Println("worker runs:", len(env.FunctionRuns(worker.FullID())), "total:", total)
	// Output:
	// worker runs: 3 total: 60
}

// With time skipping off the clock moves only when the test says, so an
// event can reach a run while it sleeps: here it cancels a reminder.
func ExampleEnv_Advance() {
	t := &envT{}
	defer t.done()

	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{Start: start, NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "reminders"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "remind",
		CancelOn: []inngest.CancelOn{{Event: ReminderCancelled.Name(), Match: "data.id"}}},
		ReminderSet.Trigger(),
		func(ctx context.Context, in inngest.Input[Reminder]) (string, error) {
			if err := step.SleepUntil(ctx, "wait-until-due", in.Event.Data.At); err != nil {
				return "", err
			}
			return step.Run(ctx, "push", func(ctx context.Context) (string, error) { return "pushed", nil })
		})

	id := env.Send(ReminderSet.New(Reminder{ID: "r1", At: start.Add(48 * time.Hour)}))[0]
	env.Advance(24 * time.Hour)
	fmt.Println(env.Now().Sub(start), env.Runs(id)[0].Status)
	env.Send(ReminderCancelled.New(Reminder{ID: "r1"}))
	run := env.WaitForEventRun(id)
	fmt.Println(run.Status, run.HasStep("push"))
	// Output:
	// 24h0m0s Running
	// Cancelled false
}

// Turn time skipping off while a run waits, to send it the event it waits
// for, and back on to let it finish.
func ExampleEnv_SetTimeSkipping() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "billing"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "approve"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			ok, err := step.WaitForEvent(ctx, "wait-approval", InvoiceApproved, step.WaitOpts{
				Timeout: 7 * 24 * time.Hour, If: "async.data.invoiceId == event.data.id"})
			if err != nil || ok == nil {
				return "no approval", err
			}
			if err := step.Sleep(ctx, "grace-period", 72*time.Hour); err != nil {
				return "", err
			}
			return "paid, approved by " + ok.Data.By, nil
		})

	id := env.Send(InvoiceSubmitted.New(Invoice{ID: "inv-1"}))[0]
	env.WaitIdle()
	fmt.Println(env.Runs(id)[0].WaitingFor)
	env.Send(InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"}))
	env.SetTimeSkipping(true)
	run := env.WaitForEventRun(id)
	fmt.Println(inngesttest.Output[string](t, run), "after", run.Duration())
	// Output:
	// [invoice/approved]
	// paid, approved by ana after 72h0m0s
}

// One hundred events sent together fill one batch: one run gets them
// all.
func ExampleEnv_Send() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "warehouse"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "bulk-insert",
		BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: 10 * time.Second}},
		RowImported.Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) { return len(in.Events), nil })
	env.Serve(c)

	events := make([]inngest.Sendable, 100)
	for i := range events {
		events[i] = RowImported.New(Row{N: i})
	}
	ids := env.Send(events...)
	runs := env.WaitForFunctionRuns(fn.FullID(), 1)
	fmt.Println(len(ids), "events,", len(runs), "run of", inngesttest.Output[int](t, runs[0]), "events")
	// Output:
	// 100 events, 1 run of 100 events
}

// The timeline says what happened to a run and when, on the virtual
// clock.
func ExampleEnv_Timeline() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "mail"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "digest"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-week", 7*24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "send-digest", func(ctx context.Context) (string, error) { return "sent", nil })
		})

	run := env.WaitForEventRun(env.Send(UserSignedUp.New(Signup{}))[0])
	steps(env.Timeline(run.RunID))
	// Output:
	// +0s queued event user/signed.up
	// +0s sleep "wait-a-week" until +168h0m0s
	// +168h0m0s sleep.done "wait-a-week"
	// +168h0m0s step "send-digest" → "sent"
	// +168h0m0s completed → "sent"
}

// WaitForEventRuns returns every run an event started: here two functions share
// a trigger. Run reads one of them again by its ID.
func ExampleEnv_WaitForEventRuns() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "accounts"})
	for _, id := range []string{"welcome", "audit"} {
		_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: id}, UserSignedUp.Trigger(),
			func(ctx context.Context, in inngest.Input[Signup]) (string, error) { return id + " done", nil })
	}

	runs := env.WaitForEventRuns(env.Send(UserSignedUp.New(Signup{}))[0], 2)
	outs := []string{}
	for _, r := range runs {
		outs = append(outs, inngesttest.Output[string](t, env.Run(r.RunID)))
	}
	fmt.Println(len(runs), strings.Contains(strings.Join(outs, ","), "audit done"))
	// Output:
	// 2 true
}

// Decode reads a run's output without failing the test, for a run that
// may not have completed.
func ExampleEnvRun_Decode() {
	t := &envT{}
	defer t.done()

	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "shop"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "validate"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			return "", inngest.NonRetriable(fmt.Errorf("order %q is invalid", in.Event.Data.ID))
		})

	run := env.WaitForEventRun(env.Send(OrderPlaced.New(Order{ID: "x"}))[0])
	var out string
	fmt.Println(run.Status, run.Err)
	fmt.Println(run.Decode(&out) != nil)
	// Output:
	// Failed NonRetriableError: order "x" is invalid
	// true
}
