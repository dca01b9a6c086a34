package inngest_test

import (
	"context"
	"fmt"

	inngest "github.com/durablefn/inngest"
)

// A CancelOn with a typed event: its Match path is checked against the
// data types of both events when the function is created.
func ExampleCancelOn() {
	c, _ := inngest.NewClient(inngest.ClientConfig{AppID: "billing", Dev: "1"})
	remind := func(ctx context.Context, in inngest.Input[InvoiceData]) (any, error) { return nil, nil }

	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "remind",
		CancelOn: []inngest.CancelOn{{Type: InvoiceApproved, Match: "invoiceId"}},
	}, InvoiceCreated.Trigger(), remind)
	fmt.Println(err)

	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "remind",
		CancelOn: []inngest.CancelOn{{Type: InvoiceApproved, Match: "data.invoiceId"}},
	}, InvoiceCreated.Trigger(), remind)
	fmt.Println(err)
	// Output:
	// inngest: function "remind": CancelOn "invoice/approved": match path "invoiceId" must start with "data.", "user.", "id", "name", "ts" or "v"; did you mean "data.invoiceId"?
	// <nil>
}
