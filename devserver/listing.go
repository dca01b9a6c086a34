package devserver

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"
)

// DefaultListLimit is how many runs or events ListRuns and ListEvents
// return when their filter sets no Limit.
const DefaultListLimit = 100

// RunFilter selects the runs ListRuns returns. Its zero value selects
// the DefaultListLimit newest runs.
type RunFilter struct {
	// Status, when set, keeps only runs with that status.
	Status RunStatus
	// FunctionID, when set, keeps only runs of that function (its
	// composite ID, "<app id>-<fn id>").
	FunctionID string
	// Since and Until, when set, keep only runs created at or after Since
	// and before Until, on the server's clock.
	Since, Until time.Time
	// Limit bounds the runs returned; zero or less means DefaultListLimit.
	Limit int
}

func (f RunFilter) keeps(r *run) bool {
	return (f.Status == "" || r.status == f.Status) &&
		(f.FunctionID == "" || r.fn.id == f.FunctionID) &&
		(f.Since.IsZero() || !r.createdAt.Before(f.Since)) &&
		(f.Until.IsZero() || r.createdAt.Before(f.Until))
}

// EventFilter selects the events ListEvents returns. Its zero value
// selects the DefaultListLimit newest events.
type EventFilter struct {
	// Name, when set, keeps only events of that name.
	Name string
	// Limit bounds the events returned; zero or less means
	// DefaultListLimit.
	Limit int
}

// StoredEvent is a received event as the server keeps it.
type StoredEvent struct {
	// ID is the internal ID (a ULID) that SendEvent and POST /e return.
	ID string `json:"internal_id"`
	// Name is the event's name.
	Name string `json:"name"`
	// Event is the event as it is sent to SDKs: name, data, user, id, ts.
	Event json.RawMessage `json:"event"`
	// ReceivedAt is when it arrived, on the server's clock.
	ReceivedAt time.Time `json:"received_at"`
	// RunIDs lists the runs it started, oldest first.
	RunIDs []string `json:"run_ids"`
}

// listLimit is a filter's limit, DefaultListLimit when not positive.
func listLimit(n int) int {
	if n <= 0 {
		return DefaultListLimit
	}
	return n
}

// ListRuns returns snapshots of the runs f selects, newest first, without
// their timelines and steps (Run has them).
func (s *Server) ListRuns(ctx context.Context, f RunFilter) ([]*Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.Limit = listLimit(f.Limit)
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshots(s.st.listRuns(f), false), nil
}

// ListEvents returns the kept events f selects, newest first.
func (s *Server) ListEvents(ctx context.Context, f EventFilter) ([]*StoredEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.Limit = listLimit(f.Limit)
	s.mu.Lock()
	recs := s.st.listEvents(f)
	out := make([]*StoredEvent, len(recs))
	for i, ev := range recs {
		out[i] = ev.snapshot()
	}
	s.mu.Unlock()
	return out, nil
}

// EventByID returns the kept event with that internal ID, or nil.
func (s *Server) EventByID(id string) *StoredEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev := s.st.event(id); ev != nil {
		return ev.snapshot()
	}
	return nil
}

func (ev *eventRecord) snapshot() *StoredEvent {
	return &StoredEvent{ID: ev.id, Name: ev.name, Event: ev.raw, ReceivedAt: ev.receivedAt, RunIDs: slices.Clone(ev.runIDs)}
}

func (m *memStore) listRuns(f RunFilter) []*run {
	var out []*run
	for _, r := range m.runs {
		if f.keeps(r) {
			out = append(out, r)
		}
	}
	// Run IDs are ULIDs: in creation order, to the millisecond, then by
	// randomness; the creation time decides first.
	slices.SortFunc(out, func(a, b *run) int {
		return cmp.Or(b.createdAt.Compare(a.createdAt), cmp.Compare(b.id, a.id))
	})
	return out[:min(len(out), f.Limit)]
}

func (m *memStore) listEvents(f EventFilter) []*eventRecord {
	var out []*eventRecord
	q := m.eventQ.items[m.eventQ.head:]
	for i := len(q) - 1; i >= 0 && len(out) < f.Limit; i-- {
		if ev := q[i]; f.Name == "" || ev.name == f.Name {
			out = append(out, ev)
		}
	}
	return out
}
