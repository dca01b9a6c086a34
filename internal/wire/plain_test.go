package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// plainCtxCases are ctx objects in and out of the plain form; decodeCtx
// must give what encoding/json gives for each.
var plainCtxCases = []string{
	`{}`,
	`null`,
	`{"fn_id":"f","run_id":"r","env":"prod","step_id":"step","attempt":3,"max_attempts":4,"stack":{"stack":["a","b"],"current":2},"disable_immediate_execution":true,"use_api":false,"qi_id":"q"}`,
	`{"stack":{"stack":[],"current":0}}`,
	`{"stack":{"stack":null,"current":null}}`,
	`{"stack":null,"attempt":null,"run_id":null,"use_api":null}`,
	`{ "run_id" : "r" , "attempt" : -2 , "stack" : { "stack" : [ "a" , "b" ] } }`,
	`{"run_id":"r\u00e9"}`,        // escape: encoding/json's path
	`{"run_id":"ré"}`,             // non-ASCII
	`{"RUN_ID":"r"}`,              // case folding
	`{"run_id":"a","run_id":"b"}`, // repeated key
	`{"stack":{"stack":["a"],"stack":["b","c"]}}`,
	`{"stack":{"stack":["a",null]}}`,
	`{"attempt":1.0}`,
	`{"attempt":1e2}`,
	`{"attempt":99999999999999999999}`,
	`{"attempt":"1"}`,
	`{"use_api":1}`,
	`{"run_id":1}`,
	`{"stack":{"stack":"a"}}`,
	`{"unknown":{"deep":[1,2,{"x":"}"}]},"run_id":"r"}`,
	`{"attempt":01}`,
	`{"attempt":-}`,
	`{"run_id":"r",}`,
	`{"run_id":"r"} x`,
	`[]`,
	`{"stack":{"stack":["a"]}}`,
}

func TestDecodeCtxMatchesEncodingJSON(t *testing.T) {
	for _, in := range plainCtxCases {
		t.Run(in, func(t *testing.T) {
			var got, want CallCtx
			gerr := decodeCtx([]byte(in), &got)
			werr := json.Unmarshal([]byte(in), &want)
			if werr != nil {
				require.Error(t, gerr)
				return
			}
			require.NoError(t, gerr)
			require.Equal(t, want, got)
		})
	}
}

func TestDecodeCtxMergesLikeEncodingJSON(t *testing.T) {
	// A ctx key given twice in a body merges into the same struct.
	first := `{"run_id":"r","stack":{"stack":["a"],"current":1}}`
	second := `{"attempt":2,"stack":{"stack":["b","c"]}}`
	var got, want CallCtx
	require.NoError(t, decodeCtx([]byte(first), &got))
	require.NoError(t, decodeCtx([]byte(second), &got))
	require.NoError(t, json.Unmarshal([]byte(first), &want))
	require.NoError(t, json.Unmarshal([]byte(second), &want))
	require.Equal(t, want, got)
}

func TestPlainCtxTakesTheServersForm(t *testing.T) {
	// The shape servers send must not fall back to encoding/json.
	var c CallCtx
	in := `{"fn_id":"f","run_id":"01J","step_id":"step","attempt":0,"max_attempts":4,"stack":{"stack":["e7d8a2f140845095749d60246ff1110c9d01d76a"],"current":1},"disable_immediate_execution":false,"use_api":false,"qi_id":"q","env":"dev"}`
	require.NoError(t, plainCtx([]byte(in), &c))
	require.Equal(t, []string{"e7d8a2f140845095749d60246ff1110c9d01d76a"}, c.Stack.Stack)
	require.Equal(t, 4, c.MaxAttempts)
}

func TestDecodePlainEvent(t *testing.T) {
	var e Event
	require.True(t, DecodePlainEvent([]byte(`{"id":"01J","name":"a/b","data":{"x":[1,"}"]},"user":{},"ts":1700000000000,"v":"2"}`), &e))
	require.Equal(t, Event{ID: "01J", Name: "a/b", Data: json.RawMessage(`{"x":[1,"}"]}`), User: json.RawMessage(`{}`), Timestamp: 1700000000000, Version: "2"}, e)

	for _, in := range []string{`{"name":"a\"b"}`, `{"Name":"a"}`, `{"name":"a","name":"b"}`, `{"ts":1.5}`, `{"name":1}`, `[]`, `{"name":"a"`} {
		var e Event
		require.False(t, DecodePlainEvent([]byte(in), &e), in)
	}
}

// FuzzDecodePlainEvent checks that an event read in the plain form has the
// fields encoding/json gives it.
func FuzzDecodePlainEvent(f *testing.F) {
	f.Add(`{"id":"01J","name":"a/b","data":{"x":1},"user":{},"ts":1,"v":"2"}`)
	f.Add(`{"name":"a","data":null}`)
	f.Fuzz(func(t *testing.T, in string) {
		var plain, std Event
		if !DecodePlainEvent([]byte(in), &plain) || json.Unmarshal([]byte(in), &std) != nil {
			return
		}
		if plain.ID != std.ID || plain.Name != std.Name || plain.Timestamp != std.Timestamp || plain.Version != std.Version {
			t.Fatalf("plain %+v, encoding/json %+v", plain, std)
		}
		if !jsonEqual(plain.Data, std.Data) || !jsonEqual(plain.User, std.User) {
			t.Fatalf("raw members differ: plain %s %s, encoding/json %s %s", plain.Data, plain.User, std.Data, std.User)
		}
	})
}

// FuzzDecodeCtx checks decodeCtx against encoding/json on any input.
func FuzzDecodeCtx(f *testing.F) {
	for _, c := range plainCtxCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var got, want CallCtx
		gerr := decodeCtx([]byte(in), &got)
		if json.Unmarshal([]byte(in), &want) != nil {
			return // the plain form may skim members encoding/json rejects
		}
		if gerr != nil {
			t.Fatalf("encoding/json accepts %q but decodeCtx fails: %v", in, gerr)
		}
		require.Equal(t, want, got)
	})
}

func jsonEqual(a, b json.RawMessage) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	if a == nil {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
