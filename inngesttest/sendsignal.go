package inngesttest

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/durablefn/inngest/internal/wire"
)

// SentSignalRecord records the signal a sendSignal step sent.
type SentSignalRecord struct {
	// Signal is the signal's name.
	Signal string
	// Data is the data it was sent with, as JSON (null when none).
	Data json.RawMessage
	// RunID is the run it reached, as the step returned it: "" when no
	// run waited for it.
	RunID string
}

// MockSendSignal makes the signal that the step.SendSignal step stepID
// sends reach the run runID, as if that run waited for it: the step
// returns runID. Without it, a signal sent in unit mode reaches no run,
// since no other run is there to wait for it (the step returns an empty
// RunID, as when the server answers that no run waits). The signal and
// its data are recorded in the step's SentSignal either way. To resume
// a waiting run for real, use an Env.
func MockSendSignal(stepID, runID string) Option {
	return func(c *config) { c.sendSignals[stepID] = runID }
}

// signalAnswer answers a POST /v1/signals made during Run: the signal is
// recorded with the call, and reaches the run the targeted step's
// MockSendSignal names, else none (404, as the server answers then).
func signalAnswer(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	sig, ok := decodeSignal(body)
	if !ok {
		return jsonResponse(req, http.StatusBadRequest, []byte(`{"error":"invalid signal request"}`)), nil
	}
	runID := ""
	if call, ok := req.Context().Value(callKey{}).(*callState); ok {
		runID = call.signalled(sig)
	}
	if runID == "" {
		return jsonResponse(req, http.StatusNotFound, []byte(`{"error":"No signal found"}`)), nil
	}
	var out wire.SendSignalResponse
	out.Data.RunID = runID
	raw, _ := json.Marshal(out)
	return jsonResponse(req, http.StatusOK, raw), nil
}

// decodeSignal reads the body of POST /v1/signals; false when the server
// could not (its answer is then a 400, not a transport error).
func decodeSignal(body []byte) (wire.SendSignalRequest, bool) {
	var sig wire.SendSignalRequest
	err := json.Unmarshal(body, &sig)
	return sig, err == nil && sig.Signal != ""
}

// signalled records a signal sent during the call and returns the run the
// targeted step's mock makes it reach, "" for none.
func (c *callState) signalled(sig wire.SendSignalRequest) string {
	c.mu.Lock()
	c.signals = append(c.signals, sig)
	c.mu.Unlock()
	runID, ok := c.r.e.cfg.sendSignals[c.stepID]
	if c.stepID == "" || !ok {
		return ""
	}
	c.r.e.use(c.stepID)
	return runID
}

// noteSignal fills the record of a sendSignal step from the signals sent
// during the call that ran it and from its result.
func (rec *StepRecord) noteSignal(signals []wire.SendSignalRequest, out json.RawMessage) {
	if rec.Kind != KindSendSignal || rec.SentSignal == nil {
		return
	}
	for i := len(signals) - 1; i >= 0; i-- {
		if signals[i].Signal == rec.SentSignal.Signal {
			rec.SentSignal.Data = signals[i].Data
			break
		}
	}
	var got struct {
		RunID string `json:"runId"`
	}
	if json.Unmarshal(out, &got) == nil {
		rec.SentSignal.RunID = got.RunID
	}
}
