package matching

import "math/bits"

// radixHeap is a monotone priority queue of (key, node) pairs for Dijkstra
// with non-negative integer keys: a popped key is never smaller than the
// previous one, and every pushed key is at least the last popped key.
// Push is O(1); pop is amortised O(log C) for keys below C. Decrease-key is
// done by pushing again; stale entries are skipped by the caller.
type radixHeap struct {
	last    uint64
	size    int
	buckets [65][]radixItem
}

type radixItem struct {
	key  uint64
	node int32
}

func (h *radixHeap) reset() {
	if h.size > 0 {
		for i := range h.buckets {
			h.buckets[i] = h.buckets[i][:0]
		}
	}
	h.size = 0
	h.last = 0
}

func (h *radixHeap) push(key uint64, node int32) {
	b := bits.Len64(key ^ h.last)
	h.buckets[b] = append(h.buckets[b], radixItem{key, node})
	h.size++
}

// pop removes and returns an entry with the smallest key; the heap must not
// be empty.
func (h *radixHeap) pop() (uint64, int32) {
	if len(h.buckets[0]) == 0 {
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		b := h.buckets[i]
		m := b[0].key
		for _, it := range b[1:] {
			m = min(m, it.key)
		}
		h.last = m
		for _, it := range b {
			j := bits.Len64(it.key ^ m)
			h.buckets[j] = append(h.buckets[j], it)
		}
		h.buckets[i] = b[:0]
	}
	b0 := h.buckets[0]
	it := b0[len(b0)-1]
	h.buckets[0] = b0[:len(b0)-1]
	h.size--
	return it.key, it.node
}
