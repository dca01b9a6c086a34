package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// CallRequest is the body of a call request (§4.4.1) as the real server
// sends it. Event, events and memoized steps stay raw JSON until a user of
// the value decodes it into its own type.
type CallRequest struct {
	Event   json.RawMessage            `json:"event"`
	Events  []json.RawMessage          `json:"events"`
	Steps   map[string]json.RawMessage `json:"steps"`
	Ctx     CallCtx                    `json:"ctx"`
	Version int                        `json:"version"`
	UseAPI  bool                       `json:"use_api"`
}

// CallCtx is the ctx object of a call request.
type CallCtx struct {
	FnID                      string `json:"fn_id"`
	RunID                     string `json:"run_id"`
	Env                       string `json:"env,omitempty"`
	StepID                    string `json:"step_id"`
	Attempt                   int    `json:"attempt"`
	MaxAttempts               int    `json:"max_attempts,omitempty"`
	Stack                     Stack  `json:"stack"`
	DisableImmediateExecution bool   `json:"disable_immediate_execution"`
	UseAPI                    bool   `json:"use_api"`
	QueueItemRef              string `json:"qi_id,omitempty"`
}

// Stack lists hashed step IDs in the order their results were memoized.
type Stack struct {
	Stack   []string `json:"stack"`
	Current int      `json:"current"`
}

// MarshalJSON writes an empty stack as [] rather than null, as the real
// server does.
func (s Stack) MarshalJSON() ([]byte, error) {
	type alias Stack
	a := alias(s)
	if a.Stack == nil {
		a.Stack = []string{}
	}
	return json.Marshal(a)
}

// StepOutcome is a memoized Run or Invoke step: exactly one of data or error.
type StepOutcome struct {
	Data  json.RawMessage `json:"data,omitempty"`
	Error *UserError      `json:"error,omitempty"`
}

var (
	dataPrefix = []byte(`{"data":`)
	nullJSON   = []byte("null")
	errNoValue = errors.New("memoized step holds neither data nor error")
)

// ParseStepOutcome reads a memoized Run or Invoke result: {"data": …} or
// {"error": {…}}. A data of null is kept as the literal null.
func ParseStepOutcome(raw json.RawMessage) (StepOutcome, error) {
	// Fast path for the shape servers send, {"data":…}: the outer decode
	// already validated the JSON, so the inner value can be sliced out.
	if t := bytes.TrimSpace(raw); len(t) > 9 && bytes.HasPrefix(t, dataPrefix) && t[len(t)-1] == '}' {
		inner := bytes.TrimSpace(t[len(dataPrefix) : len(t)-1])
		if len(inner) > 0 && validSingleValue(inner) {
			return StepOutcome{Data: json.RawMessage(inner)}, nil
		}
	}
	// Data is not a pointer, so a present null reaches RawMessage's
	// UnmarshalJSON and is kept as the literal, while an absent key
	// leaves it nil: presence is decided by the top-level key alone.
	var out struct {
		Data  json.RawMessage `json:"data"`
		Error *UserError      `json:"error"`
	}
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), nullJSON) {
		return StepOutcome{Data: json.RawMessage(nullJSON)}, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return StepOutcome{}, fmt.Errorf("memoized step result: %w", err)
	}
	switch {
	case out.Error != nil:
		return StepOutcome{Error: out.Error}, nil
	case out.Data != nil:
		return StepOutcome{Data: out.Data}, nil
	default:
		return StepOutcome{}, errNoValue
	}
}

// IsNull reports whether raw is absent or the JSON literal null.
func IsNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, nullJSON)
}

// validSingleValue reports whether b, taken from a valid JSON object after
// its "data" key, is that key's whole value and not followed by another
// key: a comma outside strings, arrays and objects would mean more keys.
func validSingleValue(b []byte) bool {
	commas, balanced := commasAtDepth(b, 0)
	return commas == 0 && balanced
}

// commasAtDepth counts the commas of b at nesting depth d (0 for b's own
// level), skipping strings, and reports whether b's brackets and strings
// are closed.
func commasAtDepth(b []byte, d int) (int, bool) {
	n, depth, inStr := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == d {
				n++
			}
		}
	}
	return n, depth == 0 && !inStr
}
