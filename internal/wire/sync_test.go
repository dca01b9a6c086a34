package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

// Every form of the concurrency option the server reads is read.
func TestConcurrenciesForms(t *testing.T) {
	t.Parallel()
	key := "event.data.a"
	cases := map[string]wire.Concurrencies{
		`null`:                             nil,
		`3`:                                {{Limit: 3}},
		`{"limit":2,"key":"event.data.a"}`: {{Limit: 2, Key: &key}},
		`[{"limit":1},{"limit":2,"scope":"env","key":"event.data.a"}]`: {{Limit: 1}, {Limit: 2, Scope: "env", Key: &key}},
		`{"fn":[{"limit":5,"scope":"app"}],"step":[{"limit":1}]}`:      {{Limit: 1}, {Limit: 5, Scope: "app", Run: true}},
		`{"fn":[{"limit":5}]}`: {{Limit: 5, Run: true}},
	}
	for in, want := range cases {
		var got wire.Concurrencies
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		require.Equal(t, want, got, in)
	}
	var got wire.Concurrencies
	require.Error(t, json.Unmarshal([]byte(`"five"`), &got))
}
