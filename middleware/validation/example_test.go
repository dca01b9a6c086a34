package validation_test

import (
	"context"
	"errors"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/validation"
	"github.com/durablefn/inngest/schema"
)

type SignupData struct {
	Email string `json:"email" jsonschema:"format=email"`
	Plan  string `json:"plan" jsonschema:"enum=free,enum=pro"`
}

var UserSignedUp = inngest.EventType[SignupData]("user/signed.up")

// Registered on the client, the middleware checks the events that start
// functions and the events the app sends. Here a send is refused before it
// leaves the process.
func Example() {
	var events schema.Registry
	if err := schema.Add(&events, UserSignedUp); err != nil {
		panic(err)
	}
	client, _ := inngest.NewClient(inngest.ClientConfig{
		AppID: "accounts", Dev: "1",
		Middleware: []middleware.Middleware{validation.New(validation.Config{Registry: &events})},
	})

	_, err := client.Send(context.Background(), UserSignedUp.New(SignupData{Email: "ada", Plan: "gold"}))
	var verr *schema.ValidationError
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			fmt.Printf("%s %s\n", f.Field, f.Message)
		}
	}
	var nr *inngest.NonRetriableError
	fmt.Println("non-retriable:", errors.As(err, &nr))
	// Output:
	// data.email must be an email address
	// data.plan must be one of "free", "pro", got "gold"
	// non-retriable: true
}
