package devserver_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
)

// A client's checkpoint default reaches the orchestrator end to end: a
// function that sets none runs its three steps in one call request, and
// one that opts out takes a call a step, plus one for its result.
func TestClientCheckpointDefault(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{TimeSkipping: true, Logger: quietLogger()})
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL(), HTTPClient: srv.HTTPClient(), Logger: quietLogger(),
		Checkpoint: &inngest.Checkpoint{}})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "inherits"}, inngest.OnEvent("sum"), sumSteps(3))
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "off", Checkpoint: &inngest.Checkpoint{Disabled: true}}, inngest.OnEvent("sum"), sumSteps(3))
	require.NoError(t, err)
	var inherits, off atomic.Int32
	interceptedApp(t, srv, c, func(r *http.Request, body []byte) []byte {
		if r.Method == http.MethodPost {
			switch r.URL.Query().Get("fnId") {
			case "app-inherits":
				inherits.Add(1)
			case "app-off":
				off.Add(1)
			}
		}
		return body
	})

	evID := send(t, srv, "sum", nil)
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(evID)
		return len(runs) == 2 && runs[0].Status != devserver.StatusRunning && runs[1].Status != devserver.StatusRunning
	}))
	for _, r := range srv.Runs(evID) {
		require.Equal(t, devserver.StatusCompleted, r.Status)
		require.JSONEq(t, `6`, string(r.Output))
	}
	require.EqualValues(t, 1, inherits.Load(), "the default checkpoints: one call request")
	require.EqualValues(t, 4, off.Load(), "opted out: a call a step and one for the result")
}
