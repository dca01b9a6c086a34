package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"

	"github.com/durablefn/inngest/internal/wire"
)

// Ref identifies one occurrence of a step in this run.
type Ref struct {
	ID    string
	Index int
	Hash  string
	// Name is the step's display name; "" shows the ID. Set it after
	// Lookup, before RunStep or Report.
	Name string
	b    *branch         // the branch that called it
	opts json.RawMessage // the op's opts, when not its kind's
}

// displayName is the name a UI shows for the step: its display name, else
// its ID.
func (ref Ref) displayName() string {
	if ref.Name != "" {
		return ref.Name
	}
	return ref.ID
}

// opKey orders an op of r.ops: by the path of the branch that reported
// it, then by when it was reported.
type opKey struct {
	b   *branch
	seq int
}

// shortStack is the longest stack searched in place rather than through
// a map: a few compares of 40-byte hashes cost less than building one.
const shortStack = 8

// stackPos returns the position of the memoized hash h in the request's
// stack: its first, as New ignores repeats.
func (r *Run) stackPos(h []byte) (int, bool) {
	if r.stackIx != nil {
		pos, ok := r.stackIx[string(h)]
		return pos, ok
	}
	for i, s := range r.in.Stack {
		if s == string(h) {
			return i, true
		}
	}
	return 0, false
}

// repeated reports whether the stack entry at i repeats an earlier one.
// New calls it in stack order, with r.stackIx filled up to i.
func (r *Run) repeated(i int) bool {
	h := r.in.Stack[i]
	if r.stackIx != nil {
		_, dup := r.stackIx[h]
		return dup
	}
	return slices.Contains(r.in.Stack[:i], h)
}

func (r *Run) advance() {
	for r.next < len(r.used) && r.used[r.next] {
		r.next++
	}
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
	n := r.counts.take(id)
	if explicit, base := r.counts.clash(id, n); explicit != "" {
		err := r.refuse(b, idClash(kind, id, explicit, base))
		r.mu.Unlock()
		return Ref{}, nil, false, err
	}
	var h [40]byte
	wire.HashIndexed(&h, id, n)
	ref := Ref{ID: id, Index: n, b: b}
	raw, ok := r.in.Steps[string(h[:])]
	if !ok {
		r.mu.Unlock()
		if b.parent == nil && !onFunctionGoroutine() {
			// A new step runs code or stops its goroutine. Stopping a
			// goroutine of the user's would leave the function waiting
			// for it forever; so the step fails instead, and the run.
			r.mu.Lock()
			err := r.refuse(b, fromGoroutine(kind, id))
			r.mu.Unlock()
			return Ref{}, nil, false, err
		}
		ref.Hash = string(h[:])
		return ref, nil, false, nil
	}
	pos, inStack := r.stackPos(h[:])
	if inStack && !r.used[pos] {
		r.waitTurn(b, pos)
		r.used[pos] = true
		r.unused--
		if hk := r.in.Hooks; hk != nil && hk.consumed != nil {
			hk.consumed(string(h[:]))
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

// halt ends the calling goroutine, which called the current step of branch b:
// the branch cannot go on in this request. It never returns. Called with
// r.mu held; it releases it.
func (r *Run) halt(b *branch) {
	r.stopping(b)
	runtime.Goexit()
}

// stopping marks branch b halted and releases r.mu, for the caller to
// Goexit at once. Called with r.mu held.
func (r *Run) stopping(b *branch) {
	b.halted, b.busy, b.inCode = true, false, false
	r.mu.Unlock()
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
		r.addOp(ctx, wire.Op{ID: ref.Hash, Op: op, Name: ref.ID, DisplayName: ref.displayName(), Opts: raw, Userland: userland(ref)})
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

// userland returns the op's userland field. A branch reports one op per
// request unless it checkpoints, so its first is kept in the branch
// itself, saving an allocation.
func userland(ref Ref) *wire.Userland {
	if b := ref.b; b != nil && !b.ulUsed {
		b.ulUsed, b.ul = true, wire.Userland{ID: ref.ID, Index: ref.Index}
		return &b.ul
	}
	return &wire.Userland{ID: ref.ID, Index: ref.Index}
}

// RunStepWith is RunStep for a step whose op carries opts of its own
// (step.ai.wrap sends its input with its type).
func (r *Run) RunStepWith(ctx context.Context, ref Ref, kind string, opts json.RawMessage, fn RunFunc) json.RawMessage {
	ref.opts = opts
	return r.RunStep(ctx, ref, kind, fn)
}

// RunStep handles a Run step that has no memoized result: it executes the
// code now (targeted or immediate), or plans it, then halts. When the
// request checkpoints, a step that succeeded is saved with the server
// instead and RunStep returns its result, memoized ({"data": …}), for the
// function to go on.
//
// A halt unwinds every frame above the branch's first, so the common
// path, planning a step, halts here rather than in a function of its own.
func (r *Run) RunStep(ctx context.Context, ref Ref, kind string, fn RunFunc) json.RawMessage {
	opts := ref.opts
	if opts == nil {
		opts = kindOpts(kind)
	}
	r.enterNewCode(ctx)
	r.mu.Lock()
	target := r.in.TargetHash
	switch {
	case target != "" && target != ref.Hash:
	case target == ref.Hash || (r.in.Immediate && r.parallel == 0 && len(r.ops) == 0):
		if out, goOn := r.runNow(ctx, ref, kind, opts, fn); goOn {
			return out
		}
	default:
		r.plan(ctx, ref, opts)
	}
	r.stopping(ref.b)
	runtime.Goexit()
	return nil
}

// plan records a Run step to be run by a later call. Called with r.mu
// held.
func (r *Run) plan(ctx context.Context, ref Ref, opts json.RawMessage) {
	r.addOp(ctx, wire.Op{ID: ref.Hash, Op: wire.OpStepPlanned, Name: ref.ID, DisplayName: ref.displayName(), Opts: opts, Userland: userland(ref)})
}

// runNow runs a Run step's code in this request: the targeted step, or
// one run at once. It reports goOn, with the step's memoized result, when
// the step was checkpointed and the function goes on; otherwise the
// caller halts. Called with r.mu held, and returns with it held unless
// goOn.
func (r *Run) runNow(ctx context.Context, ref Ref, kind string, opts json.RawMessage, fn RunFunc) (json.RawMessage, bool) {
	if r.in.TargetHash != "" {
		r.targetFound = true
	}
	cp := r.checkpointing()
	ref.b.inCode = true
	r.mu.Unlock()
	op := r.execute(ctx, ref, kind, opts, fn)
	if cp {
		return r.afterCheckpointedStep(ctx, ref, op)
	}
	r.mu.Lock()
	r.addOp(ctx, op)
	return nil, false
}

// execute runs a step's code and builds its op.
func (r *Run) execute(ctx context.Context, ref Ref, kind string, opts json.RawMessage, fn RunFunc) wire.Op {
	info := StepInfo{ID: ref.ID, Name: ref.displayName(), Hash: ref.Hash, Index: ref.Index, Op: wire.OpStepRun, Kind: kind}
	stepCtx := ctx
	if h := r.in.Hooks; h != nil && h.BeforeStep != nil {
		if c := h.BeforeStep(ctx, info); c != nil {
			stepCtx = c
		}
	}
	r.setRunning(ref.ID)
	data, err := runGuarded(context.WithValue(stepCtx, inStepKey{}, info), ref.ID, fn)
	r.setRunning("")
	if h := r.in.Hooks; h != nil && h.TransformStep != nil {
		data, err = h.TransformStep(ctx, info, data, err)
	}
	op := wire.Op{ID: ref.Hash, Name: ref.ID, DisplayName: ref.displayName(), Opts: opts, Userland: userland(ref)}
	if err == nil {
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		op.Op, op.Data = wire.OpStepRun, data
		return op
	}
	ue, noRetry, retry := r.in.Classify(err, r.in.Now())
	if pe := (*PanicError)(nil); ue.Stack == "" && errors.As(err, &pe) {
		ue.Stack = pe.Stack // where the step's code panicked
	}
	op.Error = &ue
	op.Op = wire.OpStepError
	if noRetry {
		op.Op = wire.OpStepFailed
		op.Error.NoRetry = true
	}
	if !retry.IsZero() {
		r.mu.Lock()
		r.retry = r.retry.Later(retry, r.in.Now())
		r.mu.Unlock()
	}
	return op
}

// addOp records an op. Called with r.mu held.
func (r *Run) addOp(ctx context.Context, op wire.Op) {
	r.appendOp(r.branchOf(ctx), op)
}

// appendOp records op as reported by branch b. Called with r.mu held.
func (r *Run) appendOp(b *branch, op wire.Op) {
	r.seq++
	r.ops = append(r.ops, op)
	r.opKeys = append(r.opKeys, opKey{b: b, seq: r.seq})
}

// sortedOps returns the ops in branch-path order, then in the order
// they were reported. Branches take turns in path order, so they usually
// are already, and then r.ops is returned as it is.
func (r *Run) sortedOps() []wire.Op {
	r.raceOps()
	if r.opsSorted() {
		return r.ops
	}
	order := make([]int, len(r.ops))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return r.opKeys[order[i]].less(r.opKeys[order[j]]) })
	out := make([]wire.Op, len(r.ops))
	for i, k := range order {
		out[i] = r.ops[k]
	}
	return out
}

func (r *Run) opsSorted() bool {
	for i := 1; i < len(r.opKeys); i++ {
		if r.opKeys[i].less(r.opKeys[i-1]) {
			return false
		}
	}
	return true
}

func (a opKey) less(b opKey) bool {
	if a.b != b.b {
		if pa, pb := a.b.path, b.b.path; !slices.Equal(pa, pb) {
			return less(pa, pb)
		}
	}
	return a.seq < b.seq
}
