package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/internal/wire"
)

// handleCheckpoint serves POST /v1/checkpoint/{runID}/async (and the
// older /v1/http/runs/{runID}/async), where an SDK saves the steps it ran
// while its call request goes on, as the real server's checkpoint API
// does: with the API's bearer token, only ops that need nothing but
// saving, all saved or none, a step saved again ignored; 200 with an
// empty body once saved.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		RunID string          `json:"run_id"`
		Steps json.RawMessage `json:"steps"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid request body: "+err.Error())
		return
	}
	var ops []wire.Op
	if !wire.IsNull(req.Steps) {
		// The steps are ops as a 206 answer holds them, read the same way.
		var err error
		if ops, err = parseOpArray(req.Steps); err != nil {
			writeError(w, http.StatusBadRequest, "invalid request body: steps: "+err.Error())
			return
		}
	}
	runID := r.PathValue("runID")
	switch {
	case !isULID(runID):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("run ID %q is not a ULID", runID))
		return
	case req.RunID != "" && req.RunID != runID:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the body's run_id %q is not the path's run ID %q", req.RunID, runID))
		return
	}
	if err := checkCheckpointOps(ops); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	done, status, err := s.applyCheckpoint(runID, ops)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	// As for an event: answered 2xx only once durable, for the SDK then
	// takes its steps as saved.
	if done != nil {
		if err := awaitDurable(r.Context(), done); err != nil {
			writeError(w, http.StatusServiceUnavailable, "the steps could not be made durable: "+err.Error())
			return
		}
	}
	w.Header().Set(wire.HeaderContentType, "application/json")
	w.WriteHeader(http.StatusOK)
}

// checkCheckpointOps refuses a checkpoint holding an op the API does not
// take, as the real server does: an async op (a sleep, a wait, an
// invoke, a gateway request), which needs the server to act, or an op
// that is no step's result; and a result without a step ID.
func checkCheckpointOps(ops []wire.Op) error {
	for i := range ops {
		op, ok := wire.ParseOpcode(string(ops[i].Op))
		if !ok {
			return fmt.Errorf("cannot checkpoint opcode: %q (step %d)", ops[i].Op, i)
		}
		ops[i].Op = op
		switch {
		case wire.AsyncOpcode(op):
			return fmt.Errorf("cannot checkpoint async steps: step %d is a %s op", i, op)
		case !wire.Checkpointable(op):
			return fmt.Errorf("cannot checkpoint opcode: %q (step %d)", op, i)
		case ops[i].ID == "" && (op == wire.OpStepRun || op == wire.OpStep):
			return fmt.Errorf("step %d (%s) has no id", i, op)
		}
	}
	return nil
}
