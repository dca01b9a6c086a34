package devserver

// heapElem is an element of an indexedHeap: it orders itself against
// another and records its position, so it can be removed in O(log n).
type heapElem[T any] interface {
	before(other T) bool
	setIndex(i int)
}

// indexedHeap is a container/heap.Interface over elements that know their
// index (the ready queue and the timer queues).
type indexedHeap[T heapElem[T]] []T

func (h indexedHeap[T]) Len() int           { return len(h) }
func (h indexedHeap[T]) Less(i, j int) bool { return h[i].before(h[j]) }

func (h indexedHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].setIndex(i)
	h[j].setIndex(j)
}

func (h *indexedHeap[T]) Push(x any) {
	t := x.(T)
	t.setIndex(len(*h))
	*h = append(*h, t)
}

func (h *indexedHeap[T]) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	var zero T
	old[n-1] = zero
	t.setIndex(-1)
	*h = old[:n-1]
	return t
}
