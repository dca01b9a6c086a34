package ai_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step/ai"
)

// t stands in for a test's *testing.T so the examples read as test code.
var t testing.TB = exampleT{}

type exampleT struct{ testing.TB }

func (exampleT) Helper()                           {}
func (exampleT) Logf(string, ...any)               {}
func (exampleT) Cleanup(func())                    {}
func (exampleT) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (exampleT) FailNow()                          { panic("test failed") }

type Ticket struct {
	Text string `json:"text"`
}

var TicketOpened = inngest.EventType[Ticket]("support/ticket.opened")

// Have the server ask a model to classify a ticket. The test answers for
// the model with MockInfer; the record shows what was sent, without the
// key.
func ExampleInfer() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "support"})
	model := ai.OpenAI(ai.OpenAIConfig{Model: "gpt-4o-mini", APIKey: "sk-example"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "triage"}, TicketOpened.Trigger(),
		func(ctx context.Context, in inngest.Input[Ticket]) (string, error) {
			res, err := ai.Infer(ctx, "classify", model, ai.OpenAIChatRequest{
				Messages: []ai.OpenAIMessage{
					{Role: "system", Content: "Answer billing, bug or other."},
					{Role: "user", Content: in.Event.Data.Text},
				},
			})
			if err != nil {
				return "", err
			}
			return res.Text(), nil
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(TicketOpened.New(Ticket{Text: "I was charged twice"})),
		inngesttest.MockInfer("classify", func(req ai.OpenAIChatRequest) (ai.OpenAIChatResponse, error) {
			return ai.OpenAIChatResponse{Choices: []ai.OpenAIChoice{{Message: ai.OpenAIMessage{Role: "assistant", Content: "billing"}}}}, nil
		}))
	step := res.Step("classify")
	fmt.Println(res.Output)
	fmt.Println(step.Infer.Format, step.Infer.URL, step.Infer.HasAuthKey)
	// Output:
	// billing
	// openai-chat https://api.openai.com/v1/chat/completions true
}

// An Anthropic model takes typed content blocks and needs MaxTokens.
func ExampleAnthropic() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "support"})
	model := ai.Anthropic(ai.AnthropicConfig{Model: "claude-sonnet-4-5", APIKey: "sk-ant-example"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "reply"}, TicketOpened.Trigger(),
		func(ctx context.Context, in inngest.Input[Ticket]) (string, error) {
			res, err := ai.Infer(ctx, "draft", model, ai.AnthropicRequest{
				MaxTokens: 200,
				System:    "Draft a short, kind reply.",
				Messages:  []ai.AnthropicMessage{ai.AnthropicText("user", in.Event.Data.Text)},
			})
			return res.Text(), err
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(TicketOpened.New(Ticket{Text: "The app crashes"})),
		inngesttest.MockInfer("draft", func(req ai.AnthropicRequest) (ai.AnthropicResponse, error) {
			return ai.AnthropicResponse{Content: []ai.AnthropicBlock{{Type: "text", Text: "Sorry! (" + req.Model + ")"}}}, nil
		}))
	fmt.Println(res.Output)
	fmt.Println(res.Step("draft").Infer.Header["anthropic-version"])
	// Output:
	// Sorry! (claude-sonnet-4-5)
	// 2023-06-01
}

// Wrap a model call made in the app, here a stand-in for a client
// library, as a step the server knows to be an AI call.
func ExampleWrap() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "support"})
	summarize := func(ctx context.Context, text string) (string, error) {
		return strings.ToUpper(text[:3]) + "...", nil // a model call
	}
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "summarize"}, TicketOpened.Trigger(),
		func(ctx context.Context, in inngest.Input[Ticket]) (string, error) {
			return ai.Wrap(ctx, "summary", in.Event.Data.Text, summarize)
		})

	res := inngesttest.Run(t, c, fn, inngesttest.Event(TicketOpened.New(Ticket{Text: "refund please"})))
	step := res.Step("summary")
	fmt.Println(res.Output)
	fmt.Println(step.Kind, string(step.Input))
	// Output:
	// REF...
	// aiWrap "refund please"
}
