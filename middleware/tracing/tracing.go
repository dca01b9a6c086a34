// Package tracing provides the middleware that records OpenTelemetry spans
// for function calls and steps. It is a package of its own so that apps
// that do not trace do not import OpenTelemetry.
//
// Each call request gets an "inngest.call" span, and each step whose code
// runs in that call an "inngest.step" span inside it. A run spans several
// calls; their spans share the inngest.run.id attribute. When the request
// carries trace context headers (traceparent), the call span continues
// that trace.
package tracing

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/durablefn/inngest/middleware"
)

// Attribute keys set on the spans.
const (
	AttrFunctionID = attribute.Key("inngest.function.id")
	AttrRunID      = attribute.Key("inngest.run.id")
	AttrAttempt    = attribute.Key("inngest.attempt")
	AttrMemoized   = attribute.Key("inngest.steps.memoized")
	AttrStepID     = attribute.Key("inngest.step.id")
	AttrStepIndex  = attribute.Key("inngest.step.index")
	AttrStepKind   = attribute.Key("inngest.step.kind")
	AttrFinished   = attribute.Key("inngest.function.finished")
)

// Span names.
const (
	SpanCall = "inngest.call"
	SpanStep = "inngest.step"
)

// Config configures the tracing middleware. The zero value uses the global
// OpenTelemetry tracer provider and propagator.
type Config struct {
	// TracerProvider creates the tracer. Default: otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Propagator reads trace context from call request headers. Default:
	// otel.GetTextMapPropagator().
	Propagator propagation.TextMapPropagator
}

// Middleware records a span for each call and each step that runs.
//
// Spans the function's own code starts with the ctx it received become
// children of the call span.
type Middleware struct {
	middleware.Base
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator

	mu    sync.Mutex
	calls map[*middleware.Call]*callSpans
}

type callSpans struct {
	span  trace.Span
	steps map[stepKey]trace.Span
}

type stepKey struct {
	id    string
	index int
}

// New returns a tracing middleware configured by cfg.
func New(cfg Config) *Middleware {
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	prop := cfg.Propagator
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	return &Middleware{
		tracer:     tp.Tracer("github.com/durablefn/inngest/middleware/tracing"),
		propagator: prop,
		calls:      make(map[*middleware.Call]*callSpans),
	}
}

// TransformInput starts the call span; the function runs inside it.
func (m *Middleware) TransformInput(ctx context.Context, call *middleware.Call, in *middleware.Input) (context.Context, error) {
	if call.Request != nil {
		ctx = m.propagator.Extract(ctx, propagation.HeaderCarrier(call.Request.Header))
	}
	ctx, span := m.tracer.Start(ctx, SpanCall,
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			AttrFunctionID.String(call.FunctionID),
			AttrRunID.String(call.RunID),
			AttrAttempt.Int(call.Attempt),
			AttrMemoized.Int(len(in.Steps)),
		))
	m.mu.Lock()
	m.calls[call] = &callSpans{span: span, steps: map[stepKey]trace.Span{}}
	m.mu.Unlock()
	return ctx, nil
}

// BeforeStep starts a step span and returns a context carrying it, so that
// spans started by the step's code are its children.
func (m *Middleware) BeforeStep(ctx context.Context, call *middleware.Call, step middleware.Step) context.Context {
	m.mu.Lock()
	cs := m.calls[call]
	m.mu.Unlock()
	if cs == nil {
		return ctx
	}
	sctx, span := m.tracer.Start(trace.ContextWithSpan(ctx, cs.span), SpanStep,
		trace.WithAttributes(
			AttrFunctionID.String(call.FunctionID),
			AttrRunID.String(call.RunID),
			AttrAttempt.Int(call.Attempt),
			AttrStepID.String(step.ID),
			AttrStepIndex.Int(step.Index),
			AttrStepKind.String(step.Kind),
		))
	m.mu.Lock()
	cs.steps[stepKey{step.ID, step.Index}] = span
	m.mu.Unlock()
	return sctx
}

// TransformStep ends the step span with the step's outcome.
func (m *Middleware) TransformStep(_ context.Context, call *middleware.Call, step middleware.Step, out *middleware.Output) {
	m.mu.Lock()
	var span trace.Span
	if cs := m.calls[call]; cs != nil {
		k := stepKey{step.ID, step.Index}
		span = cs.steps[k]
		delete(cs.steps, k)
	}
	m.mu.Unlock()
	if span == nil {
		return
	}
	setOutcome(span, out.Err)
	span.End()
}

// TransformOutput records that the function returned, and its error.
func (m *Middleware) TransformOutput(_ context.Context, call *middleware.Call, out *middleware.Output) {
	m.mu.Lock()
	cs := m.calls[call]
	m.mu.Unlock()
	if cs == nil {
		return
	}
	cs.span.SetAttributes(AttrFinished.Bool(true))
	setOutcome(cs.span, out.Err)
}

// BeforeResponse ends the call span, and any step span left open. The
// handler calls it for every call request, whatever the outcome.
func (m *Middleware) BeforeResponse(_ context.Context, call *middleware.Call) {
	m.mu.Lock()
	cs := m.calls[call]
	delete(m.calls, call)
	m.mu.Unlock()
	if cs == nil {
		return
	}
	for _, s := range cs.steps {
		s.End()
	}
	cs.span.End()
}

func setOutcome(span trace.Span, err error) {
	if err == nil {
		span.SetStatus(codes.Ok, "")
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
