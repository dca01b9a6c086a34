// Package inngest is a stub of the SDK's root package for the checker's
// tests: the declarations the checker looks at, with the real signatures.
package inngest

import "context"

type Client struct{}

type FunctionOpts struct {
	ID        string
	OnFailure func(ctx context.Context, in FailureInput) error
}

type Event[T any] struct {
	Name string
	Data T
}

func (Event[T]) sendable() {}

type Sendable interface{ sendable() }

type GenericEvent = Event[map[string]any]

type EventType[T any] string

func (e EventType[T]) Name() string        { return string(e) }
func (e EventType[T]) New(data T) Event[T] { return Event[T]{Name: string(e), Data: data} }
func (e EventType[T]) Trigger() Trigger[T] { return Trigger[T]{} }

type Trigger[T any] struct{}

func On[T any](name string) Trigger[T] { return Trigger[T]{} }

func OnEvent(name string) Trigger[map[string]any] { return On[map[string]any](name) }

type Input[T any] struct {
	Event   Event[T]
	Events  []Event[T]
	RunID   string
	Attempt int
}

type FailureData struct{}

type FailureInput struct {
	Input[FailureData]
	Error         error
	OriginalEvent GenericEvent
}

type HandlerFunc[T, R any] func(ctx context.Context, in Input[T]) (R, error)

type Function[T, R any] struct{}

func CreateFunction[T, R any](c *Client, opts FunctionOpts, trigger Trigger[T], fn HandlerFunc[T, R]) (*Function[T, R], error) {
	return &Function[T, R]{}, nil
}
