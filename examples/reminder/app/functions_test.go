package app

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

var start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

func reminder() inngest.Event[Reminder] {
	return ReminderCreated.New(Reminder{ReminderID: "r-1", UserID: "ada", Text: "stand-up", RemindAt: start.Add(2 * time.Hour)})
}

func TestReminderPushesWhenDue(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	pusher := &Fake{}
	fn, err := Register(c, pusher)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(reminder()), inngesttest.StartAt(start))

	require.NoError(t, res.Err)
	require.Equal(t, "push-1", res.Output)
	require.Equal(t, []string{"wait-until-due", "push-notification"}, res.StepIDs())
	require.Equal(t, 2*time.Hour, res.Step("wait-until-due").Sleep)
	require.Equal(t, []string{"ada: stand-up"}, pusher.Pushed())
}

func TestReminderFailsWhenPushKeepsFailing(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	fn, err := Register(c, &Fake{Fail: true})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(reminder()), inngesttest.StartAt(start))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "push service unavailable")
}

// Cancellation belongs to the orchestrator, so the scenario runs on the
// embedded one: the deleted reminder's run is cancelled while it sleeps.
func TestScenarioDeletedReminderIsCancelled(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Equal(t, "Completed", runs[0].Status)
	require.Equal(t, "Cancelled", runs[1].Status)
	require.NotContains(t, runs[1].Timeline, "push-notification")
}
