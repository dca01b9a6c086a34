package devserver

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/wire"
)

// cronEntry is one cron trigger of a synced function.
type cronEntry struct {
	fn     *function
	spec   string
	sched  cronspec.Schedule
	jitter time.Duration // 0, or the trigger's jitter: 1s to 5m
	timer  *timer
}

// fireAt returns when the tick scheduled at at fires. As on the real
// server (handleCron in pkg/execution/executor/service.go, with
// DeterministicJitter in pkg/execution/cron/cron.go), a trigger with a
// jitter fires at a delay in [1s, jitter) after its tick (1s for a
// jitter of 1s), taken from a hash of the tick: the same tick of the
// same function always fires at the same time, under the virtual clock
// too. The server hashes its queue job ID with xxhash; this hashes the
// function, the schedule and the tick's Unix milliseconds with FNV-1a,
// the seed the server falls back to.
func (ce *cronEntry) fireAt(at time.Time) time.Time {
	if ce.jitter <= 0 {
		return at
	}
	span := ce.jitter - limits.MinCronJitter
	if span <= 0 {
		return at.Add(limits.MinCronJitter)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(ce.fn.id + ":" + ce.spec + ":" + strconv.FormatInt(at.UnixMilli(), 10)))
	return at.Add(limits.MinCronJitter + time.Duration(h.Sum64()%uint64(span)))
}

// armCron schedules a cron entry's next tick. Called with s.mu held.
func (s *Server) armCron(ce *cronEntry, now time.Time) {
	next := ce.sched.Next(now)
	if next.IsZero() {
		return
	}
	fire := ce.fireAt(next)
	s.j.setKV(kvCron, ce.key(), timeValue(next))
	ce.timer = s.afterBG(fire, func() {
		if s.fns[ce.fn.id] != ce.fn {
			return
		}
		// The event the real server sends: the schedule, the tick and
		// the time it fired, which is also its timestamp.
		data, _ := json.Marshal(map[string]any{
			"cron":        ce.spec,
			"scheduledAt": next.UTC().Format(time.RFC3339),
			"fireAt":      fire.UTC().Format(time.RFC3339),
		})
		ev := wire.Event{Name: wire.EventCron, Data: data, Timestamp: fire.UnixMilli()}
		if rec := s.storeEvent(&ev); rec != nil {
			s.createRun(ce.fn, []*eventRecord{rec}, s.clock.Now(), nil)
		}
		// The next tick follows this one, not the clock, as on the real
		// server (ScheduleNext, pkg/execution/cron/manager.go, schedules
		// from the tick's own time): ticks missed by a jump of the clock
		// (a virtual clock advanced, a machine that slept) each fire, in
		// order, with their own scheduledAt. Advancing a "*/5" cron by a
		// day starts 288 runs.
		s.armCron(ce, next)
	})
}

// key names the entry's position in the store.
func (ce *cronEntry) key() string { return ce.fn.id + "\x00" + ce.spec }
