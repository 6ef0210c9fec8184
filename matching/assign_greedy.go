package matching

import (
	"slices"

	"github.com/tongban/tongban"
)

// Greedy is the baseline Assign is measured against: it takes edges in order
// of decreasing weight (ties by index) whenever both endpoints still have
// capacity. Its Total is at least half the optimum and usually close, but
// not optimal. It validates g exactly like Assign and returns no duals.
func Greedy(g Graph) (Assignment, error) {
	if _, _, err := validateGraph(&g); err != nil {
		return Assignment{}, err
	}
	if err := checkDuplicateEdges(&g); err != nil {
		return Assignment{}, err
	}
	items := make([]greedyItem, 0, len(g.Edges))
	for i, e := range g.Edges {
		if e.W > 0 {
			items = append(items, greedyItem{^uint64(e.W), int32(i)})
		}
	}
	items = greedyRadixSort(items)
	remL := make([]int, g.NLeft)
	for l := range remL {
		remL[l] = nodeCap(g.LeftCap, l)
	}
	remR := make([]int, g.NRight)
	for r := range remR {
		remR[r] = nodeCap(g.RightCap, r)
	}
	var a Assignment
	for _, it := range items {
		e := g.Edges[it.i]
		if remL[e.L] > 0 && remR[e.R] > 0 {
			remL[e.L]--
			remR[e.R]--
			a.Edges = append(a.Edges, int(it.i))
			a.Total += e.W
		}
	}
	slices.Sort(a.Edges)
	return a, nil
}

// checkDuplicateEdges reports a pair (L, R) that occurs twice.
func checkDuplicateEdges(g *Graph) error {
	start := make([]int32, g.NLeft+1)
	for _, e := range g.Edges {
		start[e.L+1]++
	}
	for l := 0; l < g.NLeft; l++ {
		start[l+1] += start[l]
	}
	right := make([]int32, len(g.Edges))
	for _, e := range g.Edges {
		right[start[e.L]] = int32(e.R)
		start[e.L]++
	}
	// start[l] is now the end of l's bucket, that is the start of l+1's.
	stamp := make([]int32, g.NRight)
	for i := range stamp {
		stamp[i] = -1
	}
	lo := int32(0)
	for l := 0; l < g.NLeft; l++ {
		hi := start[l]
		for _, r := range right[lo:hi] {
			if stamp[r] == int32(l) {
				return tongban.Errorf(tongban.EINVALID, "Invalid input: duplicate edge between left node %d and right node %d.", l, r)
			}
			stamp[r] = int32(l)
		}
		lo = hi
	}
	return nil
}

type greedyItem struct {
	key uint64
	i   int32
}

// greedyRadixSort sorts items by key, stably, with a least-significant-digit
// radix sort on bytes; byte positions where all keys agree are skipped.
// It returns the sorted slice, which may be a different backing array.
func greedyRadixSort(items []greedyItem) []greedyItem {
	buf := make([]greedyItem, len(items))
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, it := range items {
			count[byte(it.key>>shift)]++
		}
		if len(items) == 0 || count[byte(items[0].key>>shift)] == len(items) {
			continue
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for _, it := range items {
			b := byte(it.key >> shift)
			buf[count[b]] = it
			count[b]++
		}
		items, buf = buf, items
	}
	return items
}
