package expr_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/expr"
)

func newCache(t testing.TB) *expr.Cache {
	t.Helper()
	c, err := expr.NewCache()
	require.NoError(t, err)
	return c
}

// A comparison with a field the event lacks has the real server's meaning
// instead of failing.
func TestExpressionsWithMissingFields(t *testing.T) {
	t.Parallel()
	c := newCache(t)
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
		e, err := c.Compile(src)
		require.NoError(t, err, src)
		require.Equal(t, want, e.Match(event, async), src)
	}
}

// JSON numbers decode as doubles and literals like 1 are integers:
// arithmetic mixing them works as on the server.
func TestExpressionsMixIntegersAndDoubles(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	event := map[string]any{"data": map[string]any{"n": 10.0}}
	async := map[string]any{"data": map[string]any{"sum": 11.0, "diff": 9.0, "product": 20.0, "quotient": 2.5}}
	for _, src := range []string{
		"event.data.n + 1 == async.data.sum",
		"event.data.n - 1 == async.data.diff",
		"event.data.n * 2 == async.data.product",
		"event.data.n / 4 == async.data.quotient",
		"2 * event.data.n == async.data.product",
	} {
		e, err := c.Compile(src)
		require.NoError(t, err, src)
		require.True(t, e.Match(event, async), src)
	}
}

// Check says why an expression that cannot be evaluated does not match;
// Match counts it as a non-match.
func TestCheckExplainsANonMatch(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	async := map[string]any{"data": map[string]any{"n": 3.0, "s": "x"}}
	cases := map[string]struct {
		src     string
		want    bool
		wantErr string
	}{
		"Holds":        {src: "async.data.n == 3.0", want: true},
		"DoesNotHold":  {src: "async.data.n == 4.0"},
		"TypeMismatch": {src: "async.data.s > 1", wantErr: "no such overload"},
		"NotABool":     {src: "async.data.s", wantErr: `the result x is a string, not a bool`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, err := c.Compile(tc.src)
			require.NoError(t, err)
			ok, err := e.Check(nil, async)
			require.Equal(t, tc.want, ok)
			require.Equal(t, tc.want, e.Match(nil, async))
			if tc.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.wantErr)
			}
		})
	}
}

func TestCompileRejectsBadExpressions(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	_, err := c.Compile("event.data.a ===")
	require.ErrorContains(t, err, `invalid expression "event.data.a ==="`)
	_, err = c.Compile("undeclared.x == 1")
	require.ErrorContains(t, err, "undeclared")
	_, err = c.Compile("'" + strings.Repeat("a", expr.MaxLength) + "' == ''")
	require.EqualError(t, err, "expression longer than 4096 bytes")
}

func TestCompileCachesBySource(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	a, err := c.Compile("async.data.id == event.data.id")
	require.NoError(t, err)
	b, err := c.Compile("async.data.id == event.data.id")
	require.NoError(t, err)
	require.Same(t, a, b)
	require.Equal(t, "async.data.id == event.data.id", a.String())
}

func TestKey(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	event := map[string]any{"data": map[string]any{"user": "u1", "n": 2.0, "tags": []any{"a"}}}
	for src, want := range map[string]string{
		"event.data.user":     "u1",
		"event.data.n":        "2",
		"event.data.tags":     `["a"]`,
		"event.data.user > 1": "", // an evaluation error gives the empty key
		"'k-' + event.data.n": "",
	} {
		e, err := c.Compile(src)
		require.NoError(t, err, src)
		require.Equal(t, want, e.Key(event), src)
	}
}

// A rate-limit key that evaluates to false exempts the event; any other
// result is a key, as Key gives it.
func TestRateKey(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	event := map[string]any{"data": map[string]any{"user": "u1", "vip": true}}
	for src, want := range map[string]struct {
		key    string
		exempt bool
	}{
		"event.data.user":            {key: "u1"},
		"event.data.vip":             {key: "true"},
		"!event.data.vip":            {exempt: true},
		"event.data.user == 'u2'":    {exempt: true},
		"event.data.user > 1":        {}, // an evaluation error: the empty key, not exempt
		"event.data.missing == null": {key: "true"},
	} {
		e, err := c.Compile(src)
		require.NoError(t, err, src)
		key, exempt := e.RateKey(event)
		require.Equal(t, want.key, key, src)
		require.Equal(t, want.exempt, exempt, src)
	}
}

// An equality between an async field and an event field (or a literal)
// gives an index under which equal values meet.
func TestIndex(t *testing.T) {
	t.Parallel()
	c := newCache(t)
	event := map[string]any{"data": map[string]any{"id": 7.0}}
	async := map[string]any{"data": map[string]any{"orderId": int64(7)}}

	e, err := c.Compile("event.data.ok == true && async.data.orderId == event.data.id")
	require.NoError(t, err)
	ix := e.Index()
	require.NotNil(t, ix)
	require.Equal(t, "data.orderId", ix.PathKey())
	other, ok := ix.OtherValue(event)
	require.True(t, ok)
	mine, ok := ix.AsyncValue(async)
	require.True(t, ok)
	require.Equal(t, other, mine, "7.0 and 7 file under one key")

	e, err = c.Compile("'x' == async.name")
	require.NoError(t, err)
	require.Equal(t, "name", e.Index().PathKey())
	v, ok := e.Index().OtherValue(nil)
	require.True(t, ok)
	w, _ := e.Index().AsyncValue(map[string]any{"name": "x"})
	require.Equal(t, v, w)

	for _, src := range []string{"async.data.a == async.data.b", "async.data.a != event.data.a", "async.data.a == event.data.a || true"} {
		e, err := c.Compile(src)
		require.NoError(t, err)
		require.Nil(t, e.Index(), src)
	}
}

// FuzzExpressionIndex compiles arbitrary expressions: compiling,
// evaluating and extracting an index must never panic.
func FuzzExpressionIndex(f *testing.F) {
	for _, s := range []string{"event.data.id == async.data.id", "async.data.n == 3 && event.data.ok", "async.x", "((("} {
		f.Add(s)
	}
	c, err := expr.NewCache()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := c.Compile(src)
		if err != nil {
			return
		}
		ev := map[string]any{"data": map[string]any{"id": "a", "n": 3.0}}
		_ = e.Match(ev, ev)
		_ = e.Key(ev)
		if ix := e.Index(); ix != nil {
			_, _ = ix.OtherValue(ev)
			_, _ = ix.AsyncValue(ev)
		}
	})
}
