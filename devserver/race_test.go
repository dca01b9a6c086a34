package devserver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// TestRaceDiscoversWhenTheFirstStepEnds races a step that blocks until
// the test releases it against one that returns at once. In race mode
// the server calls the function again as soon as the fast step ends, so
// the run completes with its answer while the slow step is still
// running; in the default mode it would wait for both.
func TestRaceDiscoversWhenTheFirstStepEnds(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/race"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				won, v, err := step.Race(ctx,
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "slow", func(ctx context.Context) (string, error) {
							<-release
							return "slow", nil
						})
					},
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "fast", func(ctx context.Context) (string, error) { return "fast", nil })
					},
				)
				return fmt.Sprintf("%d:%s", won, v), err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "test/race", map[string]any{}))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"1:fast"`, string(r.Output))
}

// TestGroupRaceSleepBoundsAWait bounds a wait for an event that never
// comes with a sleep of its own, on the virtual clock: the sleep's
// branch wins at 10 minutes, long before the wait's hour.
func TestGroupRaceSleepBoundsAWait(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	approved := inngest.EventType[map[string]any]("test/approved")
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/ask"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				var g step.Group
				approval := step.Go(&g, func(ctx context.Context) (*inngest.Event[map[string]any], error) {
					return step.WaitForEvent(ctx, "approval", approved, step.WaitOpts{Timeout: time.Hour})
				})
				reminder := step.Go(&g, func(ctx context.Context) (struct{}, error) {
					return struct{}{}, step.Sleep(ctx, "reminder", 10*time.Minute)
				})
				won, err := g.Race(ctx)
				if err != nil {
					return "", err
				}
				switch won {
				case approval:
					return "approved", nil
				case reminder:
					return "remind", nil
				}
				return "", fmt.Errorf("no winner")
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "test/ask", map[string]any{}))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"remind"`, string(r.Output))
	require.Equal(t, 10*time.Minute, r.EndedAt.Sub(r.StartedAt).Round(time.Minute), devserver.FormatTimeline(r))
}
