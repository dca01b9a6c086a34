package wire

import (
	"encoding/json"
	"strings"
)

// Opcode names a step operation. The names are the real server's; it fails
// to parse any other.
type Opcode string

// Opcodes this project sends or understands.
const (
	OpNone           Opcode = "None"
	OpStep           Opcode = "Step"
	OpStepRun        Opcode = "StepRun"
	OpStepError      Opcode = "StepError"
	OpStepFailed     Opcode = "StepFailed"
	OpStepPlanned    Opcode = "StepPlanned"
	OpSleep          Opcode = "Sleep"
	OpWaitForEvent   Opcode = "WaitForEvent"
	OpInvokeFunction Opcode = "InvokeFunction"
	OpRunComplete    Opcode = "RunComplete"
	// Ops other SDKs send that this SDK does not: the server makes an
	// HTTP request for the function (step.fetch, step.ai.infer), waits for
	// a signal, ends a synchronous run, asks for another discovery call, or
	// adds or aborts a deferred run.
	OpGateway          Opcode = "Gateway"
	OpAIGateway        Opcode = "AIGateway"
	OpWaitForSignal    Opcode = "WaitForSignal"
	OpSyncRunComplete  Opcode = "SyncRunComplete"
	OpDiscoveryRequest Opcode = "DiscoveryRequest"
	OpDeferAdd         Opcode = "DeferAdd"
	OpDeferAbort       Opcode = "DeferAbort"
	// OpStepNotFound is the spec's answer to a targeted step that was not
	// found. The real server does not know it; this SDK answers an error
	// instead, but the orchestrator accepts it from other SDKs.
	OpStepNotFound Opcode = "StepNotFound"
)

// opcodes maps each opcode name, lower-cased, to its spelling.
var opcodes = func() map[string]Opcode {
	m := make(map[string]Opcode)
	for _, op := range []Opcode{
		OpNone, OpStep, OpStepRun, OpStepError, OpStepPlanned, OpSleep,
		OpWaitForEvent, OpInvokeFunction, OpAIGateway, OpGateway,
		OpWaitForSignal, OpRunComplete, OpStepFailed, OpSyncRunComplete,
		OpDiscoveryRequest, OpDeferAdd, OpDeferAbort, OpStepNotFound,
	} {
		m[strings.ToLower(string(op))] = op
	}
	return m
}()

// ParseOpcode returns the opcode named name, read without regard to case
// as the real server reads it; false for a name it does not know (the
// server fails a response holding one).
func ParseOpcode(name string) (Opcode, bool) {
	op, ok := opcodes[strings.ToLower(name)]
	return op, ok
}

// Op is one reported step in a 206 response (§5.1.1).
type Op struct {
	ID          string          `json:"id"`
	Op          Opcode          `json:"op"`
	Name        string          `json:"name,omitempty"`
	DisplayName string          `json:"displayName,omitempty"`
	Opts        json.RawMessage `json:"opts,omitempty"`
	Data        json.RawMessage `json:"data"` // null when the op has no result, as the server's conformance runner expects
	Error       *UserError      `json:"error,omitempty"`
	Userland    *Userland       `json:"userland,omitempty"`
}

// Userland carries the user's own step ID and its repeat index.
type Userland struct {
	ID    string `json:"id"`
	Index int    `json:"index,omitempty"`
}

// UserError is the serialized form of an error: a function's failure body,
// a step's error, or a memoized step error.
type UserError struct {
	Name    string          `json:"name"`
	Message string          `json:"message"`
	Stack   string          `json:"stack,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	NoRetry bool            `json:"noRetry,omitempty"`
	Cause   json.RawMessage `json:"cause,omitempty"`
}

// SleepOpts are the opts of a Sleep op.
type SleepOpts struct {
	// Duration is a time string or an RFC 3339 time.
	Duration string `json:"duration"`
}

// WaitForEventOpts are the opts of a WaitForEvent op.
type WaitForEventOpts struct {
	Event   string  `json:"event"`
	Timeout string  `json:"timeout"`
	If      *string `json:"if,omitempty"`
}

// InvokeOpts are the opts of an InvokeFunction op.
type InvokeOpts struct {
	FunctionID string `json:"function_id"`
	Payload    Event  `json:"payload"`
	Timeout    string `json:"timeout,omitempty"`
}

// RunOpts are the opts this SDK attaches to Run steps, naming the kind of
// step for UIs ("step.run", "step.sendEvent").
type RunOpts struct {
	Type string `json:"type,omitempty"`
}
