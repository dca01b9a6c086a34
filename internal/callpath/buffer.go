package callpath

import "sync"

// The ops answer of a discovery call is the largest thing a call
// allocates (about 200 bytes a step), and it is garbage as soon as it is
// written. Its buffer is reused; an answer sent some other way than by
// Answer.Write (Connect) leaves its buffer to the garbage collector.

// maxPooledBuffer is the capacity beyond which a buffer is not kept, so
// that one huge answer does not pin its memory for the life of the
// process.
const maxPooledBuffer = 64 << 10

var opsBuffers sync.Pool // of *[]byte

// opsBuffer returns an empty buffer with room for at least n bytes.
func opsBuffer(n int) *[]byte {
	if p, ok := opsBuffers.Get().(*[]byte); ok {
		if cap(*p) >= n {
			*p = (*p)[:0]
			return p
		}
		opsBuffers.Put(p)
	}
	b := make([]byte, 0, n)
	return &b
}

// release gives a's pooled buffer back once a was written; a.Body must
// not be used after it.
func (a Answer) release() {
	if a.buf == nil || cap(*a.buf) > maxPooledBuffer {
		return
	}
	*a.buf = (*a.buf)[:0]
	opsBuffers.Put(a.buf)
}
