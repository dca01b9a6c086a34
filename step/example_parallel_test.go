package step_test

import (
	"context"
	"fmt"
	"strings"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Parallel runs any number of branches of one result type, each with its
// own steps, and returns their results in branch order.
func ExampleParallel() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "check-stock"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			warehouses := []string{"paris", "lyon", "lille"}
			branches := make([]func(ctx context.Context) (string, error), len(warehouses))
			for i, w := range warehouses {
				branches[i] = func(ctx context.Context) (string, error) {
					return step.Run(ctx, "stock-"+w, func(ctx context.Context) (string, error) {
						return w + ":ok", nil // ask the warehouse here
					})
				}
			}
			answers, err := step.Parallel(ctx, branches...)
			return strings.Join(answers, " "), err
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-8"})))
	fmt.Println(res.Output)
	// Output: paris:ok lyon:ok lille:ok
}
