package engine

import (
	"maps"
	"strconv"
	"strings"
)

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
	if n := c.slot(id); n != nil {
		*n++
		return *n - 1
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

// slot returns where the count of id is kept among the first IDs, or
// nil.
func (c *stepCounts) slot(id string) *int {
	for i := range c.few[:c.nfew] {
		if c.few[i].id == id {
			return &c.few[i].n
		}
	}
	return nil
}

// count returns how many times id was counted.
func (c *stepCounts) count(id string) int {
	if n := c.slot(id); n != nil {
		return *n
	}
	return c.more[id]
}

// clash reports, for the nth call of id (already counted), whether it
// shares its saved result with another step called in this request: a
// repeat is saved as "<base>:<n>", so the ID "item:1" and the second
// call of "item" would share one, and whichever came second would get
// the other's. Either can come first. It returns the two IDs, explicit
// ("item:1") and base ("item"), or "", "". For the first call of an ID
// that does not end in a digit it costs a comparison.
func (c *stepCounts) clash(id string, n int) (explicit, base string) {
	if n > 0 {
		var buf [64]byte
		indexed := strconv.AppendInt(append(append(buf[:0], id...), ':'), int64(n), 10)
		if c.count(string(indexed)) > 0 {
			return string(indexed), id
		}
	}
	if id == "" || id[len(id)-1] < '0' || id[len(id)-1] > '9' {
		return "", ""
	}
	i := strings.LastIndexByte(id, ':')
	if i < 0 || id[i+1] == '0' {
		return "", "" // no index, or one a repeat never has ("item:01")
	}
	for _, d := range []byte(id[i+1:]) {
		if d < '0' || d > '9' {
			return "", ""
		}
	}
	k, err := strconv.Atoi(id[i+1:])
	if err != nil || c.count(id[:i]) <= k {
		return "", ""
	}
	return id, id[:i]
}
