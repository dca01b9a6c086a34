package devserver

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// callState is what one call request carries, taken under the server's
// lock. Memoized values are never changed in place and the stack only
// grows, so the slices can be shared with the run without copying.
type callState struct {
	events           []json.RawMessage
	stack            []string          // step IDs, in memoization order
	vals             []json.RawMessage // their values, canonical JSON
	fnID, runID      string
	stepID           string
	attempt          int
	maxAttempts      int
	disableImmediate bool
	version          int
}

// appendCallBody encodes the call request body (the wire.CallRequest
// shape, byte for byte what encoding/json would write) into b. With
// useAPI the events and steps are left out for the SDK to fetch.
func appendCallBody(b []byte, c *callState, useAPI bool) []byte {
	b = append(b, `{"event":`...)
	b = append(b, c.events[0]...)
	b = append(b, `,"events":`...)
	if useAPI {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, ev := range c.events {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, ev...)
		}
		b = append(b, ']')
	}
	b = append(b, `,"steps":{`...)
	if !useAPI && len(c.stack) > 0 {
		// encoding/json writes map keys sorted.
		order := make([]int, len(c.stack))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int { return strings.Compare(c.stack[x], c.stack[y]) })
		for i, k := range order {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, c.stack[k])
			b = append(b, ':')
			b = append(b, c.vals[k]...)
		}
	}
	b = append(b, `},"ctx":{"fn_id":`...)
	b = appendJSONString(b, c.fnID)
	b = append(b, `,"run_id":`...)
	b = appendJSONString(b, c.runID)
	b = append(b, `,"step_id":`...)
	b = appendJSONString(b, c.stepID)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(c.attempt), 10)
	if c.maxAttempts != 0 {
		b = append(b, `,"max_attempts":`...)
		b = strconv.AppendInt(b, int64(c.maxAttempts), 10)
	}
	b = append(b, `,"stack":{"stack":[`...)
	for i, id := range c.stack {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, id)
	}
	b = append(b, `],"current":`...)
	b = strconv.AppendInt(b, int64(len(c.stack)), 10)
	b = append(b, `},"disable_immediate_execution":`...)
	b = strconv.AppendBool(b, c.disableImmediate)
	b = append(b, `,"use_api":`...)
	b = strconv.AppendBool(b, useAPI)
	b = append(b, `},"version":`...)
	b = strconv.AppendInt(b, int64(c.version), 10)
	b = append(b, `,"use_api":`...)
	b = strconv.AppendBool(b, useAPI)
	return append(b, '}')
}

// bodySize estimates appendCallBody's output, so that it fits one
// allocation.
func (c *callState) bodySize() int {
	n := 256 + len(c.fnID) + len(c.runID) + len(c.stepID) + len(c.events[0])
	for _, ev := range c.events {
		n += len(ev) + 1
	}
	for i, id := range c.stack {
		n += 2*len(id) + len(c.vals[i]) + 8
	}
	return n
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML-safe).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// canonicalJSON returns v as encoding/json writes a json.RawMessage:
// compact, with <, >, & and U+2028/2029 escaped. Memoized values are made
// canonical once, so that every call request can copy them verbatim.
func canonicalJSON(v json.RawMessage) json.RawMessage {
	if !bytes.ContainsAny(v, " \t\r\n<>&\u2028\u2029") {
		return v
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return v
	}
	if bytes.ContainsAny(buf.Bytes(), "<>&\u2028\u2029") {
		var esc bytes.Buffer
		json.HTMLEscape(&esc, buf.Bytes())
		return esc.Bytes()
	}
	return buf.Bytes()
}

// callURLBase returns the URL of calls to function fnID served at u, up to
// the value of stepId: u with fnId set and any stepId dropped.
func callURLBase(u *url.URL, fnID string) string {
	q := u.Query()
	q.Del("stepId")
	q.Set("fnId", fnID)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String() + "&stepId="
}

// callURL returns the URL of a call to fn targeting stepID ("step" for
// discovery).
func (fn *function) callURL(stepID string) string {
	return fn.urlBase + url.QueryEscape(stepID)
}
