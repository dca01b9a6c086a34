package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
)

// checkpointer saves the steps of one call request with the server's
// checkpoint API (POST /v1/checkpoint/{runID}/async), as the official SDKs
// do, so that the function goes on in the same request.
type checkpointer struct {
	h       *Handler
	req     wire.CheckpointRequest // the run's fields; Steps and Timestamp per request
	started int64
}

// checkpointerFor returns the checkpointer of a call request, or nil when
// it cannot checkpoint: the server sent no run or function ID to name.
func (h *Handler) checkpointerFor(ctx *wire.CallCtx) engine.Checkpointer {
	if ctx.RunID == "" || ctx.FnID == "" {
		return nil
	}
	return &checkpointer{
		h:       h,
		req:     wire.CheckpointRequest{RunID: ctx.RunID, FnID: ctx.FnID, QueueItemRef: ctx.QueueItemRef},
		started: h.cfg.Now().UnixMilli(),
	}
}

// Checkpoint posts steps and reports whether the server saved them: any
// answer but a 2xx is an error (after the fallback signing key was tried
// on a 401), and the engine then reports the steps in its answer instead.
func (c *checkpointer) Checkpoint(ctx context.Context, steps []wire.Op) error {
	req := c.req
	req.Steps = steps
	req.Timestamp = c.h.cfg.Now().UnixMilli()
	req.RequestStartedAt = c.started
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encoding the checkpoint: %w", err)
	}
	if _, err := c.h.app.API(ctx, http.MethodPost, wire.CheckpointPath(req.RunID), body); err != nil {
		return fmt.Errorf("checkpointing %d steps of run %s: %w", len(steps), req.RunID, err)
	}
	return nil
}
