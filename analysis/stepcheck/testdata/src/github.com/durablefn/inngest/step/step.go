// Package step is a stub of the SDK's step package for the checker's
// tests, with the real signatures (stubs_test.go compares them).
package step

import (
	"context"
	"time"

	inngest "github.com/durablefn/inngest"
)

type Opts struct {
	Name string
}

func Run[T any](ctx context.Context, stepID string, fn func(ctx context.Context) (T, error), opts ...*Opts) (T, error) {
	return fn(ctx)
}

func Sleep(ctx context.Context, stepID string, d time.Duration, opts ...*Opts) error { return nil }

func SleepUntil(ctx context.Context, stepID string, t time.Time, opts ...*Opts) error { return nil }

type WaitOpts struct {
	Timeout time.Duration
	If      string
	Match   string
	Name    string
}

func WaitForEvent[T any](ctx context.Context, stepID string, ev inngest.EventType[T], opts WaitOpts) (*inngest.Event[T], error) {
	return nil, nil
}

func SendEvent(ctx context.Context, stepID string, events ...inngest.Sendable) ([]string, error) {
	return nil, nil
}

func SendEventWith(ctx context.Context, stepID string, opts *Opts, events ...inngest.Sendable) ([]string, error) {
	return nil, nil
}

type InvokeOpts struct {
	Timeout time.Duration
	User    map[string]any
	Name    string
}

func Invoke[T, R any](ctx context.Context, stepID string, fn *inngest.Function[T, R], data T, opts *InvokeOpts) (R, error) {
	var zero R
	return zero, nil
}

func InvokeByID[R any](ctx context.Context, stepID string, functionID string, data any, opts *InvokeOpts) (R, error) {
	var zero R
	return zero, nil
}

func Parallel[T any](ctx context.Context, fns ...func(ctx context.Context) (T, error)) ([]T, error) {
	return nil, nil
}

func Parallel2[A, B any](ctx context.Context, fa func(ctx context.Context) (A, error), fb func(ctx context.Context) (B, error)) (A, B, error) {
	var (
		a A
		b B
	)
	return a, b, nil
}

type SignalConflict string

type SignalOpts struct {
	Timeout    time.Duration
	OnConflict SignalConflict
	Name       string
}

type Signal[T any] struct {
	Name string `json:"signal"`
	Data T      `json:"data"`
}

func WaitForSignal[T any](ctx context.Context, stepID, signal string, opts SignalOpts) (*Signal[T], error) {
	return nil, nil
}

type SentSignal struct {
	RunID string `json:"runId,omitempty"`
}

func SendSignal(ctx context.Context, stepID, signal string, data any, opts ...*Opts) (SentSignal, error) {
	return SentSignal{}, nil
}
