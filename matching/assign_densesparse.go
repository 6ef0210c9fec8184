package matching

import (
	"cmp"
	"math"
	"runtime"
	"slices"
)

// denseSparseK lists the neighbourhood sizes denseSparseFirst tries: the
// subgraph first holds the 16 cheapest entries of every row and of every
// column, then 48 if that subgraph has no full matching or does not settle.
var denseSparseK = []int{16, 48}

// denseSparseRounds bounds how often denseSparseFirst grows one subgraph.
const denseSparseRounds = 8

// denseSparseFirst solves the n×m (n ≤ m) minimum-cost assignment through a
// sparse subgraph, which is much faster than the dense algorithm whenever
// the optimum uses cheap entries, as it does on random and on geometric
// costs:
//
//  1. The subgraph holds the k cheapest entries of each row (ties broken by
//     the column offset from the row's diagonal position i·m/n) and of each
//     column (ties broken likewise), and the "diagonal" entries (i, i·m/n),
//     which form a full assignment: the subgraph always has one, however
//     poor.
//  2. The sparse solver finds its minimum-cost full assignment (full mode,
//     weights cmax + 1 − c).
//  3. Its duals u, v satisfy c ≥ u_i + v_j on the subgraph. Every entry of
//     the matrix is checked; those that violate it are added and step 2
//     runs again. Once none does, the duals prove the assignment optimal
//     for the whole matrix.
//
// It reports false when a subgraph has no full matching or does not settle
// within a few rounds for every k, when it grows past a quarter of the
// matrix, or when the costs span too wide a range; the caller then runs the
// dense algorithm.
func denseSparseFirst(c [][]int64, n, m int) (x []int32, u, v []int64, ok bool) {
	workers := 1
	if n*m >= 1<<18 {
		workers = min(runtime.GOMAXPROCS(0), 8, n)
	}
	maxEdges := n * m / 4
	for _, k := range denseSparseK {
		k, kc := min(m, k), min(n, k)
		if n*k+m*kc > maxEdges {
			break
		}
		edges, base, ok := denseNeighbours(c, n, m, k, kc, workers)
		if !ok {
			return nil, nil, nil, false
		}
		if x, u, v, ok := denseSettle(c, n, m, edges, base, maxEdges, workers); ok {
			return x, u, v, true
		}
	}
	return nil, nil, nil, false
}

type denseEntry struct {
	c   int64
	tie int // breaks ties in c: lower first
	j   int // the column, or the row in a column's list
}

func (a denseEntry) less(b denseEntry) bool {
	return a.c < b.c || (a.c == b.c && a.tie < b.tie)
}

// insertSmallest inserts e into top, which holds the k smallest entries
// seen so far, sorted.
func insertSmallest(top []denseEntry, k int, e denseEntry) []denseEntry {
	if len(top) == k {
		if !e.less(top[k-1]) {
			return top
		}
	} else {
		top = append(top, denseEntry{})
	}
	p := len(top) - 1
	for ; p > 0 && e.less(top[p-1]); p-- {
		top[p] = top[p-1]
	}
	top[p] = e
	return top
}

// denseNeighbours returns the subgraph of the k cheapest entries of each
// row, the kc cheapest of each column and the diagonal, as edges of weight
// base − c with base = cmax + 1. It reports false when the costs span too wide a range
// for such weights.
func denseNeighbours(c [][]int64, n, m, k, kc, workers int) ([]Edge, int64, bool) {
	rowTop := make([][]denseEntry, n)
	type part struct {
		colTop     [][]denseEntry
		cmin, cmax int64
	}
	parts := make([]part, workers)
	parallel(workers, func(w int) {
		p := part{colTop: make([][]denseEntry, m), cmin: math.MaxInt64, cmax: math.MinInt64}
		colThr := make([]int64, m) // a column's kc-th cost once it has kc
		for j := range colThr {
			colThr[j] = math.MaxInt64
		}
		colOff := make([]int, m) // ties in column j: rows from j·n/m on first
		for j := range colOff {
			colOff[j] = j * n / m
		}
		all := make([]denseEntry, m*kc)
		for j := range p.colTop {
			p.colTop[j] = all[j*kc : j*kc : j*kc+kc]
		}
		lo, hi := w*n/workers, (w+1)*n/workers
		rows := make([]denseEntry, (hi-lo)*k)
		for i := lo; i < hi; i++ {
			row := c[i][:m]
			top := rows[:0:k]
			rows = rows[k:]
			off := i * m / n
			thr := int64(math.MaxInt64) // top's largest cost once it has k
			for j, cij := range row {
				p.cmin, p.cmax = min(p.cmin, cij), max(p.cmax, cij)
				if cij <= thr {
					top = insertSmallest(top, k, denseEntry{cij, (j - off + m) % m, j})
					if len(top) == k {
						thr = top[k-1].c
					}
				}
				if cij <= colThr[j] {
					ct := insertSmallest(p.colTop[j], kc, denseEntry{cij, (i - colOff[j] + n) % n, i})
					p.colTop[j] = ct
					if len(ct) == kc {
						colThr[j] = ct[kc-1].c
					}
				}
			}
			rowTop[i] = top
		}
		parts[w] = p
	})
	cmin, cmax := parts[0].cmin, parts[0].cmax
	for _, p := range parts[1:] {
		cmin, cmax = min(cmin, p.cmin), max(cmax, p.cmax)
	}
	span := cmax - cmin + 1
	if span <= 0 || span > MaxWeight || span > maxWeightSum/int64(n*m/4+1) {
		return nil, 0, false
	}
	base := cmax + 1 // weight = base − cost ∈ [1, span]

	// Each column's kc cheapest entries: merge the workers' lists (their
	// rows are disjoint), then file them under their rows.
	colTop := make([]denseEntry, 0, m*kc)
	colStart := make([]int, m+1)
	for j := range m {
		lo := len(colTop)
		for _, p := range parts {
			colTop = append(colTop, p.colTop[j]...)
		}
		col := colTop[lo:]
		if len(parts) > 1 {
			slices.SortFunc(col, func(a, b denseEntry) int {
				if a.less(b) {
					return -1
				}
				if b.less(a) {
					return 1
				}
				return 0
			})
		}
		colTop = colTop[:lo+min(len(col), kc)]
		colStart[j+1] = len(colTop)
	}
	rowStart := make([]int, n+1)
	for _, t := range colTop {
		rowStart[t.j+1]++
	}
	for i := range n {
		rowStart[i+1] += rowStart[i]
	}
	fromCols := make([]denseEntry, len(colTop)) // by row: column and cost
	next := slices.Clone(rowStart[:n])
	for j := range m {
		for _, t := range colTop[colStart[j]:colStart[j+1]] {
			fromCols[next[t.j]] = denseEntry{c: t.c, j: j}
			next[t.j]++
		}
	}
	// Per row: its own list, the column lists it is in and its diagonal
	// entry, without repeats.
	edges := make([]Edge, 0, n*k+m*kc+n)
	seen := make([]int, m)
	for j := range seen {
		seen[j] = -1
	}
	add := func(i, j int, cij int64) {
		if seen[j] != i {
			seen[j] = i
			edges = append(edges, Edge{L: i, R: j, W: base - cij})
		}
	}
	for i, top := range rowTop {
		for _, t := range top {
			add(i, t.j, t.c)
		}
		for _, t := range fromCols[rowStart[i]:rowStart[i+1]] {
			add(i, t.j, t.c)
		}
		diag := i * m / n
		add(i, diag, c[i][diag])
	}
	return edges, base, true
}

// denseSettle runs steps 2 and 3 of denseSparseFirst on the subgraph edges.
//
// On a square matrix a round after the first starts from the previous
// solution rather than from scratch (see warmSquare): only the rows that
// received new entries are assigned again.
func denseSettle(c [][]int64, n, m int, edges []Edge, base int64, maxEdges, workers int) (x []int32, u, v []int64, ok bool) {
	g := Graph{NLeft: n, NRight: m, Edges: edges}
	u = make([]int64, n)
	v = make([]int64, m)
	x = make([]int32, n)
	var prev *sparseSolver
	var freed []int32 // rows that received new entries
	for range denseSparseRounds {
		minW, maxW := int64(math.MaxInt64), int64(0)
		for _, e := range g.Edges {
			minW, maxW = min(minW, e.W), max(maxW, e.W)
		}
		s, err := newSparseSolver(&g, minW, maxW)
		if err != nil { // cannot happen: no pair is added twice
			return nil, nil, nil, false
		}
		s.full = true
		if prev != nil && n == m {
			s.warmSquare(prev, x, freed)
			if !s.solveRows(freed) {
				return nil, nil, nil, false
			}
		} else if !s.solve() {
			return nil, nil, nil, false
		}
		prev = s
		for l := range n {
			for _, a := range s.arcs[s.start[l]:s.end[l]] {
				if a.used {
					x[l] = a.v
				}
			}
		}
		// Arc l→r has reduced cost −(base − c) + π(l) − π(r) ≥ 0,
		// that is c ≥ u_l + v_r with u_l = base − π(l), v_r = π(r).
		for i := range u {
			u[i] = base - s.left[i].pi
		}
		for j := range v {
			v[j] = s.right[j].pi
		}
		added := make([][]Edge, workers)
		parallel(workers, func(w int) {
			for i := w * n / workers; i < (w+1)*n/workers; i++ {
				ui := u[i]
				for j, cij := range c[i][:m] {
					if cij-v[j] < ui {
						added[w] = append(added[w], Edge{L: i, R: j, W: base - cij})
					}
				}
			}
		})
		freed = freed[:0]
		for _, a := range added {
			for k, e := range a {
				if k == 0 || a[k-1].L != e.L {
					freed = append(freed, int32(e.L))
				}
			}
			g.Edges = append(g.Edges, a...)
		}
		if len(freed) == 0 {
			return x, u, v, true
		}
		if len(g.Edges) > maxEdges {
			break
		}
	}
	return nil, nil, nil, false
}

// warmSquare sets up s, a square full-mode solver whose graph extends
// prev's, with prev's assignment x (column of each row) and potentials,
// except that the rows in freed, which have new arcs, are left unmatched
// with potentials raised until all their arcs have non-negative reduced
// costs. Every other arc keeps its reduced cost, so the invariants hold,
// but for one difference: the columns those rows leave are free with a
// potential that may be negative. On a square matrix that is harmless:
// every column ends up matched, so the cost of leaving through a column is
// the same constant in every complete solution, and reaching a free column
// ends a search at its distance whatever its potential (which is what
// augment does in full mode). Arcs are sorted completely, because a matched
// arc must lie in the sorted prefix of its row.
func (s *sparseSolver) warmSquare(prev *sparseSolver, x []int32, freed []int32) {
	for l := range s.nl {
		slices.SortFunc(s.arcs[s.start[l]:s.end[l]], func(a, b arc) int { return cmp.Compare(a.key, b.key) })
		s.sorted[l] = s.end[l]
	}
	for r := range s.right {
		s.right[r].pi = prev.right[r].pi
	}
	isFreed := make([]bool, s.nl)
	for _, l := range freed {
		isFreed[l] = true
	}
	for l := range s.nl {
		if isFreed[l] {
			best := int64(math.MinInt64)
			for _, a := range s.arcs[s.start[l]:s.end[l]] {
				best = max(best, s.weight(a.key)+s.right[a.v].pi)
			}
			s.left[l].pi = best
			continue
		}
		s.left[l].pi = prev.left[l].pi
		j := x[l]
		for p := s.start[l]; p < s.end[l]; p++ {
			if s.arcs[p].v == j {
				s.arcs[p].used = true
				q := s.slotStart[j] + s.rUsed[j]
				s.slotPos[q], s.slotU[q] = p, int32(l)
				s.rUsed[j]++
				s.right[j].free--
				s.total += s.weight(s.arcs[p].key)
				break
			}
		}
	}
}
