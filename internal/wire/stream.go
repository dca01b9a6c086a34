package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// StatusStreaming is the status of a streamed answer to a call request:
// the SDK answers 201 at once, writes whitespace to keep the connection
// alive while the function runs, then one JSON object (a [StreamFrame])
// carrying the status, headers and body of the real answer.
const StatusStreaming = http.StatusCreated

// StreamFrame is the last part of a streamed answer, as the real server
// reads it: "status", "headers" (upserted over the response's own) and
// "body". A non-null "error" fails the call. inngest-js sends the body as
// a JSON string holding the answer's bytes, the official Go SDK as the
// answer's JSON itself; the server takes a body that is a JSON string for
// the bytes it holds, so a function result that is itself a string only
// survives the first form, which this SDK sends.
type StreamFrame struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body"`
	Error   *string           `json:"error,omitempty"`
}

// EncodeStreamFrame returns the frame of an answer with this status,
// headers (the first value of each) and body: the body travels as a JSON
// string of its bytes, which must be UTF-8 (JSON from encoding/json is).
func EncodeStreamFrame(status int, header http.Header, body []byte) []byte {
	var hd map[string]string
	if len(header) > 0 {
		hd = make(map[string]string, len(header))
		for k, v := range header {
			if len(v) > 0 {
				hd[k] = v[0]
			}
		}
	}
	b, err := json.Marshal(struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers,omitempty"`
		Body    string            `json:"body"`
	}{status, hd, string(body)})
	if err != nil { // cannot happen: strings and ints always encode
		return []byte(`{"status":500,"body":"encoding the streamed answer failed"}`)
	}
	return b
}

// ParseStream reads the body of a 201 answer as the real server does:
// whitespace, then one frame, whose body is unwrapped when it is a JSON
// string. A body that is not a frame, or a frame with an error, is an
// error.
func ParseStream(raw []byte) (StreamFrame, error) {
	var f StreamFrame
	if len(bytes.TrimSpace(raw)) == 0 {
		return f, errors.New("streamed answer ended before its result")
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, fmt.Errorf("streamed answer is not a result frame: %w", err)
	}
	if f.Error != nil {
		return f, fmt.Errorf("streamed answer reports an error: %s", *f.Error)
	}
	if n := len(f.Body); n >= 2 && f.Body[0] == '"' && f.Body[n-1] == '"' {
		var s string
		if json.Unmarshal(f.Body, &s) == nil {
			f.Body = json.RawMessage(s)
		}
	}
	return f, nil
}

// Merge sets the frame's headers over h, as the real server does.
func (f StreamFrame) Merge(h http.Header) {
	for k, v := range f.Headers {
		h.Set(k, v)
	}
}
