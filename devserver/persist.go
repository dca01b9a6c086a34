package devserver

import (
	"encoding/json"
	"time"

	"github.com/durablefn/inngest/devserver/store"
	"github.com/durablefn/inngest/internal/wire"
)

// runState is what a store keeps of a run beside its row, steps and
// timeline: everything needed to rebuild it at start, re-arm its timers
// and make its calls again.
type runState struct {
	Output           json.RawMessage `json:"output,omitempty"`
	Err              *wire.UserError `json:"error,omitempty"`
	StartedAt        time.Time       `json:"started_at,omitzero"`
	Calls            []queuedCall    `json:"calls,omitempty"`
	Pending          []pendingState  `json:"pending,omitempty"`
	Planned          []string        `json:"planned,omitempty"`
	DisableImmediate bool            `json:"disable_immediate,omitempty"`
	CancelErr        *wire.UserError `json:"cancel_error,omitempty"`
	Cancelling       bool            `json:"cancelling,omitempty"`
	Priority         time.Duration   `json:"priority,omitempty"`
	SingletonKey     string          `json:"singleton_key,omitempty"`
	Gates            []gateState     `json:"gates,omitempty"`
	Parent           *parentState    `json:"parent,omitempty"`
	Throttled        string          `json:"throttled,omitempty"`
}

// queuedCall is a call queued or in flight: after a restart it is made
// again.
type queuedCall struct {
	StepID  string    `json:"step_id,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	At      time.Time `json:"at"`
}

// pendingState is a sleep, wait, invoke or gateway request in progress.
type pendingState struct {
	StepID  string      `json:"step_id"`
	Kind    wire.Opcode `json:"kind"`
	Name    string      `json:"name,omitempty"`
	Started time.Time   `json:"started"`
	Until   time.Time   `json:"until,omitzero"`
	Event   string      `json:"event,omitempty"`
	Signal  string      `json:"signal,omitempty"`
	If      string      `json:"if,omitempty"`
	Child   string      `json:"child,omitempty"`
}

type gateState struct {
	Key   string `json:"key"`
	Limit int    `json:"limit"`
}

type parentState struct {
	RunID  string `json:"run_id"`
	StepID string `json:"step_id"`
	Done   bool   `json:"done,omitempty"`
}

// state encodes r's runState.
func (r *run) state() runState {
	st := runState{
		Output: r.output, Err: r.err, StartedAt: r.startedAt, DisableImmediate: r.disableImmediate,
		CancelErr: r.cancelErr, Cancelling: r.cancelling, Priority: r.priority,
		SingletonKey: r.singletonKey, Throttled: r.throttled,
	}
	if r.ended() {
		return st
	}
	for _, it := range r.calls {
		st.Calls = append(st.Calls, queuedCall{StepID: it.stepID, Attempt: it.attempt, At: it.at})
	}
	for id, p := range r.outstanding {
		ps := pendingState{StepID: id, Kind: p.kind, Name: p.name, Started: p.started, Until: p.until}
		if p.pause != nil {
			ps.Event = p.pause.event
			if p.pause.expr != nil {
				ps.If = p.pause.expr.String()
			}
		}
		if p.child != nil {
			ps.Child = p.child.id
		}
		if p.signal != nil {
			ps.Signal = p.signal.signal
		}
		st.Pending = append(st.Pending, ps)
	}
	for id := range r.planned {
		st.Planned = append(st.Planned, id)
	}
	for _, g := range r.gates {
		st.Gates = append(st.Gates, gateState{Key: g.key, Limit: g.limit})
	}
	if l := r.parent; l != nil {
		st.Parent = &parentState{RunID: l.parent.id, StepID: l.stepID, Done: l.done}
	}
	return st
}

// appendRows adds r's row and its steps and timeline entries written
// since the last change to c.
func (r *run) appendRows(c *store.Change) {
	st, _ := json.Marshal(r.state())
	row := store.Run{
		ID: r.id, FunctionID: r.fn.id, EventIDs: r.eventIDs, Status: string(r.status),
		CreatedAt: r.createdAt, EndedAt: r.endedAt, State: st,
	}
	if !r.saved {
		row.Events, _ = json.Marshal(r.events)
		r.saved = true
	}
	c.Runs = append(c.Runs, row)
	for i := r.savedSteps; i < len(r.stack); i++ {
		c.Steps = append(c.Steps, store.Step{RunID: r.id, Index: i, StepID: r.stack[i], Value: r.vals[i]})
	}
	r.savedSteps = len(r.stack)
	for i := r.savedTimeline; i < len(r.timeline); i++ {
		e := r.timeline[i]
		data, _ := json.Marshal(e)
		c.Timeline = append(c.Timeline, store.TimelineEntry{RunID: r.id, Index: i, At: e.At, Kind: string(e.Kind), Data: data})
	}
	r.savedTimeline = len(r.timeline)
}
