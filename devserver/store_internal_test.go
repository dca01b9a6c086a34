package devserver

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// Recent events of a name are kept while a call in flight may need them,
// and no more than recentPerName of them.
func TestRecentEventsAreKeptWhileACallMayNeedThem(t *testing.T) {
	m := newMemStore(retention{})
	put := func(seq uint64, name string, keepAfter uint64) {
		id := strconv.FormatUint(seq, 10)
		require.False(t, m.putEvent(&eventRecord{seq: seq, id: id, key: "k" + id, name: name}, keepAfter))
	}
	seqs := func(name string) []uint64 {
		var out []uint64
		for _, ev := range m.recentEvents(name, 0) {
			out = append(out, ev.seq)
		}
		return out
	}
	for i := uint64(1); i <= 5; i++ {
		put(i, "a", 0)
	}
	require.Equal(t, []uint64{1, 2, 3, 4, 5}, seqs("a"))
	put(6, "a", 3)
	require.Equal(t, []uint64{4, 5, 6}, seqs("a"), "a call that started after event 3 cannot need it")
	require.Equal(t, []uint64{5, 6}, func() []uint64 {
		var out []uint64
		for _, ev := range m.recentEvents("a", 4) {
			out = append(out, ev.seq)
		}
		return out
	}())

	for i := uint64(100); i < 100+recentPerName+10; i++ {
		put(i, "b", 0)
	}
	got := seqs("b")
	require.Len(t, got, recentPerName)
	require.Equal(t, uint64(110), got[0], "the oldest go first")
}
