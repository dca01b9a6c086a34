package fnspec

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// triggers follows MultipleTriggers.Validate and Trigger.Validate,
// pkg/inngest/trigger.go: at most ten, no two alike, no cron schedule
// twice (whatever the jitter), each an event or a cron.
func (c *checker) triggers(list []wire.Trigger) {
	if len(list) > limits.MaxTriggers {
		c.fail("triggers", "at most %d triggers are allowed, got %d", limits.MaxTriggers, len(list))
	}
	seen := make(map[string]bool, len(list))
	crons := make(map[string]bool, len(list))
	for i, t := range list {
		field := fmt.Sprintf("triggers[%d]", i)
		b, _ := json.Marshal(t)
		dup := seen[string(b)]
		seen[string(b)] = true
		if dup {
			c.fail(field, "duplicate trigger %s", b)
		}
		switch {
		case t.Event != "" && t.Cron != "":
			c.fail(field, "a trigger cannot have both an event and a cron")
		case t.Event != "":
			if len(t.Event) > limits.MaxEventNameLength {
				c.fail(field+".event", "the event name is longer than %d characters", limits.MaxEventNameLength)
			}
			c.expr(field+".expression", t.Expression)
		case t.Cron != "":
			if crons[t.Cron] && !dup {
				c.fail(field+".cron", "duplicate cron expression %q", t.Cron)
			}
			crons[t.Cron] = true
			c.cron(field, t)
		default:
			c.fail(field, "a trigger must have an event name or a cron schedule")
		}
	}
}

// cron follows CronTrigger.Validate, pkg/inngest/trigger.go: the schedule
// as internal/cronspec reads it (the server's parser), and a jitter of 0,
// or from 1 second to 5 minutes.
func (c *checker) cron(field string, t wire.Trigger) {
	if len(t.Cron) > limits.MaxCronLength {
		c.fail(field+".cron", "the schedule is longer than %d characters", limits.MaxCronLength)
		return
	}
	if _, err := cronspec.Parse(t.Cron); err != nil {
		c.fail(field+".cron", "invalid cron %q: %v", t.Cron, err)
		return
	}
	if t.Jitter == nil || strings.TrimSpace(*t.Jitter) == "" {
		return
	}
	j, err := timestr.Parse(*t.Jitter)
	switch {
	case err != nil:
		c.fail(field+".jitter", "%q is not a valid duration", *t.Jitter)
	case j < 0:
		c.fail(field+".jitter", "must not be negative, got %q", *t.Jitter)
	case j > 0 && j < limits.MinCronJitter:
		c.fail(field+".jitter", "must be 0 or at least %s, got %q", limits.MinCronJitter, *t.Jitter)
	case j > limits.MaxCronJitter:
		c.fail(field+".jitter", "must be at most %s, got %q", timestr.Format(limits.MaxCronJitter), *t.Jitter)
	}
}

// Jitter returns a cron trigger's jitter, 0 when it has none. Call it on
// a trigger Check accepted.
func Jitter(t wire.Trigger) time.Duration {
	if t.Jitter == nil || strings.TrimSpace(*t.Jitter) == "" {
		return 0
	}
	j, _ := timestr.Parse(*t.Jitter)
	return max(j, 0)
}
