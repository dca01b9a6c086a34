package validation_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/durablefn/inngest/internal/logbuf"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/middleware/validation"
	"github.com/durablefn/inngest/schema"
)

// A refused run says so in the app's own log, once, with the function and
// the reason; the log then shows why a run failed before its code ran.
func TestRefusedRunIsLoggedOnce(t *testing.T) {
	t.Parallel()
	var out logbuf.Buffer
	reg := &schema.Registry{}
	require.NoError(t, schema.Add(reg, OrderPlaced))
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "shop", Dev: "1", Logger: logger,
		Middleware: []middleware.Middleware{validation.New(validation.Config{Registry: reg})}})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fulfil"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[OrderData]) (int, error) { return 0, nil })
	require.NoError(t, err)

	rec := call(t, handler.New(c, handler.Config{}), "shop-fulfil", map[string]any{
		"name": "shop/order.placed",
		"data": map[string]any{"orderId": "0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70", "email": "a@b.co", "total": 0},
	})
	require.Equal(t, http.StatusBadRequest, rec.Code)

	var refusals []map[string]any
	for _, l := range out.Lines() {
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &line), l)
		if line["level"] == "WARN" || line["level"] == "ERROR" {
			refusals = append(refusals, line)
		}
	}
	require.Len(t, refusals, 1, out.Lines())
	line := refusals[0]
	require.Equal(t, "fulfil", line["function_id"], line)
	require.Equal(t, "r1", line["run_id"], line)
	require.Equal(t, `inngest: function "fulfil" refused its event: event "shop/order.placed" does not match its schema: data.total: must be at least 1, got 0`, line["error"], line)
}
