package inngesttest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

type Receipt struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}

func chargeFunction(t *testing.T, ran *int) (*inngest.Client, *inngest.Function[Order, string]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "charge"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			r, err := step.Run(ctx, "charge", func(ctx context.Context) (Receipt, error) {
				*ran++
				return Receipt{ID: "real"}, nil
			})
			if err != nil {
				return "", err
			}
			return r.ID, nil
		})
	return c, fn
}

func TestMockStepReplacesTheCode(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.MockStepResult("charge", Receipt{ID: "mock", Amount: 5}))

	require.NoError(t, res.Err)
	require.Equal(t, "mock", res.Output)
	require.Zero(t, ran, "mocked code must not run")
	s := res.Step("charge")
	require.True(t, s.Mocked)
	require.JSONEq(t, `{"id":"mock","amount":5}`, string(s.Output))
}

func TestMockStepFailsTwiceThenSucceeds(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)
	var seen []int

	res := inngesttest.Run(t, c, fn, inngesttest.MockStep("charge", func(attempt int) (Receipt, error) {
		seen = append(seen, attempt)
		if attempt < 2 {
			return Receipt{}, errors.New("card network down")
		}
		return Receipt{ID: "third time"}, nil
	}))

	require.NoError(t, res.Err)
	require.Equal(t, "third time", res.Output)
	require.Equal(t, []int{0, 1, 2}, seen)
	s := res.Step("charge")
	require.Equal(t, 2, s.Attempt)
	require.Len(t, s.Attempts, 2)
	require.Equal(t, "card network down", s.Attempts[1].Err.Message)
}

func TestMockStepErrorExhaustsRetries(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.MockStepError("charge", errors.New("declined")))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "declined")
	s := res.Step("charge")
	require.Len(t, s.Attempts, 4, "default retries: 3")
	require.Equal(t, "declined", s.Err.Message)
	require.Equal(t, "charge", s.Err.StepID)
}

func TestMockStepNonRetriableAndRetryAfter(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.MockStepError("charge", inngest.NonRetriable(errors.New("fraud"))))
	require.Len(t, res.Step("charge").Attempts, 1)
	require.Equal(t, "NonRetriableError", res.Step("charge").Err.Name)

	res = inngesttest.Run(t, c, fn, inngesttest.MockStep("charge", func(attempt int) (Receipt, error) {
		if attempt == 0 {
			return Receipt{}, inngest.RetryAfter(errors.New("slow down"), time.Hour)
		}
		return Receipt{ID: "later"}, nil
	}))
	require.Equal(t, "later", res.Output)
	// As on an orchestrator: the SDK sends 3601 seconds, and from a whole
	// second the server waits all of them.
	require.Equal(t, time.Hour+time.Second, res.Step("charge").Attempts[0].RetryAfter)
	require.Equal(t, time.Hour+time.Second, res.Duration())
	require.Zero(t, ran)
}

// A mock's RetryAfter delay is the one asked for (sent as the SDK sends
// it), however long the mock (or a loaded machine) takes between making
// the error and returning it.
func TestMockStepRetryAfterIsExactOnASlowMachine(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.MockStep("charge", func(attempt int) (Receipt, error) {
		if attempt == 0 {
			err := inngest.RetryAfter(errors.New("slow down"), time.Hour)
			time.Sleep(5 * time.Millisecond) // as a preempted goroutine would
			return Receipt{}, err
		}
		return Receipt{ID: "later"}, nil
	}))

	require.Equal(t, "later", res.Output)
	require.Equal(t, time.Hour+time.Second, res.Step("charge").Attempts[0].RetryAfter)
	require.Equal(t, time.Hour+time.Second, res.Duration())
}

func TestMockResultMustDecodeIntoTheStepType(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.MockStepResult("charge", "not a receipt"))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "does not decode")
}

func TestRepeatedStepIDs(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "loops"})
	fn := create(t, c, inngest.FunctionOpts{ID: "sum"}, inngest.OnEvent("sum/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			total := 0
			for i := 1; i <= 3; i++ {
				v, err := step.Run(ctx, "add", func(ctx context.Context) (int, error) { return i, nil })
				if err != nil {
					return 0, err
				}
				total += v
			}
			return total, nil
		})

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, 6, res.Output)
	require.Equal(t, []string{"add", "add", "add"}, res.StepIDs())
	require.Equal(t, 2, res.Steps[2].Index)
	require.NotEqual(t, res.Steps[0].Hash, res.Steps[1].Hash)
}

var ReminderDue = inngest.EventType[Order]("reminder/due")

func fanOutFunction(t *testing.T) (*inngest.Client, *inngest.Function[map[string]any, int]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "fanout"})
	fn := create(t, c, inngest.FunctionOpts{ID: "loader"}, inngest.OnEvent("load/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			ids, err := step.SendEvent(ctx, "fan-out",
				ReminderDue.New(Order{ID: "a"}),
				ReminderDue.New(Order{ID: "b"}),
			)
			return len(ids), err
		})
	return c, fn
}

func TestSendEventIsCaptured(t *testing.T) {
	t.Parallel()
	c, fn := fanOutFunction(t)

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, 2, res.Output)
	s := res.Step("fan-out")
	require.Equal(t, inngesttest.KindSendEvent, s.Kind)
	require.Len(t, s.Sent, 2)
	require.Equal(t, "reminder/due", s.Sent[0].Name)
	require.Equal(t, "b", s.Sent[1].Data["id"])
	require.Len(t, res.Sent, 2)
	var ids []string
	require.NoError(t, s.Decode(&ids))
	require.Equal(t, []string{s.Sent[0].ID, s.Sent[1].ID}, ids)
}

func TestMockSendEventReceivesTheEvents(t *testing.T) {
	t.Parallel()
	c, fn := fanOutFunction(t)
	var got []inngest.GenericEvent

	res := inngesttest.Run(t, c, fn, inngesttest.MockSendEvent("fan-out", func(events []inngest.GenericEvent) ([]string, error) {
		got = events
		return []string{"id-1", "id-2"}, nil
	}))

	require.NoError(t, res.Err)
	require.Len(t, got, 2)
	require.Equal(t, "a", got[0].Data["id"])
	s := res.Step("fan-out")
	require.Equal(t, inngesttest.KindSendEvent, s.Kind)
	require.JSONEq(t, `["id-1","id-2"]`, string(s.Output))
}

func TestMockSendEventError(t *testing.T) {
	t.Parallel()
	c, fn := fanOutFunction(t)

	res := inngesttest.Run(t, c, fn, inngesttest.MockSendEvent("fan-out", func([]inngest.GenericEvent) ([]string, error) {
		return nil, errors.New("event API down")
	}))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "event API down")
	require.Len(t, res.Step("fan-out").Attempts, 4)
}

type Quote struct {
	SKU string `json:"sku"`
}

func invokeFunctions(t *testing.T) (*inngest.Client, *inngest.Function[Order, int]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "pricing"})
	price := create(t, c, inngest.FunctionOpts{ID: "price"}, inngest.On[Quote]("price/requested"),
		func(ctx context.Context, in inngest.Input[Quote]) (int, error) {
			return step.Run(ctx, "look-up", func(ctx context.Context) (int, error) {
				if in.Event.Data.SKU == "" {
					return 0, inngest.NonRetriable(errors.New("no SKU"))
				}
				return len(in.Event.Data.SKU) * 100, nil
			})
		})
	order := create(t, c, inngest.FunctionOpts{ID: "order"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return step.Invoke(ctx, "get-price", price, Quote{SKU: in.Event.Data.ID}, &step.InvokeOpts{Timeout: time.Minute})
		})
	return c, order
}

func TestInvokeRunsTheFunctionInProcess(t *testing.T) {
	t.Parallel()
	c, fn := invokeFunctions(t)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "abc"})))

	require.NoError(t, res.Err)
	require.Equal(t, 300, res.Output)
	s := res.Step("get-price")
	require.Equal(t, inngesttest.KindInvoke, s.Kind)
	require.Equal(t, "pricing-price", s.Invoke.FunctionID)
	require.Equal(t, time.Minute, s.Invoke.Timeout)
	require.JSONEq(t, `{"sku":"abc"}`, string(s.Invoke.Data))
	require.NotNil(t, s.Invoked)
	require.Equal(t, []string{"look-up"}, s.Invoked.StepIDs())
	require.Equal(t, "inngest/function.invoked", s.Invoked.Events[0].Name)
}

func TestInvokedRunFailureIsAStepError(t *testing.T) {
	t.Parallel()
	c, fn := invokeFunctions(t)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: ""})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "no SKU")
	s := res.Step("get-price")
	require.Equal(t, "no SKU", s.Err.Message)
	require.Equal(t, inngesttest.StatusFailed, s.Invoked.Status)
}

func TestMockInvokeReceivesThePayload(t *testing.T) {
	t.Parallel()
	c, fn := invokeFunctions(t)
	var got Quote

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(OrderPlaced.New(Order{ID: "xyz"})),
		inngesttest.MockInvoke("get-price", func(q Quote) (int, error) {
			got = q
			return 42, nil
		}))

	require.Equal(t, 42, res.Output)
	require.Equal(t, Quote{SKU: "xyz"}, got)
	require.True(t, res.Step("get-price").Mocked)
	require.Nil(t, res.Step("get-price").Invoked)

	res = inngesttest.Run(t, c, fn, inngesttest.MockInvoke("get-price", func(Quote) (int, error) {
		return 0, errors.New("pricing is down")
	}))
	require.ErrorContains(t, res.Err, "pricing is down")
}

func TestOnFailureRunsWithTheFailedEvent(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	var got inngest.FailureInput
	fn := create(t, c, inngest.FunctionOpts{
		ID:      "ship",
		Retries: inngest.Ptr(0),
		OnFailure: func(ctx context.Context, in inngest.FailureInput) error {
			got = in
			_, err := step.Run(ctx, "alert", func(ctx context.Context) (string, error) { return "paged", nil })
			return err
		},
	}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			return "", errors.New("warehouse closed")
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-9"})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.NotNil(t, res.OnFailure)
	require.Equal(t, inngesttest.StatusCompleted, res.OnFailure.Status)
	require.Equal(t, "shop-ship-failure", res.OnFailure.FunctionID)
	require.Equal(t, []string{"alert"}, res.OnFailure.StepIDs())
	require.EqualError(t, got.Error, "warehouse closed")
	require.Equal(t, "o-9", got.OriginalEvent.Data["id"])
	require.Equal(t, res.RunID, got.Event.Data.RunID)
	require.Equal(t, "shop-ship", got.Event.Data.FunctionID)
}

func TestStopAtInspectsTheState(t *testing.T) {
	t.Parallel()
	c, fn := approvalFunction(t)
	ran := false
	fn2 := create(t, c, inngest.FunctionOpts{ID: "two-steps"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			a, err := step.Run(ctx, "first", func(ctx context.Context) (string, error) { return "A", nil })
			if err != nil {
				return "", err
			}
			return step.Run(ctx, "second", func(ctx context.Context) (string, error) { ran = true; return a + "B", nil })
		})

	res := inngesttest.Run(t, c, fn2, inngesttest.StopAt("second"))
	require.Equal(t, inngesttest.StatusStopped, res.Status)
	require.False(t, ran)
	require.Equal(t, []string{"first"}, res.StepIDs())
	require.Len(t, res.Next, 1)
	require.Equal(t, "second", res.Next[0].ID)
	require.Empty(t, res.Output)

	res2 := inngesttest.Run(t, c, fn, inngesttest.StopAt("wait-approval"))
	require.Equal(t, inngesttest.StatusStopped, res2.Status)
	require.Empty(t, res2.Steps)
	require.Equal(t, "invoice/approved", res2.Next[0].Wait.Event)
}

func TestParallelWithMocksAndSleeps(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "mixed"})
	fn := create(t, c, inngest.FunctionOpts{ID: "mixed"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			a, b, err := step.Parallel2(ctx,
				func(ctx context.Context) (string, error) {
					if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
						return "", err
					}
					return step.Run(ctx, "after-nap", func(ctx context.Context) (string, error) { return "rested", nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "count", func(ctx context.Context) (int, error) { return 1, nil })
				},
			)
			if err != nil {
				return "", err
			}
			if b != 7 {
				return "", errors.New("mock not applied")
			}
			return a, nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.MockStepResult("count", 7))

	require.NoError(t, res.Err)
	require.Equal(t, "rested", res.Output)
	require.ElementsMatch(t, []string{"nap", "count", "after-nap"}, res.StepIDs())
	require.Equal(t, time.Hour, res.Duration())
}

func TestSleepUntil(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cal"})
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	fn := create(t, c, inngest.FunctionOpts{ID: "remind"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (bool, error) {
			return true, step.SleepUntil(ctx, "until-noon", start.Add(3*time.Hour))
		})

	res := inngesttest.Run(t, c, fn, inngesttest.StartAt(start))

	require.True(t, res.Output)
	s := res.Step("until-noon")
	require.Equal(t, 3*time.Hour, s.Sleep)
	require.Equal(t, start.Add(3*time.Hour), s.Until)
	require.Equal(t, start.Add(3*time.Hour), res.Ended)
}

func TestBatchOfEventsAndRunID(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "batch"})
	fn := create(t, c, inngest.FunctionOpts{ID: "count"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			return in.RunID + ":" + in.Event.Data.ID + ":" + in.Events[len(in.Events)-1].Data.ID, nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.RunID("run-1"),
		inngesttest.Event(OrderPlaced.New(Order{ID: "a"}), OrderPlaced.New(Order{ID: "b"})),
		inngesttest.Event(OrderPlaced.New(Order{ID: "c"})))

	require.Equal(t, "run-1:a:c", res.Output)
	require.Len(t, res.Events, 3)
}

func TestSendsOutsideStepsShowUpOncePerCall(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "leaky"})
	fn := create(t, c, inngest.FunctionOpts{ID: "leaky"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			if _, err := c.Send(ctx, inngest.GenericEvent{Name: "audit/touched"}); err != nil {
				return 0, err
			}
			return step.Run(ctx, "work", func(ctx context.Context) (int, error) { return 1, nil })
		})

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, 2, res.Calls)
	require.Len(t, res.Sent, 2, "code outside steps runs on every call: its send repeats")
	require.Equal(t, "audit/touched", res.Sent[0].Name)
}

func TestCronFunctionGetsTheTimerEvent(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cron"})
	fn := create(t, c, inngest.FunctionOpts{ID: "nightly"}, inngest.OnCron("0 3 * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
			return in.Event.Name + " " + in.Event.Data.Cron, nil
		})

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, "inngest/scheduled.timer 0 3 * * *", res.Output)
}

// A mock that returns a step's final error (*inngest.StepError), as code
// passing on another step's failure would, fails the step without
// retries, as the SDK classifies it.
func TestMockStepErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)
	res := inngesttest.Run(t, c, fn, inngesttest.MockStepError("charge", &inngest.StepError{Name: "CardError", Message: "declined", StepID: "card"}))
	s := res.Step("charge")
	require.Len(t, s.Attempts, 1)
	require.Equal(t, "CardError", s.Err.Name)
	require.Equal(t, "declined", s.Err.Message)
}

// RetryAfter(90s) waits as long in unit mode as on an orchestrator: 91
// seconds sent, all of them waited from a whole second.
func TestMockStepRetryAfterMatchesTheOrchestrator(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := chargeFunction(t, &ran)
	res := inngesttest.Run(t, c, fn, inngesttest.MockStep("charge", func(attempt int) (Receipt, error) {
		if attempt == 0 {
			return Receipt{}, inngest.RetryAfter(errors.New("slow down"), 90*time.Second)
		}
		return Receipt{ID: "later"}, nil
	}))
	require.Equal(t, 91*time.Second, res.Step("charge").Attempts[0].RetryAfter)
}
