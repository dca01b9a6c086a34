package inngesttest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
)

type Purchase struct {
	Total int `json:"total"`
}

var (
	PurchaseMade    = inngest.EventType[Purchase]("purchase/made")
	PurchaseFlagged = inngest.EventType[Purchase]("purchase/flagged")
)

// bigPurchases creates a function that runs for purchases over 100, and
// for every flagged purchase; ran counts its calls.
func bigPurchases(t *testing.T, ran *int) (*inngest.Client, *inngest.Function[Purchase, int]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "review"},
		PurchaseMade.If("event.data.total > 100").Or(PurchaseFlagged.Trigger()),
		func(ctx context.Context, in inngest.Input[Purchase]) (int, error) {
			*ran++
			return in.Event.Data.Total, nil
		})
	return c, fn
}

func TestTriggerIfStartsNoRunForAnEventItRejects(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := bigPurchases(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(PurchaseMade.New(Purchase{Total: 5})))

	require.Equal(t, inngesttest.StatusNotTriggered, res.Status)
	require.Zero(t, ran, "the function must not run for an event its trigger rejects")
	require.Zero(t, res.Calls)
	require.Empty(t, res.Steps)
	require.Empty(t, res.RunID, "no run started")
	var nt *inngesttest.NotTriggeredError
	require.ErrorAs(t, res.Err, &nt)
	require.Equal(t, "purchase/made", nt.Event.Name)
	require.Equal(t, []string{"event.data.total > 100"}, nt.Expressions)
	require.EqualError(t, res.Err, `inngesttest: event "purchase/made" does not match the if expression of shop-review's trigger ("event.data.total > 100"), so the server would start no run`)
}

func TestTriggerIfRunsForAnEventItAccepts(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := bigPurchases(t, &ran)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(PurchaseMade.New(Purchase{Total: 500})))
	require.NoError(t, res.Err)
	require.Equal(t, inngesttest.StatusCompleted, res.Status)
	require.Equal(t, 500, res.Output)

	// Another trigger without an expression takes any event of its name.
	res = inngesttest.Run(t, c, fn, inngesttest.Event(PurchaseFlagged.New(Purchase{Total: 1})))
	require.NoError(t, res.Err)
	require.Equal(t, 1, res.Output)
	require.Equal(t, 2, ran)
}

func TestTriggerIfAppliesToTheDefaultEvent(t *testing.T) {
	t.Parallel()
	ran := 0
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "review"}, PurchaseMade.If("event.data.total > 100"),
		func(ctx context.Context, in inngest.Input[Purchase]) (int, error) {
			ran++
			return 0, nil
		})

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, inngesttest.StatusNotTriggered, res.Status)
	require.Zero(t, ran)
	require.ErrorContains(t, res.Err, "pass inngesttest.Event with an event that matches it")
}

func TestTriggerIfDropsRejectedEventsFromABatch(t *testing.T) {
	t.Parallel()
	ran := 0
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	var got []int
	fn := create(t, c, inngest.FunctionOpts{ID: "review"}, PurchaseMade.If("event.data.total > 100"),
		func(ctx context.Context, in inngest.Input[Purchase]) (int, error) {
			ran++
			got = got[:0]
			for _, ev := range in.Events {
				got = append(got, ev.Data.Total)
			}
			return len(in.Events), nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(
		PurchaseMade.New(Purchase{Total: 5}),
		PurchaseMade.New(Purchase{Total: 200}),
		PurchaseMade.New(Purchase{Total: 300}),
	))

	require.NoError(t, res.Err)
	require.Equal(t, 2, res.Output)
	require.Equal(t, []int{200, 300}, got)
	require.Len(t, res.Events, 2)
}

func TestTriggerIfThatDoesNotCompileFailsTheTest(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "review"}, PurchaseMade.If("event.data.total >"),
		func(ctx context.Context, in inngest.Input[Purchase]) (int, error) { return 0, nil })

	msg := failures(t, func(tb testing.TB) {
		inngesttest.Run(tb, c, fn, inngesttest.Event(PurchaseMade.New(Purchase{Total: 500})))
	})

	require.Contains(t, msg, `the if expression "event.data.total >" of shop-review's trigger on "purchase/made" does not compile, so the server would reject the app`)
}

func TestNotTriggeredErrorIsNotARunError(t *testing.T) {
	t.Parallel()
	ran := 0
	c, fn := bigPurchases(t, &ran)
	res := inngesttest.Run(t, c, fn, inngesttest.Event(PurchaseMade.New(Purchase{Total: 5})))
	var re *inngesttest.RunError
	require.False(t, errors.As(res.Err, &re), "a run that never started did not fail")
}
