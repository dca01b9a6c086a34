package step_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

type approval struct {
	InvoiceID string `json:"invoiceId"`
}

var approved = inngest.EventType[approval]("billing/invoice.approved")

// A WaitOpts.Match path that the awaited event's data type does not have
// fails the step call at once, rather than a wait that never matches.
func TestWaitForEventMatchIsChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		match, want string
	}{
		{"data.invoiceID", `inngest: step.WaitForEvent("approval"): match path "data.invoiceID": data of the awaited event (step_test.approval) has no JSON field "invoiceID"; did you mean "data.invoiceId"?`},
		{"invoiceId", `inngest: step.WaitForEvent("approval"): match path "invoiceId" must start with "data.", "user.", "id", "name", "ts" or "v"; did you mean "data.invoiceId"?`},
		{"data.invoiceId", "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.match, func(t *testing.T) {
			t.Parallel()
			c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "billing"})
			fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "await"}, inngest.OnEvent("billing/invoice.sent"),
				func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
					got, err := step.WaitForEvent(ctx, "approval", approved, step.WaitOpts{Timeout: time.Hour, Match: tt.match})
					switch {
					case err != nil:
						return err.Error(), nil
					case got == nil:
						return "timed out", nil
					}
					return "approved", nil
				})
			require.NoError(t, err)
			res := inngesttest.Run(t, c, fn, inngesttest.MockWaitTimeout("approval"))
			require.NoError(t, res.Err)
			require.Equal(t, tt.want, res.Output)
		})
	}
}
