package inngest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

type invoiceData struct {
	ID     string  `json:"id"`
	Amount float64 `json:"amount"`
}

// decodeEvent reads the envelope by hand; it must give what encoding/json
// gives, for events in the plain form and out of it.
func TestDecodeEventMatchesEncodingJSON(t *testing.T) {
	events := []string{
		`{"id":"01J","name":"invoice/paid","data":{"id":"i1","amount":12.5},"user":{"email":"a@b.c"},"ts":1700000000000,"v":"2"}`,
		`{"name":"invoice/paid","data":{"id":"i1"}}`,
		`{"name":"invoice/paid","data":null,"user":null}`,
		`{"name":"invoice/paid","user":{}}`,
		`{"NAME":"invoice/paid","Data":{"id":"i2"}}`,
		`{"name":"inv\u006fice/paid","data":{"id":"i3"}}`,
		`{"name":"a","name":"b","data":{"id":"x"},"data":{"amount":2}}`,
		`{"name":"invoice/paid","ts":1.5}`,
	}
	for _, raw := range events {
		t.Run(raw, func(t *testing.T) {
			got, gerr := decodeEvent[invoiceData](json.RawMessage(raw))
			var want Event[invoiceData]
			werr := json.Unmarshal([]byte(raw), &want)
			require.Equal(t, werr == nil, gerr == nil, "errors: %v / %v", gerr, werr)
			require.Equal(t, want, got)

			gotAny, gerr := decodeEvent[map[string]any](json.RawMessage(raw))
			var wantAny GenericEvent
			werr = json.Unmarshal([]byte(raw), &wantAny)
			require.Equal(t, werr == nil, gerr == nil)
			require.Equal(t, wantAny, gotAny)
		})
	}
}

func TestDecodeEventErrorNamesTheField(t *testing.T) {
	_, err := decodeEvent[invoiceData](json.RawMessage(`{"name":"invoice/paid","data":{"amount":"ten"}}`))
	require.ErrorContains(t, err, "data.amount")
	_, err = decodeEvent[invoiceData](nil)
	require.ErrorContains(t, err, "missing event")
}
