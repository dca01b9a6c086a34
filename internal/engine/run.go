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
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// Sender sends events for step.SendEvent.
type Sender interface {
	SendEvents(ctx context.Context, events []wire.Event) ([]string, error)
}

// Input is everything the engine needs to run a function once.
type Input struct {
	// Steps are the memoized step results by hashed ID.
	Steps map[string]json.RawMessage
	// Stack lists hashed IDs in the order they were memoized.
	Stack []string
	// TargetHash is the hashed ID of the step to run, or "" when the call
	// is a discovery call (stepId absent or "step").
	TargetHash string
	// Immediate allows a lone new Run step to execute in this request.
	Immediate bool
	// Logger receives the engine's warnings.
	Logger *slog.Logger
	// Sender sends events on behalf of step.SendEvent.
	Sender Sender
	// Hooks are per-step callbacks (middleware). May be nil.
	Hooks *Hooks
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Classify turns an error into its wire form and retry policy. Nil
	// means DefaultClassify.
	Classify Classifier
}

// Classifier turns an error into its wire form, whether it must not be
// retried, and when it may be retried (zero: the server decides).
type Classifier func(err error, now time.Time) (ue wire.UserError, noRetry bool, retry Retry)

// Retry is when a failed call may be retried: after a delay, or at a time.
// The zero value leaves it to the server.
type Retry struct {
	After time.Duration
	At    time.Time
}

// IsZero reports whether no retry time was asked for.
func (r Retry) IsZero() bool { return r.After <= 0 && r.At.IsZero() }

// Later returns whichever of r and o asks to wait longer, from now.
func (r Retry) Later(o Retry, now time.Time) Retry {
	if r.IsZero() {
		return o
	}
	if o.IsZero() {
		return r
	}
	if o.abs(now).After(r.abs(now)) {
		return o
	}
	return r
}

func (r Retry) abs(now time.Time) time.Time {
	if r.After > 0 {
		return now.Add(r.After)
	}
	return r.At
}

// DefaultClassify serializes err as a retriable error named "Error".
func DefaultClassify(err error, _ time.Time) (wire.UserError, bool, Retry) {
	return wire.UserError{Name: "Error", Message: err.Error()}, false, Retry{}
}

// Failure is a classified function error.
type Failure struct {
	Error   wire.UserError
	NoRetry bool
	Retry   Retry
}

// Hooks observe steps as they run. Any field may be nil.
type Hooks struct {
	// BeforeExecution is called once, when the function first reaches code
	// that was not memoized.
	BeforeExecution func(ctx context.Context)
	// BeforeStep is called before a new step's code runs in this request
	// and returns the context that code runs with.
	BeforeStep func(ctx context.Context, info StepInfo) context.Context
	// TransformStep is called after a new step's code ran, with its
	// result, and may change it.
	TransformStep func(ctx context.Context, info StepInfo, data json.RawMessage, err error) (json.RawMessage, error)
	// AfterMemoization is called once all memoized state has been used.
	AfterMemoization func(ctx context.Context)
}

// StepInfo describes one step.
type StepInfo struct {
	ID     string // the user's step ID
	Hash   string // the hashed, indexed ID
	Index  int    // repeat index of ID in this run
	Op     wire.Opcode
	Kind   string // "step.run", "step.sleep", …
	Memoed bool
}

// Result is the outcome of running a function once.
type Result struct {
	// Done is true when the function returned.
	Done bool
	// Value is the function's JSON result when Done and Err is nil.
	Value json.RawMessage
	// Err is the function's returned error.
	Err error
	// Failure is Err (or Panic) classified; nil when neither is set.
	Failure *Failure
	// Ops are the new steps found, in deterministic order.
	Ops []wire.Op
	// RetryAfter is set when a step asked to be retried later.
	RetryAfter Retry
	// Panic is set when user code panicked outside a step.
	Panic *PanicError
	// TargetFound reports whether a targeted step was found.
	TargetFound bool
	// Fatal is set when the run cannot go on whatever the function did:
	// steps were misused (see MisuseError), or a memoized result cannot be
	// used. It is never retried, and it outranks everything else.
	Fatal *Failure
}

// PanicError is a panic in user code, turned into an error.
type PanicError struct {
	Value any
	Stack string
}

func (p *PanicError) Error() string { return fmt.Sprintf("function panicked: %v", p.Value) }

type ctxKey struct{}
type branchKey struct{}
type inStepKey struct{}

// AbortGrace is how long Execute waits for user code to return once the
// request's context has ended.
var AbortGrace = 5 * time.Second

// ErrNotInFunction is returned by a step called with a context that does
// not belong to a running function.
var ErrNotInFunction = errors.New("called outside an Inngest function: pass the ctx your function handler received")

// Run is the state of one function execution for one call request.
type Run struct {
	in  Input
	now func() time.Time

	mu       sync.Mutex
	cond     sync.Cond // on mu
	counts   map[string]int
	stackIx  map[string]int // hashed ID → position in the stack
	used     []bool         // stack positions consumed
	next     int            // first unconsumed stack position
	unused   int            // stack entries not yet consumed
	live0    *branch        // the function's own goroutine: root
	root     branch
	live1    [1]*branch // backs live while only the root runs
	holder   *branch    // the goroutine allowed to run user code
	live     []*branch  // goroutines of this run that have not ended
	warned   bool
	aborted  bool
	finished bool     // the function returned (or halted) and Execute is answering
	fatal    *Failure // the first fatal failure

	parallel    int // open parallel groups
	seq         int
	ops         []pendingOp
	retry       Retry
	targetFound bool
	executed    bool
	afterMemo   bool
	running     string // user ID of the step whose code is running, if any

	onConsume func(hash string) // test hook, called with r.mu held
}

type pendingOp struct {
	path []int
	seq  int
	op   wire.Op
}

// branch is one goroutine running user code: the function's own, or a
// step.Parallel branch. Only the holder of the run's token runs user code;
// the others wait. The token passes, in branch-path order, whenever its
// holder blocks, so steps are discovered in the same order on every
// request, and repeat indexes (:n) always name the same step.
//
// A branch is also the unit of step ownership: its steps are called one
// at a time, by its own goroutine. busy is set from a step call's start
// until it returns or halts the branch; halted is set when a step stopped
// the branch's goroutine. A step call that finds either set, or a branch
// that returned while either is set, proves that a goroutine other than
// the branch's own called a step (see misuse.go).
type branch struct {
	path    []int
	state   branchState
	pos     int     // stack position awaited when state is waitingMemo
	parent  *branch // the branch that started this one in step.Parallel
	pending int     // live children while parked

	busy       bool   // a step call of this branch is in progress
	inCode     bool   // that step's own code is running
	kind       string // that step's kind ("step.Run")
	current    string // and its user ID
	halted     bool   // a step stopped the branch's goroutine
	haltedKind string // that step's kind
	haltedAt   string // and its user ID
}

type branchState int

const (
	runnable branchState = iota
	running
	waitingMemo // waiting for its memoized step's turn in stack order
	parked      // waiting for its parallel branches to end
	ended
)

func less(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

// branchOf returns the goroutine calling a step. Only the token holder
// runs user code, so the holder is the caller, even when a branch passed
// its parent's ctx. Called with r.mu held.
func (r *Run) branchOf(ctx context.Context) *branch {
	if r.holder != nil {
		return r.holder
	}
	if b, ok := ctx.Value(branchKey{}).(*branch); ok {
		return b
	}
	return r.live0
}

// schedule hands the token to the first runnable branch when nobody holds
// it. When every live branch waits for a memoized step that is not next in
// the stack, the code changed: the earliest awaited step goes next (§5.4).
// Called with r.mu held.
func (r *Run) schedule() {
	if r.holder != nil {
		return
	}
	var pick, earliest *branch
	for _, b := range r.live {
		switch b.state {
		case runnable:
			if pick == nil || less(b.path, pick.path) {
				pick = b
			}
		case waitingMemo:
			if earliest == nil || b.pos < earliest.pos {
				earliest = b
			}
		}
	}
	if pick == nil && earliest != nil {
		if !r.warned {
			r.warned = true
			r.in.Logger.Warn("inngest: memoized steps were reached out of their recorded order; the function's code appears to have changed mid-run or is non-deterministic",
				"expected_step", safeIndex(r.in.Stack, r.next))
		}
		r.next = earliest.pos
		earliest.state = runnable
		pick = earliest
	}
	if pick != nil {
		r.holder = pick
		r.cond.Broadcast()
	}
}

// acquire waits for b's turn to run. Called with r.mu held; Goexits when
// the run was aborted.
func (r *Run) acquire(b *branch) {
	if b.state != waitingMemo {
		b.state = runnable
	}
	r.schedule()
	for r.holder != b && !r.aborted {
		r.cond.Wait()
	}
	if r.aborted {
		if r.holder == b {
			r.holder = nil
		}
		r.mu.Unlock()
		runtime.Goexit()
	}
	b.state = running
}

// release gives up the token, leaving b in state st. Called with r.mu held.
func (r *Run) release(b *branch, st branchState) {
	b.state = st
	if r.holder == b {
		r.holder = nil
	}
	if st == ended {
		for i, x := range r.live {
			if x == b {
				r.live = append(r.live[:i], r.live[i+1:]...)
				break
			}
		}
		if p := b.parent; p != nil {
			p.pending--
			if p.pending == 0 && p.state == parked {
				// The parent resumes next, before any recovery.
				p.state = runnable
			}
		}
	}
	r.schedule()
}

// StepFromContext returns the step whose code is running with ctx.
func StepFromContext(ctx context.Context) (StepInfo, bool) {
	info, ok := ctx.Value(inStepKey{}).(StepInfo)
	return info, ok
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

// Execute runs fn for one call request and returns what it reached.
func Execute(ctx context.Context, in Input, fn func(ctx context.Context) (json.RawMessage, error)) Result {
	return New(in).Execute(ctx, fn)
}

// Execute runs fn for this call request and returns what it reached. A Run
// executes once.
func (r *Run) Execute(ctx context.Context, fn func(ctx context.Context) (json.RawMessage, error)) Result {
	ctx = context.WithValue(ctx, ctxKey{}, r)

	var (
		res      Result
		finished bool
	)
	done := make(chan struct{})
	root := r.live0
	r.mu.Lock()
	r.live1[0] = root
	r.live = r.live1[:1:1]
	r.holder, root.state = root, running
	r.mu.Unlock()
	go func() {
		growStack(0)
		defer close(done)
		defer func() { r.exit(root, finished) }()
		defer func() {
			if p := recover(); p != nil {
				res.Panic = asPanicError(p)
			}
		}()
		r.mu.Lock()
		fresh := r.unused == 0
		r.mu.Unlock()
		if fresh {
			r.enterNewCode(ctx)
		}
		res.Value, res.Err = fn(ctx)
		finished = true
	}()

	if !r.wait(ctx, done) {
		if f := r.finish(); f != nil {
			return Result{Fatal: f}
		}
		return Result{Failure: &Failure{Error: wire.UserError{Name: "Aborted", Message: "the request ended before the function returned"}}}
	}
	if f := r.finish(); f != nil {
		return Result{Fatal: f}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	res.Done = finished && res.Panic == nil
	if pe := (*PanicError)(nil); errors.As(res.Err, &pe) && res.Panic == nil {
		// A panic in a parallel branch, re-raised and returned.
		res.Panic, res.Err, res.Done = pe, nil, false
	}
	res.Ops = r.sortedOps()
	res.RetryAfter = r.retry
	res.TargetFound = r.targetFound
	switch {
	case res.Panic != nil:
		res.Failure = &Failure{Error: wire.UserError{Name: "Panic", Message: res.Panic.Error(), Stack: res.Panic.Stack}}
	case res.Done && res.Err != nil:
		ue, noRetry, retry := r.in.Classify(res.Err, r.now())
		res.Failure = &Failure{Error: ue, NoRetry: noRetry, Retry: retry}
	}
	return res
}

// New prepares a run for one call request.
func New(in Input) *Run {
	r := &Run{
		in:      in,
		now:     in.Now,
		counts:  make(map[string]int),
		stackIx: make(map[string]int, len(in.Stack)),
		used:    make([]bool, len(in.Stack)),
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.in.Classify == nil {
		r.in.Classify = DefaultClassify
	}
	if r.in.Logger == nil {
		r.in.Logger = slog.New(slog.DiscardHandler)
	}
	r.cond.L = &r.mu
	r.live0 = &r.root
	for i, h := range in.Stack {
		if _, dup := r.stackIx[h]; !dup {
			if _, ok := in.Steps[h]; ok {
				r.stackIx[h] = i
				r.unused++
				continue
			}
		}
		r.used[i] = true
	}
	r.advance()
	return r
}

// Sender returns the event sender, or nil.
func (r *Run) Sender() Sender { return r.in.Sender }

// Executed reports whether the function reached code that was not
// memoized in this request.
func (r *Run) Executed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.executed
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
	return r.unused > 0 && !r.executed
}

func (r *Run) advance() {
	for r.next < len(r.used) && r.used[r.next] {
		r.next++
	}
}

// Ref identifies one occurrence of a step in this run.
type Ref struct {
	ID    string
	Index int
	Hash  string
	b     *branch // the branch that called it
}

// Lookup starts a step call: it registers the next occurrence of the
// user's step ID and returns its memoized result, if any, after waiting
// for its turn in stack order. A step found memoized is done; one that is
// not must be ended with RunStep, Report or Drop. The error is a
// *MisuseError when the step was called where steps cannot run.
func (r *Run) Lookup(ctx context.Context, kind, id string) (Ref, json.RawMessage, bool, error) {
	r.mu.Lock()
	b := r.branchOf(ctx)
	if err := r.claim(b, kind, id); err != nil {
		r.mu.Unlock()
		return Ref{}, nil, false, err
	}
	n := r.counts[id]
	r.counts[id] = n + 1
	var h [40]byte
	wire.HashIndexed(&h, id, n)
	ref := Ref{ID: id, Index: n, b: b}
	raw, ok := r.in.Steps[string(h[:])]
	if !ok {
		r.mu.Unlock()
		ref.Hash = string(h[:])
		return ref, nil, false, nil
	}
	pos, inStack := r.stackIx[string(h[:])]
	if inStack && !r.used[pos] {
		r.waitTurn(b, pos)
		r.used[pos] = true
		r.unused--
		if r.onConsume != nil {
			r.onConsume(string(h[:]))
		}
		r.advance()
		r.wakeNext()
		if r.unused == 0 {
			b.busy = false
			r.mu.Unlock()
			r.enterNewCode(ctx)
			return ref, raw, true, nil
		}
	}
	b.busy = false
	r.mu.Unlock()
	return ref, raw, true, nil
}

// Drop ends a step call that Lookup found no memoized result for and that
// will neither run nor be reported: its arguments were invalid.
func (r *Run) Drop(ref Ref) {
	r.mu.Lock()
	ref.b.busy = false
	r.mu.Unlock()
}

// waitTurn blocks until pos is the next stack position. While it waits,
// other branches run; see schedule for the recovery when code changed.
// Called with r.mu held.
func (r *Run) waitTurn(b *branch, pos int) {
	if pos == r.next {
		return
	}
	b.pos = pos
	r.release(b, waitingMemo)
	r.acquire(b)
}

// wakeNext makes the branch awaiting the next stack position runnable.
// Called with r.mu held.
func (r *Run) wakeNext() {
	for _, b := range r.live {
		if b.state == waitingMemo && b.pos == r.next {
			b.state = runnable
		}
	}
}

func safeIndex(s []string, i int) string {
	if i >= 0 && i < len(s) {
		return s[i]
	}
	return ""
}

// exit ends branch b; returned says whether its code returned rather
// than halted or panicked.
func (r *Run) exit(b *branch, returned bool) {
	r.mu.Lock()
	if returned {
		r.checkReturn(b)
	}
	r.release(b, ended)
	r.mu.Unlock()
}

func (r *Run) abort() {
	r.mu.Lock()
	r.aborted = true
	r.cond.Broadcast()
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

func (r *Run) enterNewCode(ctx context.Context) {
	r.mu.Lock()
	if r.executed {
		r.mu.Unlock()
		return
	}
	r.executed = true
	if r.unused == 0 {
		r.fireAfterMemo(ctx)
	}
	r.mu.Unlock()
	if h := r.in.Hooks; h != nil && h.BeforeExecution != nil {
		h.BeforeExecution(ctx)
	}
}

// halt ends the calling goroutine, which called the current step of branch b:
// the branch cannot go on in this request. It never returns. Called with
// r.mu held; it releases it.
func (r *Run) halt(b *branch) {
	if !b.halted {
		b.halted, b.haltedKind, b.haltedAt = true, b.kind, b.current
	}
	b.busy, b.inCode = false, false
	r.mu.Unlock()
	runtime.Goexit()
}

// Report records a new non-Run step (Sleep, WaitForEvent, Invoke) and
// halts. In a targeted call it halts without reporting.
func (r *Run) Report(ctx context.Context, ref Ref, op wire.Opcode, opts any) {
	r.enterNewCode(ctx)
	r.mu.Lock()
	if r.in.TargetHash == "" {
		raw, err := json.Marshal(opts)
		if err != nil {
			r.fail(&Failure{Error: wire.UserError{Name: "Error", Message: fmt.Sprintf("inngest: step %q: encoding its options: %v", ref.ID, err)}, NoRetry: true})
		}
		r.addOp(ctx, wire.Op{ID: ref.Hash, Op: op, Name: ref.ID, DisplayName: ref.ID, Opts: raw, Userland: userland(ref)})
	}
	r.halt(ref.b)
}

var (
	optsSendEvent = json.RawMessage(`{"type":"step.sendEvent"}`)
)

// kindOpts returns the opts of a Run-type op: none for a plain step.run
// (the server's conformance runner expects none), a type for the others.
func kindOpts(kind string) json.RawMessage {
	switch kind {
	case "step.run":
		return nil
	case "step.sendEvent":
		return optsSendEvent
	}
	return json.RawMessage(`{"type":` + strconv.Quote(kind) + `}`)
}

func userland(ref Ref) *wire.Userland {
	return &wire.Userland{ID: ref.ID, Index: ref.Index}
}

// RunFunc is a Run step's code, returning its JSON result.
type RunFunc func(ctx context.Context) (json.RawMessage, error)

// RunStep handles a Run step that has no memoized result: it executes the
// code now (targeted or immediate), or plans it, then halts.
func (r *Run) RunStep(ctx context.Context, ref Ref, kind string, fn RunFunc) {
	r.enterNewCode(ctx)
	r.mu.Lock()
	target := r.in.TargetHash
	switch {
	case target != "" && target != ref.Hash:
	case target == ref.Hash || (r.in.Immediate && r.parallel == 0 && len(r.ops) == 0):
		if target != "" {
			r.targetFound = true
		}
		ref.b.inCode = true
		r.mu.Unlock()
		op := r.execute(ctx, ref, kind, fn)
		r.mu.Lock()
		r.addOp(ctx, op)
	default:
		r.addOp(ctx, wire.Op{ID: ref.Hash, Op: wire.OpStepPlanned, Name: ref.ID, DisplayName: ref.ID, Opts: kindOpts(kind), Userland: userland(ref)})
	}
	r.halt(ref.b)
}

// execute runs a step's code and builds its op.
func (r *Run) execute(ctx context.Context, ref Ref, kind string, fn RunFunc) wire.Op {
	info := StepInfo{ID: ref.ID, Hash: ref.Hash, Index: ref.Index, Op: wire.OpStepRun, Kind: kind}
	stepCtx := ctx
	if h := r.in.Hooks; h != nil && h.BeforeStep != nil {
		if c := h.BeforeStep(ctx, info); c != nil {
			stepCtx = c
		}
	}
	r.setRunning(ref.ID)
	data, err := runGuarded(context.WithValue(stepCtx, inStepKey{}, info), fn)
	r.setRunning("")
	if h := r.in.Hooks; h != nil && h.TransformStep != nil {
		data, err = h.TransformStep(ctx, info, data, err)
	}
	op := wire.Op{ID: ref.Hash, Name: ref.ID, DisplayName: ref.ID, Opts: kindOpts(kind), Userland: userland(ref)}
	if err == nil {
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		op.Op, op.Data = wire.OpStepRun, data
		return op
	}
	ue, noRetry, retry := r.in.Classify(err, r.now())
	op.Error = &ue
	op.Op = wire.OpStepError
	if noRetry {
		op.Op = wire.OpStepFailed
		op.Error.NoRetry = true
	}
	if !retry.IsZero() {
		r.mu.Lock()
		r.retry = r.retry.Later(retry, r.now())
		r.mu.Unlock()
	}
	return op
}

// asPanicError turns a recovered value into a *PanicError with the stack
// of the panic. Call it from the deferred function that recovered. A
// *PanicError re-raised from a Parallel branch keeps its own stack.
func asPanicError(p any) *PanicError {
	if pe, ok := p.(*PanicError); ok {
		return pe
	}
	return &PanicError{Value: p, Stack: trimStack(debug.Stack())}
}

func runGuarded(ctx context.Context, fn RunFunc) (data json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, asPanicError(p)
		}
	}()
	return fn(ctx)
}

// addOp records an op. Called with r.mu held.
func (r *Run) addOp(ctx context.Context, op wire.Op) {
	path := r.branchOf(ctx).path
	r.seq++
	r.ops = append(r.ops, pendingOp{path: path, seq: r.seq, op: op})
}

func (r *Run) sortedOps() []wire.Op {
	if len(r.ops) == 0 {
		return nil
	}
	sort.SliceStable(r.ops, func(i, j int) bool {
		a, b := r.ops[i], r.ops[j]
		for k := 0; k < len(a.path) && k < len(b.path); k++ {
			if a.path[k] != b.path[k] {
				return a.path[k] < b.path[k]
			}
		}
		if len(a.path) != len(b.path) {
			return len(a.path) < len(b.path)
		}
		return a.seq < b.seq
	})
	out := make([]wire.Op, len(r.ops))
	for i, p := range r.ops {
		out[i] = p.op
	}
	return out
}

// Parallel runs n branches concurrently, each on its own goroutine with a
// ctx naming its branch. It returns when every branch has returned or
// halted. If any branch halted, the caller halts too; a panic in a branch
// is re-raised in the caller.
func (r *Run) Parallel(ctx context.Context, n int, fn func(ctx context.Context, i int)) error {
	if n == 0 {
		return nil
	}
	r.mu.Lock()
	parent := r.branchOf(ctx)
	if err := r.claim(parent, "step.Parallel", ""); err != nil {
		r.mu.Unlock()
		return err
	}
	r.parallel++
	children := make([]*branch, n)
	for i := range children {
		path := make([]int, len(parent.path)+1)
		copy(path, parent.path)
		path[len(parent.path)] = i
		children[i] = &branch{path: path, state: runnable, parent: parent}
		r.live = append(r.live, children[i])
	}
	parent.pending = n
	r.release(parent, parked)
	r.mu.Unlock()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		halted   bool
		panicked *PanicError
	)
	wg.Add(n)
	for i := 0; i < n; i++ {
		b := children[i]
		bctx := context.WithValue(ctx, branchKey{}, b)
		go func(i int) {
			growStack(0)
			completed := false
			defer wg.Done()
			defer func() { r.exit(b, completed) }()
			defer func() {
				p := recover()
				mu.Lock()
				defer mu.Unlock()
				if p != nil {
					panicked = asPanicError(p)
					return
				}
				if !completed {
					halted = true
				}
			}()
			r.mu.Lock()
			r.acquire(b)
			r.mu.Unlock()
			fn(bctx, i)
			completed = true
		}(i)
	}
	wg.Wait()

	r.mu.Lock()
	r.parallel--
	r.acquire(parent)
	if panicked != nil {
		parent.busy = false
		r.mu.Unlock()
		panic(panicked)
	}
	if halted {
		r.halt(parent)
	}
	parent.busy = false
	r.mu.Unlock()
	return nil
}

// trimStack drops the runtime and engine frames from a panic stack so the
// user's frames come first.
func trimStack(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	out := make([]string, 0, len(lines))
	skip := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "runtime/debug.") || strings.HasPrefix(l, "panic(") ||
			strings.Contains(l, "internal/engine.") {
			skip = true
			continue
		}
		if skip && strings.HasPrefix(l, "\t") {
			skip = false
			continue
		}
		skip = false
		out = append(out, l)
	}
	s := strings.Join(out, "\n")
	if len(s) > 8<<10 {
		s = s[:8<<10]
	}
	return s
}

// wait waits for user code to finish, and reports false when it gave up
// on code that did not return after the request ended.
func (r *Run) wait(ctx context.Context, done <-chan struct{}) bool {
	if poll(done) {
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
	t := time.NewTimer(AbortGrace)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		r.in.Logger.Error("inngest: the function did not return after its request ended: it may be blocked on I/O that ignores ctx, a step.Parallel branch may be waiting on another branch (branches take turns), or a step was called from a goroutine of its own")
		return false
	}
}

// spinTurns is how many times Execute yields its processor, polling, before
// it blocks to wait for user code.
const spinTurns = 64

// poll reports whether done closed within spinTurns yields of the
// processor. A replay that needs no I/O finishes within them, and the
// request's goroutine then never parks: that saves waking a thread to run
// it again, about a tenth of the cost of a one-step call request on an
// otherwise idle machine (handler BenchmarkCall, 27.1 to 24.6 µs). Yielding runs whatever
// else is runnable, user code first, so on a busy machine polling only
// costs a few scheduler passes.
func poll(done <-chan struct{}) bool {
	for range spinTurns {
		select {
		case <-done:
			return true
		default:
		}
		runtime.Gosched()
	}
	return false
}

// growStack grows the calling goroutine's stack to 16 KB in one step while
// it is shallow. User code runs on a fresh goroutine whose stack starts
// small; replaying a step decodes JSON, and encoding/json recurses deep
// enough to double the stack two or three times, each time copying every
// frame and adjusting its pointers. One copy of one frame is far cheaper:
// it saved about a fifth of the cost of a one-step call request (handler
// BenchmarkCall, 39.7 to 31 µs). The large frame is what makes the runtime grow the stack
// to fit it; the result is never used.
//
//go:noinline
func growStack(i int) byte {
	var frame [8 << 10]byte
	frame[i&(len(frame)-1)] = 1 // an index the compiler cannot see keeps the frame
	return frame[(i+1)&(len(frame)-1)]
}
