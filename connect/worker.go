package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/app"
)

// State is where a Worker is in its life.
type State int

// The states of a Worker, in the order a run of it goes through them.
const (
	// StateConnecting: Run started and no connection is ready yet.
	StateConnecting State = iota
	// StateReady: a connection is ready and calls come through it.
	StateReady
	// StateReconnecting: the connection was lost; calls in flight go on
	// and a new connection is being made.
	StateReconnecting
	// StateDraining: Run's context ended; the worker takes no new calls
	// and finishes those in flight.
	StateDraining
	// StateClosed: Run returned.
	StateClosed
)

// String names the state: "connecting", "ready", "reconnecting", "draining" or "closed".
func (s State) String() string {
	return [...]string{"connecting", "ready", "reconnecting", "draining", "closed"}[s]
}

// Worker serves a client's functions over one outbound connection to the
// server's Connect gateway. Make it with New and start it with Run.
type Worker struct {
	app   *app.App
	cfg   Config
	log   *slog.Logger
	slots chan struct{} // one token per call running; nil for no limit
	hello helloParts

	running atomic.Bool
	calls   sync.WaitGroup // calls in flight, across connections
	bg      sync.WaitGroup // connections closing after a gateway drain

	mu      sync.Mutex
	state   State
	changed chan struct{} // closed and replaced at each change of state
	cur     *session      // the connection replies and lease extensions use
	leases  map[string]*lease
	acks    map[string]chan struct{} // request ID → closed by its reply's ack
}

// New returns a worker serving every function of client, including
// those created after New. It fails when the client was not made by
// inngest.NewClient, when cfg is invalid, or in cloud mode without a
// signing key.
func New(client *inngest.Client, cfg *Config) (*Worker, error) {
	a, ok := app.Of(client)
	if !ok {
		return nil, errors.New("inngest: connect.New needs a client made by inngest.NewClient")
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	c, err := c.resolve()
	if err != nil {
		return nil, err
	}
	if !a.Config.Dev && a.Config.SigningKey == "" {
		return nil, errors.New("inngest: connect: no signing key configured: set ClientConfig.SigningKey or INNGEST_SIGNING_KEY, or INNGEST_DEV=1 for local development")
	}
	w := &Worker{app: a, cfg: c, log: a.Config.Logger, changed: make(chan struct{}), leases: make(map[string]*lease), acks: make(map[string]chan struct{})}
	if c.MaxWorkerConcurrency > 0 {
		w.slots = make(chan struct{}, c.MaxWorkerConcurrency)
	}
	w.hello = newHelloParts(c)
	return w, nil
}

// State returns the worker's state.
func (w *Worker) State() State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Ready waits until a connection is ready for calls (again, after a
// reconnection). It fails when ctx ends first or the worker stops.
func (w *Worker) Ready(ctx context.Context) error {
	for {
		w.mu.Lock()
		st, ch := w.state, w.changed
		w.mu.Unlock()
		switch st {
		case StateReady:
			return nil
		case StateDraining, StateClosed:
			return fmt.Errorf("inngest: connect: the worker is %s", st)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (w *Worker) setState(st State, cur *session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.state, w.cur = st, cur
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *Worker) current() *session {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}

// Run connects and serves calls until ctx ends, reconnecting with
// Config.Backoff whenever the connection fails or is lost; calls in
// flight meanwhile go on and their replies reach the server through the
// API. When ctx ends, Run drains: it tells the gateway to send no more
// calls, finishes the calls in flight, delivers their replies, closes
// the connection and returns nil. It returns an error only when going
// on is pointless: the server refuses the signing key or the app's
// configuration.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("inngest: connect: Run may be called once per Worker")
	}
	defer func() {
		w.calls.Wait()
		w.bg.Wait()
		w.setState(StateClosed, nil)
	}()
	for attempt := 0; ; {
		s, err := w.open(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var fatal *fatalError
			if errors.As(err, &fatal) {
				return fmt.Errorf("inngest: connect: %w", fatal.err)
			}
			w.log.Warn("inngest: connect: could not connect; retrying", "attempt", attempt, "error", err)
			w.setState(StateReconnecting, nil)
			if !sleep(ctx, w.cfg.Backoff(attempt)) {
				return nil
			}
			attempt++
			continue
		}
		attempt = 0
		w.setState(StateReady, s)
		switch s.serve(ctx) {
		case endShutdown:
			// Paused first: a worker seen draining takes no new call.
			s.pause()
			w.setState(StateDraining, s)
			s.finish(&w.calls)
			return nil
		case endGatewayClosing:
			w.bg.Add(1)
			go func() {
				defer w.bg.Done()
				s.drain(&s.calls)
			}()
		case endLost:
			s.abandon()
		}
		w.log.Info("inngest: connect: connection ended; reconnecting")
		w.setState(StateReconnecting, nil)
		if !sleep(ctx, w.cfg.Backoff(0)) {
			return nil
		}
	}
}

// sleep waits d, or less when ctx ends; it reports whether ctx is alive.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// fatalError is a failure no reconnection can mend.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }
