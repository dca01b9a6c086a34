// Package engine is the SDK's replay engine: it runs a user's function for
// one call request, hands memoized step results back in stack order, and
// collects the new steps the function reached.
//
// The function runs on its own goroutine. When a step has no memoized
// result, the engine records its opcode and ends that goroutine with
// runtime.Goexit: deferred calls run, but recover() cannot intercept it, so
// user code cannot swallow the SDK's control flow.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

type ctxKey struct{}
type branchKey struct{}
type inStepKey struct{}

// ErrNotInFunction is returned by a step called with a context that does
// not belong to a running function.
var ErrNotInFunction = errors.New("called outside an Inngest function: pass the ctx your function handler received")

// Run is the state of one function execution for one call request.
//
// A Run is allocated for every call request. It holds in place what every
// call needs (the counts of a few step IDs, the function's outcome), so a
// small call allocates nothing more for them; what only some calls need
// (parallel state, a long stack's index) is allocated when they need it.
type Run struct {
	in Input

	mu       runMutex
	counts   stepCounts
	stackIx  map[string]int // hashed ID → position in a long stack; nil for a short one (stackPos)
	used     []bool         // stack positions consumed
	next     int            // first unconsumed stack position
	unused   int32          // stack entries not yet consumed
	parallel int32          // open parallel groups
	root     branch         // the function's own goroutine
	live1    [1]*branch     // backs live while only the root runs
	holder   *branch        // the goroutine allowed to run user code
	live     []*branch      // goroutines of this run that have not ended
	fatal    *Failure       // the first fatal failure

	par     *parallelState // the groups themselves (parallel.go, race.go); nil until one opens
	seq     int
	ops     []wire.Op // reported, in the order of opKeys
	opKeys  []opKey
	retry   Retry
	running string           // user ID of the step whose code is running, if any
	cp      *checkpointState // nil unless the request checkpoints

	branched    atomic.Bool // a parallel group was opened: see poll
	executed    atomic.Bool // the function reached code not memoized
	warned      bool
	aborted     bool
	finished    bool // the function returned (or halted) and Execute is answering
	targetFound bool
	afterMemo   bool

	out outcome // what the function's own goroutine returned
}

// outcome is what the function's own goroutine leaves for Execute: kept
// in the Run, which every call allocates anyway, rather than in a Result
// of its own.
type outcome struct {
	value    json.RawMessage
	err      error
	panic    *PanicError
	returned bool
}

// FromContext returns the run a step's ctx belongs to. kind and stepID
// name the step being called ("step.Run", "charge"), for errors. A step
// called with the ctx of another step's code is misuse: it fails the run.
func FromContext(ctx context.Context, kind, stepID string) (*Run, error) {
	if ctx == nil {
		return nil, ErrNotInFunction
	}
	r, _ := ctx.Value(ctxKey{}).(*Run)
	if r == nil {
		return nil, ErrNotInFunction
	}
	if outer, ok := ctx.Value(inStepKey{}).(StepInfo); ok {
		e := &MisuseError{Kind: kind, StepID: stepID, reason: fmt.Sprintf("was called inside step %q's code: steps cannot be nested; call it after that step returns", outer.ID)}
		r.mu.Lock()
		r.misused(e)
		r.mu.Unlock()
		return nil, e
	}
	return r, nil
}

// Execute runs fn for this call request and returns what it reached. A Run
// executes once.
func (r *Run) Execute(ctx context.Context, fn func(ctx context.Context) (json.RawMessage, error)) Result {
	ctx = context.WithValue(ctx, ctxKey{}, r)
	done := make(chan struct{})
	root := &r.root
	r.mu.Lock()
	r.live1[0] = root
	r.live = r.live1[:1:1]
	r.holder, root.state = root, running
	r.mu.Unlock()
	go func() {
		growStack(0)
		defer close(done)
		r.runRoot(ctx, fn)
	}()

	returned := r.wait(ctx, done)
	if f := r.finish(); f != nil {
		return Result{Fatal: f}
	}
	if !returned {
		return Result{Failure: &Failure{Error: wire.UserError{Name: "Aborted", Message: "the request ended before the function returned"}}}
	}
	return r.result(ctx)
}

// runRoot runs fn on the function's own goroutine and leaves what it
// returned, or its panic, in r.out.
func (r *Run) runRoot(ctx context.Context, fn func(ctx context.Context) (json.RawMessage, error)) {
	defer func() { r.exit(&r.root, r.out.returned) }()
	defer func() {
		if p := recover(); p != nil {
			r.out.panic = Recovered(p)
		}
	}()
	r.mu.Lock()
	fresh := r.unused == 0
	r.mu.Unlock()
	if fresh {
		r.enterNewCode(ctx)
	}
	r.out.value, r.out.err = fn(ctx)
	r.out.returned = true
}

// result is what Execute answers once the function's goroutine ended.
func (r *Run) result(ctx context.Context) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := Result{Value: r.out.value, Err: r.out.err, Panic: r.out.panic}
	res.Done = r.out.returned && res.Panic == nil
	if pe := reraisedPanic(res.Err); pe != nil && res.Panic == nil {
		res.Panic, res.Err, res.Done = pe, nil, false
	}
	r.saveAtEnd(ctx, &res)
	res.Ops = r.sortedOps()
	res.RetryAfter = r.retry
	res.TargetFound = r.targetFound
	switch {
	case res.Panic != nil:
		res.Failure = &Failure{Error: wire.UserError{Name: "Panic", Message: res.Panic.Error(), Stack: res.Panic.Stack}}
	case res.Done && res.Err != nil:
		ue, noRetry, retry := r.in.Classify(res.Err, r.in.Now())
		res.Failure = &Failure{Error: ue, NoRetry: noRetry, Retry: retry}
	}
	return res
}

// reraisedPanic returns the panic of a parallel branch that the function
// re-raised and returned as err, or nil. Its target is only allocated
// when there is an error to look into.
func reraisedPanic(err error) *PanicError {
	if err == nil {
		return nil
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// New prepares a run for one call request.
func New(in Input) *Run {
	r := &Run{
		in:   in,
		used: make([]bool, len(in.Stack)),
	}
	if len(in.Stack) > shortStack {
		r.stackIx = make(map[string]int, len(in.Stack))
	}
	if r.in.Now == nil {
		r.in.Now = time.Now
	}
	if in.Checkpoint != nil {
		r.cp = &checkpointState{Checkpointing: *in.Checkpoint, started: r.in.Now()}
	}
	if r.in.Classify == nil {
		r.in.Classify = DefaultClassify
	}
	if r.in.AbortGrace <= 0 {
		r.in.AbortGrace = DefaultAbortGrace
	}
	if r.in.Logger == nil {
		r.in.Logger = slog.New(slog.DiscardHandler)
	}
	r.root.turn.L = &r.mu
	for i, h := range in.Stack {
		if _, ok := in.Steps[h]; ok && !r.repeated(i) {
			if r.stackIx != nil {
				r.stackIx[h] = i
			}
			r.unused++
			continue
		}
		r.used[i] = true
	}
	r.advance()
	return r
}

// Sender returns the event sender, or nil.
func (r *Run) Sender() Sender { return r.in.Sender }

// Signaler returns the signal sender, or nil.
func (r *Run) Signaler() Signaler { return r.in.Signaler }

// Encode turns an event given to step.SendEvent into its wire form.
func (r *Run) Encode(event any) (wire.Event, error) {
	if r.in.Encode == nil {
		return wire.Event{}, errors.New("no event encoder configured")
	}
	return r.in.Encode(event)
}

// Executed reports whether the function reached code that was not
// memoized in this request.
func (r *Run) Executed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.executed.Load()
}

// RunningStep returns the user ID of the step whose code is running now,
// or "" when none is: at most one step's code runs in a request.
func (r *Run) RunningStep() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running
}

func (r *Run) setRunning(id string) {
	r.mu.Lock()
	r.running = id
	r.mu.Unlock()
}

// Replaying reports whether memoized state remains to be consumed: user
// code running now is being replayed, not run for the first time.
func (r *Run) Replaying() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unused > 0 && !r.executed.Load()
}

func (r *Run) abort() {
	r.mu.Lock()
	r.aborted = true
	for _, b := range r.live {
		b.turn.Broadcast()
	}
	r.mu.Unlock()
}

func (r *Run) fireAfterMemo(ctx context.Context) {
	if r.afterMemo {
		return
	}
	r.afterMemo = true
	if h := r.in.Hooks; h != nil && h.AfterMemoization != nil {
		r.mu.Unlock()
		h.AfterMemoization(ctx)
		r.mu.Lock()
	}
}

// enterNewCode notes that the function reached code not memoized, and
// fires the hooks that mark it, once. Every new step calls it; after the
// first, an atomic load is its whole cost.
func (r *Run) enterNewCode(ctx context.Context) {
	if r.executed.Load() {
		return
	}
	r.mu.Lock()
	if r.executed.Load() {
		r.mu.Unlock()
		return
	}
	r.executed.Store(true)
	if r.unused == 0 {
		r.fireAfterMemo(ctx)
	}
	r.mu.Unlock()
	if h := r.in.Hooks; h != nil && h.BeforeExecution != nil {
		h.BeforeExecution(ctx)
	}
}

// wait waits for user code to finish, and reports false when it gave up
// on code that did not return after the request ended.
func (r *Run) wait(ctx context.Context, done <-chan struct{}) bool {
	if poll(done, &r.branched) {
		return true
	}
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	r.abort()
	// Branches waiting on the engine end at once; user code gets a grace
	// period to notice ctx. Code that still has not returned (blocked, or
	// waiting on a goroutine of its own that called a step and was halted)
	// is left behind rather than holding the request forever.
	t := time.NewTimer(r.in.AbortGrace)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		r.in.Logger.Error("inngest: the function did not return after its request ended: it may be blocked on I/O that ignores ctx, a step.Parallel branch may be waiting on another branch (branches take turns), or a step was called from a goroutine of its own")
		return false
	}
}
