package inngesttest_test

import (
	"context"
	"testing"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
)

// Unit runs make IDs as the real server does: the run's ID, and the ID of
// an event sent without one, are ULIDs.
func TestUnitRunIDsAreULIDs(t *testing.T) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "ids"})
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "echo"}, inngest.OnEvent("echo"),
		func(ctx context.Context, in inngest.Input[map[string]any]) ([]string, error) {
			return []string{in.RunID, in.Event.ID}, nil
		})
	require.NoError(t, err)
	res := inngesttest.Run(t, c, fn)
	require.Len(t, res.Output, 2)
	for _, id := range res.Output {
		_, err := ulid.ParseStrict(id)
		require.NoError(t, err, "%q is not a ULID", id)
	}
}
