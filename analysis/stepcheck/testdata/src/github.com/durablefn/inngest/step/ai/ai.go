// Package ai is a stub of the SDK's step/ai package for the checker's
// tests, with the real signatures (stubs_test.go compares them).
package ai

import "context"

type Format string

type Model[Req, Resp any] struct {
	Format  Format
	URL     string
	AuthKey string
	Header  map[string]string
	Prepare func(req *Req) error
}

func Infer[Req, Resp any](ctx context.Context, stepID string, model Model[Req, Resp], req Req) (Resp, error) {
	var zero Resp
	return zero, nil
}

func Wrap[In, Out any](ctx context.Context, stepID string, in In, fn func(ctx context.Context, in In) (Out, error)) (Out, error) {
	return fn(ctx, in)
}

type AnthropicMessage struct{ Role, Text string }

func AnthropicText(role, text string) AnthropicMessage { return AnthropicMessage{role, text} }
