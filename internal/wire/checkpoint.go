package wire

import (
	"net/url"
	"strings"
)

// CheckpointRequest is the body an SDK posts to the server's checkpoint
// API (POST /v1/checkpoint/{runID}/async) to save steps it ran while the
// call request that ran them goes on. The server accepts only steps that
// need nothing of it but saving: StepRun (and the legacy Step), plus
// StepPlanned, DeferAdd and DeferAbort, which it notes or ignores. It
// answers 200 with an empty body once the steps are saved; saving a step
// again is harmless.
type CheckpointRequest struct {
	RunID        string `json:"run_id"`
	FnID         string `json:"fn_id"`
	QueueItemRef string `json:"qi_id"`
	Steps        []Op   `json:"steps"`
	// Timestamp is when the request was made, in Unix milliseconds.
	Timestamp int64 `json:"ts"`
	// RequestStartedAt is when the SDK began the call request whose steps
	// these are, in Unix milliseconds.
	RequestStartedAt int64 `json:"request_started_at,omitempty"`
}

// CheckpointConfig is a function's checkpointing, in its sync config. The
// server keeps it but leaves checkpointing to the SDK.
type CheckpointConfig struct {
	BatchSteps    int    `json:"batch_steps,omitempty"`
	BatchInterval string `json:"batch_interval,omitempty"`
	MaxRuntime    string `json:"max_runtime,omitempty"`
}

// CheckpointPathPrefixes are the API paths, before the run ID, at which
// the real server serves its checkpoint API: the public one, and the one
// of its private beta.
var CheckpointPathPrefixes = []string{"/v1/checkpoint/", "/v1/http/runs/"}

// CheckpointPath is the path of the asynchronous checkpoint endpoint of a
// run: the one for runs the server started and calls.
func CheckpointPath(runID string) string {
	return CheckpointPathPrefixes[0] + url.PathEscape(runID) + "/async"
}

// CheckpointRunID returns the run ID of a checkpoint API path, and false
// for any other path.
func CheckpointRunID(path string) (string, bool) {
	for _, p := range CheckpointPathPrefixes {
		if rest, ok := strings.CutPrefix(path, p); ok {
			id, ok := strings.CutSuffix(rest, "/async")
			if ok && id != "" && !strings.Contains(id, "/") {
				return id, true
			}
		}
	}
	return "", false
}

// Checkpointable reports whether the server's checkpoint API accepts an
// op: it must save it or may ignore it, never schedule anything.
func Checkpointable(op Opcode) bool {
	switch op {
	case OpStepRun, OpStep, OpStepPlanned, OpDeferAdd, OpDeferAbort:
		return true
	}
	return false
}

// AsyncOpcode reports whether an op needs the server to act before the
// run can go on: a sleep, a wait, an invoke, a gateway request.
func AsyncOpcode(op Opcode) bool {
	switch op {
	case OpSleep, OpWaitForEvent, OpInvokeFunction, OpGateway, OpAIGateway, OpWaitForSignal:
		return true
	}
	return false
}
