// Package storetest is the conformance suite of store.Store: every
// implementation runs it, so that the orchestrator can rely on each
// store the same way.
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/durablefn/inngest/devserver/store"
	"github.com/stretchr/testify/require"
)

// Factory opens stores for the suite.
type Factory struct {
	// New returns an empty store.
	New func(t *testing.T) store.Store
	// Reopen closes s and returns a store over the same data, as a
	// restarted process would see it.
	Reopen func(t *testing.T, s store.Store) store.Store
}

// Run runs the suite.
func Run(t *testing.T, f Factory) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"EmptyLoad", testEmptyLoad},
		{"EventsRoundTrip", testEvents},
		{"RunEventsWrittenOnce", testRunEventsOnce},
		{"StepsReplaceByIndex", testSteps},
		{"TimelineInOrder", testTimeline},
		{"DropRunTakesItsRows", testDropRun},
		{"AppsAndKV", testAppsKV},
		{"DropsAfterPuts", testDropsAfterPuts},
		{"BadChangeAppliesNothing", testAtomic},
		{"SurvivesReopen", testReopen},
		{"LargeValues", testLarge},
		{"ConcurrentApplyAndLoad", testConcurrent},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, f) })
	}
}

var ctx = context.Background()

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)

func apply(t *testing.T, s store.Store, c *store.Change) {
	t.Helper()
	require.NoError(t, s.Apply(ctx, c))
}

func load(t *testing.T, s store.Store) *store.Snapshot {
	t.Helper()
	snap, err := s.Load(ctx)
	require.NoError(t, err)
	return snap
}

func open(t *testing.T, f Factory) store.Store {
	s := f.New(t)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func testEmptyLoad(t *testing.T, f Factory) {
	snap := load(t, open(t, f))
	require.Empty(t, snap.Events)
	require.Empty(t, snap.Runs)
	require.Empty(t, snap.Steps)
	require.Empty(t, snap.Timeline)
	require.Empty(t, snap.Apps)
	require.Empty(t, snap.KV)
}

func testEvents(t *testing.T, f Factory) {
	s := open(t, f)
	apply(t, s, &store.Change{Events: []store.Event{
		{ID: "b", Seq: 2, Key: "k2", Name: "n", Data: []byte(`{"x":2}`), ReceivedAt: t0.Add(time.Second)},
		{ID: "a", Seq: 1, Key: "k1", Name: "n", Data: []byte(`{"x":1}`), ReceivedAt: t0},
	}})
	apply(t, s, &store.Change{Events: []store.Event{{ID: "c", Seq: 3, Key: "k3", Name: "m", Data: []byte(`{}`), ReceivedAt: t0}}})
	snap := load(t, s)
	require.Len(t, snap.Events, 3)
	for i, id := range []string{"a", "b", "c"} {
		require.Equal(t, id, snap.Events[i].ID, "events come back in Seq order")
	}
	e := snap.Events[1]
	require.Equal(t, uint64(2), e.Seq)
	require.Equal(t, "k2", e.Key)
	require.Equal(t, `{"x":2}`, string(e.Data))
	require.True(t, e.ReceivedAt.Equal(t0.Add(time.Second)), "nanoseconds survive: %v", e.ReceivedAt)
}

func testRunEventsOnce(t *testing.T, f Factory) {
	s := open(t, f)
	run := store.Run{ID: "r1", FunctionID: "app-fn", EventIDs: []string{"e1", "e2"}, Events: []byte(`[{"a":1},{"a":2}]`),
		Status: "Running", CreatedAt: t0, State: []byte(`{"v":1}`)}
	apply(t, s, &store.Change{Runs: []store.Run{run}})
	run.Events, run.Status, run.EndedAt, run.State = nil, "Completed", t0.Add(time.Minute), []byte(`{"v":2}`)
	apply(t, s, &store.Change{Runs: []store.Run{run}})
	snap := load(t, s)
	require.Len(t, snap.Runs, 1)
	got := snap.Runs[0]
	require.Equal(t, `[{"a":1},{"a":2}]`, string(got.Events), "nil Events keeps the stored events")
	require.Equal(t, []string{"e1", "e2"}, got.EventIDs)
	require.Equal(t, "Completed", got.Status)
	require.Equal(t, `{"v":2}`, string(got.State))
	require.True(t, got.CreatedAt.Equal(t0))
	require.True(t, got.EndedAt.Equal(t0.Add(time.Minute)))

	running := store.Run{ID: "r2", FunctionID: "app-fn", Events: []byte(`[]`), Status: "Running", CreatedAt: t0}
	apply(t, s, &store.Change{Runs: []store.Run{running}})
	snap = load(t, s)
	require.True(t, snap.Runs[1].EndedAt.IsZero(), "a zero EndedAt stays zero")
}

func testSteps(t *testing.T, f Factory) {
	s := open(t, f)
	run := store.Run{ID: "r", FunctionID: "f", Events: []byte(`[]`), Status: "Running", CreatedAt: t0}
	apply(t, s, &store.Change{Runs: []store.Run{run}, Steps: []store.Step{
		{RunID: "r", Index: 1, StepID: "s1", Value: []byte(`{"data":1}`)},
		{RunID: "r", Index: 0, StepID: "s0", Value: []byte(`{"data":0}`)},
	}})
	apply(t, s, &store.Change{Steps: []store.Step{{RunID: "r", Index: 1, StepID: "s1", Value: []byte(`{"data":"again"}`)}}})
	snap := load(t, s)
	require.Len(t, snap.Steps, 2)
	require.Equal(t, "s0", snap.Steps[0].StepID)
	require.Equal(t, `{"data":"again"}`, string(snap.Steps[1].Value), "a step at the same index is replaced")
}

func testTimeline(t *testing.T, f Factory) {
	s := open(t, f)
	var c store.Change
	for i := 11; i >= 0; i-- {
		c.Timeline = append(c.Timeline, store.TimelineEntry{RunID: "r", Index: i, At: t0.Add(time.Duration(i)), Kind: "step", Data: []byte(fmt.Sprintf(`{"i":%d}`, i))})
	}
	c.Timeline = append(c.Timeline, store.TimelineEntry{RunID: "a", Index: 0, At: t0, Kind: "queued", Data: []byte(`{}`)})
	apply(t, s, &c)
	snap := load(t, s)
	require.Len(t, snap.Timeline, 13)
	require.Equal(t, "a", snap.Timeline[0].RunID)
	for i, e := range snap.Timeline[1:] {
		require.Equal(t, i, e.Index, "entries come back by run, then index")
		require.True(t, e.At.Equal(t0.Add(time.Duration(i))))
	}
}

func testDropRun(t *testing.T, f Factory) {
	s := open(t, f)
	for _, id := range []string{"keep", "drop"} {
		apply(t, s, &store.Change{
			Runs:     []store.Run{{ID: id, FunctionID: "f", EventIDs: []string{"e"}, Events: []byte(`[]`), Status: "Completed", CreatedAt: t0}},
			Steps:    []store.Step{{RunID: id, StepID: "s", Value: []byte(`1`)}},
			Timeline: []store.TimelineEntry{{RunID: id, Kind: "completed", At: t0, Data: []byte(`{}`)}},
		})
	}
	apply(t, s, &store.Change{DropRuns: []string{"drop", "never-existed"}})
	snap := load(t, s)
	require.Len(t, snap.Runs, 1)
	require.Equal(t, "keep", snap.Runs[0].ID)
	require.Len(t, snap.Steps, 1)
	require.Len(t, snap.Timeline, 1)
	require.Equal(t, "keep", snap.Steps[0].RunID)
}

func testAppsKV(t *testing.T, f Factory) {
	s := open(t, f)
	apply(t, s, &store.Change{
		Apps: []store.App{{ID: "a", URL: "http://a/api", Config: []byte(`{"v":1}`)}, {ID: "b", URL: "http://b", Config: []byte(`{}`)}},
		KV:   []store.KV{{Kind: "batch", Key: "k1", Value: []byte(`1`)}, {Kind: "cron", Key: "k1", Value: []byte(`2`)}, {Kind: "batch", Key: "", Value: nil}},
	})
	apply(t, s, &store.Change{
		Apps:     []store.App{{ID: "a", URL: "http://a2/api", Config: []byte(`{"v":2}`)}},
		DropApps: []string{"b"},
		KV:       []store.KV{{Kind: "batch", Key: "k1", Value: []byte(`3`)}},
		DropKV:   []store.KVKey{{Kind: "cron", Key: "k1"}},
	})
	snap := load(t, s)
	require.Equal(t, []store.App{{ID: "a", URL: "http://a2/api", Config: []byte(`{"v":2}`)}}, snap.Apps)
	require.Len(t, snap.KV, 2)
	require.Equal(t, store.KV{Kind: "batch", Key: "", Value: []byte{}}, normKV(snap.KV[0]), "an empty key and value are kept")
	require.Equal(t, store.KV{Kind: "batch", Key: "k1", Value: []byte(`3`)}, snap.KV[1])
}

func normKV(kv store.KV) store.KV {
	if kv.Value == nil {
		kv.Value = []byte{}
	}
	return kv
}

func testDropsAfterPuts(t *testing.T, f Factory) {
	s := open(t, f)
	apply(t, s, &store.Change{
		Events:     []store.Event{{ID: "e", Name: "n", Data: []byte(`{}`), ReceivedAt: t0}},
		DropEvents: []string{"e"},
		KV:         []store.KV{{Kind: "k", Key: "x", Value: []byte(`1`)}},
		DropKV:     []store.KVKey{{Kind: "k", Key: "x"}},
	})
	snap := load(t, s)
	require.Empty(t, snap.Events, "drops apply after puts in one change")
	require.Empty(t, snap.KV)
}

func testAtomic(t *testing.T, f Factory) {
	s := open(t, f)
	bad := &store.Change{
		Events: []store.Event{{ID: "e", Name: "n", Data: []byte(`{}`), ReceivedAt: t0}},
		Runs:   []store.Run{{ID: "r", FunctionID: "f", Events: []byte(`[]`), Status: "Running", CreatedAt: t0}},
		KV:     []store.KV{{Kind: "", Key: "no kind"}},
	}
	require.Error(t, s.Apply(ctx, bad))
	snap := load(t, s)
	require.Empty(t, snap.Events, "a refused change leaves nothing behind")
	require.Empty(t, snap.Runs)
}

func testReopen(t *testing.T, f Factory) {
	s := f.New(t)
	apply(t, s, &store.Change{
		Events: []store.Event{{ID: "e", Seq: 7, Name: "n", Data: []byte(`{}`), ReceivedAt: t0}},
		Runs:   []store.Run{{ID: "r", FunctionID: "f", EventIDs: []string{"e"}, Events: []byte(`[{}]`), Status: "Running", CreatedAt: t0, State: []byte(`{"s":1}`)}},
		Steps:  []store.Step{{RunID: "r", StepID: "s", Value: []byte(`{"data":1}`)}},
		Apps:   []store.App{{ID: "a", URL: "u", Config: []byte(`{}`)}},
		KV:     []store.KV{{Kind: "cron", Key: "c", Value: []byte(`"t"`)}},
	})
	before := load(t, s)
	s = f.Reopen(t, s)
	t.Cleanup(func() { _ = s.Close() })
	after := load(t, s)
	require.Equal(t, len(before.Events), len(after.Events))
	require.Equal(t, before.Runs[0].State, after.Runs[0].State)
	require.Equal(t, before.Steps, after.Steps)
	require.Equal(t, before.Apps, after.Apps)
	require.Equal(t, before.KV, after.KV)
	apply(t, s, &store.Change{DropRuns: []string{"r"}})
	require.Empty(t, load(t, s).Runs, "a reopened store takes changes")
}

func testLarge(t *testing.T, f Factory) {
	s := open(t, f)
	big := bytes.Repeat([]byte("x"), 4<<20)
	val := append(append([]byte(`"`), big...), '"')
	apply(t, s, &store.Change{Steps: []store.Step{{RunID: "r", StepID: "s", Value: val}}})
	snap := load(t, s)
	require.Equal(t, len(val), len(snap.Steps[0].Value))
}

func testConcurrent(t *testing.T, f Factory) {
	s := open(t, f)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				id := fmt.Sprintf("e-%d-%d", w, i)
				if err := s.Apply(ctx, &store.Change{Events: []store.Event{{ID: id, Seq: uint64(w*100 + i), Name: "n", Data: []byte(`{}`), ReceivedAt: t0}}}); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Load(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.Len(t, load(t, s).Events, 100)
}

func testClosed(t *testing.T, f Factory) {
	s := f.New(t)
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Apply(ctx, &store.Change{}), store.ErrClosed)
	_, err := s.Load(ctx)
	require.ErrorIs(t, err, store.ErrClosed)
	require.NoError(t, s.Close(), "Close twice is harmless")
}
