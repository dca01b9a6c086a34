package devserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// listingApp syncs "ok" (on a, one step) and "nap" (on b, a day's sleep)
// on a server whose virtual clock does not skip.
func listingApp(t *testing.T) (*devserver.Server, *devserver.VirtualClock) {
	vc := devserver.NewVirtualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	inProcApp(t, srv, "list", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "ok", Name: "OK"}, inngest.OnEvent("a").If("event.data.go == true"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				return step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "done", nil })
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nap"}, inngest.OnEvent("b"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				return "", step.Sleep(ctx, "z", 24*time.Hour)
			})
		require.NoError(t, err)
	})
	return srv, vc
}

// mustField returns one field of a JSON object.
func mustField(t *testing.T, obj json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(obj, &m))
	require.Contains(t, m, name)
	return m[name]
}

func runIDs(runs []*devserver.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func TestListRunsFilters(t *testing.T) {
	srv, vc := listingApp(t)
	ctx := ctxT(t)
	first := oneRun(t, srv, send(t, srv, "a", map[string]any{"go": true}))
	vc.Advance(time.Hour)
	napEv := send(t, srv, "b", nil)
	require.NoError(t, srv.WaitIdle(ctx))
	napping := srv.Runs(napEv)[0]
	vc.Advance(time.Minute)
	second := oneRun(t, srv, send(t, srv, "a", map[string]any{"go": true}))

	all, err := srv.ListRuns(ctx, devserver.RunFilter{})
	require.NoError(t, err)
	require.Equal(t, []string{second.ID, napping.ID, first.ID}, runIDs(all), "newest first")
	require.Empty(t, all[0].Timeline, "no timelines in a list")

	for name, tc := range map[string]struct {
		f    devserver.RunFilter
		want []string
	}{
		"status":   {devserver.RunFilter{Status: devserver.StatusRunning}, []string{napping.ID}},
		"function": {devserver.RunFilter{FunctionID: "list-ok"}, []string{second.ID, first.ID}},
		"since":    {devserver.RunFilter{Since: vc.Now().Add(-time.Minute)}, []string{second.ID, napping.ID}},
		"until":    {devserver.RunFilter{Until: vc.Now().Add(-time.Minute)}, []string{first.ID}},
		"limit":    {devserver.RunFilter{Limit: 1}, []string{second.ID}},
		"none":     {devserver.RunFilter{Status: devserver.StatusFailed}, []string{}},
	} {
		got, err := srv.ListRuns(ctx, tc.f)
		require.NoError(t, err)
		require.Equal(t, tc.want, runIDs(got), name)
	}
}

func TestListEventsAndEventByID(t *testing.T) {
	srv, _ := listingApp(t)
	ctx := ctxT(t)
	skipped := send(t, srv, "a", map[string]any{"go": false})
	started := send(t, srv, "a", map[string]any{"go": true})
	r := oneRun(t, srv, started)

	evs, err := srv.ListEvents(ctx, devserver.EventFilter{Name: "a"})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, started, evs[0].ID, "newest first")
	require.Equal(t, []string{r.ID}, evs[0].RunIDs)
	require.Equal(t, skipped, evs[1].ID)
	require.Empty(t, evs[1].RunIDs, "its expression did not match")
	require.JSONEq(t, `{"go":true}`, string(mustField(t, evs[0].Event, "data")))

	all, err := srv.ListEvents(ctx, devserver.EventFilter{Limit: 100})
	require.NoError(t, err)
	require.Greater(t, len(all), 2, "internal events too (inngest/function.finished)")
	one, err := srv.ListEvents(ctx, devserver.EventFilter{Limit: 1})
	require.NoError(t, err)
	require.Len(t, one, 1)

	got := srv.EventByID(started)
	require.NotNil(t, got)
	require.Equal(t, "a", got.Name)
	require.Nil(t, srv.EventByID("01JZZZZZZZZZZZZZZZZZZZZZZZ"))
}

func TestAppsDescribesFunctions(t *testing.T) {
	srv, vc := listingApp(t)
	apps := srv.Apps()
	require.Len(t, apps, 1)
	a := apps[0]
	require.Equal(t, "list", a.ID)
	require.Equal(t, "http://list.local/api/inngest", a.URL)
	require.Equal(t, vc.Now(), a.SyncedAt)
	require.Len(t, a.Functions, 2)
	for _, fn := range a.Functions {
		// Each function's configuration is its part of the sync payload.
		require.JSONEq(t, `"`+fn.ID+`"`, string(mustField(t, fn.Config, "id")))
	}
	ok := a.Functions[slices.IndexFunc(a.Functions, func(f devserver.FunctionInfo) bool { return f.ID == "list-ok" })]
	require.Equal(t, "OK", ok.Name)
	require.Equal(t, []devserver.TriggerInfo{{Event: "a", Expression: "event.data.go == true"}}, ok.Triggers)

	// A sync that changes nothing still counts as the last sync.
	vc.Advance(time.Hour)
	require.NoError(t, srv.SyncApp(ctxT(t), a.URL))
	require.Equal(t, vc.Now(), srv.Apps()[0].SyncedAt)
}

func TestRerunStartsTheFunctionAgain(t *testing.T) {
	srv, _ := listingApp(t)
	ctx := ctxT(t)
	ev := send(t, srv, "a", map[string]any{"go": true})
	first := oneRun(t, srv, ev)
	id, err := srv.Rerun(ctx, first.ID)
	require.NoError(t, err)
	again, err := srv.WaitForRun(ctx, id)
	require.NoError(t, err)
	require.Equal(t, devserver.StatusCompleted, again.Status)
	require.Equal(t, first.EventIDs, again.EventIDs)
	require.Len(t, srv.Runs(ev), 2, "both runs are listed under the event")

	_, err = srv.Rerun(ctx, "01JZZZZZZZZZZZZZZZZZZZZZZZ")
	require.ErrorIs(t, err, devserver.ErrRunNotFound)
}

func TestRerunOfAGoneFunction(t *testing.T) {
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	define := func(id string) func(c *inngest.Client) {
		return func(c *inngest.Client) {
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: id}, inngest.OnEvent("a"),
				func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) { return "x", nil })
			require.NoError(t, err)
		}
	}
	inProcApp(t, srv, "gone", define("first"))
	r := oneRun(t, srv, send(t, srv, "a", nil))
	inProcApp(t, srv, "gone", define("second")) // the resync drops "first"
	_, err := srv.Rerun(ctxT(t), r.ID)
	require.ErrorIs(t, err, devserver.ErrFunctionGone)
}

func TestChangedClosesOnChangeAndReportsClosing(t *testing.T) {
	srv, err := devserver.New(devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(time.Time{})})
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	ch, open := srv.Changed()
	require.True(t, open)
	select {
	case <-ch:
		t.Fatal("closed before any change")
	default:
	}
	send(t, srv, "a", nil)
	<-ch // closed by the event: a hang here fails the test by its timeout
	ch, _ = srv.Changed()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Close(ctx))
	<-ch
	_, open = srv.Changed()
	require.False(t, open)
	_, err = srv.Rerun(ctxT(t), "01JZZZZZZZZZZZZZZZZZZZZZZZ")
	require.True(t, errors.Is(err, devserver.ErrClosed))
}
