package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/schema"
)

type PaymentData struct {
	PaymentID string  `json:"paymentId" jsonschema:"format=uuid"`
	Amount    float64 `json:"amount" jsonschema:"exclusiveMinimum=0,description=Amount in the currency's major unit"`
	Currency  string  `json:"currency" jsonschema:"enum=EUR,enum=USD"`
	Reference string  `json:"reference,omitempty" jsonschema:"maxLength=16"`
}

var PaymentReceived = inngest.EventType[PaymentData]("payment/received")

func ExampleAdd() {
	var events schema.Registry
	if err := schema.Add(&events, PaymentReceived); err != nil {
		panic(err)
	}
	s, _ := events.Schema("payment/received")
	fmt.Println(string(s))
	// Output:
	// {"$schema":"https://json-schema.org/draft/2020-12/schema","properties":{"paymentId":{"type":"string","format":"uuid"},"amount":{"type":"number","exclusiveMinimum":0,"description":"Amount in the currency's major unit"},"currency":{"type":"string","enum":["EUR","USD"]},"reference":{"type":"string","maxLength":16}},"additionalProperties":false,"type":"object","required":["paymentId","amount","currency"],"title":"payment/received"}
}

func ExampleRegistry_Validate() {
	var events schema.Registry
	_ = schema.Add(&events, PaymentReceived)

	// Data as another service might send it.
	err := events.Validate("payment/received", json.RawMessage(`{"paymentId":"p-1","amount":-5,"currency":"EUR","referenec":"x"}`))
	fmt.Println(err)
	// Output:
	// inngest: event "payment/received" does not match its schema: data.paymentId: must be a UUID; data.amount: must be greater than 0, got -5; data.referenec: is not a known field
}

// The registry encodes as one JSON document of every event's schema, for
// other services and for documentation.
func ExampleRegistry_MarshalJSON() {
	var events schema.Registry
	_ = schema.Add(&events, inngest.EventType[struct {
		UserID string `json:"userId"`
	}]("user/deleted"))
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(&events)
	// Output:
	// {
	//   "events": {
	//     "user/deleted": {
	//       "$schema": "https://json-schema.org/draft/2020-12/schema",
	//       "properties": {
	//         "userId": {
	//           "type": "string"
	//         }
	//       },
	//       "additionalProperties": false,
	//       "type": "object",
	//       "required": [
	//         "userId"
	//       ],
	//       "title": "user/deleted"
	//     }
	//   }
	// }
}

// InputOf recovers a function's input type from the function value, as
// GetFunctionInput does in TypeScript.
func ExampleInputOf() {
	client, _ := inngest.NewClient(inngest.ClientConfig{AppID: "payments", Dev: "1"})
	fn, _ := inngest.CreateFunction(client, inngest.FunctionOpts{ID: "book-payment"}, PaymentReceived.Trigger(),
		func(ctx context.Context, in inngest.Input[PaymentData]) (bool, error) { return true, nil })

	in := schema.InputOf(fn) // an inngest.Input[PaymentData]
	in.Event = PaymentReceived.New(PaymentData{Amount: 10, Currency: "EUR"})
	fmt.Printf("%T %v\n", in.Event.Data, in.Event.Data.Amount)
	// Output:
	// schema_test.PaymentData 10
}
