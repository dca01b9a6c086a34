package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/durablefn/inngest/internal/wire"
)

// Event is an event to send with Server.SendEvent.
type Event struct {
	// ID is optional: the event's idempotency key, kept as its "id"
	// field. Events with an ID seen in the last 24 hours are accepted but
	// start nothing. It is not the ID SendEvent returns: every stored
	// event gets an internal ID of the server's own.
	ID string `json:"id,omitempty"`
	// Name is required.
	Name string `json:"name"`
	// Data must encode as a JSON object; nil means {}.
	Data any `json:"data,omitempty"`
	// User is optional data about the user.
	User any `json:"user,omitempty"`
	// Timestamp is in Unix milliseconds; zero means now.
	Timestamp int64 `json:"ts,omitempty"`
	// Version is an optional version of the event's schema.
	Version string `json:"v,omitempty"`
}

// SendEvent accepts events as POST /e/{key} would and returns their
// internal IDs (ULIDs), as the real server's event API does: the IDs runs
// are listed under (Runs, WaitForEventRuns, GET /v1/events/{id}/runs). An
// Event.ID is kept as the event's "id" field, its idempotency key.
func (s *Server) SendEvent(ctx context.Context, events ...Event) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ws := make([]wire.Event, len(events))
	for i, e := range events {
		w := wire.Event{ID: e.ID, Name: e.Name, Timestamp: e.Timestamp, Version: e.Version}
		if e.Data != nil {
			b, err := json.Marshal(e.Data)
			if err != nil {
				return nil, fmt.Errorf("devserver: event %d: encoding data: %w", i, err)
			}
			w.Data = b
		}
		if e.User != nil {
			b, err := json.Marshal(e.User)
			if err != nil {
				return nil, fmt.Errorf("devserver: event %d: encoding user: %w", i, err)
			}
			w.User = b
		}
		if err := s.validateEvent(&w, i); err != nil {
			return nil, err
		}
		ws[i] = w
	}
	// Wait for room in the queue of due calls rather than refuse: an
	// embedding program sees back-pressure, never a lost event.
	for {
		s.mu.Lock()
		if s.queued() < s.cfg.MaxQueuedCalls || s.closing {
			break
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("devserver: waiting for room in the queue (%d calls due): %w", s.cfg.MaxQueuedCalls, ctx.Err())
		}
	}
	if s.closing {
		s.unlock()
		return nil, ErrClosed
	}
	ids := s.ingest(ws, nil)
	done := s.durable()
	s.unlock()
	if err := awaitDurable(ctx, done); err != nil {
		return nil, fmt.Errorf("devserver: the events were accepted but may not be durable: %w", err)
	}
	return ids, nil
}

// ErrClosed is returned by SendEvent once Close has begun.
var ErrClosed = errors.New("devserver: the server is closed")

// validateEvent checks one incoming event and fills defaults.
func (s *Server) validateEvent(e *wire.Event, i int) error {
	if strings.TrimSpace(e.Name) == "" {
		return fmt.Errorf("event %d has no name", i)
	}
	if len(e.Name) > 256 {
		return fmt.Errorf("event %d: name longer than 256 bytes", i)
	}
	if wire.IsInternalEvent(e.Name) {
		// As on the real server: only the server emits these, so no
		// sender can fake a run's failure to onFailure handlers.
		return fmt.Errorf("event %d (%q): the name is reserved for internal use", i, e.Name)
	}
	if wire.IsNull(e.Data) {
		e.Data = json.RawMessage("{}")
	} else if t := bytes.TrimSpace(e.Data); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("event %d (%q): data must be a JSON object", i, e.Name)
	}
	if wire.IsNull(e.User) {
		e.User = nil
	} else if t := bytes.TrimSpace(e.User); t[0] != '{' {
		return fmt.Errorf("event %d (%q): user must be a JSON object", i, e.Name)
	}
	if len(e.Data)+len(e.User) > s.cfg.MaxEventBytes {
		return fmt.Errorf("event %d (%q) is larger than %d bytes", i, e.Name, s.cfg.MaxEventBytes)
	}
	if len(e.ID) > 128 {
		return fmt.Errorf("event %d (%q): id longer than 128 bytes", i, e.Name)
	}
	return nil
}

// parseEvents reads a POST /e body: one event or an array of events.
func (s *Server) parseEvents(body []byte) ([]wire.Event, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("empty body: send an event object or an array of events")
	}
	var list []wire.Event
	switch body[0] {
	case '[':
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("malformed event array: %w", err)
		}
	case '{':
		var one wire.Event
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, fmt.Errorf("malformed event: %w", err)
		}
		list = []wire.Event{one}
	default:
		return nil, errors.New("body must be an event object or an array of events")
	}
	if len(list) == 0 {
		return nil, errors.New("no events in the array")
	}
	for i := range list {
		if err := s.validateEvent(&list[i], i); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// storeEvent gives an event its internal ID, fills its ID and timestamp,
// and stores it; it returns nil for a duplicate. Called with s.mu held.
func (s *Server) storeEvent(e *wire.Event) *eventRecord {
	rec, _ := s.storeEventID(e, "")
	return rec
}

// storeEventID stores an event under the internal ID id (a new one when
// empty) and returns its record, or nil when the event is a duplicate,
// and the internal ID. As on the real server, the internal ID is always
// the server's own, and the event's "id" field is the sender's, used as
// its idempotency key; an event sent without one gets its internal ID
// there too. Called with s.mu held.
func (s *Server) storeEventID(e *wire.Event, id string) (*eventRecord, string) {
	now := s.clock.Now()
	if id == "" {
		id = newID()
	}
	if e.ID == "" {
		e.ID = id
	}
	if e.Timestamp == 0 {
		e.Timestamp = now.UnixMilli()
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	raw, _ := json.Marshal(e)
	s.eventSeq++
	rec := &eventRecord{seq: s.eventSeq, id: id, key: e.ID, name: e.Name, raw: raw, receivedAt: now}
	if s.st.putEvent(rec, s.oldestCallSeq()) {
		return nil, id
	}
	s.j.putEvent(rec)
	return rec, id
}

// ingest stores validated events and acts on them: resumes matching
// waits, cancels matching runs and starts triggered functions. It returns
// the events' internal IDs; seed, when set, fixes them. Called with s.mu
// held.
func (s *Server) ingest(events []wire.Event, seed *idSeed) []string {
	s.fireDue()
	ids := make([]string, len(events))
	for i := range events {
		id := ""
		if seed != nil {
			id = seed.id(i + 1)
		}
		rec, id := s.storeEventID(&events[i], id)
		ids[i] = id
		if rec == nil {
			continue // a duplicate ID: accepted, acted on once
		}
		s.act(rec)
	}
	s.notify()
	return ids
}

// emit sends an internal event. Called with s.mu held.
func (s *Server) emit(name string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		s.log.Error("devserver: encoding an internal event", "event", name, "error", err)
		return
	}
	s.ingest([]wire.Event{{Name: name, Data: raw}}, nil)
}

// act matches a new event against pauses and triggers.
func (s *Server) act(ev *eventRecord) {
	var async map[string]any
	if s.st.pauseCount() > 0 {
		async = decodeMap(ev.raw)
		for _, p := range s.st.pauseCandidates(ev.name, async) {
			if !p.filed || p.run.ended() {
				continue
			}
			if !p.matches(s, async) {
				continue
			}
			switch p.kind {
			case pauseWait:
				s.resolveWait(p, ev)
			case pauseCancel:
				s.dropPause(p)
				s.cancelRun(p.run, &wire.UserError{Name: "FunctionCancelled", Message: "cancelled by event " + ev.name + " (" + ev.id + ")"})
			}
		}
	}
	trs := s.triggers[ev.name]
	if len(trs) == 0 {
		return
	}
	for _, tr := range trs {
		if async == nil && (tr.expr != nil || tr.fn.batch != nil || tr.fn.debounce != nil) {
			async = decodeMap(ev.raw)
		}
		if tr.expr != nil && !tr.expr.Match(async, nil) {
			continue
		}
		s.trigger(tr.fn, ev, async)
	}
}
