package matching

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/tongban/tongban"
)

// sparseSolver holds the min-cost-flow network of a Graph.
//
// Network: LeftCap[l] units of supply at each left node l, arcs l→r of
// capacity 1 and cost −W for every positive edge, arcs r→T of capacity
// RightCap[r] and cost 0, and one arc l→T of unbounded capacity and cost 0
// per left node (the unit stays unmatched). Every unit is routed, so the
// min-cost flow is the max-weight assignment. In full mode (used by
// AssignDense) there are no l→T arcs: every unit must reach a right node.
//
// Potentials: π(l), π(r), with π(T) fixed at 0. Every residual arc has a
// non-negative reduced cost c + π(tail) − π(head) at all times; this makes
// each flow optimal for the units routed so far and yields the duals at the
// end. Consequences used for speed: π(l) ≥ 0 (the arc l→T is always
// residual), π(r) ≤ 0 (it starts at 0 and only decreases), so π(r) = 0 while
// r has a free slot (r→T is residual), and a right node never loses flow.
type sparseSolver struct {
	nl, nr   int
	leftCap  []int
	rightCap []int
	edges    []Edge

	// Positive edges by left node: arcs[start[l]:end[l]] (arcs[end[l]:
	// start[l+1]] are unused). arcs[start[l]:sorted[l]] is sorted by key
	// and holds the smallest keys of l, so it can be scanned heaviest
	// first without sorting whole adjacency lists: most scans stop after
	// a few arcs (see augment).
	start, end, sorted []int32
	arcs               []arc
	// Weight of a key: maxW − key>>32, or rankW[key>>32] when the
	// weights span 2^32 or more.
	maxW  int64
	rankW []int64

	// Matched edges by right node: slots slotStart[r]..slotStart[r]+rUsed[r].
	slotStart []int32
	slotPos   []int32 // position in arcs of the matched edge
	slotU     []int32 // its left endpoint
	rUsed     []int32

	left  []leftNode
	right []rightNode

	// Dijkstra state. A node's stamp is 2·iter once reached in search
	// iter, 2·iter+1 once settled; older stamps mean "not reached".
	iter       uint32
	visL, visR []int32 // settled nodes, for the potential update
	heap       radixHeap
	src        int32 // source of the current search
	total      int64
	full       bool // every unit must be matched: no "unmatched" arcs
}

// arc is a positive edge seen from its left node. Its key orders the arcs
// of a node heaviest first, then by edge index: the high 32 bits encode the
// weight decreasingly, the low 32 bits are the index in Graph.Edges.
type arc struct {
	key  uint64
	v    int32 // right endpoint
	used bool  // in the current assignment
}

// leftNode and rightNode keep what one relaxation reads in one cache line.
type leftNode struct {
	pi    int64
	dist  int64
	stamp uint32
	pred  int32 // arc position of the matched edge entered backwards
}

type rightNode struct {
	pi    int64
	dist  int64
	stamp uint32
	pred  int32 // arc position of the edge entered forwards
	predU int32 // its left endpoint
	free  int32 // free slots: min(capacity, degree) − matched
}

// firstSorted is how many of its heaviest arcs each left node has sorted
// before the first search.
const firstSorted = 8

// buildWorkers is how many goroutines build the adjacency of a graph with
// m edges.
func buildWorkers(m int) int {
	if m < 1<<16 {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), 8)
}

// newSparseSolver builds the network of g, whose positive weights lie in
// [minW, maxW].
func newSparseSolver(g *Graph, minW, maxW int64) (*sparseSolver, error) {
	nl, nr, m := g.NLeft, g.NRight, len(g.Edges)
	s := &sparseSolver{nl: nl, nr: nr, leftCap: g.LeftCap, rightCap: g.RightCap, edges: g.Edges, maxW: maxW}
	workers := buildWorkers(m)
	if minW <= maxW && maxW-minW >= 1<<32 {
		s.rankW = weightRanks(g.Edges)
	}

	// Bucket all edges by left node, in parallel over slices of the edge
	// list, keeping the input order within a node.
	counts := make([][]int32, workers)
	parallel(workers, func(w int) {
		c := make([]int32, nl)
		for _, e := range g.Edges[w*m/workers : (w+1)*m/workers] {
			c[e.L]++
		}
		counts[w] = c
	})
	s.start = make([]int32, nl+1)
	for l := range nl {
		p := s.start[l]
		for w := range workers {
			c := counts[w][l]
			counts[w][l] = p // becomes worker w's next position in l's bucket
			p += c
		}
		s.start[l+1] = p
	}
	s.arcs = make([]arc, m)
	parallel(workers, func(w int) {
		next := counts[w]
		lo := w * m / workers
		for i, e := range g.Edges[lo : (w+1)*m/workers] {
			p := next[e.L]
			next[e.L]++
			// used marks a non-positive edge here, dropped below.
			s.arcs[p] = arc{key: s.keyOf(e.W, lo+i), v: int32(e.R), used: e.W <= 0}
		}
	})
	counts = nil

	// Per left node: reject duplicate pairs, keep the usable edges and put
	// the firstSorted heaviest first, sorted. Workers take contiguous node
	// ranges.
	s.end = make([]int32, nl)
	s.sorted = make([]int32, nl)
	s.left = make([]leftNode, nl)
	bounds := nodeRanges(s.start, workers)
	errs := make([]error, workers)
	degs := make([][]int32, workers)
	parallel(workers, func(w int) {
		stamp := make([]int32, nr)
		for i := range stamp {
			stamp[i] = -1
		}
		deg := make([]int32, nr)
		for l := bounds[w]; l < bounds[w+1]; l++ {
			lo, hi := s.start[l], s.start[l+1]
			k := lo
			keep := nodeCap(g.LeftCap, l) > 0
			var top [firstSorted]arc // smallest keys, sorted
			nTop := 0
			for p := lo; p < hi; p++ {
				a := s.arcs[p]
				if stamp[a.v] == int32(l) {
					errs[w] = tongban.Errorf(tongban.EINVALID, "Invalid input: duplicate edge between left node %d and right node %d.", l, a.v)
					return
				}
				stamp[a.v] = int32(l)
				if !keep || a.used || nodeCap(g.RightCap, int(a.v)) == 0 {
					continue
				}
				s.arcs[k] = a
				deg[a.v]++
				k++
				if nTop < firstSorted || a.key < top[nTop-1].key {
					i := min(nTop, firstSorted-1)
					for ; i > 0 && top[i-1].key > a.key; i-- {
						top[i] = top[i-1]
					}
					top[i] = a
					nTop = min(nTop+1, firstSorted)
				}
			}
			s.end[l] = k
			// Move the smallest keys to the front, sorted.
			if k-lo > firstSorted {
				thr, q := top[nTop-1].key, lo
				for p := lo; p < k; p++ {
					if s.arcs[p].key <= thr {
						s.arcs[p], s.arcs[q] = s.arcs[q], s.arcs[p]
						q++
					}
				}
			}
			copy(s.arcs[lo:], top[:nTop])
			s.sorted[l] = lo + int32(nTop)
			if nTop > 0 {
				s.left[l].pi = s.weight(top[0].key) // the heaviest edge
			}
		}
		degs[w] = deg
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}

	s.rUsed = degs[0]
	for _, d := range degs[1:] {
		for v, c := range d {
			s.rUsed[v] += c
		}
	}
	s.right = make([]rightNode, nr)
	s.slotStart = make([]int32, nr+1)
	for v := range nr {
		c := int32(min(nodeCap(g.RightCap, v), int(s.rUsed[v])))
		s.right[v].free = c
		s.slotStart[v+1] = s.slotStart[v] + c
	}
	clear(s.rUsed)
	ns := s.slotStart[nr]
	s.slotPos = make([]int32, ns)
	s.slotU = make([]int32, ns)
	return s, nil
}

// keyOf is the arc key of edge i of weight w (w ≤ 0 gives a meaningless
// key: such edges are dropped).
func (s *sparseSolver) keyOf(w int64, i int) uint64 {
	if w <= 0 {
		return uint64(i)
	}
	if s.rankW != nil {
		r, _ := slices.BinarySearchFunc(s.rankW, w, func(a, b int64) int { return cmp.Compare(b, a) })
		return uint64(r)<<32 | uint64(i)
	}
	return uint64(s.maxW-w)<<32 | uint64(i)
}

// weight is the weight of the edge with the given arc key.
func (s *sparseSolver) weight(key uint64) int64 {
	if s.rankW != nil {
		return s.rankW[key>>32]
	}
	return s.maxW - int64(key>>32)
}

// weightRanks returns the distinct positive weights, largest first.
func weightRanks(edges []Edge) []int64 {
	var ws []int64
	for _, e := range edges {
		if e.W > 0 {
			ws = append(ws, e.W)
		}
	}
	slices.SortFunc(ws, func(a, b int64) int { return cmp.Compare(b, a) })
	return slices.Compact(ws)
}

// parallel runs f(0), …, f(n−1) concurrently and waits for them.
func parallel(n int, f func(w int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

// nodeRanges splits the left nodes into n contiguous ranges with about the
// same number of edges: range w is bounds[w]..bounds[w+1].
func nodeRanges(start []int32, n int) []int {
	nl := len(start) - 1
	bounds := make([]int, n+1)
	bounds[n] = nl
	m := int64(start[nl])
	l := 0
	for w := 1; w < n; w++ {
		target := int32(m * int64(w) / int64(n))
		for l < nl && start[l] < target {
			l++
		}
		bounds[w] = l
	}
	return bounds
}

// extendSorted grows the sorted prefix of left node u's arcs: the next
// max(8, current length) smallest keys are selected and sorted (all of
// them when fewer remain). The prefix keeps holding the smallest keys.
func (s *sparseSolver) extendSorted(u int32) {
	lo, hi := s.sorted[u], s.end[u]
	k := max(8, lo-s.start[u])
	a := s.arcs[lo:hi]
	if int32(len(a)) > k {
		selectSmallest(a, int(k))
		a = a[:k]
	}
	slices.SortFunc(a, func(x, y arc) int { return cmp.Compare(x.key, y.key) })
	s.sorted[u] = lo + int32(len(a))
}

// selectSmallest reorders a so that a[:k] holds its k smallest keys (keys
// are distinct), in O(len(a)) expected time: quickselect with a
// median-of-three pivot, falling back to sorting after too many rounds.
func selectSmallest(a []arc, k int) {
	lo, hi := 0, len(a) // the k-th smallest is in a[lo:hi]
	for rounds := 0; hi-lo > 16; rounds++ {
		if rounds > 40 {
			break
		}
		mid := lo + (hi-lo)/2
		if a[mid].key < a[lo].key {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi-1].key < a[lo].key {
			a[hi-1], a[lo] = a[lo], a[hi-1]
		}
		if a[hi-1].key < a[mid].key {
			a[hi-1], a[mid] = a[mid], a[hi-1]
		}
		pivot := a[mid].key
		// Lomuto partition of a[lo:hi] around pivot (moved to the end).
		a[mid], a[hi-1] = a[hi-1], a[mid]
		p := lo
		for i := lo; i < hi-1; i++ {
			if a[i].key < pivot {
				a[i], a[p] = a[p], a[i]
				p++
			}
		}
		a[p], a[hi-1] = a[hi-1], a[p]
		// a[lo:p] < pivot = a[p] < a[p+1:hi]
		switch {
		case p == k || p+1 == k:
			return
		case k < p:
			hi = p
		default:
			lo = p + 1
		}
	}
	slices.SortFunc(a[lo:hi], func(x, y arc) int { return cmp.Compare(x.key, y.key) })
}

// solve routes every unit of every left node.
//
// In full mode every unit must be matched; solve then reports false as soon
// as one cannot be (no augmenting path reaches a free slot).
func (s *sparseSolver) solve() bool {
	for l := range s.nl {
		units := nodeCap(s.leftCap, l)
		if deg := int(s.end[l] - s.start[l]); units > deg {
			if s.full {
				return false
			}
			units = deg
		}
		for range units {
			r := s.augment(int32(l))
			if r == augmentNone {
				return false
			}
			if r == augmentUnmatched {
				// Once a unit of l is best left unmatched, so are
				// the rest: the residual network did not change
				// for them.
				break
			}
		}
	}
	return true
}

// solveRows routes one unit of each of the given left nodes (full mode).
func (s *sparseSolver) solveRows(rows []int32) bool {
	for _, l := range rows {
		if s.augment(l) != augmentMatched {
			return false
		}
	}
	return true
}

// Outcomes of augment.
const (
	augmentMatched   = iota // one more unit matched
	augmentUnmatched        // the unit is best left unmatched
	augmentNone             // full mode: no way to match the unit
)

const assignInf = int64(math.MaxInt64)

// augment routes one more unit from left node u0 along a shortest path in
// the residual network and updates the potentials. In full mode there are
// no "unmatched" arcs.
//
// The search is Dijkstra on reduced costs, where T's tentative distance
// dBest is lowered whenever a node with a way to T is reached, and which
// stops once the next node is no closer than dBest. Scanning a left node u
// at distance d, an unmatched edge of weight w reaches a right node at
// distance d + π(u) − w − π(r) ≥ d + π(u) − w since π(r) ≤ 0; edges are
// sorted heaviest first, so the scan stops at the first edge where that
// bound reaches dBest. A free right node has π(r) = 0, so reaching one sets
// dBest to exactly that bound: the scan of u never goes past u's heaviest
// available edge to a volunteer with a free slot. Adjacency lists are
// sorted lazily, only as far as scans reach.
func (s *sparseSolver) augment(u0 int32) int {
	s.iter++
	if s.iter >= 1<<31-1 { // stamps are about to wrap: reset them
		for i := range s.left {
			s.left[i].stamp = 0
		}
		for i := range s.right {
			s.right[i].stamp = 0
		}
		s.iter = 1
	}
	seen, done := 2*s.iter, 2*s.iter+1
	s.src = u0
	nl := int32(s.nl)
	left, right, arcs := s.left, s.right, s.arcs
	s.visL = s.visL[:0]
	s.visR = s.visR[:0]
	s.heap.reset()

	n0 := &left[u0]
	n0.stamp = seen
	n0.dist = 0
	dBest := n0.pi // leave the unit unmatched
	exit := u0     // node with the cheapest way to T: l, or nl+r
	if s.full {
		dBest, exit = assignInf, -1
	}
	s.heap.push(0, u0)
	for s.heap.size > 0 {
		k, id := s.heap.pop()
		d := int64(k)
		if d >= dBest {
			break
		}
		if id < nl {
			u := id
			nu := &left[u]
			if nu.stamp == done {
				continue
			}
			nu.stamp = done
			s.visL = append(s.visL, u)
			base := d + nu.pi
			sorted := s.sorted[u]
			for p, hi := s.start[u], s.end[u]; p < hi; p++ {
				if p == sorted {
					s.extendSorted(u)
					sorted = s.sorted[u]
				}
				a := &arcs[p]
				w := s.weight(a.key)
				if base-w >= dBest {
					break
				}
				if a.used {
					continue
				}
				v := a.v
				nv := &right[v]
				nd := base - w - nv.pi
				if nd >= dBest || nv.stamp == done || (nv.stamp == seen && nd >= nv.dist) {
					continue
				}
				nv.stamp = seen
				nv.dist = nd
				nv.pred = p
				nv.predU = u
				if nv.free > 0 { // π(r) = 0: T at distance nd
					dBest, exit = nd, nl+v
					continue
				}
				s.heap.push(uint64(nd), nl+v)
			}
			continue
		}
		v := id - nl
		nv := &right[v]
		if nv.stamp == done {
			continue
		}
		nv.stamp = done
		s.visR = append(s.visR, v)
		base := d + nv.pi
		lo := s.slotStart[v]
		for q, hi := lo, lo+s.rUsed[v]; q < hi; q++ {
			u := s.slotU[q]
			nu := &left[u]
			p := s.slotPos[q]
			nd := base + s.weight(arcs[p].key) - nu.pi
			if nd >= dBest || nu.stamp == done || (nu.stamp == seen && nd >= nu.dist) {
				continue
			}
			nu.stamp = seen
			nu.dist = nd
			nu.pred = p
			if e := nd + nu.pi; e < dBest && !s.full { // u leaves p, its unit unmatched
				dBest, exit = e, u
			}
			s.heap.push(uint64(nd), u)
		}
	}

	// Potentials: π(x) −= dBest − d(x) for settled x closer than dBest.
	for _, u := range s.visL {
		if nu := &left[u]; nu.dist < dBest {
			nu.pi -= dBest - nu.dist
		}
	}
	for _, v := range s.visR {
		if nv := &right[v]; nv.dist < dBest {
			nv.pi -= dBest - nv.dist
		}
	}

	if exit < 0 {
		return augmentNone
	}

	// Flip the path, walking back from the exit.
	if exit < nl {
		u := exit
		if u == u0 {
			return augmentUnmatched
		}
		// u gives up its matched edge and leaves this unit unmatched.
		p := left[u].pred
		arcs[p].used = false
		s.total -= s.weight(arcs[p].key)
		s.replaceAtRight(arcs[p].v, p)
		return augmentMatched
	}
	v := exit - nl
	right[v].free--
	s.rUsed[v]++
	s.replaceAtRight(v, -1)
	return augmentMatched
}

// replaceAtRight walks the augmenting path back from right node v, whose
// slot holding CSR position old (−1: its newly taken free slot) now takes
// the edge the path entered v by, and so on back to the source.
func (s *sparseSolver) replaceAtRight(v, old int32) {
	for {
		nv := &s.right[v]
		p, u := nv.pred, nv.predU
		s.arcs[p].used = true
		s.total += s.weight(s.arcs[p].key)
		lo := s.slotStart[v]
		q := lo + s.rUsed[v] - 1
		if old >= 0 {
			for q = lo; s.slotPos[q] != old; q++ {
			}
		}
		s.slotPos[q] = p
		s.slotU[q] = u
		if u == s.src {
			return // the source gains one matched edge
		}
		// u swaps its matched edge for p.
		op := s.left[u].pred
		s.arcs[op].used = false
		s.total -= s.weight(s.arcs[op].key)
		v, old = s.arcs[op].v, op
	}
}

// result collects the chosen edges and the duals of the final potentials:
// LeftDual = π(l) (never negative, because the "unmatched" arc l→T always
// has a non-negative reduced cost) and RightDual = max(0, −π(r)).
func (s *sparseSolver) result() Assignment {
	a := Assignment{
		Total:     s.total,
		LeftDual:  make([]int64, s.nl),
		RightDual: make([]int64, s.nr),
	}
	for l := range s.nl {
		for _, c := range s.arcs[s.start[l]:s.end[l]] {
			if c.used {
				a.Edges = append(a.Edges, int(uint32(c.key)))
			}
		}
	}
	slices.Sort(a.Edges)
	for r := range a.RightDual {
		a.RightDual[r] = max(0, -s.right[r].pi)
	}
	// A left node with more capacity than usable edges had only as many
	// units as edges. If they are all matched its potential may be
	// positive; moving it onto the slack of its edges keeps the dual
	// objective and makes it valid for the real capacity.
	for l := range a.LeftDual {
		if nodeCap(s.leftCap, l) <= int(s.end[l]-s.start[l]) {
			a.LeftDual[l] = s.left[l].pi
		}
	}
	// A node of capacity 0 takes part in nothing; its dual is free, so
	// raise it to cover its edges, which costs nothing in the objective.
	if slices.Contains(s.leftCap, 0) || slices.Contains(s.rightCap, 0) {
		for _, e := range s.edges {
			if nodeCap(s.leftCap, e.L) == 0 {
				a.LeftDual[e.L] = max(a.LeftDual[e.L], e.W)
			} else if nodeCap(s.rightCap, e.R) == 0 {
				a.RightDual[e.R] = max(a.RightDual[e.R], e.W)
			}
		}
	}
	return a
}
