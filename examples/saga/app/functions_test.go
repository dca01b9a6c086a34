package app

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

func setup(t *testing.T) (*inngest.Client, *inngest.Function[Order, string], *Fake) {
	t.Helper()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	shop := &Fake{CardLimit: 50000}
	fn, err := Register(c, shop)
	require.NoError(t, err)
	return c, fn, shop
}

func TestOrderIsReservedChargedAndShipped(t *testing.T) {
	t.Parallel()
	c, fn, shop := setup(t)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{OrderID: "o-1", Qty: 2, Cents: 2400})))

	require.NoError(t, res.Err)
	require.Equal(t, "trk-o-1", res.Output)
	require.Equal(t, []string{"reserve-inventory", "charge", "ship"}, res.StepIDs())
	require.Equal(t, []string{"res-o-1"}, shop.Reserved())
}

func TestDeclinedChargeCancelsTheReservationAndFails(t *testing.T) {
	t.Parallel()
	c, fn, shop := setup(t)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{OrderID: "o-2", Qty: 1, Cents: 89900})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "card declined")
	require.Equal(t, []string{"reserve-inventory", "charge", "cancel-reservation"}, res.StepIDs())
	require.Len(t, res.Step("charge").Attempts, 1, "a declined card is not retried")
	require.Empty(t, shop.Reserved())
}

func TestShippingOutageIsRetriedThenCompensated(t *testing.T) {
	t.Parallel()
	c, fn, shop := setup(t)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(OrderPlaced.New(Order{OrderID: "o-3", Qty: 1, Cents: 1000})),
		inngesttest.MockStepError("ship", errors.New("carrier API down")),
	)

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "carrier API down")
	require.Len(t, res.Step("ship").Attempts, 4)
	require.Equal(t, []string{"reserve-inventory", "charge", "ship", "cancel-reservation"}, res.StepIDs())
	require.Empty(t, shop.Reserved(), "the reservation was released")
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Contains(t, runs[1].Timeline, "cancel-reservation")
}
