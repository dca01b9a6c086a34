package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Example runs the pattern: print the event's JSON Schema, then send a
// valid order and one that another service got wrong.
func Example() demo.Example {
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			s, _ := Events.Schema(OrderCreated.Name())
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, s, "  ", "  "); err != nil {
				return err
			}
			fmt.Fprintf(env.Out, "JSON Schema of %s:\n  %s\n", OrderCreated.Name(), pretty.String())

			ids, err := env.Send(ctx,
				OrderCreated.New(Order{OrderID: "ord_1", Email: "ada@example.com", Currency: "EUR",
					Items: []Item{{SKU: "mug", Qty: 2}, {SKU: "tea", Qty: 1}}}),
				OrderCreated.New(Order{OrderID: "ord_2", Email: "grace", Currency: "GBP",
					Items: []Item{{SKU: "mug", Qty: 0}}}),
			)
			if err != nil {
				return err
			}
			if _, err := env.ExpectRun(ctx, ids[0], "Completed"); err != nil {
				return err
			}
			bad, err := env.ExpectRun(ctx, ids[1], "Failed")
			if err != nil {
				return err
			}
			var reason struct{ Message string }
			if err := json.Unmarshal(bad.Output, &reason); err != nil {
				return fmt.Errorf("decoding the failed run's error %s: %w", bad.Output, err)
			}
			fmt.Fprintf(env.Out, "rejected: %s\n", reason.Message)
			for _, field := range []string{"data.email", "data.currency", "data.items[0].qty"} {
				if !strings.Contains(reason.Message, field) {
					return fmt.Errorf("the error does not name %s: %s", field, reason.Message)
				}
			}
			return nil
		},
	}
}
