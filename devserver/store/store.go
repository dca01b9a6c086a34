// Package store defines what the embedded orchestrator (package devserver)
// keeps durably, and the interface a store implements to keep it.
//
// The orchestrator works on its state in memory and hands every change to
// its store as one [Change], the net effect of everything that happened
// since the previous one. [Store.Apply] makes a change durable atomically;
// [Store.Load] returns what was applied, so that a restarted orchestrator
// rebuilds its state, re-arms its timers and makes again the calls that
// were in flight. The rows are opaque to a store beyond their keys: a
// store keeps bytes, it never interprets them.
//
// Two stores come with the module: [NewMemory], which keeps rows in memory
// (for tests of restarts within one process), and package sqlitestore,
// which keeps them in a SQLite file. Package storetest is the conformance
// suite every Store passes.
package store

import (
	"context"
	"errors"
	"time"
)

// Store keeps an orchestrator's state. Methods are called from one
// goroutine at a time for writes (Apply) but Load may be called
// concurrently with nothing else; implementations must be safe for
// concurrent use anyway.
type Store interface {
	// Load returns everything the store holds, each list in key order
	// (events by Seq, steps and timeline entries by run then index).
	Load(ctx context.Context) (*Snapshot, error)
	// Apply makes c durable as one atomic update: once it returns nil,
	// every later Load, after a crash too, sees all of c; when it returns
	// an error, nothing of c was applied. Rows are applied first (events,
	// runs, steps, timeline entries, apps, key-value rows), then drops.
	Apply(ctx context.Context, c *Change) error
	// Close releases the store. Apply and Load fail after it.
	Close() error
}

// ErrClosed is returned by a closed store.
var ErrClosed = errors.New("store: closed")

// Event is a received event.
type Event struct {
	// ID is the orchestrator's internal ID for the event (a ULID).
	ID string
	// Seq orders events by arrival.
	Seq uint64
	// Key is the event's own "id" field, its idempotency key.
	Key string
	// Name is the event's name.
	Name string
	// Data is the event as JSON, as sent to SDKs.
	Data []byte
	// ReceivedAt is when the orchestrator accepted it.
	ReceivedAt time.Time
}

// Run is a function run.
type Run struct {
	ID         string
	FunctionID string
	// EventIDs are the internal IDs of the run's events.
	EventIDs []string
	// Events is the run's events as a JSON array. Nil in an update keeps
	// the stored value: events never change, so they are written once.
	Events []byte
	// Status is the run's status as the orchestrator's API names it.
	Status    string
	CreatedAt time.Time
	// EndedAt is zero while the run goes on.
	EndedAt time.Time
	// State is the orchestrator's encoding of everything else about the
	// run: its pending steps, queued calls, timers and flow control.
	State []byte
}

// Step is a memoized step result, the Index-th of its run.
type Step struct {
	RunID string
	Index int
	// StepID is the hashed step ID.
	StepID string
	// Value is the memoized result as JSON.
	Value []byte
}

// TimelineEntry is the Index-th entry of a run's timeline.
type TimelineEntry struct {
	RunID string
	Index int
	At    time.Time
	Kind  string
	// Data is the whole entry as JSON.
	Data []byte
}

// App is a synced app.
type App struct {
	ID  string
	URL string
	// Config is the app's sync payload as JSON.
	Config []byte
}

// KV is a row of flow-control or scheduling state: batches, debounces,
// throttle and rate-limit state, idempotency keys and cron positions,
// told apart by Kind.
type KV struct {
	Kind  string
	Key   string
	Value []byte
}

// KVKey names a KV row.
type KVKey struct {
	Kind string
	Key  string
}

// Change is one atomic update.
type Change struct {
	Events   []Event
	Runs     []Run
	Steps    []Step
	Timeline []TimelineEntry
	Apps     []App
	KV       []KV

	// DropEvents lists internal event IDs to forget.
	DropEvents []string
	// DropRuns lists runs to forget with their steps and timelines.
	DropRuns []string
	DropApps []string
	DropKV   []KVKey
}

// Empty reports whether c changes nothing.
func (c *Change) Empty() bool {
	return len(c.Events)+len(c.Runs)+len(c.Steps)+len(c.Timeline)+len(c.Apps)+len(c.KV)+
		len(c.DropEvents)+len(c.DropRuns)+len(c.DropApps)+len(c.DropKV) == 0
}

// Validate reports the first row without its key. Stores call it before
// applying anything, so that a bad change is refused whole.
func (c *Change) Validate() error {
	for _, e := range c.Events {
		if e.ID == "" || e.Name == "" {
			return errors.New("store: an event needs an ID and a name")
		}
	}
	for _, r := range c.Runs {
		if r.ID == "" || r.FunctionID == "" {
			return errors.New("store: a run needs an ID and a function ID")
		}
	}
	for _, s := range c.Steps {
		if s.RunID == "" || s.Index < 0 {
			return errors.New("store: a step needs a run ID and an index ≥ 0")
		}
	}
	for _, t := range c.Timeline {
		if t.RunID == "" || t.Index < 0 {
			return errors.New("store: a timeline entry needs a run ID and an index ≥ 0")
		}
	}
	for _, a := range c.Apps {
		if a.ID == "" {
			return errors.New("store: an app needs an ID")
		}
	}
	for _, kv := range c.KV {
		if kv.Kind == "" {
			return errors.New("store: a key-value row needs a kind")
		}
	}
	return nil
}

// Snapshot is everything a store holds.
type Snapshot struct {
	Events   []Event
	Runs     []Run
	Steps    []Step
	Timeline []TimelineEntry
	Apps     []App
	KV       []KV
}
