package wire

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStreamFrameRoundTrip(t *testing.T) {
	bodies := []string{`"hello"`, `[{"id":"x","op":"StepRun","data":"a\"b"}]`, `null`, `{"name":"Error","message":"m"}`, ``, "not json \x00 é"}
	for _, body := range bodies {
		hd := http.Header{HeaderNoRetry: {"true"}, HeaderRetryAfter: {"31"}}
		raw := append([]byte("  \n "), EncodeStreamFrame(http.StatusPartialContent, hd, []byte(body))...)
		f, err := ParseStream(raw)
		require.NoError(t, err)
		require.Equal(t, http.StatusPartialContent, f.Status)
		require.Equal(t, body, string(f.Body), "the body's bytes come back exactly")
		got := http.Header{}
		f.Merge(got)
		require.Equal(t, "true", got.Get(HeaderNoRetry))
		require.Equal(t, "31", got.Get(HeaderRetryAfter))
	}
}

func TestParseStreamAsTheServer(t *testing.T) {
	tests := []struct {
		raw, body, err string
		status         int
	}{
		{raw: `{"status":200,"body":{"ok":true}}`, status: 200, body: `{"ok":true}`},
		{raw: ` {"status":200,"body":"\"s\""}`, status: 200, body: `"s"`},
		// The official Go SDK's raw string result is unwrapped by the
		// server as well: what remains is not JSON.
		{raw: `{"status":200,"body":"s"}` + "\n", status: 200, body: `s`},
		{raw: `{"status":500,"body":"error calling function: x","noRetry":true}`, status: 500, body: `error calling function: x`},
		{raw: `   `, err: "ended before its result"},
		{raw: ``, err: "ended before its result"},
		{raw: ` {"status":`, err: "not a result frame"},
		{raw: `{"error":"boom"}`, err: "boom"},
		{raw: `[1]`, err: "not a result frame"},
	}
	for _, tt := range tests {
		f, err := ParseStream([]byte(tt.raw))
		if tt.err != "" {
			require.ErrorContains(t, err, tt.err, tt.raw)
			continue
		}
		require.NoError(t, err, tt.raw)
		require.Equal(t, tt.status, f.Status)
		require.Equal(t, tt.body, string(f.Body))
	}
}

func FuzzParseStream(f *testing.F) {
	f.Add([]byte(`  {"status":206,"headers":{"X-Inngest-No-Retry":"false"},"body":"[]"}`))
	f.Add([]byte(`{"status":200,"body":{"a":1},"retryAt":null}`))
	f.Add([]byte(`{"error":"x"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fr, err := ParseStream(raw)
		if err != nil {
			return
		}
		// What parses re-encodes to a frame that parses to the same answer.
		again, err := ParseStream(EncodeStreamFrame(fr.Status, nil, fr.Body))
		if err != nil {
			t.Fatalf("re-encoded frame does not parse: %v", err)
		}
		if again.Status != fr.Status || string(again.Body) != string(fr.Body) {
			if json.Valid(fr.Body) || len(fr.Body) == 0 {
				t.Fatalf("round trip changed %q to %q", fr.Body, again.Body)
			}
		}
	})
}
