package inngest

import (
	"context"
	"log/slog"
	"sync"

	"github.com/durablefn/inngest/internal/engine"
)

type loggerKey struct{}

// Logger returns the logger of the function run that ctx belongs to, the
// same as its Input.Logger: tagged with the function, run and attempt,
// and with step_id while a step's code runs; silent while memoized code is
// replayed. It logs to ClientConfig.Logger, or to the Logging middleware's
// logger and level when that is registered. Outside a function it returns
// slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// runLog is what the loggers of one run share.
type runLog struct {
	inner slog.Handler
	attrs [3]slog.Attr // the run's: function, run, attempt
	run   *engine.Run

	once sync.Once
	base slog.Handler // inner with attrs, built when a line is first logged
}

// newRunLogger returns the logger of one run. Its attributes are applied
// when it first logs, so a request that logs nothing pays nothing for
// them; the run's state and its root handler are one allocation.
func newRunLogger(inner slog.Handler, run *engine.Run, functionID, runID string, attempt int) *slog.Logger {
	rl := &struct {
		log  runLog
		root runHandler
	}{}
	rl.log.inner, rl.log.run = inner, run
	rl.log.attrs = [3]slog.Attr{slog.String("function_id", functionID), slog.String("run_id", runID), slog.Int("attempt", attempt)}
	rl.root.log = &rl.log
	return slog.New(&rl.root)
}

func (l *runLog) handler() slog.Handler {
	l.once.Do(func() { l.base = l.inner.WithAttrs(l.attrs[:]) })
	return l.base
}

// runHandler drops records while the run replays memoized code, so each
// line is logged once per run rather than once per request, and tags
// records with the step whose code is running. It keeps the With and
// WithGroup calls made on it, so that step_id lands beside the run's
// attributes, outside any group the user opened.
type runHandler struct {
	log *runLog
	ops []handlerOp

	once  sync.Once
	inner slog.Handler // the run's handler with ops applied
}

// handlerOp is one With (attrs) or WithGroup (group) call.
type handlerOp struct {
	group string
	attrs []slog.Attr
}

func (op handlerOp) apply(h slog.Handler) slog.Handler {
	if op.group != "" {
		return h.WithGroup(op.group)
	}
	return h.WithAttrs(op.attrs)
}

func (h *runHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return !h.log.run.Replaying() && h.log.inner.Enabled(ctx, level)
}

func (h *runHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.log.run.Replaying() {
		return nil
	}
	if step := h.log.run.RunningStep(); step != "" {
		inner := h.log.handler().WithAttrs([]slog.Attr{slog.String("step_id", step)})
		for _, op := range h.ops {
			inner = op.apply(inner)
		}
		return inner.Handle(ctx, r)
	}
	h.once.Do(func() {
		h.inner = h.log.handler()
		for _, op := range h.ops {
			h.inner = op.apply(h.inner)
		}
	})
	return h.inner.Handle(ctx, r)
}

func (h *runHandler) with(op handlerOp) *runHandler {
	ops := make([]handlerOp, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	return &runHandler{log: h.log, ops: append(ops, op)}
}

func (h *runHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(handlerOp{attrs: attrs})
}

func (h *runHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(handlerOp{group: name})
}
