package timestr

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		2 * time.Second:           "2s",
		10 * time.Second:          "10s",
		90 * time.Minute:          "1h30m",
		7 * 24 * time.Hour:        "168h",
		500 * time.Millisecond:    "500ms",
		0:                         "0s",
		time.Hour + 2*time.Second: "1h2s",
		1500 * time.Microsecond:   "1.5ms",
	} {
		require.Equal(t, want, Format(d))
		back, err := Parse(want)
		require.NoError(t, err)
		require.Equal(t, d, back)
	}
}

func TestParse(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"1d":     24 * time.Hour,
		"1w":     7 * 24 * time.Hour,
		"1d12h":  36 * time.Hour,
		"2h45m":  165 * time.Minute,
		"1.5d":   36 * time.Hour,
		"300ms":  300 * time.Millisecond,
		"1w2d3s": 9*24*time.Hour + 3*time.Second,
	} {
		got, err := Parse(s)
		require.NoError(t, err, s)
		require.Equal(t, want, got, s)
	}
	for _, bad := range []string{"", "d", "1x", "abc", "1d2", "--1d"} {
		_, err := Parse(bad)
		require.Error(t, err, bad)
	}
}

func TestParseTimeOrDuration(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got, err := ParseTimeOrDuration("2026-01-02T00:00:00Z", now)
	require.NoError(t, err)
	require.Equal(t, now.Add(24*time.Hour), got)
	got, err = ParseTimeOrDuration("1d", now)
	require.NoError(t, err)
	require.Equal(t, now.Add(24*time.Hour), got)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1d", "2h45m", "1.5w", "300ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Parse(s)
	})
}
