// Package app is the typed-events pattern: each event is declared once
// with its Go data type, the app's schema registry derives its JSON
// Schema, and the validation middleware rejects events that do not match
// before any of the function's code runs, naming each bad field.
package app

import (
	"context"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/validation"
	"github.com/durablefn/inngest/schema"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "schema"

// Order is the data of an order event. The jsonschema tags become
// constraints of its JSON Schema; fields without omitempty are required.
type Order struct {
	OrderID  string `json:"orderId" jsonschema:"pattern=^ord_[a-z0-9]+$"`
	Email    string `json:"email" jsonschema:"format=email"`
	Currency string `json:"currency" jsonschema:"enum=EUR,enum=USD"`
	Items    []Item `json:"items" jsonschema:"minItems=1"`
}

// Item is one line of an order.
type Item struct {
	SKU string `json:"sku" jsonschema:"minLength=1"`
	Qty int    `json:"qty" jsonschema:"minimum=1,maximum=99"`
}

// OrderCreated is the typed event.
var OrderCreated = inngest.EventType[Order]("shop/order.created")

// Events is the app's schema registry.
var Events = func() *schema.Registry {
	var r schema.Registry
	if err := schema.Add(&r, OrderCreated); err != nil {
		panic(err)
	}
	return &r
}()

// Register creates the order handler, guarded by the validation
// middleware.
func Register(c *inngest.Client) (*inngest.Function[Order, int], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{
			ID:         "count-items",
			Middleware: []middleware.Middleware{validation.New(validation.Config{Registry: Events})},
		},
		OrderCreated.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return step.Run(ctx, "count-items", func(ctx context.Context) (int, error) {
				n := 0
				for _, it := range in.Event.Data.Items {
					n += it.Qty
				}
				return n, nil
			})
		})
}
