package inngesttest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/internal/wire"
)

// checkpoint plays the server's checkpoint API for the call in flight: it
// saves the posted steps as the call's results, as the server would, and
// records them. It runs on the function's goroutine while the engine
// waits for the call's answer, so it must not fail the test itself: a
// bad request is answered with an error status, which the handler reads
// as a failed checkpoint.
func (c *callState) checkpoint(runID string, body []byte) (int, string) {
	var req wire.CheckpointRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return http.StatusBadRequest, "invalid request body: " + err.Error()
	}
	r := c.r
	if runID != r.rec.RunID || req.RunID != runID {
		return http.StatusNotFound, fmt.Sprintf("run %s not found (the call is for run %s)", runID, r.rec.RunID)
	}
	for i, op := range req.Steps {
		if op.Op != wire.OpStepRun || op.ID == "" {
			return http.StatusBadRequest, fmt.Sprintf("cannot checkpoint step %d: op %q with id %q", i, op.Op, op.ID)
		}
	}
	c.mu.Lock()
	sent := c.events[c.cpSent:]
	c.cpSent = len(c.events)
	signals := append([]wire.SendSignalRequest(nil), c.signals...)
	c.mu.Unlock()
	r.rec.Checkpoints++
	for _, op := range req.Steps {
		if _, done := r.steps[op.ID]; done {
			continue
		}
		rec := r.newRecord(op)
		r.describe(rec, op)
		data := op.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		rec.noteSignal(signals, data)
		if sentIDs(data, sent) {
			rec.Kind, rec.Sent = KindSendEvent, genericEvents(sent)
		}
		rec.Output, rec.Checkpointed = data, true
		r.memo(rec, wire.StepOutcome{Data: data})
	}
	return http.StatusOK, ""
}
