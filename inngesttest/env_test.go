package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

type Reminder struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

var (
	ReminderSet       = inngest.EventType[Reminder]("reminder/set")
	ReminderCancelled = inngest.EventType[Reminder]("reminder/cancelled")
	ImportRequested   = inngest.EventType[ImportJob]("import/requested")
	RowImported       = inngest.EventType[Row]("import/row")
)

type ImportJob struct {
	Rows int `json:"rows"`
}

type Row struct {
	N int `json:"n"`
}

func TestEnvFanOut(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "importer"})
	var done atomic.Int32
	create(t, c, inngest.FunctionOpts{ID: "loader"}, ImportRequested.Trigger(),
		func(ctx context.Context, in inngest.Input[ImportJob]) (int, error) {
			rows, err := step.Run(ctx, "read-rows", func(ctx context.Context) ([]int, error) {
				out := make([]int, in.Event.Data.Rows)
				for i := range out {
					out[i] = i + 1
				}
				return out, nil
			})
			if err != nil {
				return 0, err
			}
			events := make([]inngest.Sendable, len(rows))
			for i, n := range rows {
				events[i] = RowImported.New(Row{N: n})
			}
			ids, err := step.SendEvent(ctx, "fan-out", events...)
			return len(ids), err
		})
	worker := create(t, c, inngest.FunctionOpts{ID: "worker"}, RowImported.Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) {
			return step.Run(ctx, "square", func(ctx context.Context) (int, error) {
				done.Add(1)
				return in.Event.Data.N * in.Event.Data.N, nil
			})
		})
	env.Serve(c)

	id := env.Send(ImportRequested.New(ImportJob{Rows: 5}))[0]

	loader := env.WaitForEventRun(id)
	require.Equal(t, inngesttest.StatusCompleted, loader.Status, loader)
	require.Equal(t, 5, inngesttest.Output[int](t, loader))
	require.Equal(t, []string{"read-rows", "fan-out"}, loader.StepIDs())
	workers := env.WaitForFunctionRuns(worker.FullID(), 5)
	sum := 0
	for _, w := range workers {
		require.Equal(t, inngesttest.StatusCompleted, w.Status, w)
		sum += inngesttest.Output[int](t, w)
	}
	require.Equal(t, 1+4+9+16+25, sum)
	require.EqualValues(t, 5, done.Load())
}

func reminderFunctions(t *testing.T, env *inngesttest.Env, pushed *atomic.Int32) *inngest.Function[Reminder, string] {
	c := env.NewClient(inngest.ClientConfig{AppID: "reminders"})
	return create(t, c, inngest.FunctionOpts{ID: "remind",
		CancelOn: []inngest.CancelOn{{Event: ReminderCancelled.Name(), Match: "data.id"}}},
		ReminderSet.Trigger(),
		func(ctx context.Context, in inngest.Input[Reminder]) (string, error) {
			if err := step.SleepUntil(ctx, "wait-until-due", in.Event.Data.At); err != nil {
				return "", err
			}
			return step.Run(ctx, "push", func(ctx context.Context) (string, error) {
				pushed.Add(1)
				return "pushed " + in.Event.Data.ID, nil
			})
		})
}

func TestEnvCancellableReminder(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{Start: start, NoTimeSkipping: true})
	var pushed atomic.Int32
	reminderFunctions(t, env, &pushed)

	due := start.Add(48 * time.Hour)
	id := env.Send(ReminderSet.New(Reminder{ID: "r1", At: due}))[0]
	env.WaitIdle() // asleep until due
	env.Advance(24 * time.Hour)
	env.Send(ReminderCancelled.New(Reminder{ID: "other"})) // another reminder's: ignored
	require.Equal(t, inngesttest.StatusRunning, env.Runs(id)[0].Status)
	env.Send(ReminderCancelled.New(Reminder{ID: "r1"}))

	run := env.WaitForEventRun(id)
	require.Equal(t, inngesttest.StatusCancelled, run.Status, run)
	require.False(t, run.HasStep("push"), run)
	env.AdvanceTo(due.Add(time.Hour))
	require.Zero(t, pushed.Load(), "no push after a cancellation")
}

func TestEnvReminderNotCancelledPushesWhenDue(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{Start: start})
	var pushed atomic.Int32
	reminderFunctions(t, env, &pushed)

	id := env.Send(ReminderSet.New(Reminder{ID: "r2", At: start.Add(72 * time.Hour)}))[0]

	run := env.WaitForEventRun(id)
	require.Equal(t, "pushed r2", inngesttest.Output[string](t, run))
	require.Equal(t, []string{"wait-until-due", "push"}, run.StepIDs())
	require.Equal(t, 72*time.Hour, run.Duration())
	require.EqualValues(t, 1, pushed.Load())
}

func TestEnvBatchEvents(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "warehouse"})
	fn := create(t, c, inngest.FunctionOpts{ID: "bulk-insert", BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: 10 * time.Second}},
		RowImported.Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) {
			return step.Run(ctx, "insert", func(ctx context.Context) (int, error) { return len(in.Events), nil })
		})

	events := make([]inngest.Sendable, 100)
	for i := range events {
		events[i] = RowImported.New(Row{N: i})
	}
	env.Send(events...)

	runs := env.WaitForFunctionRuns(fn.FullID(), 1)
	require.Len(t, runs[0].EventIDs, 100)
	require.Equal(t, 100, inngesttest.Output[int](t, runs[0]))
}

func TestEnvBatchTimesOutOnTheVirtualClock(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "warehouse"})
	fn := create(t, c, inngest.FunctionOpts{ID: "bulk-insert", BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: 10 * time.Second}},
		RowImported.Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) { return len(in.Events), nil })

	for i := range 3 {
		env.Send(RowImported.New(Row{N: i}))
	}
	env.WaitIdle()
	require.Empty(t, env.FunctionRuns(fn.FullID()), "the batch waits for more events")
	env.Advance(10 * time.Second)

	runs := env.WaitForFunctionRuns(fn.FullID(), 1)
	require.Equal(t, 3, inngesttest.Output[int](t, runs[0]))
}

func TestEnvDebounce(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "search"})
	fn := create(t, c, inngest.FunctionOpts{ID: "reindex", Debounce: &inngest.Debounce{Period: time.Minute}},
		RowImported.Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) { return in.Event.Data.N, nil })

	for i := 1; i <= 3; i++ {
		env.Send(RowImported.New(Row{N: i}))
		env.Advance(30 * time.Second)
	}
	require.Empty(t, env.FunctionRuns(fn.FullID()), "each event pushes the run back")
	env.Advance(30 * time.Second)

	runs := env.WaitForFunctionRuns(fn.FullID(), 1)
	require.Equal(t, 3, inngesttest.Output[int](t, runs[0]), "the last event wins")
}

func TestEnvInvoke(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "math"})
	square := create(t, c, inngest.FunctionOpts{ID: "square"}, inngest.EventType[Row]("math/square").Trigger(),
		func(ctx context.Context, in inngest.Input[Row]) (int, error) {
			if err := step.Sleep(ctx, "think", time.Hour); err != nil {
				return 0, err
			}
			return in.Event.Data.N * in.Event.Data.N, nil
		})
	sum := create(t, c, inngest.FunctionOpts{ID: "sum-of-squares"}, ImportRequested.Trigger(),
		func(ctx context.Context, in inngest.Input[ImportJob]) (int, error) {
			total := 0
			for i := 1; i <= in.Event.Data.Rows; i++ {
				n, err := step.Invoke(ctx, "square", square, Row{N: i}, nil)
				if err != nil {
					return 0, err
				}
				total += n
			}
			return total, nil
		})

	id := env.Send(ImportRequested.New(ImportJob{Rows: 3}))[0]

	run := env.WaitForEventRun(id)
	require.Equal(t, 14, inngesttest.Output[int](t, run))
	require.Equal(t, []string{"square", "square", "square"}, run.StepIDs())
	require.Equal(t, 3*time.Hour, run.Duration())
	require.Len(t, env.FunctionRuns(square.FullID()), 3)
	require.Equal(t, sum.FullID(), run.FunctionID)
}

func TestEnvHumanInTheLoop(t *testing.T) {
	t.Parallel()
	newEnv := func(t *testing.T, cfg inngesttest.EnvConfig) *inngesttest.Env {
		env := inngesttest.NewEnv(t, cfg)
		c := env.NewClient(inngest.ClientConfig{AppID: "billing"})
		create(t, c, inngest.FunctionOpts{ID: "approve-invoice"}, InvoiceSubmitted.Trigger(),
			func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
				ok, err := step.WaitForEvent(ctx, "wait-approval", InvoiceApproved, step.WaitOpts{
					Timeout: 7 * 24 * time.Hour,
					If:      "async.data.invoiceId == event.data.id",
				})
				if err != nil {
					return "", err
				}
				if ok == nil {
					return "escalated " + in.Event.Data.ID, nil
				}
				return "paid, approved by " + ok.Data.By, nil
			})
		return env
	}
	t.Run("Approved", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
		id := env.Send(InvoiceSubmitted.New(Invoice{ID: "inv-1"}))[0]
		env.WaitIdle()
		require.Equal(t, []string{InvoiceApproved.Name()}, env.Runs(id)[0].WaitingFor)
		env.Advance(2 * time.Hour)
		env.Send(InvoiceApproved.New(Approval{InvoiceID: "inv-9", By: "eve"})) // another invoice
		env.Send(InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"}))

		run := env.WaitForEventRun(id)
		require.Equal(t, "paid, approved by ana", inngesttest.Output[string](t, run))
		require.Equal(t, 2*time.Hour, run.Duration())
	})
	t.Run("TimesOut", func(t *testing.T) {
		t.Parallel()
		env := newEnv(t, inngesttest.EnvConfig{})
		run := env.WaitForEventRun(env.Send(InvoiceSubmitted.New(Invoice{ID: "inv-2"}))[0])
		require.Equal(t, "escalated inv-2", inngesttest.Output[string](t, run))
		require.Equal(t, 7*24*time.Hour, run.Duration())
	})
}

// Not parallel: it measures wall time, so it runs while no other test
// does.
// A seven-day sleep on the orchestrator moves its virtual clock: the test
// would not end otherwise. Its wall time is measured by
// BenchmarkEnvSevenDayWait, not asserted here.
func TestEnvSevenDaySleepMovesTheVirtualClock(t *testing.T) {
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "trials"})
	create(t, c, inngest.FunctionOpts{ID: "trial-end"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-week", 7*24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "end-trial", func(ctx context.Context) (string, error) { return "ended", nil })
		})
	env.Serve(c)

	start := env.Now()
	run := env.WaitForEventRun(env.Send(UserSignedUp.New(Signup{Email: "a@example.com"}))[0])

	require.Equal(t, "ended", inngesttest.Output[string](t, run))
	require.Equal(t, 7*24*time.Hour, run.Duration())
	require.Equal(t, start.Add(7*24*time.Hour), env.Now(), "the clock jumped over the week, and no further")
}

// BenchmarkEnvSevenDayWait measures a run that sleeps seven days on the
// orchestrator, then runs a step.
func BenchmarkEnvSevenDayWait(b *testing.B) {
	env := inngesttest.NewEnv(b, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "trials"})
	create(b, c, inngest.FunctionOpts{ID: "trial-end"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-week", 7*24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "end-trial", func(ctx context.Context) (string, error) { return "ended", nil })
		})
	env.Serve(c)
	b.ReportAllocs()
	for b.Loop() {
		run := env.WaitForEventRun(env.Send(UserSignedUp.New(Signup{}))[0])
		if run.Status != inngesttest.StatusCompleted {
			b.Fatal(run)
		}
	}
}

func TestEnvRetryAfterWaitsOnTheVirtualClock(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "mail"})
	create(t, c, inngest.FunctionOpts{ID: "notify"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			return step.Run(ctx, "call-api", func(ctx context.Context) (string, error) {
				if in.Attempt == 0 {
					return "", inngest.RetryAfter(errors.New("rate limited"), 90*time.Minute)
				}
				return "delivered", nil
			})
		})

	run := env.WaitForEventRun(env.Send(UserSignedUp.New(Signup{Email: "a@example.com"}))[0])

	require.Equal(t, "delivered", inngesttest.Output[string](t, run))
	// The SDK sends Retry-After as a time in whole seconds: the retry comes
	// at most a second after the asked delay.
	require.GreaterOrEqual(t, run.Duration(), 90*time.Minute)
	require.LessOrEqual(t, run.Duration(), 90*time.Minute+time.Second)
}

func TestEnvSagaFailsAfterRetries(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "shop"})
	var charges atomic.Int32
	create(t, c, inngest.FunctionOpts{ID: "checkout", Retries: inngest.Ptr(2)}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			_, err := step.Run(ctx, "charge-card", func(ctx context.Context) (string, error) {
				charges.Add(1)
				return "", errors.New("card declined")
			})
			if err != nil {
				if _, cerr := step.Run(ctx, "release-stock", func(ctx context.Context) (bool, error) { return true, nil }); cerr != nil {
					return "", cerr
				}
				return "", err
			}
			return "ok", nil
		})

	run := env.WaitForEventRun(env.Send(OrderPlaced.New(Order{ID: "o-1"}))[0])

	require.Equal(t, inngesttest.StatusFailed, run.Status, run)
	require.ErrorContains(t, run.Err, "card declined")
	require.Equal(t, []string{"charge-card", "release-stock"}, run.StepIDs())
	require.EqualValues(t, 3, charges.Load())
	require.Positive(t, run.Duration(), "retries back off on the virtual clock")
}

func TestEnvTimelineAndRun(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "accounts"})
	create(t, c, inngest.FunctionOpts{ID: "welcome"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-day", 24*time.Hour); err != nil {
				return "", err
			}
			return "hello " + in.Event.Data.Email, nil
		})

	run := env.WaitForEventRun(env.Send(UserSignedUp.New(Signup{Email: "a@example.com"}))[0])

	same := env.Run(run.RunID)
	require.Equal(t, run.RunID, same.RunID)
	tl := env.Timeline(run.RunID)
	require.Contains(t, tl, `"wait-a-day"`)
	require.Contains(t, tl, "completed")
	require.Equal(t, tl, fmt.Sprint(run))
	var out string
	require.NoError(t, run.Decode(&out))
	require.Equal(t, "hello a@example.com", out)
}
