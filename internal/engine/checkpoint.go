package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// Checkpointer saves finished steps with the server while the function
// goes on in the same request. An error means none of the steps may be
// taken as saved.
type Checkpointer interface {
	Checkpoint(ctx context.Context, steps []wire.Op) error
}

// Checkpointing is a request's checkpointing: where steps are saved, and
// within which bounds.
type Checkpointing struct {
	Saver  Checkpointer
	Policy CheckpointPolicy
}

// CheckpointPolicy bounds checkpointing within one request.
type CheckpointPolicy struct {
	// BatchSteps is how many finished steps are saved together; 0 or 1
	// saves each step as soon as it finishes.
	BatchSteps int
	// BatchInterval saves the steps waiting to be saved once the oldest
	// has waited this long, when the next step finishes; 0: no bound.
	BatchInterval time.Duration
	// MaxRuntime is how long a request may run steps before it returns
	// to the server as without checkpointing; 0: no bound.
	MaxRuntime time.Duration
}

// checkpointState is a request's checkpointing: the steps that ran and
// wait to be saved. Guarded by Run.mu, except that only the function's
// own goroutine (the one running steps outside step.Parallel) adds to it.
type checkpointState struct {
	Checkpointing
	started time.Time // when the request began running the function
	buf     []wire.Op // ran, not yet saved
	first   time.Time // when buf's first step finished
	off     bool      // stopped for this request
	saved   int       // checkpoint requests that succeeded
}

// checkpointing reports whether a Run step about to run immediately may
// be checkpointed so that the function goes on. Called with r.mu held.
func (r *Run) checkpointing() bool {
	if r.cp == nil || r.cp.off || r.in.TargetHash != "" {
		return false
	}
	if m := r.cp.Policy.MaxRuntime; m > 0 && r.in.Now().Sub(r.cp.started) >= m {
		// Time's up: this step ends the request as without checkpointing.
		r.cp.off = true
		return false
	}
	return true
}

// afterCheckpointedStep takes the op of a step that ran while
// checkpointing. A StepRun joins the steps to save, which are saved now
// if the policy says so; then the function goes on and its result is
// returned as a memoized one, with true. Otherwise (a step error, a
// failed save) the request must end: the ops to report are recorded
// (every step not saved, and a step error), and it returns false, with
// r.mu held, for the caller to halt.
func (r *Run) afterCheckpointedStep(ctx context.Context, ref Ref, op wire.Op) (json.RawMessage, bool) {
	r.mu.Lock()
	if op.Op != wire.OpStepRun {
		// Saved with the request's answer, by Execute.
		r.addOp(ctx, op)
		return nil, false
	}
	if len(r.cp.buf) == 0 {
		r.cp.first = r.in.Now()
	}
	r.cp.buf = append(r.cp.buf, op)
	p := r.cp.Policy
	due := len(r.cp.buf) >= max(p.BatchSteps, 1) || (p.BatchInterval > 0 && r.in.Now().Sub(r.cp.first) >= p.BatchInterval)
	if due && !r.saveBuffered(ctx) {
		return nil, false
	}
	ref.b.busy, ref.b.inCode = false, false
	r.mu.Unlock()
	return wrapData(op.Data), true
}

// saveBuffered checkpoints the steps waiting to be saved. If that fails,
// checkpointing stops for this request and the steps are recorded as ops
// to report, as without checkpointing; it returns false. Called with r.mu
// held, which it releases while the request is made.
func (r *Run) saveBuffered(ctx context.Context) bool {
	steps := r.cp.buf
	if len(steps) == 0 {
		return true
	}
	r.mu.Unlock()
	err := r.cp.Saver.Checkpoint(ctx, steps)
	r.mu.Lock()
	r.cp.buf = nil
	if err == nil {
		r.cp.saved++
		return true
	}
	r.cp.off = true
	r.in.Logger.Warn("inngest: checkpointing failed; the steps are reported in the response instead", "steps", len(steps), "error", err.Error())
	for _, op := range steps {
		// Every checkpointed step belongs to the function's own goroutine.
		r.appendOp(&r.root, op)
	}
	return false
}

// saveAtEnd checkpoints the steps still waiting when the request ends,
// before it answers. If that fails they are reported with the answer's
// ops, ahead of them, and take the place of a result. Called with r.mu
// held.
func (r *Run) saveAtEnd(ctx context.Context, res *Result) {
	if r.cp == nil || len(r.cp.buf) == 0 {
		return
	}
	pending := len(r.ops)
	if r.saveBuffered(ctx) {
		return
	}
	// saveBuffered appended the steps after the answer's own ops; they
	// ran first, so they sort first (they all belong to the function's
	// own goroutine, whose ops come before any step.Parallel branch's).
	for i := pending; i < len(r.opKeys); i++ {
		r.opKeys[i].seq = i - len(r.opKeys)
	}
	res.Done, res.Value, res.Err, res.Failure, res.Panic = false, nil, nil, nil, nil
}

// Checkpoints returns how many checkpoint requests saved steps in this
// request.
func (r *Run) Checkpoints() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cp == nil {
		return 0
	}
	return r.cp.saved
}

func wrapData(data json.RawMessage) json.RawMessage {
	out := make([]byte, 0, len(data)+9)
	out = append(out, `{"data":`...)
	out = append(out, data...)
	return append(out, '}')
}
