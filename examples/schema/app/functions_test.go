package app

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/schema"
)

func TestValidOrderRuns(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fn, err := Register(c)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderCreated.New(Order{
		OrderID: "ord_1", Email: "ada@example.com", Currency: "USD", Items: []Item{{SKU: "mug", Qty: 2}},
	})))

	require.NoError(t, res.Err)
	require.Equal(t, 2, res.Output)
}

func TestInvalidOrderFailsOnceNamingEachBadField(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fn, err := Register(c)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderCreated.New(Order{
		OrderID: "ORD-2", Email: "grace", Currency: "USD", Items: []Item{{SKU: "mug", Qty: 100}},
	})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.Len(t, res.Attempts, 1, "an invalid event is not retried")
	require.True(t, res.Attempts[0].Err.NoRetry)
	require.Empty(t, res.Steps, "no code ran")
	for _, field := range []string{"data.orderId", "data.email", "data.items[0].qty"} {
		require.ErrorContains(t, res.Err, field)
	}
}

func TestSchemaRequiresEveryUntaggedField(t *testing.T) {
	t.Parallel()
	err := Events.Validate(OrderCreated.Name(), json.RawMessage(`{"orderId":"ord_3"}`))
	var verr *schema.ValidationError
	require.ErrorAs(t, err, &verr)
	var fields []string
	for _, f := range verr.Fields {
		fields = append(fields, f.Field)
	}
	require.Subset(t, fields, []string{"data.email", "data.currency", "data.items"})
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
}
