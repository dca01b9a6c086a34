package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// redactor is a custom middleware: it embeds middleware.Base and so
// implements only the hooks it needs. It reports each step that runs and
// replaces the function's result before it leaves the process.
type redactor struct {
	middleware.Base
}

func (redactor) BeforeStep(ctx context.Context, call *middleware.Call, s middleware.Step) context.Context {
	fmt.Printf("run %s: running step %q\n", call.RunID, s.ID)
	return ctx
}

func (redactor) TransformOutput(_ context.Context, _ *middleware.Call, out *middleware.Output) {
	if out.Err != nil {
		return
	}
	var card map[string]string
	if json.Unmarshal(out.Data, &card) == nil && card["number"] != "" {
		card["number"] = "****" + card["number"][len(card["number"])-4:]
		out.Data, _ = json.Marshal(card)
	}
}

func Example_customMiddleware() {
	client, _ := inngest.NewClient(inngest.ClientConfig{AppID: "billing", Dev: "1"})
	_, _ = inngest.CreateFunction(client,
		inngest.FunctionOpts{ID: "issue-card", Middleware: []middleware.Middleware{redactor{}}},
		inngest.OnEvent("billing/card.requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (map[string]string, error) {
			number, err := step.Run(ctx, "issue", func(ctx context.Context) (string, error) {
				return "4242424242424242", nil
			})
			return map[string]string{"number": number}, err
		})

	fmt.Println(playRun(handler.New(client, handler.Config{}), "billing-issue-card", `{"name":"billing/card.requested","data":{}}`))
	// Output:
	// run 01J0RUN: running step "issue"
	// {"number":"****4242"}
}
