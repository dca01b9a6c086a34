package ui

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

func TestWaterfallPlacesSpans(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	r := &devserver.Run{
		ID: "r", Status: devserver.StatusRunning, StartedAt: t0,
		Steps: map[string]json.RawMessage{"s1": json.RawMessage(`{"ok":true}`), "w1": json.RawMessage(`{"name":"paid"}`)},
		Timeline: []devserver.TimelineEntry{
			{At: at(0), Kind: devserver.TimelineQueued},
			{At: at(10 * time.Second), Kind: devserver.TimelineStepError, StepID: "s1", Name: "charge", Duration: 10 * time.Second, Detail: "boom"},
			{At: at(30 * time.Second), Kind: devserver.TimelineStep, StepID: "s1", Name: "charge", Attempt: 1, Duration: 10 * time.Second},
			{At: at(30 * time.Second), Kind: devserver.TimelinePlanned, StepID: "x", Name: "planned"},
			{At: at(30 * time.Second), Kind: devserver.TimelineSleep, StepID: "z1", Name: "nap"},
			{At: at(60 * time.Second), Kind: devserver.TimelineWoke, StepID: "z1", Name: "nap", Duration: 30 * time.Second},
			{At: at(60 * time.Second), Kind: devserver.TimelineWait, StepID: "w1", Name: "payment"},
			{At: at(80 * time.Second), Kind: devserver.TimelineWaitMatched, StepID: "w1", Name: "payment", Duration: 20 * time.Second},
			{At: at(80 * time.Second), Kind: devserver.TimelineSleep, StepID: "z2", Name: "again"},
		},
	}
	rows := waterfall(r, at(100*time.Second))
	type got struct {
		Kind, Label, Status string
		Try                 int
		X, W                float64
		Ongoing             bool
	}
	var out []got
	for _, b := range rows {
		out = append(out, got{b.Kind, b.Label, b.Status, b.Try, b.X, b.W, b.Ongoing})
	}
	require.Equal(t, []got{
		{"run", "run", "Running", 0, 0, 100, true},
		{"queued", "queued", "queued", 0, 0, 0.6, false},
		{"retry", "charge", "step.error", 1, 0, 10, false},
		{"step", "charge", "step", 2, 20, 10, false},
		{"sleep", "nap", "sleep.done", 0, 30, 30, false},
		{"wait", "payment", "wait.matched", 0, 60, 20, false},
		{"sleep", "again", "sleeping", 0, 80, 20, true},
	}, out)
	require.Equal(t, "{\n  \"ok\": true\n}", rows[3].Output, "a step's output comes from its memoized result")
	require.Equal(t, "{\n  \"name\": \"paid\"\n}", rows[5].Output, "a wait's output is the event it received")
	require.Empty(t, rows[4].Output, "a sleep has none")

	// When the run ends, what was open ends with it.
	r.Status, r.EndedAt = devserver.StatusCancelled, at(100*time.Second)
	rows = waterfall(r, at(500*time.Second))
	require.False(t, rows[6].Ongoing)
	require.Equal(t, "ended with the run", rows[6].Status)
}

func TestWaterfallOfAnInstantRun(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	r := &devserver.Run{StartedAt: t0, EndedAt: t0, Status: devserver.StatusCompleted, Timeline: []devserver.TimelineEntry{
		{At: t0, Kind: devserver.TimelineQueued},
		{At: t0, Kind: devserver.TimelineCompleted},
	}}
	rows := waterfall(r, t0)
	require.Len(t, rows, 3)
	require.InDelta(t, 100, rows[0].W, 0)
	for _, b := range rows[1:] {
		require.InDelta(t, 0.6, b.W, 0, "a sliver, still visible")
	}
}
