package devserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/internal/wire"
)

// Errors returned by CancelRun; test with errors.Is.
var (
	// ErrRunNotFound: no run with that ID is kept (it never existed, or
	// retention dropped it).
	ErrRunNotFound = errors.New("devserver: no run with that ID")
	// ErrRunEnded: the run has already completed, failed or been
	// cancelled.
	ErrRunEnded = errors.New("devserver: the run has already ended")
)

// CancelRun cancels a run, as DELETE /v1/runs/{runID} does. Cancellation
// takes effect between steps: at once when no call to the app is in
// flight, otherwise when that call returns, and its result is discarded.
// The run ends Cancelled, inngest/function.cancelled and
// inngest/function.finished are emitted, and onFailure handlers do not
// run. Cancelling a run whose cancellation is pending returns nil.
func (s *Server) CancelRun(ctx context.Context, runID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.unlock()
	s.fireDue()
	r := s.st.run(runID)
	if r == nil {
		return fmt.Errorf("%w: %q", ErrRunNotFound, runID)
	}
	if r.ended() {
		return fmt.Errorf("%w: run %s is %s", ErrRunEnded, runID, r.status)
	}
	s.cancelRun(r, &wire.UserError{Name: "FunctionCancelled", Message: "cancelled through the API"})
	s.notify()
	return nil
}

// handleCancelRun serves DELETE /v1/runs/{runID}.
func (s *Server) handleCancelRun(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	id := r.PathValue("runID")
	if !validRunID(w, id) {
		return
	}
	err := s.CancelRun(r.Context(), id)
	switch {
	case errors.Is(err, ErrRunNotFound):
		writeError(w, http.StatusNotFound, "no run with that ID")
		return
	case errors.Is(err, ErrRunEnded):
		code, msg := "run_already_ended", "cannot cancel an ended run"
		if rn := s.Run(id); rn != nil && rn.Status == StatusCancelled {
			code, msg = "run_already_cancelled", "the run is already cancelled"
		}
		writeJSON(w, http.StatusConflict, map[string]any{"error": msg, "code": code, "status": http.StatusConflict})
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	status := StatusRunning
	if rn := s.Run(id); rn != nil {
		status = rn.Status
	}
	// Running here means the cancellation waits for a call in flight.
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"run_id": id, "status": status}})
}
