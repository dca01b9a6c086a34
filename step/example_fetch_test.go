package step_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// Fetch a carrier's tracking page through the server: the request is made
// once and its response saved with the run. A 404 is a response like any
// other. The test mocks the carrier with an http.Handler.
func ExampleFetch() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "track"}, OrderPaid.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			res, err := step.Fetch(ctx, "tracking", step.FetchRequest{
				URL:    "https://carrier.example.com/track/" + in.Event.Data.ID,
				Header: http.Header{"Accept": {"application/json"}},
			})
			if err != nil {
				return "", err // the carrier could not be reached, even after retries
			}
			if res.StatusCode == http.StatusNotFound {
				return "not shipped yet", nil
			}
			return string(res.Body), nil
		})

	carrier := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"status":"in transit","path":"`+r.URL.Path+`"}`)
	})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPaid.New(Order{ID: "o-1"})),
		inngesttest.MockFetch("tracking", carrier))
	fmt.Println(res.Output)
	fmt.Println(res.Step("tracking").Fetch.Method, res.Step("tracking").Fetch.URL)
	// Output:
	// {"status":"in transit","path":"/track/o-1"}
	// GET https://carrier.example.com/track/o-1
}
