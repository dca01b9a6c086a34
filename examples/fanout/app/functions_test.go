package app

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

func functions(t *testing.T, store Store) (*inngest.Client, *inngest.Function[struct{}, FanOut], *inngest.Function[User, string]) {
	t.Helper()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fns, err := Register(c, store)
	require.NoError(t, err)
	return c, fns.Loader, fns.Worker
}

func TestLoaderSendsOneEventPerUserInOneStep(t *testing.T) {
	t.Parallel()
	c, loader, _ := functions(t, &MemStore{})

	res := inngesttest.Run(t, c, loader)

	require.NoError(t, res.Err)
	require.Equal(t, []string{"load-users", "fan-out"}, res.StepIDs())
	sent := res.Step("fan-out").Sent
	require.Len(t, sent, 3)
	for _, ev := range sent {
		require.Equal(t, DigestEmail.Name(), ev.Name)
	}
	require.Equal(t, "grace@example.com", sent[1].Data["email"])
	require.Equal(t, 3, res.Output.Users)
	require.Len(t, res.Output.EventIDs, 3)
}

func TestWorkerFailsWhenTheMailboxIsUnavailable(t *testing.T) {
	t.Parallel()
	store := &MemStore{fail: map[string]bool{"ada@example.com": true}}
	c, _, worker := functions(t, store)

	res := inngesttest.Run(t, c, worker, inngesttest.Event(DigestEmail.New(User{ID: "ada", Email: "ada@example.com"})))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "mailbox ada@example.com unavailable")
	require.Len(t, res.Step("send-email").Attempts, 4)
	require.Empty(t, store.Sent())
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 4, "the loader and one worker per user")
}
