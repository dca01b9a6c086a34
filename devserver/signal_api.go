package devserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// ErrNoSignalWait is returned by SendSignal when no run waits for the
// signal.
var ErrNoSignalWait = errors.New("devserver: no run waits for that signal")

// SendSignal resumes the run waiting for signal (a WaitForSignal step)
// with data, which must be JSON (nil: null), and returns the run's ID. It
// returns ErrNoSignalWait when no run waits for the signal: signals are
// not kept for runs that wait later, as on the real server.
func (s *Server) SendSignal(signal string, data json.RawMessage) (string, error) {
	if signal == "" {
		return "", errors.New("devserver: SendSignal needs a signal name")
	}
	if len(data) > 0 && !json.Valid(data) {
		return "", errors.New("devserver: SendSignal: data is not valid JSON")
	}
	s.mu.Lock()
	defer s.unlock()
	s.fireDue()
	runID := s.resumeSignal(signal, data)
	if runID == "" {
		return "", ErrNoSignalWait
	}
	s.notify()
	return runID, nil
}

// handleSignal serves POST /v1/signals, as the real server does: body
// {"signal", "data"}; 200 {"data": {"run_id"}, "metadata": {"fetched_at"}}
// when a run waited for the signal, 404 when none did.
func (s *Server) handleSignal(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req wire.SendSignalRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid signal data: "+err.Error())
		return
	}
	if req.Signal == "" {
		writeError(w, http.StatusBadRequest, `Invalid signal data: "signal" is empty`)
		return
	}
	runID, err := s.SendSignal(req.Signal, req.Data)
	if errors.Is(err, ErrNoSignalWait) {
		writeError(w, http.StatusNotFound, "No signal found")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data":     map[string]string{"run_id": runID},
		"metadata": map[string]string{"fetched_at": s.clock.Now().UTC().Format(time.RFC3339Nano)},
	})
}
