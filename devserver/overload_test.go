package devserver_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

func TestOverloadBoundsQueuedCalls(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{MaxInFlight: 1, MaxQueuedCalls: 2})
	release := make(chan struct{})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return step.Run(ctx, "wait", func(ctx context.Context) (string, error) {
					<-release
					return "ok", nil
				})
			})
		require.NoError(t, err)
	})
	// One call in flight (blocked) and two due: the queue is full.
	for range 3 {
		send(t, srv, "go", nil)
	}
	waitStats(t, srv, func(st devserver.Stats) bool { return st.InFlight == 1 && st.QueuedCalls == 2 })

	// The API refuses the whole request, clearly, and accepts nothing.
	status, body := postJSON(t, srv.URL()+"/e/key", `{"name":"go"}`)
	require.Equal(t, http.StatusTooManyRequests, status, body)
	require.EqualValues(t, http.StatusTooManyRequests, body["status"])
	require.Contains(t, body["error"], "retry later")
	require.Empty(t, body["ids"])
	require.Equal(t, 3, srv.Stats().Events)

	// SendEvent waits for room instead, until its context ends.
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, err := srv.SendEvent(ctx, devserver.Event{Name: "go"})
		errc <- err
	}()
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	require.Equal(t, 3, srv.Stats().Events)

	got := make(chan []string, 1)
	go func() {
		ids, err := srv.SendEvent(ctxT(t), devserver.Event{Name: "go"})
		if err != nil {
			ids = nil
		}
		got <- ids
	}()
	close(release)
	ids := <-got
	require.Len(t, ids, 1)
	settled(t, srv, "app-slow", 4)
	status, body = postJSON(t, srv.URL()+"/e/key", `{"name":"go"}`)
	require.Equal(t, http.StatusOK, status, body)
}
