// Package aisteps calls the AI steps of package step/ai where steps
// cannot run, and with colliding IDs.
package aisteps

import (
	"context"

	"github.com/durablefn/inngest/step"
	"github.com/durablefn/inngest/step/ai"
)

type req struct{ Prompt string }
type resp struct{ Text string }

var model = ai.Model[req, resp]{URL: "https://llm.example.com"}

func nested(ctx context.Context) (string, error) {
	return ai.Wrap(ctx, "outer", "hi", func(ctx context.Context, in string) (string, error) {
		r, err := ai.Infer(ctx, "inner", model, req{in}) // want `ai.Infer inside the callback of ai.Wrap "outer"`
		return r.Text, err
	})
}

func inGoroutine(ctx context.Context) {
	go ai.Infer(ctx, "bg", model, req{}) // want `ai.Infer in a goroutine started by a go statement`
}

func collide(ctx context.Context) {
	step.Fetch(ctx, "ask", step.FetchRequest{URL: "https://example.com"})
	ai.Infer(ctx, "ask", model, req{}) // want `step ID "ask" is already used by step.Fetch`
}

func fine(ctx context.Context) (string, error) {
	r, err := ai.Infer(ctx, "ask", model, req{"hi"})
	if err != nil {
		return "", err
	}
	return ai.Wrap(ctx, "shout", r.Text, func(ctx context.Context, s string) (string, error) { return s + "!", nil })
}

// Building messages is not a step, whatever its arguments.
func messages() []ai.AnthropicMessage {
	return []ai.AnthropicMessage{ai.AnthropicText("user", "hi"), ai.AnthropicText("user", "hi")}
}
