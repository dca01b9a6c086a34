package wire

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseStepOutcome(t *testing.T) {
	tests := []struct {
		raw      string
		data     string
		errMsg   string
		wantFail bool
	}{
		{raw: `{"data":"A"}`, data: `"A"`},
		{raw: ` {"data": {"a":[1,2,{"b":"}"}]}} `, data: `{"a":[1,2,{"b":"}"}]}`},
		{raw: `{"data":null}`, data: `null`},
		{raw: `{"data":"a,b"}`, data: `"a,b"`},
		{raw: `{"data":"q\"uote,"}`, data: `"q\"uote,"`},
		{raw: `{"data":1,"extra":2}`, data: `1`},
		{raw: `{"error":{"name":"Error","message":"boom"}}`, errMsg: "boom"},
		{raw: `null`, data: `null`},
		{raw: `{}`, wantFail: true},
		{raw: `[1]`, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			out, err := ParseStepOutcome(json.RawMessage(tt.raw))
			if tt.wantFail {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if tt.errMsg != "" {
				require.NotNil(t, out.Error)
				require.Equal(t, tt.errMsg, out.Error.Message)
				return
			}
			require.Nil(t, out.Error)
			require.JSONEq(t, tt.data, string(out.Data))
		})
	}
}

// FuzzParseStepOutcome checks the fast path against a full decode.
func FuzzParseStepOutcome(f *testing.F) {
	for _, s := range []string{`{"data":"A"}`, `{"data":{"x":[1,"]"]}}`, `{"data":1,"error":{"name":"E","message":"m"}}`, `{"error":{"message":"m"}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		out, err := ParseStepOutcome(json.RawMessage(s))
		var full struct {
			Data  *json.RawMessage `json:"data"`
			Error *UserError       `json:"error"`
		}
		if json.Unmarshal([]byte(s), &full) != nil || err != nil {
			return
		}
		if full.Error == nil && full.Data != nil && out.Error == nil {
			var a, b any
			_ = json.Unmarshal(*full.Data, &a)
			_ = json.Unmarshal(out.Data, &b)
			ab, _ := json.Marshal(a)
			bb, _ := json.Marshal(b)
			if !bytes.Equal(ab, bb) {
				t.Fatalf("fast path %s != full %s for %s", out.Data, *full.Data, s)
			}
		}
	})
}

func TestParseStepOutcomeReadsTheTopLevelKey(t *testing.T) {
	for _, raw := range []string{`{"foo":"data"}`, `{"x":{"data":1}}`, `{"note":"the \"data\" key"}`, `{}`} {
		_, err := ParseStepOutcome(json.RawMessage(raw))
		require.Error(t, err, "%s holds no data key at its top level", raw)
	}
	for raw, want := range map[string]string{`{"data":null}`: "null", `{ "data" : null }`: "null", `{"data":{"data":1}}`: `{"data":1}`, `{"x":1,"data":2}`: "2"} {
		out, err := ParseStepOutcome(json.RawMessage(raw))
		require.NoError(t, err, raw)
		require.JSONEq(t, want, string(out.Data), raw)
	}
}
