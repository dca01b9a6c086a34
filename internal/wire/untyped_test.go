package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

func TestUntyped(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"b": 1.0, "a": [ "<&>" ]}`: `{"a":["\u003c\u0026\u003e"],"b":1}`,
		`12345678901234567891`:       `12345678901234567000`,
		`not json`:                   `not json`,
		``:                           ``,
	} {
		require.Equal(t, want, string(wire.Untyped(json.RawMessage(in))), in)
	}
	require.Nil(t, wire.Untyped(json.RawMessage{}), "empty input gives nil")
}
