package inngest

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLogLevel(t *testing.T) {
	tests := []struct {
		cfg, env string
		want     []string // messages that reach the logger
	}{
		{"", "", []string{"debug", "info", "warn", "error"}},
		{"", "warn", []string{"warn", "error"}},
		{"debug", "error", []string{"debug", "info", "warn", "error"}},
		{"ERROR", "", []string{"error"}},
		{"fatal", "", []string{"error"}},
		{"", "silent", nil},
	}
	for _, tt := range tests {
		t.Run(tt.cfg+"/"+tt.env, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			got, err := resolveConfig(ClientConfig{Logger: logger, LogLevel: tt.cfg}, env(map[string]string{"INNGEST_LOG_LEVEL": tt.env}))
			require.NoError(t, err)
			l := got.Logger.With("k", "v")
			l.Debug("debug")
			l.Info("info")
			l.Warn("warn")
			l.Error("error")
			for _, m := range []string{"debug", "info", "warn", "error"} {
				want := false
				for _, w := range tt.want {
					want = want || w == m
				}
				require.Equal(t, want, bytes.Contains(buf.Bytes(), []byte("msg="+m)), "%s in %s", m, buf.String())
			}
		})
	}
	_, err := resolveConfig(ClientConfig{}, env(map[string]string{"INNGEST_LOG_LEVEL": "verbose"}))
	require.ErrorContains(t, err, "inngest: log level \"verbose\"")
}
