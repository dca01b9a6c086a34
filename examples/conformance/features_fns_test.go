package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
	"github.com/durablefn/inngest/step/ai"
)

// The functions TestFeaturesOnServer runs, each started by its own event.
const (
	evAI          = "features/ai"
	evNamed       = "features/named"
	evHooks       = "features/hooks"
	evStreamed    = "features/streamed"
	evStreamedErr = "features/streamed-error"
)

// registerFeatures returns the register function of the plain app: AI
// steps against the fake model at modelURL, named steps, and a function
// whose step and body each panic once, watched by hooks.
func registerFeatures(modelURL string, hooks *hookLog) func(*inngest.Client) error {
	return func(c *inngest.Client) error {
		if _, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "ai"}, inngest.OnEvent(evAI), aiFunction(modelURL)); err != nil {
			return err
		}
		if _, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "named"}, inngest.OnEvent(evNamed), namedFunction); err != nil {
			return err
		}
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "hooks", Middleware: []middleware.Middleware{hooks}},
			inngest.OnEvent(evHooks), panickyFunction())
		return err
	}
}

// aiFunction asks the fake model in each format the SDK types, then wraps
// a call made in the app.
func aiFunction(base string) func(context.Context, inngest.Input[data]) (map[string]string, error) {
	return func(ctx context.Context, _ inngest.Input[data]) (map[string]string, error) {
		o, err := ai.Infer(ctx, "openai", ai.OpenAI(ai.OpenAIConfig{Model: "gpt-fake", APIKey: keyOpenAI, BaseURL: base + "/openai/v1/"}),
			ai.OpenAIChatRequest{Messages: []ai.OpenAIMessage{{Role: "user", Content: "hi"}}})
		if err != nil {
			return nil, err
		}
		a, err := ai.Infer(ctx, "anthropic", ai.Anthropic(ai.AnthropicConfig{Model: "claude-fake", APIKey: keyAnthropic, BaseURL: base + "/anthropic/v1/"}),
			ai.AnthropicRequest{MaxTokens: 10, Messages: []ai.AnthropicMessage{ai.AnthropicText("user", "hi")}})
		if err != nil {
			return nil, err
		}
		g, err := ai.Infer(ctx, "gemini", ai.Gemini(ai.GeminiConfig{Model: "gemini-fake", APIKey: keyGemini, BaseURL: base + "/gemini/v1beta/"}),
			ai.GeminiRequest{Contents: []ai.GeminiContent{ai.GeminiText("user", "hi")}})
		if err != nil {
			return nil, err
		}
		w, err := ai.Wrap(ctx, "wrap", "hi", func(_ context.Context, in string) (string, error) { return "wrapped " + in, nil })
		if err != nil {
			return nil, err
		}
		return map[string]string{"openai": o.Text(), "anthropic": a.Text(), "gemini": g.Text(), "wrap": w}, nil
	}
}

// namedFunction's steps have display names.
func namedFunction(ctx context.Context, _ inngest.Input[data]) (string, error) {
	if _, err := step.Run(ctx, "named-run", func(context.Context) (int, error) { return 1, nil }, &step.Opts{Name: "A named run"}); err != nil {
		return "", err
	}
	if err := step.Sleep(ctx, "named-sleep", time.Second, &step.Opts{Name: "A named sleep"}); err != nil {
		return "", err
	}
	return "named", nil
}

// panickyFunction's step panics on its first attempt, then its body
// panics once after the step was saved.
func panickyFunction() func(context.Context, inngest.Input[data]) (string, error) {
	var stepPanicked, bodyPanicked atomic.Bool
	return func(ctx context.Context, _ inngest.Input[data]) (string, error) {
		if _, err := step.Run(ctx, "panics-once", func(context.Context) (string, error) {
			if !stepPanicked.Swap(true) {
				panic("step panic")
			}
			return "ok", nil
		}); err != nil {
			return "", err
		}
		if !bodyPanicked.Swap(true) {
			panic("body panic")
		}
		return "survived", nil
	}
}

// registerStreamed creates the functions of the streamed app: a slow step
// with a string result, and a function that fails without retries.
func registerStreamed(c *inngest.Client) error {
	if _, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "streamed"}, inngest.OnEvent(evStreamed),
		func(ctx context.Context, _ inngest.Input[data]) (string, error) {
			return step.Run(ctx, "slow", func(context.Context) (string, error) {
				time.Sleep(2 * time.Second) // several keep-alive spaces
				return `say "hi"`, nil
			})
		}); err != nil {
		return err
	}
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "streamed-error"}, inngest.OnEvent(evStreamedErr),
		func(context.Context, inngest.Input[data]) (string, error) {
			return "", inngest.NonRetriable(errors.New("given up"))
		})
	return err
}

// lines is a log of lines, safe for concurrent use.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, s)
}

// all returns the lines added, in order.
func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.l)
}

// hookLog is a middleware recording BeforeMemoization and OnPanic, and
// TransformInput to mark where each call starts.
type hookLog struct {
	middleware.Base
	lines
}

func (h *hookLog) TransformInput(ctx context.Context, _ *middleware.Call, _ *middleware.Input) (context.Context, error) {
	h.add("TransformInput")
	return ctx, nil
}

func (h *hookLog) BeforeMemoization(context.Context, *middleware.Call) { h.add("BeforeMemoization") }

func (h *hookLog) OnPanic(_ context.Context, _ *middleware.Call, p *middleware.Panic) {
	where := "body"
	if p.Step != nil {
		where = "step " + p.Step.ID
	}
	h.add(fmt.Sprintf("OnPanic(%v in %s)", p.Value, where))
}
