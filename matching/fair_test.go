package matching_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

func TestAssignWithFloors_Cases(t *testing.T) {
	tests := []struct {
		name       string
		g          matching.Graph
		group      []int
		floors     []int
		wantEdges  []int
		wantTotal  int64
		wantFilled []int
		wantShort  int
	}{
		{
			name: "no floors: the plain optimum",
			g: matching.Graph{NLeft: 2, NRight: 1, Edges: []matching.Edge{
				{0, 0, 9}, {1, 0, 5},
			}},
			group: []int{0, 1}, floors: []int{0, 0},
			wantEdges: []int{0}, wantTotal: 9, wantFilled: []int{1, 0},
		},
		{
			name: "a floor moves the one volunteer to the other county",
			g: matching.Graph{NLeft: 2, NRight: 1, Edges: []matching.Edge{
				{0, 0, 9}, {1, 0, 5},
			}},
			group: []int{0, 1}, floors: []int{0, 1},
			wantEdges: []int{1}, wantTotal: 5, wantFilled: []int{0, 1},
		},
		{
			name: "floors of both counties cannot be met together: shortfall 1, best weight",
			g: matching.Graph{NLeft: 2, NRight: 1, Edges: []matching.Edge{
				{0, 0, 9}, {1, 0, 5},
			}},
			group: []int{0, 1}, floors: []int{1, 1},
			wantEdges: []int{0}, wantTotal: 9, wantFilled: []int{1, 0}, wantShort: 1,
		},
		{
			name: "a floor above the demand is clamped to it",
			g: matching.Graph{NLeft: 1, NRight: 2, LeftCap: []int{2}, Edges: []matching.Edge{
				{0, 0, 3}, {0, 1, 4},
			}},
			group: []int{0}, floors: []int{5},
			wantEdges: []int{0, 1}, wantTotal: 7, wantFilled: []int{2},
		},
		{
			name: "the floor is met by rerouting, not by dropping the heavy pair",
			// County 1 (need 1) can use volunteer 0 or 1; county 0 (need
			// 0) prefers volunteer 0. Best with county 1 ≥ 1: 0–0 and 1–1.
			g: matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{
				{0, 0, 10}, {0, 1, 2}, {1, 0, 6}, {1, 1, 1},
			}},
			group: []int{0, 1}, floors: []int{0, 1},
			wantEdges: []int{0, 3}, wantTotal: 11, wantFilled: []int{1, 1},
		},
		{
			name: "an edge of weight 0 is never used to meet a floor",
			g: matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{
				{0, 0, 4}, {1, 1, 0},
			}},
			group: []int{0, 1}, floors: []int{0, 1},
			wantEdges: []int{0}, wantTotal: 4, wantFilled: []int{1, 0}, wantShort: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matching.AssignWithFloors(tt.g, tt.group, tt.floors)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantEdges, got.Edges); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
			if got.Total != tt.wantTotal || got.Short != tt.wantShort {
				t.Errorf("total, short = %d, %d; want %d, %d", got.Total, got.Short, tt.wantTotal, tt.wantShort)
			}
			if diff := cmp.Diff(tt.wantFilled, got.Filled); diff != "" {
				t.Errorf("filled (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssignWithFloors_Invalid(t *testing.T) {
	g := matching.Graph{NLeft: 2, NRight: 1, Edges: []matching.Edge{{0, 0, 1}}}
	tests := []struct {
		name   string
		g      matching.Graph
		group  []int
		floors []int
	}{
		{"group too short", g, []int{0}, []int{0}},
		{"group out of range", g, []int{0, 1}, []int{0}},
		{"negative group", g, []int{0, -1}, []int{0}},
		{"negative floor", g, []int{0, 0}, []int{-1}},
		{"bad graph", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 3, 1}}}, []int{0}, []int{0}},
		{"duplicate edge", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 0, 1}, {0, 0, 2}}}, []int{0}, []int{0}},
		{"weights too large", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 0, 1 << 40}}}, []int{0}, []int{1}},
	}
	big := &tests[6]
	big.g = matching.Graph{NLeft: 600, NRight: 500}
	big.group = make([]int, 600)
	for k := range 600 * 500 { // 300,000 × 2^40 > 2^58
		big.g.Edges = append(big.g.Edges, matching.Edge{L: k / 500, R: k % 500, W: matching.MaxWeight})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := matching.AssignWithFloors(tt.g, tt.group, tt.floors)
			if got := tongban.ErrorCode(err); got != tongban.EINVALID {
				t.Errorf("code = %q (%v), want %q", got, err, tongban.EINVALID)
			}
		})
	}
}

// TestAssignWithFloors_BruteForce proves exactness on small random
// instances with up to three counties: the result meets the capacities,
// its shortfall is the least possible, and no assignment with that
// shortfall has a larger total (exhaustive search over all edge subsets).
func TestAssignWithFloors_BruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 20))
	phase2 := 0
	for i := range 4000 {
		nl, nr := 1+rng.IntN(5), 1+rng.IntN(5)
		g := randomGraph(rng, nl, nr, rng.IntN(min(13, nl*nr+1)), 3, -2, 12)
		for l := range g.LeftCap {
			if rng.IntN(8) == 0 {
				g.LeftCap[l] = 0
			}
		}
		nk := 1 + rng.IntN(3)
		group := make([]int, nl)
		demand := make([]int, nk)
		for l := range group {
			group[l] = rng.IntN(nk)
			demand[group[l]] += g.LeftCap[l]
		}
		floors := make([]int, nk)
		for k := range floors {
			floors[k] = rng.IntN(demand[k] + 2)
		}
		got, err := matching.AssignWithFloors(g, group, floors)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		checkFeasible(t, g, matching.Assignment{Edges: got.Edges, Total: got.Total})
		filled := make([]int, nk)
		for _, e := range got.Edges {
			filled[group[g.Edges[e].L]]++
		}
		short := 0
		for k := range floors {
			short += max(0, min(floors[k], demand[k])-filled[k])
		}
		if diff := cmp.Diff(filled, got.Filled); diff != "" || short != got.Short {
			t.Fatalf("instance %d: reported filled %v short %d, actual %v %d", i, got.Filled, got.Short, filled, short)
		}
		wantShort, wantTotal := bruteForceFloors(g, group, floors, demand)
		if got.Short != wantShort || got.Total != wantTotal {
			t.Fatalf("instance %d: short, total = %d, %d; want %d, %d\n%+v group %v floors %v", i, got.Short, got.Total, wantShort, wantTotal, g, group, floors)
		}
		plain, _ := matching.Assign(g)
		plainFilled := make([]int, nk)
		for _, e := range plain.Edges {
			plainFilled[group[g.Edges[e].L]]++
		}
		for k := range floors {
			if plainFilled[k] < min(floors[k], demand[k]) {
				phase2++ // the unconstrained optimum misses a floor
				break
			}
		}
	}
	t.Logf("%d of 4000 instances needed the flow phase", phase2)
	if phase2 < 200 {
		t.Errorf("only %d instances where the unconstrained optimum misses a floor: the test is too weak", phase2)
	}
}

// bruteForceFloors returns the least shortfall and, with it, the largest
// total over all feasible edge subsets (positive edges only).
func bruteForceFloors(g matching.Graph, group, floors, demand []int) (short int, total int64) {
	remL := make([]int, g.NLeft)
	for i := range remL {
		remL[i] = capacity(g.LeftCap, i)
	}
	remR := make([]int, g.NRight)
	for i := range remR {
		remR[i] = capacity(g.RightCap, i)
	}
	filled := make([]int, len(floors))
	short, total = 1<<30, 0
	var search func(i int, w int64)
	search = func(i int, w int64) {
		if i == len(g.Edges) {
			s := 0
			for k := range floors {
				s += max(0, min(floors[k], demand[k])-filled[k])
			}
			if s < short || (s == short && w > total) {
				short, total = s, w
			}
			return
		}
		search(i+1, w)
		e := g.Edges[i]
		if e.W > 0 && remL[e.L] > 0 && remR[e.R] > 0 {
			remL[e.L]--
			remR[e.R]--
			filled[group[e.L]]++
			search(i+1, w+e.W)
			filled[group[e.L]]--
			remL[e.L]++
			remR[e.R]++
		}
	}
	search(0, 0)
	return short, total
}

func TestFloorsForShare(t *testing.T) {
	tests := []struct {
		share  float64
		demand []int
		want   []int
	}{
		{0, []int{5, 0}, []int{0, 0}},
		{0.2, []int{10, 11, 1, 0}, []int{2, 3, 1, 0}},
		{0.3, []int{10}, []int{3}},
		{1, []int{7}, []int{7}},
	}
	for _, tt := range tests {
		if got := matching.FloorsForShare(tt.share, tt.demand); !cmp.Equal(got, tt.want) {
			t.Errorf("FloorsForShare(%v, %v) = %v, want %v", tt.share, tt.demand, got, tt.want)
		}
	}
}
