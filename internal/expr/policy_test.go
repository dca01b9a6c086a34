package expr_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A cancellation expression keeps to logic, as the real server requires:
// comparisons, boolean operators, indexing, in and numeric conversions
// pass; macros, other functions and arithmetic are named in the error.
func TestCheckLogicOnly(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	for _, src := range []string{
		"event.data.id == async.data.id",
		"event.data.id == async.data.id && !(async.data.n > 3 || async.data.n <= 1)",
		"async.data.tags[0] == 'x' && 'a' in async.data.list",
		"int(async.data.n) != 2 ? true : false",
		"double(async.data.n) >= double(event.data.m) && uint(async.data.u) == uint(1)",
	} {
		require.NoError(t, c.CheckLogicOnly(src), src)
	}
	for src, want := range map[string]string{
		"has(async.data.id)":                                   "has()",
		"async.data.list.exists(x, x == 1)":                    "macros",
		"size(async.data.id) > 0":                              "size()",
		"async.data.n + 1 == 2":                                "'+'",
		"async.data.name.startsWith('a')":                      "startsWith()",
		"event.data.id == async.data.id && -async.data.n == 1": "'-'",
		"event.data.id ===":                                    "invalid expression",
	} {
		err := c.CheckLogicOnly(src)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
}
