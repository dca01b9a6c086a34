package wire

import "encoding/json"

// WaitForSignalOpts are the opts of a WaitForSignal op, as the real server
// reads them: the signal, its timeout (a duration or an RFC 3339 time;
// empty means a year), and what to do when another run already waits for
// the signal ("replace"; anything else fails the run).
type WaitForSignalOpts struct {
	Signal   string `json:"signal"`
	Timeout  string `json:"timeout"`
	Conflict string `json:"conflict,omitempty"`
}

// The conflict policies of a WaitForSignal op.
const (
	SignalConflictFail    = "fail"
	SignalConflictReplace = "replace"
)

// SignalResult is what the server memoizes, inside {"data": …}, for a
// WaitForSignal step that received its signal: the signal's name and the
// data it was sent with (null when none). A step that timed out is
// memoized as null.
type SignalResult struct {
	Signal string          `json:"signal"`
	Data   json.RawMessage `json:"data"`
}

// SignalConflictMessage is the message of the error that fails a run
// whose WaitForSignal step found another run waiting for the same signal
// (conflict "fail"), as the real server words it.
const SignalConflictMessage = "Signal conflict; signal wait already exists for another run"

// SendSignalRequest is the body of POST /v1/signals.
type SendSignalRequest struct {
	Signal string          `json:"signal"`
	Data   json.RawMessage `json:"data"`
}

// SendSignalResponse is the 200 answer to POST /v1/signals: the run that
// the signal resumed. The server answers 404 when no run waits for it.
type SendSignalResponse struct {
	Data struct {
		RunID string `json:"run_id"`
	} `json:"data"`
}

// StepTypeSendSignal is the type in the opts of a sendSignal step, a Run
// step whose code sends a signal, as inngest-js names it.
const StepTypeSendSignal = "step.sendSignal"

// SendSignalStepOpts are the opts of a sendSignal step: its type and the
// signal it sends (not its data, which travels only to POST /v1/signals).
type SendSignalStepOpts struct {
	Type   string `json:"type"`
	Signal string `json:"signal"`
}
