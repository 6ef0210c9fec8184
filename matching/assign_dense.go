package matching

import (
	"math"

	"github.com/tongban/tongban"
)

// DenseAssignment is the solution of AssignDense.
//
// Cols[i] is the column assigned to row i, or −1 when row i is unassigned
// (only possible when there are more rows than columns). Total is the sum of
// the assigned entries.
//
// RowDual and ColDual certify optimality. For a minimisation,
// RowDual[i] + ColDual[j] ≤ cost[i][j] for every entry, with equality on
// assigned entries, and Σ RowDual + Σ ColDual = Total; when the matrix is not
// square the duals of the larger side are ≤ 0 and 0 on its unassigned
// nodes. For a maximisation every inequality is reversed (≥ cost[i][j],
// duals of the larger side ≥ 0).
type DenseAssignment struct {
	Cols    []int
	Total   int64
	RowDual []int64
	ColDual []int64
}

// AssignDense solves the rectangular linear assignment problem on a dense
// cost matrix with the semantics of SciPy's
// scipy.optimize.linear_sum_assignment: every row is assigned to a distinct
// column when there are no more rows than columns (otherwise every column
// to a distinct row), minimising the total cost, or maximising it when
// maximize is true.
//
// It first solves the problem on a sparse subgraph of the cheapest entries
// of every row and column with the algorithm of Assign, adding every entry
// that violates the dual constraints of that solution and solving again
// until none does, at which point the duals prove the result optimal for
// the whole matrix. That is exact, and on random or geometric costs an
// order of magnitude faster than a dense algorithm. When it does not settle
// within a few rounds (or the subgraph has no full assignment), it runs
// the dense Jonker–Volgenant algorithm (column reduction, reduction
// transfer, two rounds of augmenting row reduction, then shortest
// augmenting paths; rectangular matrices use the shortest augmenting paths
// alone). Entries must satisfy |c| ≤ MaxWeight and every row must have the
// same length; otherwise the error is EINVALID.
func AssignDense(cost [][]int64, maximize bool) (DenseAssignment, error) {
	return assignDense(cost, maximize, true)
}

// assignDense is AssignDense; sparseFirst false skips the sparse subgraph
// attempt (for tests of the dense algorithm).
func assignDense(cost [][]int64, maximize, sparseFirst bool) (DenseAssignment, error) {
	rows := len(cost)
	cols := 0
	if rows > 0 {
		cols = len(cost[0])
	}
	for i, row := range cost {
		if len(row) != cols {
			return DenseAssignment{}, tongban.Errorf(tongban.EINVALID, "Invalid input: row %d has %d entries, row 0 has %d.", i, len(row), cols)
		}
		for j, c := range row {
			if c > MaxWeight || c < -MaxWeight {
				return DenseAssignment{}, tongban.Errorf(tongban.EINVALID, "Invalid input: cost[%d][%d] = %d exceeds ±2^40.", i, j, c)
			}
		}
	}
	res := DenseAssignment{Cols: make([]int, rows)}
	for i := range res.Cols {
		res.Cols[i] = -1
	}
	if rows == 0 || cols == 0 {
		res.RowDual = make([]int64, rows)
		res.ColDual = make([]int64, cols)
		return res, nil
	}

	c := cost
	if maximize {
		c = make([][]int64, rows)
		for i, row := range cost {
			c[i] = make([]int64, cols)
			for j, v := range row {
				c[i][j] = -v
			}
		}
	}
	transposed := rows > cols
	if transposed {
		t := make([][]int64, cols)
		for j := range t {
			t[j] = make([]int64, rows)
		}
		for i, row := range c {
			for j, v := range row {
				t[j][i] = v
			}
		}
		c = t
	}
	n, m := len(c), len(c[0])
	var x []int32
	var u, v []int64
	ok := false
	if sparseFirst {
		x, u, v, ok = denseSparseFirst(c, n, m)
	}
	if !ok {
		x, u, v = denseLAPJV(c, n, m)
	}

	if transposed {
		for j, i := range x {
			res.Cols[i] = j
		}
		res.RowDual, res.ColDual = v, u
	} else {
		for i, j := range x {
			res.Cols[i] = int(j)
		}
		res.RowDual, res.ColDual = u, v
	}
	for i, j := range res.Cols {
		if j >= 0 {
			res.Total += cost[i][j]
		}
	}
	if maximize {
		for i := range res.RowDual {
			res.RowDual[i] = -res.RowDual[i]
		}
		for j := range res.ColDual {
			res.ColDual[j] = -res.ColDual[j]
		}
	}
	return res, nil
}

const denseLarge = int64(math.MaxInt64 / 4)

// denseLAPJV solves the n×m minimum-cost assignment of every row, n ≤ m. It
// returns the column of each row and the row and column duals.
func denseLAPJV(c [][]int64, n, m int) (x []int32, u, v []int64) {
	x = make([]int32, n)
	y := make([]int32, m)
	v = make([]int64, m)
	for i := range x {
		x[i] = -1
	}
	for j := range y {
		y[j] = -1
	}
	var free []int32
	if n == m {
		free = denseColumnReduction(c, n, x, y, v)
		for pass := 0; pass < 2 && len(free) > 0; pass++ {
			free = denseRowReduction(c, n, free, x, y, v)
		}
	} else {
		free = make([]int32, n)
		for i := range free {
			free[i] = int32(i)
		}
	}
	denseAugment(c, m, free, x, y, v)
	u = make([]int64, n)
	for i, j := range x {
		u[i] = c[i][j] - v[j]
	}
	return x, u, v
}

// denseColumnReduction assigns each column's cheapest row where that row is not
// yet taken, sets v to the column minima, then transfers the reduction of
// rows that won exactly one column. It returns the free rows.
func denseColumnReduction(c [][]int64, n int, x, y []int32, v []int64) []int32 {
	for j := range v {
		v[j] = denseLarge
	}
	for i, row := range c {
		row = row[:n]
		for j, cij := range row {
			if cij < v[j] {
				v[j] = cij
				y[j] = int32(i)
			}
		}
	}
	unique := make([]bool, n)
	for i := range unique {
		unique[i] = true
	}
	for j := n - 1; j >= 0; j-- {
		i := y[j]
		if x[i] < 0 {
			x[i] = int32(j)
		} else {
			unique[i] = false
			y[j] = -1
		}
	}
	free := make([]int32, 0, n)
	for i := range n {
		if x[i] < 0 {
			free = append(free, int32(i))
			continue
		}
		if !unique[i] || n == 1 {
			continue
		}
		j1 := int(x[i])
		best := denseLarge
		for j, cij := range c[i][:n] {
			if j != j1 {
				best = min(best, cij-v[j])
			}
		}
		v[j1] -= best
	}
	return free
}

// denseRowReduction tries to assign each free row to its cheapest
// column (in reduced cost), lowering that column's dual by the gap to the
// second cheapest and displacing its row, which then gets the same
// treatment. It returns the rows that are still free.
func denseRowReduction(c [][]int64, n int, free []int32, x, y []int32, v []int64) []int32 {
	numFree := len(free)
	current, newFree, rrCnt := 0, 0, 0
	for current < numFree {
		rrCnt++
		fi := free[current]
		current++
		row := c[fi][:n]
		j1, v1 := 0, row[0]-v[0]
		j2, v2 := -1, denseLarge
		for j := 1; j < n; j++ {
			h := row[j] - v[j]
			if h < v2 {
				if h >= v1 {
					v2, j2 = h, j
				} else {
					v2, v1, j2, j1 = v1, h, j1, j
				}
			}
		}
		i0 := y[j1]
		v1new := v[j1] - (v2 - v1)
		lowers := v1new < v[j1]
		if rrCnt < current*n {
			if lowers {
				v[j1] = v1new
			} else if i0 >= 0 && j2 >= 0 {
				j1 = j2
				i0 = y[j2]
			}
			if i0 >= 0 {
				x[i0] = -1
				if lowers {
					current--
					free[current] = i0
				} else {
					free[newFree] = i0
					newFree++
				}
			}
		} else if i0 >= 0 {
			x[i0] = -1
			free[newFree] = i0
			newFree++
		}
		x[fi] = int32(j1)
		y[j1] = fi
	}
	return free[:newFree]
}

// denseAugment assigns each free row along a shortest augmenting path
// (Dijkstra over columns in reduced costs, settling all columns at the
// current minimum distance at once), updating the column duals.
func denseAugment(c [][]int64, m int, free []int32, x, y []int32, v []int64) {
	d := make([]int64, m)
	pred := make([]int32, m)
	todo := make([]int32, m)
	for _, i0 := range free {
		row := c[i0]
		for j := range m {
			todo[j] = int32(j)
			pred[j] = i0
			d[j] = row[j] - v[j]
		}
		// todo[:lo] are ready (settled at a distance below mind),
		// todo[lo:hi] are to scan (at distance mind), todo[hi:] wait.
		lo, hi, ready := 0, 0, 0
		final := int32(-1)
		var mind int64
	search:
		for {
			if lo == hi {
				ready = lo
				hi = lo + 1
				mind = d[todo[lo]]
				for k := lo + 1; k < m; k++ {
					j := todo[k]
					if dj := d[j]; dj <= mind {
						if dj < mind {
							hi = lo
							mind = dj
						}
						todo[k] = todo[hi]
						todo[hi] = j
						hi++
					}
				}
				for _, j := range todo[lo:hi] {
					if y[j] < 0 {
						final = j
						break search
					}
				}
			}
			j := todo[lo]
			lo++
			i := y[j]
			ri := c[i]
			h := ri[j] - v[j] - mind
			for k := hi; k < m; k++ {
				j := todo[k]
				cr := ri[j] - v[j] - h
				if cr < d[j] {
					d[j] = cr
					pred[j] = i
					if cr == mind {
						if y[j] < 0 {
							final = j
							break search
						}
						todo[k] = todo[hi]
						todo[hi] = j
						hi++
					}
				}
			}
		}
		for _, j := range todo[:ready] {
			v[j] += d[j] - mind
		}
		j := final
		for {
			i := pred[j]
			y[j] = i
			x[i], j = j, x[i]
			if i == i0 {
				break
			}
		}
	}
}
