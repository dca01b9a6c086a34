package ui

import (
	"time"

	"github.com/durablefn/inngest/devserver"
)

// bar is one row of a run's waterfall: a span (a step's call, a sleep, a
// wait, an invoke, the run itself) or an instant (an event of the run).
type bar struct {
	Label string
	// Kind names the row for styling and tests: run, step, retry, failed,
	// error, sleep, wait, invoke, gateway, queued, completed, cancelled.
	Kind   string
	Status string // what happened, in words
	// Try numbers the attempts of a step that failed at least once, from
	// 1; zero for a step that never failed.
	Try     int
	Start   time.Duration // from the run's creation
	Length  time.Duration
	Ongoing bool
	Detail  string
	Output  string // the step's memoized result, indented, when known
	// X and W place the bar, in percent of the run's length.
	X, W float64
}

// waterfall lays out a run's timeline as rows. Spans that begin and end
// in separate entries (sleeps, waits, invokes) become one row; a span
// still open lasts until now.
func waterfall(r *devserver.Run, now time.Time) []*bar {
	start := r.StartedAt
	end := r.EndedAt
	if end.IsZero() {
		end = now
	}
	rows := []*bar{{Label: "run", Kind: "run", Status: string(r.Status), Length: end.Sub(start), Ongoing: r.EndedAt.IsZero()}}
	open := map[string]*bar{} // step ID → open span
	for _, e := range r.Timeline {
		at := e.At.Sub(start)
		switch e.Kind {
		case devserver.TimelineSleep, devserver.TimelineWait, devserver.TimelineInvoke:
			b := &bar{Label: e.Name, Kind: string(e.Kind), Status: spanStatus(e.Kind), Start: at, Length: end.Sub(e.At), Ongoing: true, Detail: e.Detail}
			open[e.StepID] = b
			rows = append(rows, b)
		case devserver.TimelineWoke, devserver.TimelineWaitMatched, devserver.TimelineWaitTimeout, devserver.TimelineInvokeDone:
			b := open[e.StepID]
			if b == nil {
				b = &bar{Label: e.Name, Kind: kindOf(e.Kind), Start: at - e.Duration}
				rows = append(rows, b)
			}
			delete(open, e.StepID)
			b.Length, b.Ongoing, b.Status = at-b.Start, false, string(e.Kind)
			if e.Detail != "" {
				b.Detail = e.Detail
			}
			if v, ok := r.Steps[e.StepID]; ok && e.Kind != devserver.TimelineWoke {
				b.Output = prettyJSON(v)
			}
		case devserver.TimelinePlanned:
			// Bookkeeping: the step's own call is its row.
		default:
			rows = append(rows, entryBar(r, e, at))
		}
	}
	if !r.EndedAt.IsZero() {
		for _, b := range open {
			b.Ongoing, b.Status = false, "ended with the run"
		}
	}
	place(rows, end.Sub(start))
	return rows
}

// entryBar is the row of an entry that is its own span: a call that ran a
// step, failed, or ended the run.
func entryBar(r *devserver.Run, e devserver.TimelineEntry, at time.Duration) *bar {
	b := &bar{Label: e.Name, Kind: kindOf(e.Kind), Status: string(e.Kind),
		Start: at - e.Duration, Length: e.Duration, Detail: e.Detail}
	switch {
	case e.Attempt > 0, e.Kind == devserver.TimelineStepError, e.Kind == devserver.TimelineError, e.Kind == devserver.TimelineStepFailed:
		b.Try = e.Attempt + 1
	}
	if b.Label == "" {
		b.Label = string(e.Kind)
	}
	if e.StepID != "" && (e.Kind == devserver.TimelineStep || e.Kind == devserver.TimelineStepFailed) {
		if v, ok := r.Steps[e.StepID]; ok {
			b.Output = prettyJSON(v)
		}
	}
	return b
}

func kindOf(k devserver.TimelineKind) string {
	switch k {
	case devserver.TimelineStepError:
		return "retry"
	case devserver.TimelineStepFailed:
		return "failed"
	case devserver.TimelineWoke:
		return "sleep"
	case devserver.TimelineWaitMatched, devserver.TimelineWaitTimeout:
		return "wait"
	case devserver.TimelineInvokeDone:
		return "invoke"
	}
	return string(k)
}

func spanStatus(k devserver.TimelineKind) string {
	switch k {
	case devserver.TimelineSleep:
		return "sleeping"
	case devserver.TimelineWait:
		return "waiting"
	}
	return "invoked"
}

// place sets each row's X and W within a run of the given length; a row
// too short to see gets a sliver, kept inside the chart.
func place(rows []*bar, total time.Duration) {
	const sliver = 0.6
	for _, b := range rows {
		if total <= 0 {
			b.X, b.W = 0, sliver
			if b.Kind == "run" {
				b.W = 100
			}
			continue
		}
		b.X = 100 * float64(b.Start) / float64(total)
		b.W = 100 * float64(b.Length) / float64(total)
		b.X = min(max(b.X, 0), 100-sliver)
		b.W = min(max(b.W, sliver), 100-b.X)
	}
}
