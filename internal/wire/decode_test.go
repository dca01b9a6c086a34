package wire

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

const sampleCall = `{
  "event": {"name":"a/b","data":{"x":"}]\"{"},"id":"e1","ts":1},
  "events": [{"name":"a/b","data":{"x":"}]\"{"},"id":"e1","ts":1}, {"name":"a/c","data":{}}],
  "steps": {"98bf98df193bcce7c33e6bc50927cf2ac21206cb": {"data": [1, {"k": "v,}"}]}, "e7d8a2f140845095749d60246ff1110c9d01d76a": null,
            "k\u00e9y": {"error": {"name":"Error","message":"boom"}}},
  "ctx": {"run_id":"r1","fn_id":"f","attempt":2,"stack":{"stack":["98bf98df193bcce7c33e6bc50927cf2ac21206cb"],"current":1},"disable_immediate_execution":true,"use_api":false,"max_attempts":4},
  "version": 2,
  "use_api": false,
  "defers": {},
  "unknown": [true, false, null, -1.5e3]
}`

func TestDecodeCallRequestMatchesEncodingJSON(t *testing.T) {
	var fast, std CallRequest
	require.NoError(t, DecodeCallRequest([]byte(sampleCall), &fast))
	require.NoError(t, json.Unmarshal([]byte(sampleCall), &std))
	requireSameRequest(t, std, fast)
	require.Len(t, fast.Steps, 3)
	require.Contains(t, fast.Steps, "kéy")
}

func TestDecodeCallRequestErrors(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"event":`, `{"ctx":{"attempt":"x"}}`, `{"steps":[1]}`, `{"events":{}}`, `{"version":"two"}`, `{"a" 1}`, `{"a":1,,}`,
		`{"events":[{},]}`, `{"abc":}`, `{"use_api":tru}`, `{"version":2}x`, `{} {}`, `{"steps":{"a":}}`, `{"events":[,{}]}`, `{"a":1,}`, `{,}`} {
		var req CallRequest
		require.Error(t, DecodeCallRequest([]byte(body), &req), body)
	}
}

func requireSameRequest(t testing.TB, want, got CallRequest) {
	t.Helper()
	norm := func(r CallRequest) map[string]any {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	require.Equal(t, norm(want), norm(got))
}

// FuzzDecodeCallRequest checks that, for any body encoding/json accepts,
// the fast decoder returns the same request, and that no body panics it.
func FuzzDecodeCallRequest(f *testing.F) {
	f.Add(sampleCall)
	f.Add(`{"event":{},"events":[],"steps":{},"ctx":{}}`)
	f.Add(`{"steps":{"a":{"data":"x\\"}"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var fast CallRequest
		ferr := DecodeCallRequest([]byte(body), &fast)
		var std CallRequest
		serr := json.Unmarshal([]byte(body), &std)
		if serr != nil {
			return // the fast path may accept bodies whose unread values are invalid
		}
		if ferr != nil {
			t.Fatalf("encoding/json accepts %q but the fast decoder fails: %v", body, ferr)
		}
		a, _ := json.Marshal(std)
		b, _ := json.Marshal(fast)
		var ma, mb any
		_ = json.Unmarshal(a, &ma)
		_ = json.Unmarshal(b, &mb)
		if !reflect.DeepEqual(ma, mb) {
			t.Fatalf("decoders differ on %q:\n std %s\nfast %s", body, a, b)
		}
	})
}
