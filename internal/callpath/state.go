package callpath

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/wire"
)

// fetchState loads the events and memoized steps the server left out of a
// large request (§4.4.2).
func fetchState(ctx context.Context, a *app.App, req *wire.CallRequest) error {
	runID := req.Ctx.RunID
	if runID == "" {
		return fmt.Errorf("use_api set without ctx.run_id")
	}
	var events []json.RawMessage
	if err := apiGet(ctx, a, "/v0/runs/"+url.PathEscape(runID)+"/batch", &events); err != nil {
		return fmt.Errorf("fetching the run's events: %w", err)
	}
	var steps map[string]json.RawMessage
	if err := apiGet(ctx, a, "/v0/runs/"+url.PathEscape(runID)+"/actions", &steps); err != nil {
		return fmt.Errorf("fetching the run's step state: %w", err)
	}
	if len(events) > 0 {
		req.Events = events
		req.Event = events[0]
	}
	req.Steps = steps
	return nil
}

// apiGet GETs an API path and decodes its JSON answer into into.
func apiGet(ctx context.Context, a *app.App, path string, into any) error {
	raw, err := a.API(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("malformed answer: %w", err)
	}
	return nil
}
