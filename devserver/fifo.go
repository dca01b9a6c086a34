package devserver

// fifo is a first-in, first-out queue that releases its front in O(1)
// amortized time: retention evicts from the front what it appended at the
// back, oldest first.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) len() int { return len(q.items) - q.head }

// front returns the oldest element; the queue must not be empty.
func (q *fifo[T]) front() T { return q.items[q.head] }

// pop drops the oldest element; the queue must not be empty.
func (q *fifo[T]) pop() {
	var zero T
	q.items[q.head] = zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head >= 1024 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}
