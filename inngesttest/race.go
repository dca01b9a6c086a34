package inngesttest

import (
	"sort"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// racing reports whether a 206 answer holds steps in race mode
// (step.Race, step.Group.Race).
func racing(ops []wire.Op) bool {
	for _, op := range ops {
		if wire.IsRace(op.Opts) {
			return true
		}
	}
	return false
}

// settleRace settles the steps of an answer that holds racing steps as
// if they ran side by side from the time they were reported: each ends at
// its own virtual time (a sleep's end, a wait's timeout, a mocked
// invoke's duration, a Run step's retry delays), and their results are
// saved in the order they ended, ties in the order reported. That order
// is what decides a race. The clock then stands at the last end. It
// reports false when the run failed in a targeted call.
func (r *runner) settleRace(res callResult) bool {
	e := r.e
	start := e.now
	base, baseRecs := len(r.stack), len(r.rec.Steps)
	ends := make([]time.Time, 0, len(res.ops))
	for _, op := range res.ops {
		e.now = start
		if !r.settleOp(op, res) {
			return false
		}
		ends = append(ends, e.now)
	}
	latest := start
	for _, t := range ends {
		if t.After(latest) {
			latest = t
		}
	}
	e.now = latest
	if len(r.stack)-base != len(ends) || len(r.rec.Steps)-baseRecs != len(ends) {
		return true // not one result per op: keep the order reported
	}
	order := make([]int, len(ends))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ends[order[a]].Before(ends[order[b]]) })
	stack := append([]string(nil), r.stack[base:]...)
	recs := append([]*StepRecord(nil), r.rec.Steps[baseRecs:]...)
	for i, j := range order {
		r.stack[base+i] = stack[j]
		r.rec.Steps[baseRecs+i] = recs[j]
	}
	return true
}
