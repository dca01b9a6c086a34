package engine

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStepCountsNumberEachIDLikeAMap(t *testing.T) {
	ids := []string{"a", "b", "a", "c", "d", "e", "a", "f", "e", "b", "g", "f", "a", "h"}
	for _, growAt := range []int{-1, 0, 5, 9} {
		var c stepCounts
		want := map[string]int{}
		for i, id := range ids {
			if i == growAt {
				c.grow(16)
			}
			require.Equal(t, want[id], c.take(id), "call %d of %q (grown at %d)", i, id, growAt)
			want[id]++
		}
	}
}

// A short stack is searched in place, a long one through a map; both
// must find the same first position of each memoized hash and mark
// repeats and unmemoized hashes as consumed.
func TestShortAndLongStacksAgree(t *testing.T) {
	for n := 1; n <= 2*shortStack+3; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			steps := map[string]json.RawMessage{}
			var stack []string
			for i := range n {
				h := fmt.Sprintf("%040d", i%5) // hashes repeat every five entries
				if i%5 != 3 {                  // and one in five is not memoized
					steps[h] = json.RawMessage(`{"data":1}`)
				}
				stack = append(stack, h)
			}
			r := New(Input{Steps: steps, Stack: stack})
			unused := 0
			for i, h := range stack {
				first := i
				for j := range i {
					if stack[j] == h {
						first = j
						break
					}
				}
				_, memo := steps[h]
				live := memo && first == i
				require.Equal(t, !live, r.used[i], "entry %d", i)
				if live {
					unused++
				}
				if memo {
					pos, ok := r.stackPos([]byte(h))
					require.True(t, ok)
					require.Equal(t, first, pos)
				}
			}
			require.EqualValues(t, unused, r.unused)
			require.Equal(t, n > shortStack, r.stackIx != nil)
		})
	}
}
