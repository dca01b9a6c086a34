package devserver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The signal index keeps one wait per signal, with the real server's
// rules: the same wait filed again is no conflict, another run's (or
// another step's) is unless replacing, and a replaced wait's removal
// leaves its successor filed.
func TestSignalIndex(t *testing.T) {
	var ix signalIndex
	r1, r2 := &run{id: "r1"}, &run{id: "r2"}
	a := &signalWait{signal: "s", run: r1, stepID: "a"}
	require.Nil(t, ix.get("s"))
	require.True(t, ix.put(a, false))
	require.True(t, ix.put(&signalWait{signal: "s", run: r1, stepID: "a"}, false), "the same run and step again")
	require.False(t, ix.put(&signalWait{signal: "s", run: r1, stepID: "b"}, false), "another step of the same run")
	require.False(t, ix.put(&signalWait{signal: "s", run: r2, stepID: "a"}, false), "another run")
	b := &signalWait{signal: "s", run: r2, stepID: "a"}
	require.True(t, ix.put(b, true))
	require.Same(t, b, ix.get("s"))
	ix.remove(a)
	require.Same(t, b, ix.get("s"), "a replaced wait does not unfile its successor")
	ix.remove(b)
	require.Nil(t, ix.get("s"))
	require.True(t, ix.put(&signalWait{signal: "other", run: r1, stepID: "a"}, false))
}
