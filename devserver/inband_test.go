package devserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// An in-band answer registers functions, so a server with a signing key
// takes it only signed with that key, as the SDKs sign it.
func TestInBandAnswerMustBeSigned(t *testing.T) {
	const key = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff"
	const url = "http://raw.local/api/inngest"
	answer := func(t *testing.T) []byte {
		b, err := json.Marshal(wire.InBandSync{AppID: "raw", URL: url, SDKLanguage: "go", SDKVersion: "0", Functions: []wire.Function{{
			ID: "raw-f", Name: "raw-f", Triggers: []wire.Trigger{{Event: "raw/go"}},
			Steps: map[string]wire.Step{"step": {ID: "step", Name: "step", Runtime: wire.StepRuntime{Type: "http", URL: url + "?fnId=raw-f&stepId=step"}}},
		}}})
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name string
		sig  func(body []byte) string
		nl   bool // the body goes out with a final newline, as the official Go SDK writes it
		ok   bool
	}{
		{"signed", func(b []byte) string { return sign.Header(key, b, time.Now()) }, false, true},
		{"signed before the final newline", func(b []byte) string { return sign.Header(key, b, time.Now()) }, true, true},
		{"unsigned", func([]byte) string { return "" }, false, false},
		{"another key", func(b []byte) string { return sign.Header("signkey-test-deadbeef", b, time.Now()) }, false, false},
		{"another body", func([]byte) string { return sign.Header(key, []byte(`{}`), time.Now()) }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, devserver.Config{NoListener: true, SigningKey: key})
			var got http.Header
			app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
				body := answer(t)
				if s := tt.sig(body); s != "" {
					w.Header().Set(wire.HeaderSignature, s)
				}
				w.Header().Set(wire.HeaderSyncKind, wire.SyncKindInBand)
				if tt.nl {
					body = append(bytes.Clone(body), '\n')
				}
				_, _ = w.Write(body)
			})
			err := srv.AddApp(ctxT(t), url, app)
			require.NotEmpty(t, got.Get(wire.HeaderSignature), "the sync request is signed")
			if tt.ok {
				require.NoError(t, err)
				require.Contains(t, srv.Functions(), "raw-f")
				return
			}
			require.ErrorContains(t, err, "in-band configuration refused")
			require.ErrorContains(t, err, wire.HeaderSignature)
			require.NotContains(t, srv.Functions(), "raw-f")
		})
	}
}
