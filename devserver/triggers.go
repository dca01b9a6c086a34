package devserver

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

type trigger struct {
	fn    *function
	event string
	expr  *expr
}

// triggers compiles a function's triggers, following
// MultipleTriggers.Validate and Trigger.Validate, pkg/inngest/trigger.go:
// at most ten, no two alike, no cron schedule twice (whatever the
// jitter), each an event or a cron. A function with no trigger is
// accepted, as on the server: it can still be invoked.
func (cx *fnCompiler) triggers(fn *function, list []wire.Trigger) ([]*trigger, []*cronEntry) {
	if len(list) > limits.MaxTriggers {
		cx.fail("triggers", "at most %d triggers are allowed, got %d", limits.MaxTriggers, len(list))
	}
	var (
		trs   []*trigger
		crons []*cronEntry
		seen  = make(map[string]bool)
		cron  = make(map[string]bool)
	)
	for i, t := range list {
		field := fmt.Sprintf("triggers[%d]", i)
		b, _ := json.Marshal(t)
		dup := seen[string(b)]
		seen[string(b)] = true
		if dup {
			cx.fail(field, "duplicate trigger %s", b)
		}
		switch {
		case t.Event != "" && t.Cron != "":
			cx.fail(field, "a trigger cannot have both an event and a cron")
		case t.Event != "":
			if len(t.Event) > limits.MaxEventNameLength {
				cx.fail(field+".event", "the event name is longer than %d characters", limits.MaxEventNameLength)
			}
			trs = append(trs, &trigger{fn: fn, event: t.Event, expr: cx.expr(field+".expression", t.Expression)})
		case t.Cron != "":
			if cron[t.Cron] && !dup {
				cx.fail(field+".cron", "duplicate cron expression %q", t.Cron)
			}
			cron[t.Cron] = true
			if ce := compileCron(cx, field, fn, t); ce != nil {
				crons = append(crons, ce)
			}
		default:
			cx.fail(field, "a trigger must have an event name or a cron schedule")
		}
	}
	return trs, crons
}

// compileCron follows CronTrigger.Validate, pkg/inngest/trigger.go: the
// schedule as internal/cronspec reads it (the server's parser), and a
// jitter of 0, or from 1 second to 5 minutes.
func compileCron(cx *fnCompiler, field string, fn *function, t wire.Trigger) *cronEntry {
	if len(t.Cron) > limits.MaxCronLength {
		cx.fail(field+".cron", "the schedule is longer than %d characters", limits.MaxCronLength)
		return nil
	}
	sched, err := cronspec.Parse(t.Cron)
	if err != nil {
		cx.fail(field+".cron", "invalid cron %q: %v", t.Cron, err)
		return nil
	}
	ce := &cronEntry{fn: fn, spec: t.Cron, sched: sched}
	if t.Jitter == nil || strings.TrimSpace(*t.Jitter) == "" {
		return ce
	}
	j, err := timestr.Parse(*t.Jitter)
	switch {
	case err != nil:
		cx.fail(field+".jitter", "%q is not a valid duration", *t.Jitter)
	case j < 0:
		cx.fail(field+".jitter", "must not be negative, got %q", *t.Jitter)
	case j > 0 && j < limits.MinCronJitter:
		cx.fail(field+".jitter", "must be 0 or at least %s, got %q", limits.MinCronJitter, *t.Jitter)
	case j > limits.MaxCronJitter:
		cx.fail(field+".jitter", "must be at most %s, got %q", timestr.Format(limits.MaxCronJitter), *t.Jitter)
	default:
		ce.jitter = j
	}
	return ce
}
