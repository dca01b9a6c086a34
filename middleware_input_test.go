package inngest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/middleware"
)

// inputEdit is a middleware whose TransformInput runs edit.
type inputEdit struct {
	middleware.Base
	edit func(in *middleware.Input)
}

func (m inputEdit) TransformInput(ctx context.Context, _ *middleware.Call, in *middleware.Input) (context.Context, error) {
	m.edit(in)
	return ctx, nil
}

type orderData struct {
	OrderID string `json:"orderId"`
}

// seen is what the function received: its event's order and the orders of
// its events.
type seen struct {
	Event  string   `json:"event"`
	Name   string   `json:"name"`
	Events []string `json:"events"`
}

// runWith runs a function through mw and returns what it received.
func runWith(t *testing.T, mw middleware.Middleware, events ...inngest.Sendable) seen {
	t.Helper()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "app", Middleware: []middleware.Middleware{mw}})
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.On[orderData]("shop/order"),
		func(ctx context.Context, in inngest.Input[orderData]) (seen, error) {
			s := seen{Event: in.Event.Data.OrderID, Name: in.Event.Name, Events: []string{}}
			for _, e := range in.Events {
				s.Events = append(s.Events, e.Data.OrderID)
			}
			return s, nil
		})
	require.NoError(t, err)
	res := inngesttest.Run(t, c, fn, inngesttest.Event(events...))
	require.NoError(t, res.Err)
	return res.Output
}

func order(id string) inngest.Event[orderData] {
	return inngest.Event[orderData]{Name: "shop/order", Data: orderData{OrderID: id}}
}

func TestMiddlewareChangesTheEvents(t *testing.T) {
	t.Parallel()
	replaced := func(id string) *middleware.Event {
		return &middleware.Event{Name: "shop/order", Data: json.RawMessage(`{"orderId":"` + id + `"}`)}
	}
	tests := []struct {
		name   string
		edit   func(in *middleware.Input)
		want   seen
		events []string // default: o1
	}{
		{"Untouched", func(in *middleware.Input) {}, seen{Event: "o1", Name: "shop/order", Events: []string{"o1"}}, nil},
		{"EditedInPlace", func(in *middleware.Input) { in.Event.Data = json.RawMessage(`{"orderId":"edited"}`) },
			seen{Event: "edited", Name: "shop/order", Events: []string{"edited"}}, nil},
		{"EventReplaced", func(in *middleware.Input) { in.Event = replaced("new") },
			seen{Event: "new", Name: "shop/order", Events: []string{"new"}}, nil},
		{"EventsReplaced", func(in *middleware.Input) { in.Events = []*middleware.Event{replaced("x"), replaced("y")} },
			seen{Event: "x", Name: "shop/order", Events: []string{"x", "y"}}, nil},
		{"EveryEventRemoved", func(in *middleware.Input) { in.Events = nil },
			seen{Events: []string{}}, nil},
		{"EventRemoved", func(in *middleware.Input) { in.Event = nil },
			seen{Events: []string{}}, nil},
		{"FirstOfBatchRemoved", func(in *middleware.Input) { in.Event = nil },
			seen{Event: "o2", Name: "shop/order", Events: []string{"o2"}}, []string{"o1", "o2"}},
		{"BatchReordered", func(in *middleware.Input) { in.Events[0], in.Events[1] = in.Events[1], in.Events[0] },
			seen{Event: "o2", Name: "shop/order", Events: []string{"o2", "o1"}}, []string{"o1", "o2"}},
		{"EventOutsideEvents", func(in *middleware.Input) { in.Events, in.Event = []*middleware.Event{replaced("x")}, replaced("y") },
			seen{Event: "y", Name: "shop/order", Events: []string{"x"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.events == nil {
				tt.events = []string{"o1"}
			}
			var events []inngest.Sendable
			for _, id := range tt.events {
				events = append(events, order(id))
			}
			require.Equal(t, tt.want, runWith(t, inputEdit{edit: tt.edit}, events...))
		})
	}
}

// A middleware after the one that replaced the event sees the new event in
// both Input.Event and Input.Events.
func TestMiddlewareSeesTheEventAnEarlierOneSet(t *testing.T) {
	t.Parallel()
	var got []string
	first := inputEdit{edit: func(in *middleware.Input) {
		in.Event = &middleware.Event{Name: "shop/order", Data: json.RawMessage(`{"orderId":"new"}`)}
	}}
	second := inputEdit{edit: func(in *middleware.Input) {
		got = append(got, string(in.Event.Data))
		for _, e := range in.Events {
			got = append(got, string(e.Data))
		}
	}}
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "app", Middleware: []middleware.Middleware{first, second}})
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.On[orderData]("shop/order"),
		func(ctx context.Context, in inngest.Input[orderData]) (string, error) {
			return in.Event.Data.OrderID, nil
		})
	require.NoError(t, err)
	res := inngesttest.Run(t, c, fn, inngesttest.Event(order("o1")))
	require.NoError(t, res.Err)
	require.Equal(t, "new", res.Output)
	require.Equal(t, []string{`{"orderId":"new"}`, `{"orderId":"new"}`}, got)
}
