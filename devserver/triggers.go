package devserver

import (
	"fmt"

	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/fnspec"
	"github.com/durablefn/inngest/internal/wire"
)

type trigger struct {
	fn    *function
	event string
	expr  *expr
}

// triggers compiles the triggers fnspec accepted: an event trigger's
// expression, and a cron trigger's schedule and jitter. A function with
// no trigger is accepted, as on the server: it can still be invoked.
func (cx *fnCompiler) triggers(fn *function, list []wire.Trigger) ([]*trigger, []*cronEntry) {
	var (
		trs   []*trigger
		crons []*cronEntry
	)
	for i, t := range list {
		switch {
		case t.Event != "" && t.Cron != "":
		case t.Event != "":
			field := fmt.Sprintf("triggers[%d].expression", i)
			trs = append(trs, &trigger{fn: fn, event: t.Event, expr: cx.expr(field, t.Expression)})
		case t.Cron != "":
			if sched, err := cronspec.Parse(t.Cron); err == nil {
				crons = append(crons, &cronEntry{fn: fn, spec: t.Cron, sched: sched, jitter: fnspec.Jitter(t)})
			}
		}
	}
	return trs, crons
}
