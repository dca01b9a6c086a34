package devserver

import (
	"github.com/durablefn/inngest/devserver/store"
)

// journal collects, with the server's lock held, what changed since the
// last commit to the store, and hands it over as one store.Change: a
// consistent cut of the server's state, taken under the lock. A server
// without a store has no journal; every method is a no-op on nil.
type journal struct {
	runs       []*run
	events     []*eventRecord
	dropEvents []string
	dropRuns   []string
	apps       map[string]*store.App // nil value: drop
	kv         map[store.KVKey][]byte
	dropKV     map[store.KVKey]bool
	// done is closed once everything collected so far is durable.
	done chan struct{}
	// wake tells the committer there is something to commit.
	wake chan struct{}
}

func newJournal() *journal {
	j := &journal{wake: make(chan struct{}, 1)}
	j.reset()
	return j
}

func (j *journal) reset() {
	j.runs, j.events, j.dropEvents, j.dropRuns = nil, nil, nil, nil
	j.apps = make(map[string]*store.App)
	j.kv = make(map[store.KVKey][]byte)
	j.dropKV = make(map[store.KVKey]bool)
	j.done = make(chan struct{})
}

func (j *journal) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// touch records that r changed.
func (r *run) touch() {
	if j := r.j; j != nil && !r.journaled {
		r.journaled = true
		j.runs = append(j.runs, r)
		j.signal()
	}
}

func (j *journal) putEvent(ev *eventRecord) {
	if j != nil {
		j.events = append(j.events, ev)
		j.signal()
	}
}

func (j *journal) dropEvent(id string) {
	if j != nil {
		j.dropEvents = append(j.dropEvents, id)
		j.signal()
	}
}

func (j *journal) dropRun(id string) {
	if j != nil {
		j.dropRuns = append(j.dropRuns, id)
		j.signal()
	}
}

func (j *journal) putApp(a *store.App) {
	if j != nil {
		j.apps[a.ID] = a
		j.signal()
	}
}

// setKV records a key-value row; a nil value drops it.
func (j *journal) setKV(kind, key string, value []byte) {
	if j == nil {
		return
	}
	k := store.KVKey{Kind: kind, Key: key}
	if value == nil {
		delete(j.kv, k)
		j.dropKV[k] = true
	} else {
		delete(j.dropKV, k)
		j.kv[k] = value
	}
	j.signal()
}

// take returns what was collected as one change, and the channel to close
// once it is durable, and starts collecting anew.
func (j *journal) take() (*store.Change, chan struct{}) {
	c := &store.Change{DropRuns: j.dropRuns, DropEvents: j.dropEvents}
	for _, ev := range j.events {
		c.Events = append(c.Events, store.Event{ID: ev.id, Seq: ev.seq, Key: ev.key, Name: ev.name, Data: ev.raw, ReceivedAt: ev.receivedAt})
	}
	for _, r := range j.runs {
		r.journaled = false
		if !r.evicted {
			r.appendRows(c)
		}
	}
	for id, a := range j.apps {
		if a == nil {
			c.DropApps = append(c.DropApps, id)
		} else {
			c.Apps = append(c.Apps, *a)
		}
	}
	for k, v := range j.kv {
		c.KV = append(c.KV, store.KV{Kind: k.Kind, Key: k.Key, Value: v})
	}
	for k := range j.dropKV {
		c.DropKV = append(c.DropKV, k)
	}
	done := j.done
	j.reset()
	return c, done
}
