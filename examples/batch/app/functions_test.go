package app

import (
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

func views(n int) inngesttest.Option {
	events := make([]inngest.Sendable, n)
	for i := range events {
		events[i] = PageViewed.New(PageView{UserID: "u-1", Path: fmt.Sprintf("/p/%d", i)})
	}
	return inngesttest.Event(events...)
}

func TestBatchIsOneBulkInsert(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	wh := &Fake{}
	fn, err := Register(c, wh)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, views(100))

	require.NoError(t, res.Err)
	require.Equal(t, 100, res.Output)
	require.Equal(t, []string{"bulk-insert"}, res.StepIDs())
	require.Equal(t, []int{100}, wh.Inserts())
}

func TestBatchFailsWhenTheWarehouseIsDown(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	wh := &Fake{Down: true}
	fn, err := Register(c, wh)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, views(3))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "warehouse unavailable")
	require.Len(t, res.Step("bulk-insert").Attempts, 4)
	require.Empty(t, wh.Inserts())
}

// Batching belongs to the orchestrator: on the embedded one, 250 events
// become batches of 100, 100 and 50.
func TestScenarioBatchesOf100(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 3)
}
