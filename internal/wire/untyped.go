package wire

import "encoding/json"

// Untyped returns raw as encoding/json writes it back from Go's untyped
// values (map[string]any, []any, float64): object keys sorted, no spaces,
// <, > and & escaped, numbers through float64. The real server reads an
// op's opts so, and sends an AI step's body to the model in this form; it
// also serves to compare two JSON values. Empty input gives nil, and
// input that is not JSON is returned as it is.
func Untyped(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}
