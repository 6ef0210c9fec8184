package matching

import (
	"math"
	"slices"

	"github.com/tongban/tongban"
)

// FloorAssignment is the result of AssignWithFloors.
type FloorAssignment struct {
	// Edges lists the indices into Graph.Edges of the chosen edges,
	// ascending; Total is the sum of their weights.
	Edges []int
	Total int64
	// Filled[k] is the number of chosen edges whose left node is in group
	// k; Floor[k] is group k's floor as used (clamped to its demand).
	Filled []int
	Floor  []int
	// Short is Σ_k max(0, Floor[k] − Filled[k]): the places by which the
	// floors are missed. It is 0 whenever the floors can be met together.
	Short int
}

// maxFloorWeightSum bounds the sum of positive weights AssignWithFloors
// accepts, so that the penalty M (see AssignWithFloors) plus any path cost
// stays far from int64 overflow.
const maxFloorWeightSum = int64(1) << 58

// AssignWithFloors is Assign with a minimum number of matched places per
// group of left nodes (in Tongban: per county).
//
// group[l] ∈ [0, len(floors)) is the group of left node l, and group k's
// demand D_k is the sum of its nodes' capacities. The result is exactly
// optimal for the lexicographic objective
//
//  1. minimise the shortfall Σ_k max(0, floor_k − filled_k), where
//     floor_k is clamped to D_k; so when the floors can all be met at once
//     (the usual case) every group gets at least its floor;
//  2. among those, maximise the total weight.
//
// When the floors cannot all be met together — the volunteers who can take
// a county's needs are too few, or are needed elsewhere to meet another
// county's floor — the solver covers as many floor places as possible and
// reports the rest in Short; it never fails because of a floor.
//
// Method: if the unconstrained optimum of Assign already meets every floor
// it is returned (it is optimal for the constrained problem too, being
// optimal for a relaxation). Otherwise a min-cost flow over the network
//
//	C_k → l (cap LeftCap[l], cost 0) → r (cap 1, cost −W) → T (cap RightCap[r], cost 0)
//	C_k → T (cap D_k − floor_k, cost 0)   // a place left unfilled
//	C_k → T (cap floor_k, cost M)         // an unfilled place below the floor
//
// with supply D_k at each group node C_k is solved exactly by successive
// shortest paths (Dijkstra on reduced costs with potentials). M = 1 + the
// sum of all positive weights exceeds any difference in total weight, so
// the minimum cost −Total + M·Short realises the lexicographic objective.
// The flow phase explores whole groups per augmentation: it is meant for
// batches of a few thousand needs, not for the 20,000-need benchmark
// (docs/benchmarks.md has its timings).
//
// Edges with W ≤ 0 are never chosen, even to meet a floor. Errors are
// EINVALID, as for Assign, plus: group of the wrong length or out of range,
// a negative floor, or a sum of positive weights above 2^58.
func AssignWithFloors(g Graph, group []int, floors []int) (FloorAssignment, error) {
	if _, _, err := validateGraph(&g); err != nil {
		return FloorAssignment{}, err
	}
	var v tongban.Validation
	v.Check(len(group) == g.NLeft, "group", "must have one entry per left node")
	for _, f := range floors {
		if f < 0 {
			v.Add("floors", "must not be negative")
			break
		}
	}
	if err := v.Err(); err != nil {
		return FloorAssignment{}, err
	}
	for _, k := range group {
		if k < 0 || k >= len(floors) {
			return FloorAssignment{}, tongban.Invalid("group", "must name a group in [0, len(floors))")
		}
	}
	var sum int64
	for _, e := range g.Edges {
		if e.W > 0 {
			sum += e.W
			if sum > maxFloorWeightSum {
				return FloorAssignment{}, tongban.Errorf(tongban.EINVALID, "Invalid input: the sum of positive edge weights exceeds 2^58.")
			}
		}
	}
	nk := len(floors)
	demand := make([]int64, nk)
	for l := range g.NLeft {
		demand[group[l]] += int64(nodeCap(g.LeftCap, l))
	}
	res := FloorAssignment{Filled: make([]int, nk), Floor: make([]int, nk)}
	for k, f := range floors {
		res.Floor[k] = int(min(int64(f), demand[k]))
	}

	// Phase 1: the unconstrained optimum, kept if it meets every floor.
	a, err := Assign(g)
	if err != nil {
		return FloorAssignment{}, err
	}
	if res.fill(&g, group, a.Edges, a.Total) == 0 {
		return res, nil
	}

	// Phase 2: the min-cost flow.
	f := newFloorFlow(&g, group, res.Floor, demand, 1+sum)
	f.solve()
	var chosen []int
	var total int64
	for _, p := range f.edgeArcs {
		if f.flow(p) > 0 {
			e := f.arcEdge[p>>1]
			chosen = append(chosen, int(e))
			total += g.Edges[e].W
		}
	}
	slices.Sort(chosen)
	res.fill(&g, group, chosen, total)
	return res, nil
}

// fill records edges as the result and returns the shortfall.
func (r *FloorAssignment) fill(g *Graph, group []int, edges []int, total int64) int {
	r.Edges, r.Total = edges, total
	clear(r.Filled)
	for _, i := range edges {
		r.Filled[group[g.Edges[i].L]]++
	}
	r.Short = 0
	for k, f := range r.Floor {
		r.Short += max(0, f-r.Filled[k])
	}
	return r.Short
}

// FloorsForShare returns each group's floor for a minimum share: the
// smallest whole number of places ≥ share × demand[k] (share in [0, 1]).
func FloorsForShare(share float64, demand []int) []int {
	out := make([]int, len(demand))
	for k, d := range demand {
		// The epsilon keeps 0.2 × 10 at 2 despite 0.2 not being exact.
		out[k] = min(d, max(0, int(math.Ceil(share*float64(d)-1e-9))))
	}
	return out
}

// floorFlow is the min-cost-flow network of AssignWithFloors. Arcs come in
// pairs (p, p^1), forward and reverse; a reverse arc starts with capacity 0.
type floorFlow struct {
	n        int     // nodes: groups, left, right, T
	t        int32   // the sink
	head     []int32 // arcs of node u: adj[head[u]:head[u+1]]
	adj      []int32
	to       []int32
	cap      []int64 // residual capacity
	cost     []int64
	pi       []int64
	supply   []int64 // remaining supply of each group node
	edgeArcs []int32 // forward arcs l → r
	arcEdge  []int32 // edge index of arc pair p>>1, or −1

	dist  []int64
	prev  []int32 // arc entering the node on the shortest path
	stamp []uint32
	iter  uint32
	heap  floorHeap
	seen  []int32
}

func newFloorFlow(g *Graph, group []int, floor []int, demand []int64, penalty int64) *floorFlow {
	nk := len(floor)
	left := func(l int) int32 { return int32(nk + l) }
	right := func(r int) int32 { return int32(nk + g.NLeft + r) }
	f := &floorFlow{n: nk + g.NLeft + g.NRight + 1}
	f.t = int32(f.n - 1)
	type arcIn struct {
		u, v      int32
		cap, cost int64
		edge      int32
	}
	var arcs []arcIn
	for k := range nk {
		if free := demand[k] - int64(floor[k]); free > 0 {
			arcs = append(arcs, arcIn{int32(k), f.t, free, 0, -1})
		}
		if floor[k] > 0 {
			arcs = append(arcs, arcIn{int32(k), f.t, int64(floor[k]), penalty, -1})
		}
	}
	for l := range g.NLeft {
		if c := nodeCap(g.LeftCap, l); c > 0 {
			arcs = append(arcs, arcIn{int32(group[l]), left(l), int64(c), 0, -1})
		}
	}
	for i, e := range g.Edges {
		if e.W > 0 && nodeCap(g.LeftCap, e.L) > 0 && nodeCap(g.RightCap, e.R) > 0 {
			arcs = append(arcs, arcIn{left(e.L), right(e.R), 1, -e.W, int32(i)})
		}
	}
	for r := range g.NRight {
		if c := nodeCap(g.RightCap, r); c > 0 {
			arcs = append(arcs, arcIn{right(r), f.t, int64(c), 0, -1})
		}
	}
	m := 2 * len(arcs)
	f.to, f.cap, f.cost = make([]int32, m), make([]int64, m), make([]int64, m)
	f.head = make([]int32, f.n+1)
	for _, a := range arcs {
		f.head[a.u+1]++
		f.head[a.v+1]++
	}
	for u := range f.n {
		f.head[u+1] += f.head[u]
	}
	next := slices.Clone(f.head[:f.n])
	f.adj = make([]int32, m)
	f.arcEdge = make([]int32, len(arcs))
	for i, a := range arcs {
		p := int32(2 * i)
		f.to[p], f.cap[p], f.cost[p] = a.v, a.cap, a.cost
		f.to[p^1], f.cost[p^1] = a.u, -a.cost
		f.adj[next[a.u]] = p
		next[a.u]++
		f.adj[next[a.v]] = p ^ 1
		next[a.v]++
		f.arcEdge[i] = a.edge
		if a.edge >= 0 {
			f.edgeArcs = append(f.edgeArcs, p)
		}
	}
	// Feasible potentials (shortest distances from a virtual source with
	// 0-cost arcs to every group node): groups and left nodes 0, a right
	// node −(its heaviest edge), T the least of 0 and those.
	f.pi = make([]int64, f.n)
	for _, p := range f.edgeArcs {
		v := f.to[p]
		f.pi[v] = min(f.pi[v], f.cost[p])
	}
	for r := range g.NRight {
		f.pi[f.t] = min(f.pi[f.t], f.pi[right(r)])
	}
	f.supply = demand
	f.dist = make([]int64, f.n)
	f.prev = make([]int32, f.n)
	f.stamp = make([]uint32, f.n)
	return f
}

// flow is the flow on forward arc p (the residual capacity of its reverse).
func (f *floorFlow) flow(p int32) int64 { return f.cap[p^1] }

// solve routes the supply of every group node to T along shortest paths.
func (f *floorFlow) solve() {
	for k := range f.supply {
		for f.supply[k] > 0 {
			f.augment(int32(k))
		}
	}
}

// augment finds a shortest path from group node s to T by Dijkstra on
// reduced costs (stopping once T is settled), updates the potentials so
// that every residual arc keeps a non-negative reduced cost and the path's
// arcs get 0, and pushes as much as the path and s's supply allow.
func (f *floorFlow) augment(s int32) {
	f.iter++
	f.seen = f.seen[:0]
	f.heap = f.heap[:0]
	f.dist[s], f.stamp[s], f.prev[s] = 0, 2*f.iter, -1
	f.heap.push(0, s)
	done := 2*f.iter + 1
	dT := int64(-1)
	for len(f.heap) > 0 {
		d, u := f.heap.pop()
		if f.stamp[u] == done || d > f.dist[u] {
			continue
		}
		f.stamp[u] = done
		f.seen = append(f.seen, u)
		if u == f.t {
			dT = d
			break
		}
		for _, p := range f.adj[f.head[u]:f.head[u+1]] {
			if f.cap[p] == 0 {
				continue
			}
			v := f.to[p]
			nd := d + f.cost[p] + f.pi[u] - f.pi[v]
			if f.stamp[v] == done || (f.stamp[v] == 2*f.iter && nd >= f.dist[v]) {
				continue
			}
			f.stamp[v], f.dist[v], f.prev[v] = 2*f.iter, nd, p
			f.heap.push(nd, v)
		}
	}
	// T is always reachable: s has residual arcs to T as long as it has
	// supply (its C → T arcs together carry D_k).
	for _, u := range f.seen {
		f.pi[u] += f.dist[u] - dT
	}
	amount := f.supply[s]
	for v := f.t; v != s; v = f.to[f.prev[v]^1] {
		amount = min(amount, f.cap[f.prev[v]])
	}
	for v := f.t; v != s; v = f.to[f.prev[v]^1] {
		p := f.prev[v]
		f.cap[p] -= amount
		f.cap[p^1] += amount
	}
	f.supply[s] -= amount
}

// floorHeap is a binary min-heap of (distance, node).
type floorHeap []floorItem

type floorItem struct {
	d int64
	u int32
}

func (h *floorHeap) push(d int64, u int32) {
	*h = append(*h, floorItem{d, u})
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].d <= a[i].d {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *floorHeap) pop() (int64, int32) {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].d < a[c].d {
			c++
		}
		if a[i].d <= a[c].d {
			break
		}
		a[i], a[c] = a[c], a[i]
		i = c
	}
	*h = a
	return top.d, top.u
}
