package inngesttest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// waitFunction creates a function on a new client that waits an hour for
// an approval with opts (If, Match) and says what it got.
func waitFunction(t testing.TB, opts step.WaitOpts) (*inngest.Client, *inngest.Function[Invoice, string]) {
	t.Helper()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
	opts.Timeout = time.Hour
	fn := create(t, c, inngest.FunctionOpts{ID: "await"}, InvoiceSubmitted.Trigger(),
		func(ctx context.Context, in inngest.Input[Invoice]) (string, error) {
			ev, err := step.WaitForEvent(ctx, "approval", InvoiceApproved, opts)
			if err != nil {
				return "", err
			}
			if ev == nil {
				return "no approval", nil
			}
			return "approved by " + ev.Data.By, nil
		})
	return c, fn
}

var submitted = InvoiceSubmitted.New(Invoice{ID: "inv-1", Amount: 90})

// A mocked event resumes a wait only when the wait's expression matches
// it, with the triggering event as `event` and the mocked one as `async`.
func TestMockedWaitEventIsMatchedAgainstTheExpression(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		opts     step.WaitOpts
		approval Approval
		want     string
	}{
		"IfMatches":                        {opts: step.WaitOpts{If: "async.data.invoiceId == event.data.id"}, approval: Approval{InvoiceID: "inv-1", By: "ana"}, want: "approved by ana"},
		"IfDoesNotMatch":                   {opts: step.WaitOpts{If: "async.data.invoiceId == event.data.id"}, approval: Approval{InvoiceID: "inv-2", By: "ana"}, want: "no approval"},
		"IfOnTheMockedEventAlone":          {opts: step.WaitOpts{If: "async.data.by != 'mallory'"}, approval: Approval{By: "mallory"}, want: "no approval"},
		"IfOnMissingFields":                {opts: step.WaitOpts{If: "async.data.other == event.data.other"}, approval: Approval{InvoiceID: "inv-1", By: "ana"}, want: "no approval"},
		"IfWithNumbers":                    {opts: step.WaitOpts{If: "event.data.amount + 10 == 100 && async.data.by == 'ana'"}, approval: Approval{By: "ana"}, want: "approved by ana"},
		"MatchOnAFieldOnlyTheWaitedOneHas": {opts: step.WaitOpts{Match: "data.invoiceId"}, approval: Approval{InvoiceID: "inv-1", By: "ana"}, want: "no approval"},
		"NoExpression":                     {approval: Approval{InvoiceID: "inv-9", By: "ana"}, want: "approved by ana"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, fn := waitFunction(t, tc.opts)

			res := inngesttest.Run(t, c, fn, inngesttest.Event(submitted), inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(tc.approval)))

			require.NoError(t, res.Err)
			require.Equal(t, tc.want, res.Output)
			w := res.Step("approval")
			require.True(t, w.Mocked)
			if tc.want == "no approval" {
				require.True(t, w.TimedOut)
				require.JSONEq(t, "null", string(w.Output))
				require.NotNil(t, w.Unmatched)
				require.Equal(t, "invoice/approved", w.Unmatched.Name)
				require.Equal(t, tc.approval.By, w.Unmatched.Data["by"])
				require.Equal(t, time.Hour, res.Duration(), "the wait ran to its timeout")
			} else {
				require.False(t, w.TimedOut)
				require.Nil(t, w.Unmatched)
				require.Zero(t, res.Duration())
			}
		})
	}
}

// The Match shorthand compiles to an equality of one field in both
// events, joined to If when both are set.
func TestMockedWaitEventWithMatchShorthand(t *testing.T) {
	t.Parallel()
	type Ticket struct {
		TicketID string `json:"ticketId"`
		By       string `json:"by"`
	}
	opened := inngest.EventType[Ticket]("ticket/opened")
	closed := inngest.EventType[Ticket]("ticket/closed")
	cases := map[string]struct {
		opts   step.WaitOpts
		closed Ticket
		want   string
		wantIf string
	}{
		"Equal":            {opts: step.WaitOpts{Match: "data.ticketId"}, closed: Ticket{TicketID: "t-1", By: "bo"}, want: "closed by bo", wantIf: "event.data.ticketId == async.data.ticketId"},
		"Different":        {opts: step.WaitOpts{Match: "data.ticketId"}, closed: Ticket{TicketID: "t-2", By: "bo"}, want: "still open"},
		"MatchAndIfHold":   {opts: step.WaitOpts{Match: "data.ticketId", If: "async.data.by == 'bo'"}, closed: Ticket{TicketID: "t-1", By: "bo"}, want: "closed by bo", wantIf: "(async.data.by == 'bo') && event.data.ticketId == async.data.ticketId"},
		"OnlyMatchHolds":   {opts: step.WaitOpts{Match: "data.ticketId", If: "async.data.by == 'bo'"}, closed: Ticket{TicketID: "t-1", By: "al"}, want: "still open"},
		"ValueOnlyInAsync": {opts: step.WaitOpts{Match: "data.by"}, closed: Ticket{TicketID: "t-1", By: "bo"}, want: "still open"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "support"})
			opts := tc.opts
			opts.Timeout = time.Hour
			fn := create(t, c, inngest.FunctionOpts{ID: "follow-up"}, opened.Trigger(),
				func(ctx context.Context, in inngest.Input[Ticket]) (string, error) {
					ev, err := step.WaitForEvent(ctx, "closed", closed, opts)
					if err != nil || ev == nil {
						return "still open", err
					}
					return "closed by " + ev.Data.By, nil
				})

			res := inngesttest.Run(t, c, fn, inngesttest.Event(opened.New(Ticket{TicketID: "t-1"})),
				inngesttest.MockWaitForEvent("closed", closed.New(tc.closed)))

			require.Equal(t, tc.want, res.Output)
			w := res.Step("closed")
			if tc.wantIf != "" {
				require.Equal(t, tc.wantIf, w.Wait.If)
			}
			if tc.want == "still open" {
				require.True(t, w.TimedOut)
				require.Equal(t, tc.closed.TicketID, w.Unmatched.Data["ticketId"])
			} else {
				require.Nil(t, w.Unmatched)
			}
		})
	}
}

// With a batch, `event` is the first event of the run.
func TestMockedWaitEventIsMatchedAgainstTheFirstEvent(t *testing.T) {
	t.Parallel()
	c, fn := waitFunction(t, step.WaitOpts{If: "async.data.invoiceId == event.data.id"})
	first, second := InvoiceSubmitted.New(Invoice{ID: "inv-1"}), InvoiceSubmitted.New(Invoice{ID: "inv-2"})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(first, second), inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(Approval{InvoiceID: "inv-2", By: "ana"})))
	require.Equal(t, "no approval", res.Output)

	res = inngesttest.Run(t, c, fn, inngesttest.Event(first, second), inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1", By: "ana"})))
	require.Equal(t, "approved by ana", res.Output)
}

// The log names the step, the expression and both events; a failed
// evaluation says why.
func TestUnmatchedMockedWaitEventIsLogged(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		expr string
		want []string
	}{
		"NotEqual": {
			expr: "async.data.invoiceId == event.data.id",
			want: []string{`inngesttest: step "approval" of billing-await: the mocked event does not match the wait's expression "async.data.invoiceId == event.data.id", so the server would not resume the wait with it: the step times out and returns nil. async (the mocked event): {`},
		},
		"EvaluationFails": {
			expr: "async.data.by > 3",
			want: []string{`the wait's expression "async.data.by > 3" (evaluating it: no such overload`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, fn := waitFunction(t, step.WaitOpts{If: tc.expr})
			r := &logRecorder{TB: t}

			res := inngesttest.Run(r, c, fn, inngesttest.Event(submitted), inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(Approval{InvoiceID: "inv-2", By: "ana"})))

			require.Equal(t, "no approval", res.Output)
			require.Len(t, r.logs, 1)
			log := r.logs[0]
			for _, want := range tc.want {
				require.Contains(t, log, want)
			}
			require.Contains(t, log, `"name":"invoice/approved","data":{"invoiceId":"inv-2","by":"ana"}`)
			require.Contains(t, log, `event (the run's triggering event): {`)
			require.Contains(t, log, `"name":"invoice/submitted","data":{"id":"inv-1","amount":90}`)
		})
	}
}

// A mocked event of another name never reaches the wait, whatever its
// expression says.
func TestMockedWaitEventOfAnotherNameTimesOut(t *testing.T) {
	t.Parallel()
	c, fn := waitFunction(t, step.WaitOpts{})
	r := &logRecorder{TB: t}
	other := inngest.EventType[Approval]("invoice/rejected")
	res := inngesttest.Run(r, c, fn, inngesttest.Event(submitted), inngesttest.MockWaitForEvent("approval", other.New(Approval{InvoiceID: "inv-1"})))

	require.Equal(t, "no approval", res.Output)
	rec := res.Steps[0]
	require.True(t, rec.TimedOut)
	require.NotNil(t, rec.Unmatched)
	require.Equal(t, "invoice/rejected", rec.Unmatched.Name)
	require.Len(t, r.logs, 1)
	require.Contains(t, r.logs[0], `the mocked event is named "invoice/rejected" but the wait is for "invoice/approved"`)
}

// A matching event, a timeout or a wait without an expression log nothing.
func TestMatchedMockedWaitEventIsNotLogged(t *testing.T) {
	t.Parallel()
	c, fn := waitFunction(t, step.WaitOpts{If: "async.data.invoiceId == event.data.id"})
	for _, mock := range []inngesttest.Option{
		inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1"})),
		inngesttest.MockWaitTimeout("approval"),
	} {
		r := &logRecorder{TB: t}
		inngesttest.Run(r, c, fn, inngesttest.Event(submitted), mock)
		require.Empty(t, r.logs)
	}
}

// An If expression the server could not compile fails the test, whatever
// the mock.
func TestBadWaitExpressionFailsTheTest(t *testing.T) {
	t.Parallel()
	c, fn := waitFunction(t, step.WaitOpts{If: "async.data.invoiceId === event.data.id"})
	for name, mock := range map[string]inngesttest.Option{
		"MockedEvent": inngesttest.MockWaitForEvent("approval", InvoiceApproved.New(Approval{InvoiceID: "inv-1"})),
		"Timeout":     inngesttest.MockWaitTimeout("approval"),
		"NoMock":      nil,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			msg := failures(t, func(tb testing.TB) { inngesttest.Run(tb, c, fn, inngesttest.Event(submitted), mock) })
			require.Contains(t, msg, `inngesttest: step "approval" of billing-await waits for event "invoice/approved" with an If expression that does not compile, so the server would fail the run: invalid expression "async.data.invoiceId === event.data.id": `)
			require.Equal(t, 1, strings.Count(msg, "inngesttest:"), msg)
		})
	}
}
