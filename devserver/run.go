package devserver

import (
	"encoding/json"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// RunStatus is a run's state as the API reports it.
type RunStatus string

// Run statuses, named as the real server's API names them.
const (
	StatusRunning   RunStatus = "Running"
	StatusCompleted RunStatus = "Completed"
	StatusFailed    RunStatus = "Failed"
	StatusCancelled RunStatus = "Cancelled"
)

// Ended reports whether the status is final.
func (s RunStatus) Ended() bool { return s != StatusRunning && s != "" }

// RunError is the error that ended a run.
type RunError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

func (e *RunError) Error() string { return e.Name + ": " + e.Message }

// Run is a snapshot of one function run.
type Run struct {
	// ID is the run's ID, a ULID.
	ID string `json:"run_id"`
	// FunctionID is the function's composite ID ("<app id>-<fn id>").
	FunctionID string `json:"function_id"`
	// EventID is the internal ID (a ULID, as SendEvent and POST /e return
	// it) of the triggering event; for a batch, of its last event, as the
	// real server reports it.
	EventID string `json:"event_id"`
	// EventIDs lists the internal IDs of every event of the run (several
	// for a batch).
	EventIDs []string `json:"event_ids"`
	// Status is Running until the run ends.
	Status RunStatus `json:"status"`
	// StartedAt is when the run was created.
	StartedAt time.Time `json:"run_started_at"`
	// EndedAt is when it ended; zero while running.
	EndedAt time.Time `json:"ended_at"`
	// Output is the function's JSON result when Completed, or its error as
	// JSON when Failed.
	Output json.RawMessage `json:"output"`
	// Error is the error of a Failed or Cancelled run.
	Error *RunError `json:"error,omitempty"`
	// Steps maps hashed step IDs to their memoized results.
	Steps map[string]json.RawMessage `json:"steps,omitempty"`
	// WaitingFor lists the event names the run's waits are waiting for.
	WaitingFor []string `json:"waiting_for,omitempty"`
	// Timeline is what happened to the run, in order.
	Timeline []TimelineEntry `json:"timeline,omitempty"`
}

// MarshalJSON writes the run as the real server's runs API does, with
// ended_at null while the run goes on.
func (r Run) MarshalJSON() ([]byte, error) {
	type plain Run
	out := struct {
		plain
		EndedAt *time.Time `json:"ended_at"`
	}{plain: plain(r)}
	if !r.EndedAt.IsZero() {
		out.EndedAt = &r.EndedAt
	}
	return json.Marshal(out)
}

type discoveryState uint8

const (
	discoveryNone discoveryState = iota
	discoveryQueued
	discoveryInFlight
)

// run is a run's full state, owned by the store and changed only with the
// server's lock held.
type run struct {
	id       string
	fn       *function
	eventIDs []string
	events   []json.RawMessage
	steps    map[string]json.RawMessage
	stack    []string
	vals     []json.RawMessage // values of stack's steps, in its order

	status    RunStatus
	output    json.RawMessage
	err       *wire.UserError
	createdAt time.Time
	startedAt time.Time // first call
	endedAt   time.Time
	timeline  []TimelineEntry
	stateSize int

	inFlight         int
	discovery        discoveryState
	dirty            bool
	planned          map[string]struct{}
	race             raceState // race-mode steps (race.go)
	outstanding      map[string]*pending
	disableImmediate bool
	cancelling       bool
	cancelErr        *wire.UserError

	gates        []gate
	priority     time.Duration
	singletonKey string
	pauses       []*pause // cancellation pauses
	timers       []*timer
	parent       *invokeLink
	evicted      bool // retention dropped it from the store

	// calls are the run's calls queued or in flight, kept only with a
	// store (persist.go).
	calls []*item
	// throttled is the throttle key the run waits on to start.
	throttled string

	// Durability (journal.go, persist.go): j is the server's journal (nil
	// without a store); journaled says r is in it; saved that r's row was
	// written once; savedSteps and savedTimeline count what was written.
	j                         *journal
	journaled, saved          bool
	savedSteps, savedTimeline int
}

// pending is an asynchronous step in progress: a sleep, a wait or an
// invoke.
type pending struct {
	kind    wire.Opcode
	name    string
	started time.Time
	until   time.Time // when its timer fires
	pause   *pause
	timer   *timer
	child   *run
	signal  *signalWait // a WaitForSignal step's wait (signal.go)
}

// invokeLink ties an invoked run to the step that waits for it.
type invokeLink struct {
	parent *run
	stepID string
	done   bool
}

type gate struct {
	key   string
	limit int
}

func (r *run) ended() bool { return r.status.Ended() }

func (r *run) add(e TimelineEntry) {
	r.touch()
	e.Detail = shorten(e.Detail)
	r.timeline = append(r.timeline, e)
}

// dropCall forgets a call that was made or will not be.
func (r *run) dropCall(it *item) {
	for i, c := range r.calls {
		if c == it {
			last := len(r.calls) - 1
			r.calls[i] = r.calls[last]
			r.calls[last] = nil
			r.calls = r.calls[:last]
			r.touch()
			return
		}
	}
}

// eventID is the event the run is listed under: the last of a batch, as
// on the real server.
func (r *run) eventID() string {
	if len(r.eventIDs) == 0 {
		return ""
	}
	return r.eventIDs[len(r.eventIDs)-1]
}

// snapshot copies the run for callers outside the lock.
func (r *run) snapshot(withDetail bool) *Run {
	out := &Run{
		ID:         r.id,
		FunctionID: r.fn.id,
		EventID:    r.eventID(),
		EventIDs:   append([]string(nil), r.eventIDs...),
		Status:     r.status,
		StartedAt:  r.createdAt,
		EndedAt:    r.endedAt,
		Output:     r.output,
	}
	if r.err != nil {
		out.Error = &RunError{Name: r.err.Name, Message: r.err.Message, Stack: r.err.Stack}
	}
	for _, p := range r.outstanding {
		if p.kind == wire.OpWaitForEvent && p.pause != nil {
			out.WaitingFor = append(out.WaitingFor, p.pause.event)
		}
	}
	if withDetail {
		out.Timeline = append([]TimelineEntry(nil), r.timeline...)
		if len(r.steps) > 0 {
			out.Steps = make(map[string]json.RawMessage, len(r.steps))
			for k, v := range r.steps {
				out.Steps[k] = v
			}
		}
	}
	return out
}
