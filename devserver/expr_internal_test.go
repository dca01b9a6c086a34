package devserver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A comparison with a field the event lacks has the real server's meaning
// instead of failing.
func TestExpressionsWithMissingFields(t *testing.T) {
	c, err := newExprCache()
	require.NoError(t, err)
	event := map[string]any{"name": "e", "data": map[string]any{"n": 10.0, "s": "ab"}}
	async := map[string]any{"name": "a", "data": map[string]any{"id": "x"}}
	for src, want := range map[string]bool{
		"event.data.missing == null":                        true,
		"event.data.missing != null":                        false,
		"event.data.missing == 'x'":                         false,
		"event.data.missing != 'x'":                         true,
		"event.data.n >= 10.0 && event.data.missing != 'x'": true,
		"event.data.missing > 3":                            false,
		"event.data.missing < 3":                            false,
		"async.data.other == event.data.other":              false, // missing on both sides never matches
		"async.data.other != event.data.other":              true,
		"async.data.id == 'x'":                              true,
		"event.data.s + 'c' == 'abc'":                       true,
		"event.data.missing + 'c' == 'c'":                   true,
		"event.data.deep.er == null":                        true,
		"has(event.data.missing)":                           false,
		"has(event.data.s)":                                 true,
	} {
		e, err := c.compile(src)
		require.NoError(t, err, src)
		require.Equal(t, want, e.match(event, async), src)
	}
}
