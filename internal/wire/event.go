package wire

import "encoding/json"

// Event is an event as it travels on the wire. Data and User stay raw so
// that each user decodes them straight into its own type.
type Event struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"` // an invoke's payload has none
	Data      json.RawMessage `json:"data,omitempty"`
	User      json.RawMessage `json:"user,omitempty"`
	Timestamp int64           `json:"ts,omitempty"`
	Version   string          `json:"v,omitempty"`
}

// SendResponse is the event API's answer to POST /e/{key}.
type SendResponse struct {
	IDs    []string `json:"ids"`
	Status int      `json:"status"`
	Error  string   `json:"error,omitempty"`
}
