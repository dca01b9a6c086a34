package engine

import "maps"

// stepCounts numbers the calls of each user step ID in one request: the
// nth call of an ID hashes with n (wire.HashIndexed). Most functions use
// a few IDs, which are kept in place; only the rest go to a map, so a
// request of a small function allocates nothing to count.
type stepCounts struct {
	few  [4]idCount
	nfew int
	more map[string]int // IDs past the first len(few)
}

type idCount struct {
	id string
	n  int
}

// take returns how many times id was counted before, and counts it once
// more.
func (c *stepCounts) take(id string) int {
	for i := range c.few[:c.nfew] {
		if f := &c.few[i]; f.id == id {
			f.n++
			return f.n - 1
		}
	}
	if c.nfew < len(c.few) {
		c.few[c.nfew] = idCount{id: id, n: 1}
		c.nfew++
		return 0
	}
	if c.more == nil {
		c.more = make(map[string]int)
	}
	n := c.more[id]
	c.more[id] = n + 1
	return n
}

// grow makes room for n more IDs, so that a parallel group's branches,
// each counting a new ID, do not grow the map one by one.
func (c *stepCounts) grow(n int) {
	if n <= len(c.few) {
		return
	}
	grown := make(map[string]int, len(c.more)+n)
	maps.Copy(grown, c.more)
	c.more = grown
}
