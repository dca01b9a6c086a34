package middleware

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// LoggingConfig configures the Logging middleware. The zero value logs at
// Info level and above to slog.Default().
type LoggingConfig struct {
	// Logger receives the lifecycle lines and every line the function
	// logs through its run's logger (Input.Logger or inngest.Logger(ctx)).
	// Default: slog.Default().
	Logger *slog.Logger
	// Level is the lowest level logged, for lifecycle and user lines
	// alike. Default: slog.LevelInfo.
	Level slog.Leveler
}

// Logging logs each run's lifecycle and gives its code a logger.
//
// It logs "function started" when a run first executes, "step finished"
// (or "step failed") for each step whose code ran, with its duration, and
// "function finished" (or "function failed") when the function returns.
// Each line is logged once per run even though the function is called
// again, and replayed, for each step: a line is about what happened, not
// about a request.
//
// While it is registered, the run's own logger (Input.Logger, or
// inngest.Logger(ctx)) logs to this middleware's logger at its level.
// That logger is tagged with function_id, run_id and attempt, and with
// step_id inside a step's code; it stays silent while memoized code is
// replayed, so each line the code logs appears once per run, also from
// loggers derived with With or WithGroup.
//
// Register it on the client to log every function, or in a function's
// FunctionOpts.Middleware to log only that one.
type Logging struct {
	Base
	logger *slog.Logger
	level  slog.Leveler
}

// NewLogging returns a Logging middleware configured by cfg.
func NewLogging(cfg LoggingConfig) *Logging {
	l := &Logging{logger: cfg.Logger, level: cfg.Level}
	if l.logger == nil {
		l.logger = slog.Default()
	}
	if l.level == nil {
		l.level = slog.LevelInfo
	}
	return l
}

type logStateKey struct{}

// logState is one call's logging state, in the ctx the function runs with.
type logState struct {
	m     *Logging
	call  *Call
	fresh bool // nothing memoized and no step targeted: the run starts in this call

	mu        sync.Mutex
	stepStart time.Time
}

// TransformInput makes this middleware's logger and level the base of the
// run's logger, and sets up the lifecycle lines.
func (m *Logging) TransformInput(ctx context.Context, call *Call, in *Input) (context.Context, error) {
	// A targeted call (a parallel step, say) may also carry no memoized
	// step, but the run started in the call that planned it.
	s := &logState{m: m, call: call, fresh: len(in.Steps) == 0 && !call.Targeted}
	ctx = WithBaseLogger(ctx, slog.New(levelHandler{inner: m.logger.Handler(), level: m.level}))
	return context.WithValue(ctx, logStateKey{}, s), nil
}

// levelHandler drops records below a level.
type levelHandler struct {
	inner slog.Handler
	level slog.Leveler
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.inner.Enabled(ctx, l)
}

func (h levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.level.Level() {
		return nil
	}
	return h.inner.Handle(ctx, r)
}

func (h levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return levelHandler{inner: h.inner.WithAttrs(as), level: h.level}
}

func (h levelHandler) WithGroup(name string) slog.Handler {
	return levelHandler{inner: h.inner.WithGroup(name), level: h.level}
}

func stateOf(ctx context.Context) *logState {
	s, _ := ctx.Value(logStateKey{}).(*logState)
	return s
}

// BeforeExecution logs the start of a new run.
func (m *Logging) BeforeExecution(ctx context.Context, _ *Call) {
	s := stateOf(ctx)
	if s == nil {
		return
	}
	if s.fresh && s.call.Attempt == 0 {
		s.lifecycle(ctx, slog.LevelInfo, "function started")
	}
}

// BeforeStep notes when the step's code starts.
func (m *Logging) BeforeStep(ctx context.Context, _ *Call, _ Step) context.Context {
	s := stateOf(ctx)
	if s == nil {
		return ctx
	}
	s.mu.Lock()
	s.stepStart = time.Now()
	s.mu.Unlock()
	return ctx
}

// TransformStep logs the step's outcome and duration.
func (m *Logging) TransformStep(ctx context.Context, _ *Call, step Step, out *Output) {
	s := stateOf(ctx)
	if s == nil {
		return
	}
	s.mu.Lock()
	d := time.Since(s.stepStart)
	s.mu.Unlock()
	attrs := []slog.Attr{slog.String("step_id", step.ID), slog.String("kind", step.Kind), slog.Duration("duration", d)}
	if step.Index > 0 {
		attrs = append(attrs, slog.Int("index", step.Index))
	}
	if out.Err != nil {
		s.lifecycle(ctx, slog.LevelWarn, "step failed", append(attrs, slog.String("error", out.Err.Error()))...)
		return
	}
	s.lifecycle(ctx, slog.LevelInfo, "step finished", attrs...)
}

// TransformOutput logs the function's outcome.
func (m *Logging) TransformOutput(ctx context.Context, _ *Call, out *Output) {
	s := stateOf(ctx)
	if s == nil {
		return
	}
	if out.Err != nil {
		s.lifecycle(ctx, slog.LevelError, "function failed", slog.String("error", out.Err.Error()))
		return
	}
	s.lifecycle(ctx, slog.LevelInfo, "function finished")
}

func (s *logState) lifecycle(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if level < s.m.level.Level() {
		return
	}
	h := s.m.logger.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(slog.String("function_id", s.call.FunctionID), slog.String("run_id", s.call.RunID), slog.Int("attempt", s.call.Attempt))
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r)
}
