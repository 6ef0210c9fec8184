package matching

import (
	"math"

	"github.com/tongban/tongban"
)

// MaxWeight bounds the absolute value of an edge weight or a dense cost
// accepted by Assign, Greedy and AssignDense. Scores are expected as integers
// at a fixed scale (the scorer multiplies its 0–100 score by 1000, so a real
// weight is at most 100,000); the bound only keeps every potential, distance
// and total far from int64 overflow.
const MaxWeight = int64(1) << 40

// maxWeightSum bounds the sum of positive weights of a graph so that totals
// and dual objectives cannot overflow.
const maxWeightSum = int64(1) << 60

// Edge is one candidate pairing: left node L (a need) with right node R (a
// volunteer) and its integer weight W (the pairing score, scaled: score ×
// 1000). An edge with W ≤ 0 is never worth taking and is never chosen.
type Edge struct {
	L, R int
	W    int64
}

// Graph is a sparse weighted bipartite graph with node capacities. Left
// nodes are needs, LeftCap[l] is how many volunteers need l wants; right
// nodes are volunteers, RightCap[r] is how many pairings volunteer r may
// still take. A nil LeftCap (RightCap) gives every left (right) node
// capacity 1; a capacity of 0 means the node is never matched. Each edge can
// be chosen at most once and a pair (L, R) may appear only once.
type Graph struct {
	NLeft, NRight int
	LeftCap       []int
	RightCap      []int
	Edges         []Edge
}

// Assignment is an optimal solution of Assign (or a heuristic one from
// Greedy).
//
// Edges lists the indices into Graph.Edges of the chosen edges, ascending.
// Total is the sum of their weights.
//
// LeftDual and RightDual certify optimality (linear-programming duality);
// Assign fills them, Greedy leaves them nil. Both are non-negative and
//
//	Total = Σ_l LeftCap[l]·LeftDual[l] + Σ_r RightCap[r]·RightDual[r]
//	      + Σ_e max(0, W_e − LeftDual[L_e] − RightDual[R_e]),
//
// which is the objective of a feasible solution of the dual of the
// b-matching linear program, so no assignment can have a larger total.
type Assignment struct {
	Edges     []int
	Total     int64
	LeftDual  []int64
	RightDual []int64
}

// Assign returns an assignment of maximum total weight: a set of edges in
// which each left node l has at most LeftCap[l] chosen edges and each right
// node r at most RightCap[r]. Nodes need not be matched. The result is
// exactly optimal, and its duals certify it (see Assignment).
//
// The algorithm is successive shortest augmenting paths on the min-cost-flow
// form of the problem (one optional "stay unmatched" arc of cost 0 per left
// node), with Dijkstra over reduced costs, integer node potentials and a
// radix heap. Each search starts at a single left unit and stops as soon as
// the cheapest way to a free volunteer slot (or to leaving the unit
// unmatched) is known; adjacency lists are scanned heaviest first and cut
// off by a bound, and sorted lazily only as far as scans reach, so typical
// searches touch a handful of nodes and arcs. Building the adjacency uses
// up to GOMAXPROCS goroutines. Searches grow long when demand nearly
// exhausts the volunteers' capacity in some area (see docs/benchmarks.md).
//
// Errors are EINVALID: negative node counts or capacities, capacity slices
// of the wrong length, an edge endpoint out of range, |W| > MaxWeight, a sum
// of positive weights above 2^60, or a duplicate (L, R) pair.
func Assign(g Graph) (Assignment, error) {
	minW, maxW, err := validateGraph(&g)
	if err != nil {
		return Assignment{}, err
	}
	s, err := newSparseSolver(&g, minW, maxW)
	if err != nil {
		return Assignment{}, err
	}
	s.solve() // always succeeds outside full mode
	return s.result(), nil
}

// validateGraph checks everything except duplicate pairs, which are found
// while building the adjacency. It returns the smallest and largest positive
// weight (MaxInt64 and 0 when there is none).
func validateGraph(g *Graph) (minW, maxW int64, err error) {
	var v tongban.Validation
	v.Check(g.NLeft >= 0 && g.NLeft <= math.MaxInt32, "n_left", "must be between 0 and 2^31−1")
	v.Check(g.NRight >= 0 && g.NRight <= math.MaxInt32, "n_right", "must be between 0 and 2^31−1")
	v.Check(len(g.Edges) <= math.MaxInt32, "edges", "must number fewer than 2^31")
	if err := v.Err(); err != nil {
		return 0, 0, err
	}
	checkGraphCaps(&v, "left_cap", g.LeftCap, g.NLeft)
	checkGraphCaps(&v, "right_cap", g.RightCap, g.NRight)
	if err := v.Err(); err != nil {
		return 0, 0, err
	}
	var sum int64
	minW = math.MaxInt64
	for i, e := range g.Edges {
		switch {
		case e.L < 0 || e.L >= g.NLeft:
			return 0, 0, tongban.Errorf(tongban.EINVALID, "Invalid input: edge %d: left node %d out of range [0, %d).", i, e.L, g.NLeft)
		case e.R < 0 || e.R >= g.NRight:
			return 0, 0, tongban.Errorf(tongban.EINVALID, "Invalid input: edge %d: right node %d out of range [0, %d).", i, e.R, g.NRight)
		case e.W > MaxWeight || e.W < -MaxWeight:
			return 0, 0, tongban.Errorf(tongban.EINVALID, "Invalid input: edge %d: weight %d exceeds ±2^40.", i, e.W)
		}
		if e.W > 0 {
			minW, maxW = min(minW, e.W), max(maxW, e.W)
			sum += e.W
			if sum > maxWeightSum {
				return 0, 0, tongban.Errorf(tongban.EINVALID, "Invalid input: the sum of positive edge weights exceeds 2^60.")
			}
		}
	}
	return minW, maxW, nil
}

func checkGraphCaps(v *tongban.Validation, field string, caps []int, n int) {
	if caps == nil {
		return
	}
	if len(caps) != n {
		v.Add(field, "must have one entry per node")
		return
	}
	for _, c := range caps {
		if c < 0 {
			v.Add(field, "must not be negative")
			return
		}
	}
}

// nodeCap returns the capacity of node i, where nil caps means 1.
func nodeCap(caps []int, i int) int {
	if caps == nil {
		return 1
	}
	return caps[i]
}
