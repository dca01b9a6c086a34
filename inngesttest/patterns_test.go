package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

type Signup struct {
	Email string `json:"email"`
}

var UserSignedUp = inngest.EventType[Signup]("user/signed.up")

// create creates a function on c, failing the test if the SDK refuses it.
func create[T, R any](t testing.TB, c *inngest.Client, opts inngest.FunctionOpts, trigger inngest.Trigger[T], fn inngest.HandlerFunc[T, R]) *inngest.Function[T, R] {
	t.Helper()
	f, err := inngest.CreateFunction(c, opts, trigger, fn)
	require.NoError(t, err)
	return f
}

func TestOneStepReturnsItsResult(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "accounts"})
	fn := create(t, c, inngest.FunctionOpts{ID: "welcome"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			return step.Run(ctx, "send-email", func(ctx context.Context) (string, error) {
				return "sent to " + in.Event.Data.Email, nil
			})
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(UserSignedUp.New(Signup{Email: "a@example.com"})))

	require.NoError(t, res.Err)
	require.Equal(t, inngesttest.StatusCompleted, res.Status)
	require.Equal(t, "sent to a@example.com", res.Output)
	require.Equal(t, []string{"send-email"}, res.StepIDs())
	s := res.Step("send-email")
	require.Equal(t, inngesttest.KindRun, s.Kind)
	require.JSONEq(t, `"sent to a@example.com"`, string(s.Output))
	require.Equal(t, 0, s.Attempt)
	require.False(t, s.Mocked)
}

func TestParallelSteps(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "reports"})
	fn := create(t, c, inngest.FunctionOpts{ID: "report"}, inngest.OnEvent("report/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			parts, err := step.Parallel(ctx,
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "sales", func(ctx context.Context) (int, error) { return 3, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "refunds", func(ctx context.Context) (int, error) { return 4, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "fees", func(ctx context.Context) (int, error) { return 5, nil })
				},
			)
			if err != nil {
				return 0, err
			}
			total, err := step.Run(ctx, "sum", func(ctx context.Context) (int, error) {
				return parts[0] + parts[1] + parts[2], nil
			})
			return total, err
		})

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, 12, res.Output)
	require.Equal(t, []string{"sales", "refunds", "fees", "sum"}, res.StepIDs())
	var fees int
	require.NoError(t, res.Step("fees").Decode(&fees))
	require.Equal(t, 5, fees)
}

type Invoice struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
}

type Approval struct {
	InvoiceID string `json:"invoiceId"`
	By        string `json:"by"`
}

var (
	InvoiceSubmitted = inngest.EventType[Invoice]("invoice/submitted")
	InvoiceApproved  = inngest.EventType[Approval]("invoice/approved")
)

func approvalFunction(t *testing.T) (*inngest.Client, *inngest.Function[Invoice, string]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	fn := create(t, c, inngest.FunctionOpts{ID: "approve-invoice"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			ok, err := step.WaitForEvent(ctx, "wait-approval", InvoiceApproved, step.WaitOpts{
				Timeout: 7 * 24 * time.Hour,
				If:      "async.data.invoiceId == event.data.id",
			})
			if err != nil {
				return "", err
			}
			if ok == nil {
				return step.Run(ctx, "escalate", func(ctx context.Context) (string, error) {
					return "escalated " + in.Event.Data.ID, nil
				})
			}
			return step.Run(ctx, "pay", func(ctx context.Context) (string, error) {
				return "paid " + in.Event.Data.ID + ", approved by " + ok.Data.By, nil
			})
		})
	return c, fn
}

func TestHumanInTheLoopApproved(t *testing.T) {
	t.Parallel()
	c, fn := approvalFunction(t)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(InvoiceSubmitted.New(Invoice{ID: "inv-1", Amount: 90})),
		inngesttest.MockWaitForEvent("wait-approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"})),
	)

	require.NoError(t, res.Err)
	require.Equal(t, "paid inv-1, approved by ana", res.Output)
	require.Equal(t, []string{"wait-approval", "pay"}, res.StepIDs())
	w := res.Step("wait-approval")
	require.Equal(t, inngesttest.KindWaitForEvent, w.Kind)
	require.Equal(t, &inngesttest.WaitRecord{Event: "invoice/approved", If: "async.data.invoiceId == event.data.id", Timeout: 7 * 24 * time.Hour}, w.Wait)
	require.False(t, w.TimedOut)
	require.Zero(t, res.Duration())
}

func TestHumanInTheLoopTimeout(t *testing.T) {
	t.Parallel()
	c, fn := approvalFunction(t)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(InvoiceSubmitted.New(Invoice{ID: "inv-2"})),
		inngesttest.MockWaitTimeout("wait-approval"),
	)

	require.NoError(t, res.Err)
	require.Equal(t, "escalated inv-2", res.Output)
	require.Equal(t, []string{"wait-approval", "escalate"}, res.StepIDs())
	require.True(t, res.Step("wait-approval").TimedOut)
	require.Equal(t, 7*24*time.Hour, res.Duration())
}

// A seven-day sleep moves the virtual clock, not the wall clock: the
// test would not end otherwise. How long a run takes in wall time is
// measured by BenchmarkRunSevenDaySleep, not asserted here.
func TestSevenDaySleepMovesTheVirtualClock(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "trials"})
	fn := sevenDaySleep(t, c)
	start := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

	res := inngesttest.Run(t, c, fn, inngesttest.StartAt(start))

	require.NoError(t, res.Err)
	require.Equal(t, "ended", res.Output)
	week := 7 * 24 * time.Hour
	sleep := res.Step("wait-a-week")
	require.Equal(t, inngesttest.KindSleep, sleep.Kind)
	require.Equal(t, week, sleep.Sleep)
	require.Equal(t, start.Add(week), sleep.Until)
	require.Equal(t, start.Add(week), res.Step("end-trial").At, "the next step runs when the sleep ends")
	require.Equal(t, start, res.Started)
	require.Equal(t, week, res.Duration())
}

func sevenDaySleep(t testing.TB, c *inngest.Client) *inngest.Function[Signup, string] {
	return create(t, c, inngest.FunctionOpts{ID: "trial-end"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			if err := step.Sleep(ctx, "wait-a-week", 7*24*time.Hour); err != nil {
				return "", err
			}
			return step.Run(ctx, "end-trial", func(ctx context.Context) (string, error) { return "ended", nil })
		})
}

type Order struct {
	ID string `json:"id"`
}

var OrderPlaced = inngest.EventType[Order]("order/placed")

func TestSagaCompensatesWhenPaymentFails(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	paymentCalls := 0
	fn := create(t, c, inngest.FunctionOpts{ID: "checkout", Retries: inngest.Ptr(2)}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			if _, err := step.Run(ctx, "reserve-stock", func(ctx context.Context) (string, error) {
				return "res-1", nil
			}); err != nil {
				return "", err
			}
			_, err := step.Run(ctx, "charge-card", func(ctx context.Context) (string, error) {
				paymentCalls++
				return "", errors.New("card declined")
			})
			if err != nil {
				if _, cerr := step.Run(ctx, "release-stock", func(ctx context.Context) (bool, error) {
					return true, nil
				}); cerr != nil {
					return "", cerr
				}
				return "", err
			}
			return "ok", nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-1"})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "card declined")
	require.Equal(t, []string{"reserve-stock", "charge-card", "release-stock"}, res.StepIDs())
	charge := res.Step("charge-card")
	require.Equal(t, 3, paymentCalls, "one attempt plus two retries")
	require.Len(t, charge.Attempts, 3)
	require.Equal(t, 2, charge.Attempt)
	require.NotNil(t, charge.Err)
	require.Equal(t, "card declined", charge.Err.Message)
	require.Len(t, res.Attempts, 1, "a step's final error fails the run without retrying the function")
}

func TestNonRetriableStepFailsAfterOneAttempt(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	calls := 0
	fn := create(t, c, inngest.FunctionOpts{ID: "refund"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			return step.Run(ctx, "refund", func(ctx context.Context) (string, error) {
				calls++
				return "", inngest.NonRetriable(errors.New("order not found"))
			})
		})

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, 1, calls)
	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "order not found")
	s := res.Step("refund")
	require.Len(t, s.Attempts, 1)
	require.True(t, s.Attempts[0].Err.NoRetry)
	require.Equal(t, "NonRetriableError", s.Err.Name)
}

func TestNonRetriableFunctionErrorFailsAtOnce(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	calls := 0
	fn := create(t, c, inngest.FunctionOpts{ID: "validate"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			calls++
			return "", inngest.NonRetriable(fmt.Errorf("order %q is invalid", in.Event.Data.ID))
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "x"})))

	require.Equal(t, 1, calls)
	require.Len(t, res.Attempts, 1)
	var re *inngesttest.RunError
	require.ErrorAs(t, res.Err, &re)
	require.True(t, re.NoRetry)
	require.Equal(t, `order "x" is invalid`, re.Message)
}

func TestRetryAfterWaitsOnTheVirtualClock(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "mail"})
	fn := create(t, c, inngest.FunctionOpts{ID: "notify"}, UserSignedUp.Trigger(),
		func(ctx context.Context, in inngest.Input[Signup]) (string, error) {
			return step.Run(ctx, "call-api", func(ctx context.Context) (string, error) {
				if in.Attempt == 0 {
					return "", inngest.RetryAfter(errors.New("rate limited"), 90*time.Second)
				}
				return "delivered", nil
			})
		})

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, "delivered", res.Output)
	s := res.Step("call-api")
	require.Equal(t, 1, s.Attempt)
	require.Len(t, s.Attempts, 1)
	// Never sooner than asked; at most a second later, as on the real
	// server, which counts Retry-After seconds from the current whole second.
	require.GreaterOrEqual(t, s.Attempts[0].RetryAfter, 90*time.Second)
	require.LessOrEqual(t, s.Attempts[0].RetryAfter, 91*time.Second)
	require.Equal(t, "RetryAfterError", s.Attempts[0].Err.Name)
	require.Equal(t, s.Attempts[0].RetryAfter, res.Duration(), "the wait is on the virtual clock")
}

func TestFunctionErrorIsRetriedThenSucceeds(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "flaky"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			if in.Attempt < 2 {
				return 0, errors.New("database unavailable")
			}
			return in.Attempt, nil
		})

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, 2, res.Output)
	require.Len(t, res.Attempts, 2)
	require.Equal(t, "database unavailable", res.Attempts[0].Err.Message)
}

func TestFunctionErrorExhaustsRetries(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "broken", Retries: inngest.Ptr(1)}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return 0, errors.New("always broken")
		})

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.EqualError(t, res.Err, "always broken")
	require.Len(t, res.Attempts, 2)
	require.Zero(t, res.Output)
}
