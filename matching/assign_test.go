package matching_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

func TestAssign_Cases(t *testing.T) {
	tests := []struct {
		name      string
		g         matching.Graph
		wantEdges []int
		wantTotal int64
	}{
		{name: "empty graph", g: matching.Graph{}},
		{name: "nodes without edges", g: matching.Graph{NLeft: 3, NRight: 2}},
		{
			name:      "single edge",
			g:         matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 0, 7}}},
			wantEdges: []int{0}, wantTotal: 7,
		},
		{
			name: "zero and negative weights are never taken",
			g: matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{
				{0, 0, 0}, {0, 1, -3}, {1, 0, -1}, {1, 1, 0},
			}},
		},
		{
			name: "a negative edge does not block a positive one",
			g: matching.Graph{NLeft: 2, NRight: 1, Edges: []matching.Edge{
				{0, 0, -5}, {1, 0, 4},
			}},
			wantEdges: []int{1}, wantTotal: 4,
		},
		{
			name: "greedy trap: the heaviest edge is not in the optimum",
			g: matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{
				{0, 0, 3}, {0, 1, 2}, {1, 0, 2},
			}},
			wantEdges: []int{1, 2}, wantTotal: 4,
		},
		{
			name: "a node with no edges next to matched ones",
			g: matching.Graph{NLeft: 3, NRight: 2, Edges: []matching.Edge{
				{0, 1, 5}, {2, 0, 6},
			}},
			wantEdges: []int{0, 1}, wantTotal: 11,
		},
		{
			name: "capacities larger than degree",
			g: matching.Graph{
				NLeft: 2, NRight: 2, LeftCap: []int{1000, 1_000_000_000}, RightCap: []int{7, 1 << 40},
				Edges: []matching.Edge{{0, 0, 1}, {0, 1, 2}, {1, 0, 3}, {1, 1, 4}},
			},
			wantEdges: []int{0, 1, 2, 3}, wantTotal: 10,
		},
		{
			name: "capacities bind on both sides",
			g: matching.Graph{
				NLeft: 2, NRight: 3, LeftCap: []int{2, 1}, RightCap: []int{1, 1, 2},
				Edges: []matching.Edge{{0, 0, 10}, {0, 1, 9}, {0, 2, 8}, {1, 0, 10}, {1, 2, 1}},
			},
			wantEdges: []int{1, 2, 3}, wantTotal: 27,
		},
		{
			name: "capacity zero nodes are never matched",
			g: matching.Graph{
				NLeft: 2, NRight: 2, LeftCap: []int{0, 1}, RightCap: []int{1, 0},
				Edges: []matching.Edge{{0, 0, 9}, {1, 1, 9}, {1, 0, 2}},
			},
			wantEdges: []int{2}, wantTotal: 2,
		},
		{
			name: "an augmenting path through two matched pairs",
			g: matching.Graph{NLeft: 3, NRight: 3, Edges: []matching.Edge{
				{0, 0, 5}, {1, 0, 6}, {1, 1, 5}, {2, 1, 6}, {2, 2, 5},
			}},
			wantEdges: []int{0, 2, 4}, wantTotal: 15,
		},
		{
			name: "it pays to leave a unit unmatched",
			g: matching.Graph{
				NLeft: 2, NRight: 1, LeftCap: []int{2, 1}, RightCap: []int{1},
				Edges: []matching.Edge{{0, 0, 3}, {1, 0, 8}},
			},
			wantEdges: []int{1}, wantTotal: 8,
		},
		{
			name: "maximum weights",
			g: matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{
				{0, 0, matching.MaxWeight}, {1, 1, matching.MaxWeight}, {0, 1, -matching.MaxWeight},
			}},
			wantEdges: []int{0, 1}, wantTotal: 2 * matching.MaxWeight,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matching.Assign(tt.g)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantEdges, got.Edges, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
			if got.Total != tt.wantTotal {
				t.Errorf("total = %d, want %d", got.Total, tt.wantTotal)
			}
			checkFeasible(t, tt.g, got)
			checkCertificate(t, tt.g, got)
		})
	}
}

func TestAssign_Invalid(t *testing.T) {
	tests := []struct {
		name string
		g    matching.Graph
	}{
		{"negative left count", matching.Graph{NLeft: -1}},
		{"negative right count", matching.Graph{NRight: -2}},
		{"left caps of wrong length", matching.Graph{NLeft: 2, LeftCap: []int{1}}},
		{"right caps of wrong length", matching.Graph{NRight: 1, RightCap: []int{1, 1}}},
		{"negative capacity", matching.Graph{NLeft: 1, NRight: 1, RightCap: []int{-1}}},
		{"left endpoint out of range", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{1, 0, 1}}}},
		{"negative endpoint", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, -1, 1}}}},
		{"right endpoint out of range", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 1, 1}}}},
		{"weight too large", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 0, matching.MaxWeight + 1}}}},
		{"weight too small", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 0, -matching.MaxWeight - 1}}}},
		{"sum of weights too large", bigSumGraph()},
		{"duplicate edge", matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{{0, 1, 1}, {1, 1, 1}, {0, 1, 2}}}},
		{"duplicate edge with a non-positive weight", matching.Graph{NLeft: 1, NRight: 1, Edges: []matching.Edge{{0, 0, 5}, {0, 0, -1}}}},
	}
	solvers := []struct {
		name  string
		solve func(matching.Graph) (matching.Assignment, error)
	}{
		{"Assign", matching.Assign},
		{"Greedy", matching.Greedy},
	}
	for _, tt := range tests {
		for _, s := range solvers {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				_, err := s.solve(tt.g)
				if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
					t.Errorf("error code = %q (%v), want %q", got, err, want)
				}
			})
		}
	}
}

// bigSumGraph has 2^20 + 1 edges of weight 2^40, summing to more than 2^60.
func bigSumGraph() matching.Graph {
	g := matching.Graph{NLeft: 1 << 11, NRight: 1 << 10, Edges: make([]matching.Edge, 0, 1<<20+1)}
	for k := range 1<<20 + 1 {
		g.Edges = append(g.Edges, matching.Edge{L: k % g.NLeft, R: k / g.NLeft, W: matching.MaxWeight})
	}
	return g
}

// TestAssign_BruteForce compares Assign with an exhaustive search on
// thousands of small instances with capacities 1–3 and weights from −3 to
// 12, so that ties are frequent, or spanning ±MaxWeight.
func TestAssign_BruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		nl, nr := 1+rng.IntN(5), 1+rng.IntN(5)
		lo, hi := int64(-3), int64(12)
		if i%3 == 0 { // weights spanning more than 2^32
			lo, hi = -matching.MaxWeight, matching.MaxWeight
		}
		g := randomGraph(rng, nl, nr, rng.IntN(min(13, nl*nr+1)), 3, lo, hi)
		got, err := matching.Assign(g)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		if want := bruteForce(g); got.Total != want {
			t.Fatalf("instance %d: total = %d, want %d\n%+v", i, got.Total, want, g)
		}
		checkFeasible(t, g, got)
		checkCertificate(t, g, got)

		greedy, err := matching.Greedy(g)
		if err != nil {
			t.Fatalf("instance %d: greedy: %v", i, err)
		}
		checkFeasible(t, g, greedy)
		if greedy.Total > got.Total || 2*greedy.Total < got.Total {
			t.Fatalf("instance %d: greedy total %d outside [optimum/2, optimum] for optimum %d", i, greedy.Total, got.Total)
		}
	}
}

// TestAssign_Hungarian compares Assign and AssignDense with an independent
// O(n³) Hungarian algorithm on dense instances. With positive weights on a
// complete bipartite graph, a maximum-weight matching matches all of the
// smaller side, so all three solve the same problem.
func TestAssign_Hungarian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type size struct{ n, m, count int }
	for _, sz := range []size{{0, 0, 1}, {1, 1, 50}, {3, 3, 500}, {6, 6, 500}, {5, 9, 300}, {9, 5, 300}, {12, 12, 300}, {40, 40, 20}, {30, 70, 10}, {70, 30, 10}, {150, 150, 3}, {140, 300, 2}, {300, 140, 2}} {
		for k := range sz.count {
			hi := int64(1 + rng.IntN(1000))
			c := randomMatrix(rng, sz.n, sz.m, 1, hi)
			name := fmt.Sprintf("%dx%d#%d", sz.n, sz.m, k)

			wantMax := -hungarianMin(negate(c))
			g := matching.Graph{NLeft: sz.n, NRight: sz.m}
			for i, row := range c {
				for j, w := range row {
					g.Edges = append(g.Edges, matching.Edge{L: i, R: j, W: w})
				}
			}
			a, err := matching.Assign(g)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if a.Total != wantMax {
				t.Fatalf("%s: Assign total = %d, want %d", name, a.Total, wantMax)
			}
			checkFeasible(t, g, a)
			checkCertificate(t, g, a)

			for _, maximize := range []bool{false, true} {
				want := hungarianMin(c)
				if maximize {
					want = wantMax
				}
				for _, s := range denseSolvers {
					d, err := s.solve(c, maximize)
					if err != nil {
						t.Fatalf("%s: %s: %v", name, s.name, err)
					}
					if d.Total != want {
						t.Fatalf("%s maximize=%v: %s total = %d, want %d", name, maximize, s.name, d.Total, want)
					}
					checkDense(t, c, maximize, d)
				}
			}
		}
	}
}

// denseSolvers are AssignDense and its dense algorithm alone.
var denseSolvers = []struct {
	name  string
	solve func([][]int64, bool) (matching.DenseAssignment, error)
}{
	{"AssignDense", matching.AssignDense},
	{"AssignDenseJV", matching.AssignDenseJV},
}

// TestAssignDense_Structured runs AssignDense on matrices that stress the
// sparse subgraph and the Jonker–Volgenant initialisation: constant
// matrices, many ties, negative costs, costs from distances between random
// points, and costs that depend only on the column, for which no small
// subgraph has a full assignment.
func TestAssignDense_Structured(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		name string
		c    [][]int64
	}{
		{"constant 200", constMatrix(200, 200, 7)},
		{"binary ties 200", randomMatrix(rng, 200, 200, 0, 1)},
		{"distances 200", distanceMatrix(rng, 200, 200)},
		{"distances 130×300", distanceMatrix(rng, 130, 300)},
		{"distances 300×130", distanceMatrix(rng, 300, 130)},
		{"column costs 200", columnCostMatrix(200, 200)},
		{"uniform wide range 200", randomMatrix(rng, 200, 200, -matching.MaxWeight/2, matching.MaxWeight/2)},
		{"uniform too wide a range for the subgraph 200", randomMatrix(rng, 200, 200, -matching.MaxWeight, matching.MaxWeight)},
		{"constant", constMatrix(7, 7, 4)},
		{"zero", constMatrix(5, 8, 0)},
		{"binary ties", randomMatrix(rng, 30, 30, 0, 1)},
		{"three values", randomMatrix(rng, 25, 40, -1, 1)},
		{"negative", randomMatrix(rng, 20, 20, -1000, -1)},
		{"extreme", randomMatrix(rng, 10, 10, -matching.MaxWeight, matching.MaxWeight)},
		{"distances", distanceMatrix(rng, 60, 60)},
		{"distances rectangular", distanceMatrix(rng, 40, 90)},
		{"distances tall", distanceMatrix(rng, 90, 40)},
		{"row of one", randomMatrix(rng, 1, 9, 0, 100)},
		{"column of one", randomMatrix(rng, 9, 1, 0, 100)},
	}
	for _, tt := range tests {
		for _, maximize := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/maximize=%v", tt.name, maximize), func(t *testing.T) {
				want := hungarianMin(tt.c)
				if maximize {
					want = -hungarianMin(negate(tt.c))
				}
				for _, s := range denseSolvers {
					got, err := s.solve(tt.c, maximize)
					if err != nil {
						t.Fatal(err)
					}
					if got.Total != want {
						t.Errorf("%s: total = %d, want %d", s.name, got.Total, want)
					}
					checkDense(t, tt.c, maximize, got)
				}
			})
		}
	}
}

// TestAssignDense_Distances compares AssignDense with the Hungarian
// algorithm on square geometric instances, which usually need several
// rounds of growing the sparse subgraph (restarted from the previous
// solution).
func TestAssignDense_Distances(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for k := range 6 {
		n := 130 + rng.IntN(90)
		c := distanceMatrix(rng, n, n)
		got, err := matching.AssignDense(c, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := hungarianMin(c); got.Total != want {
			t.Errorf("instance %d (%d×%d): total = %d, want %d", k, n, n, got.Total, want)
		}
		checkDense(t, c, false, got)
	}
}

// TestAssignDense_SparseFirst pins down which path AssignDense takes, so
// that the tests above exercise both.
func TestAssignDense_SparseFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tests := []struct {
		name string
		c    [][]int64
		want bool
	}{
		{"uniform", randomMatrix(rng, 300, 300, 1, 1_000_000), true},
		{"distances", distanceMatrix(rng, 300, 300), true},
		{"constant", constMatrix(300, 300, 1), true},
		{"rectangular", randomMatrix(rng, 150, 400, 1, 1000), true},
		{"column costs", columnCostMatrix(300, 300), true},
		{"too small", randomMatrix(rng, 40, 40, 1, 1000), false},
		{"too wide a range", randomMatrix(rng, 300, 300, -matching.MaxWeight, matching.MaxWeight), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matching.DenseSparseFirstSettles(tt.c); got != tt.want {
				t.Errorf("settles on a sparse subgraph = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAssignDense_Cases(t *testing.T) {
	tests := []struct {
		name     string
		c        [][]int64
		maximize bool
		want     matching.DenseAssignment
	}{
		{name: "empty", c: nil, want: matching.DenseAssignment{}},
		{
			name: "no columns", c: [][]int64{{}, {}},
			want: matching.DenseAssignment{Cols: []int{-1, -1}, RowDual: []int64{0, 0}},
		},
		{
			name: "one entry", c: [][]int64{{-4}},
			want: matching.DenseAssignment{Cols: []int{0}, Total: -4},
		},
		{
			name: "SciPy documentation example", c: [][]int64{{4, 1, 3}, {2, 0, 5}, {3, 2, 2}},
			want: matching.DenseAssignment{Cols: []int{1, 0, 2}, Total: 5},
		},
		{
			name: "SciPy example maximised", c: [][]int64{{4, 1, 3}, {2, 0, 5}, {3, 2, 2}}, maximize: true,
			want: matching.DenseAssignment{Cols: []int{0, 2, 1}, Total: 11},
		},
		{
			name: "more rows than columns", c: [][]int64{{5, 9}, {1, 8}, {7, 2}},
			want: matching.DenseAssignment{Cols: []int{-1, 0, 1}, Total: 3},
		},
		{
			name: "more columns than rows", c: [][]int64{{5, 1, 9}, {4, 0, 8}},
			want: matching.DenseAssignment{Cols: []int{1, 0}, Total: 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range denseSolvers {
				got, err := s.solve(tt.c, tt.maximize)
				if err != nil {
					t.Fatal(err)
				}
				opts := []cmp.Option{cmpopts.EquateEmpty()}
				if tt.want.RowDual == nil {
					// Optimal duals are not unique; checkDense verifies them.
					opts = append(opts, cmpopts.IgnoreFields(matching.DenseAssignment{}, "RowDual", "ColDual"))
				}
				if diff := cmp.Diff(tt.want, got, opts...); diff != "" {
					t.Errorf("%s (-want +got):\n%s", s.name, diff)
				}
				checkDense(t, tt.c, tt.maximize, got)
			}
		})
	}
}

func TestAssignDense_Invalid(t *testing.T) {
	tests := []struct {
		name string
		c    [][]int64
	}{
		{"ragged", [][]int64{{1, 2}, {3}}},
		{"too large", [][]int64{{matching.MaxWeight + 1}}},
		{"too small", [][]int64{{0, -matching.MaxWeight - 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := matching.AssignDense(tt.c, false)
			if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
				t.Errorf("error code = %q (%v), want %q", got, err, want)
			}
		})
	}
}

// TestAssign_Certificate checks optimality by LP duality on instances too
// large for the other oracles: random sparse graphs with capacities and
// generated cities.
func TestAssign_Certificate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tests := []struct {
		name string
		g    matching.Graph
	}{
		{"sparse random", randomGraph(rng, 200, 600, 3000, 3, -50, 1000)},
		{"sparse random unit capacities", randomGraph(rng, 500, 500, 2500, 1, 1, 100)},
		{"sparse random with ties", randomGraph(rng, 300, 300, 4000, 4, 0, 3)},
		{"left side scarce", randomGraph(rng, 800, 100, 4000, 2, 1, 10_000)},
		{"weights spanning 2^40", randomGraph(rng, 300, 400, 5000, 3, 1, matching.MaxWeight)},
		{"high degree", randomGraph(rng, 20, 2000, 20000, 5, 1, 1_000_000)},
		{"city of 1000 volunteers", matching.GenerateCity(matching.CityConfig{Volunteers: 1000, Seed: 1})},
		{"city of 3000 volunteers, 10 candidates", matching.GenerateCity(matching.CityConfig{Volunteers: 3000, Candidates: 10, Seed: 2})},
		{"city with more needs than volunteers", matching.GenerateCity(matching.CityConfig{Volunteers: 1500, Needs: 2000, Seed: 3})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matching.Assign(tt.g)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Edges) == 0 {
				t.Fatal("nothing assigned")
			}
			checkFeasible(t, tt.g, got)
			checkCertificate(t, tt.g, got)
			greedy, err := matching.Greedy(tt.g)
			if err != nil {
				t.Fatal(err)
			}
			checkFeasible(t, tt.g, greedy)
			if greedy.Total > got.Total {
				t.Errorf("greedy total %d beats the optimum %d", greedy.Total, got.Total)
			}
		})
	}
}

// TestAssign_CertificateDetectsSuboptimal makes sure the certificate check
// is able to fail: the greedy trap instance with the greedy solution's
// total and the optimal duals must not pass.
func TestAssign_CertificateDetectsSuboptimal(t *testing.T) {
	g := matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{{0, 0, 3}, {0, 1, 2}, {1, 0, 2}}}
	opt, err := matching.Assign(g)
	if err != nil {
		t.Fatal(err)
	}
	greedy, err := matching.Greedy(g)
	if err != nil {
		t.Fatal(err)
	}
	greedy.LeftDual, greedy.RightDual = opt.LeftDual, opt.RightDual
	if got, want := certificateGap(g, greedy), opt.Total-greedy.Total; got != want {
		t.Errorf("gap = %d, want %d", got, want)
	}
}

func TestGreedy(t *testing.T) {
	tests := []struct {
		name      string
		g         matching.Graph
		wantEdges []int
		wantTotal int64
	}{
		{name: "empty", g: matching.Graph{}},
		{
			name: "takes the heaviest edge first",
			g: matching.Graph{NLeft: 2, NRight: 2, Edges: []matching.Edge{
				{0, 0, 3}, {0, 1, 2}, {1, 0, 2},
			}},
			wantEdges: []int{0}, wantTotal: 3,
		},
		{
			name: "ties go to the lower index",
			g: matching.Graph{NLeft: 2, NRight: 1, Edges: []matching.Edge{
				{1, 0, 5}, {0, 0, 5},
			}},
			wantEdges: []int{0}, wantTotal: 5,
		},
		{
			name: "respects capacities and skips non-positive weights",
			g: matching.Graph{
				NLeft: 2, NRight: 2, LeftCap: []int{2, 1}, RightCap: []int{1, 2},
				Edges: []matching.Edge{{0, 0, 9}, {0, 1, 8}, {1, 0, 7}, {1, 1, 0}},
			},
			wantEdges: []int{0, 1}, wantTotal: 17,
		},
		{
			name: "weights above 2^32 sort correctly",
			g: matching.Graph{NLeft: 1, NRight: 3, Edges: []matching.Edge{
				{0, 0, 1 << 33}, {0, 1, 1<<33 + 1}, {0, 2, 1 << 32},
			}},
			wantEdges: []int{1}, wantTotal: 1<<33 + 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := matching.Greedy(tt.g)
			if err != nil {
				t.Fatal(err)
			}
			want := matching.Assignment{Edges: tt.wantEdges, Total: tt.wantTotal}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestGenerateCity_Deterministic(t *testing.T) {
	cfg := matching.CityConfig{Volunteers: 300, Seed: 42}
	g := matching.GenerateCity(cfg)
	if diff := cmp.Diff(g, matching.GenerateCity(cfg)); diff != "" {
		t.Fatalf("same seed, different city (-first +second):\n%s", diff)
	}
	if other := matching.GenerateCity(matching.CityConfig{Volunteers: 300, Seed: 43}); cmp.Equal(g, other) {
		t.Error("different seeds gave the same city")
	}
}

func TestGenerateCity(t *testing.T) {
	g := matching.GenerateCity(matching.CityConfig{Volunteers: 2000, Seed: 42})
	if g.NLeft != 400 || g.NRight != 2000 {
		t.Errorf("size = %d×%d, want 400×2000", g.NLeft, g.NRight)
	}
	perVolunteer := make([]int, g.NRight)
	type pair struct{ l, r int }
	seen := map[pair]bool{}
	for _, e := range g.Edges {
		perVolunteer[e.R]++
		if e.W <= 0 || e.W > 100_000 {
			t.Fatalf("weight %d outside (0, 100000]", e.W)
		}
		if seen[pair{e.L, e.R}] {
			t.Fatalf("duplicate edge %d–%d", e.L, e.R)
		}
		seen[pair{e.L, e.R}] = true
	}
	full, some := 0, 0
	for _, n := range perVolunteer {
		if n > 50 {
			t.Fatalf("a volunteer has %d candidates, more than 50", n)
		}
		if n == 50 {
			full++
		}
		if n >= 10 {
			some++
		}
	}
	// A small city has only 400 needs, so many volunteers find fewer
	// than 50 compatible ones nearby; most still find 10.
	if full < g.NRight/10 || some < g.NRight/2 {
		t.Errorf("%d of %d volunteers have 50 candidates and %d at least 10", full, g.NRight, some)
	}
	for _, c := range append(append([]int{}, g.LeftCap...), g.RightCap...) {
		if c < 1 || c > 3 {
			t.Fatalf("capacity %d outside 1–3", c)
		}
	}
}

// randomGraph returns a graph with m distinct random pairs, capacities in
// 1..maxCap and weights in [lo, hi].
func randomGraph(rng *rand.Rand, nl, nr, m, maxCap int, lo, hi int64) matching.Graph {
	g := matching.Graph{NLeft: nl, NRight: nr, LeftCap: make([]int, nl), RightCap: make([]int, nr)}
	for i := range g.LeftCap {
		g.LeftCap[i] = 1 + rng.IntN(maxCap)
	}
	for i := range g.RightCap {
		g.RightCap[i] = 1 + rng.IntN(maxCap)
	}
	m = min(m, nl*nr)
	for _, k := range rng.Perm(nl * nr)[:m] {
		g.Edges = append(g.Edges, matching.Edge{L: k / nr, R: k % nr, W: lo + rng.Int64N(hi-lo+1)})
	}
	return g
}

func randomMatrix(rng *rand.Rand, n, m int, lo, hi int64) [][]int64 {
	c := make([][]int64, n)
	for i := range c {
		c[i] = make([]int64, m)
		for j := range c[i] {
			c[i][j] = lo + rng.Int64N(hi-lo+1)
		}
	}
	return c
}

func constMatrix(n, m int, v int64) [][]int64 {
	c := make([][]int64, n)
	for i := range c {
		c[i] = make([]int64, m)
		for j := range c[i] {
			c[i][j] = v
		}
	}
	return c
}

// distanceMatrix returns rounded distances between n and m random points in
// a 1000 × 1000 square.
func distanceMatrix(rng *rand.Rand, n, m int) [][]int64 {
	type pt struct{ x, y int64 }
	ps := make([]pt, n)
	qs := make([]pt, m)
	for i := range ps {
		ps[i] = pt{rng.Int64N(1000), rng.Int64N(1000)}
	}
	for j := range qs {
		qs[j] = pt{rng.Int64N(1000), rng.Int64N(1000)}
	}
	c := make([][]int64, n)
	for i, p := range ps {
		c[i] = make([]int64, m)
		for j, q := range qs {
			dx, dy := p.x-q.x, p.y-q.y
			c[i][j] = int64(math.Round(math.Sqrt(float64(dx*dx + dy*dy))))
		}
	}
	return c
}

// columnCostMatrix has c[i][j] = j: every row prefers the same columns.
func columnCostMatrix(n, m int) [][]int64 {
	c := make([][]int64, n)
	for i := range c {
		c[i] = make([]int64, m)
		for j := range c[i] {
			c[i][j] = int64(j)
		}
	}
	return c
}

func negate(c [][]int64) [][]int64 {
	out := make([][]int64, len(c))
	for i, row := range c {
		out[i] = make([]int64, len(row))
		for j, v := range row {
			out[i][j] = -v
		}
	}
	return out
}

// bruteForce returns the best total over every feasible subset of edges,
// by depth-first search with capacity pruning.
func bruteForce(g matching.Graph) int64 {
	remL := make([]int, g.NLeft)
	for i := range remL {
		remL[i] = capacity(g.LeftCap, i)
	}
	remR := make([]int, g.NRight)
	for i := range remR {
		remR[i] = capacity(g.RightCap, i)
	}
	var best int64
	var search func(i int, total int64)
	search = func(i int, total int64) {
		if i == len(g.Edges) {
			best = max(best, total)
			return
		}
		search(i+1, total)
		e := g.Edges[i]
		if remL[e.L] > 0 && remR[e.R] > 0 {
			remL[e.L]--
			remR[e.R]--
			search(i+1, total+e.W)
			remL[e.L]++
			remR[e.R]++
		}
	}
	search(0, 0)
	return best
}

// hungarianMin is the textbook O(n²m) Hungarian algorithm with potentials
// (rows ≤ columns, after transposing if needed); it returns the minimum
// total cost of assigning every row of the smaller side.
func hungarianMin(a [][]int64) int64 {
	n := len(a)
	if n == 0 || len(a[0]) == 0 {
		return 0
	}
	m := len(a[0])
	if n > m {
		t := make([][]int64, m)
		for j := range t {
			t[j] = make([]int64, n)
			for i := range n {
				t[j][i] = a[i][j]
			}
		}
		return hungarianMin(t)
	}
	const inf = int64(1) << 62
	u := make([]int64, n+1)
	v := make([]int64, m+1)
	p := make([]int, m+1) // p[j]: row (1-based) matched to column j
	way := make([]int, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]int64, m+1)
		used := make([]bool, m+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := a[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	var total int64
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			total += a[p[j]-1][j-1]
		}
	}
	return total
}

func capacity(caps []int, i int) int {
	if caps == nil {
		return 1
	}
	return caps[i]
}

// checkFeasible verifies that a chooses distinct positive edges within
// capacities and that its total is their sum.
func checkFeasible(t *testing.T, g matching.Graph, a matching.Assignment) {
	t.Helper()
	loadL := make([]int, g.NLeft)
	loadR := make([]int, g.NRight)
	var total int64
	for k, i := range a.Edges {
		if i < 0 || i >= len(g.Edges) {
			t.Fatalf("edge index %d out of range", i)
		}
		if k > 0 && a.Edges[k-1] >= i {
			t.Fatalf("edge indices not strictly ascending: %v", a.Edges)
		}
		e := g.Edges[i]
		if e.W <= 0 {
			t.Fatalf("edge %d with weight %d chosen", i, e.W)
		}
		loadL[e.L]++
		loadR[e.R]++
		total += e.W
	}
	for l, n := range loadL {
		if n > capacity(g.LeftCap, l) {
			t.Fatalf("left node %d has %d edges, capacity %d", l, n, capacity(g.LeftCap, l))
		}
	}
	for r, n := range loadR {
		if n > capacity(g.RightCap, r) {
			t.Fatalf("right node %d has %d edges, capacity %d", r, n, capacity(g.RightCap, r))
		}
	}
	if total != a.Total {
		t.Fatalf("total = %d, but the chosen edges sum to %d", a.Total, total)
	}
}

// certificateGap returns the dual objective of a's duals minus a.Total.
// Duals are non-negative by construction of the check; weak duality makes
// the dual objective an upper bound on every feasible total, so a gap of
// 0 proves a optimal.
func certificateGap(g matching.Graph, a matching.Assignment) int64 {
	var dual int64
	for l, y := range a.LeftDual {
		dual += int64(capacity(g.LeftCap, l)) * y
	}
	for r, z := range a.RightDual {
		dual += int64(capacity(g.RightCap, r)) * z
	}
	for _, e := range g.Edges {
		dual += max(0, e.W-a.LeftDual[e.L]-a.RightDual[e.R])
	}
	return dual - a.Total
}

// checkCertificate verifies the LP duality certificate of an Assignment:
// non-negative duals whose objective equals the primal total.
func checkCertificate(t *testing.T, g matching.Graph, a matching.Assignment) {
	t.Helper()
	if len(a.LeftDual) != g.NLeft || len(a.RightDual) != g.NRight {
		t.Fatalf("duals have lengths %d and %d, want %d and %d", len(a.LeftDual), len(a.RightDual), g.NLeft, g.NRight)
	}
	for l, y := range a.LeftDual {
		if y < 0 {
			t.Fatalf("LeftDual[%d] = %d < 0", l, y)
		}
	}
	for r, z := range a.RightDual {
		if z < 0 {
			t.Fatalf("RightDual[%d] = %d < 0", r, z)
		}
	}
	if gap := certificateGap(g, a); gap != 0 {
		t.Fatalf("dual objective − total = %d, want 0", gap)
	}
}

// checkDense verifies a DenseAssignment: a valid assignment of the smaller
// side, its total, and dual feasibility with a zero duality gap.
func checkDense(t *testing.T, c [][]int64, maximize bool, d matching.DenseAssignment) {
	t.Helper()
	n := len(c)
	m := 0
	if n > 0 {
		m = len(c[0])
	}
	if len(d.Cols) != n || len(d.RowDual) != n || len(d.ColDual) != m {
		t.Fatalf("lengths %d, %d, %d; want %d, %d, %d", len(d.Cols), len(d.RowDual), len(d.ColDual), n, n, m)
	}
	sign := int64(1) // turn a maximisation into a minimisation
	if maximize {
		sign = -1
	}
	taken := make([]bool, m)
	var total, dual int64
	assigned := 0
	for i, j := range d.Cols {
		if j < 0 {
			continue
		}
		if j >= m || taken[j] {
			t.Fatalf("row %d: column %d out of range or taken twice", i, j)
		}
		taken[j] = true
		assigned++
		total += c[i][j]
		if d.RowDual[i]+d.ColDual[j] != c[i][j] {
			t.Fatalf("assigned entry (%d,%d) is not tight", i, j)
		}
	}
	if assigned != min(n, m) {
		t.Fatalf("%d assigned, want %d", assigned, min(n, m))
	}
	if total != d.Total {
		t.Fatalf("total = %d, entries sum to %d", d.Total, total)
	}
	for i := range n {
		dual += d.RowDual[i]
		for j := range m {
			if sign*(c[i][j]-d.RowDual[i]-d.ColDual[j]) < 0 {
				t.Fatalf("dual constraint (%d,%d) violated", i, j)
			}
		}
	}
	for _, v := range d.ColDual {
		dual += v
	}
	// On a rectangular matrix, the larger side's duals must have the sign
	// of an inequality constraint and vanish where unassigned.
	if n < m {
		for j, v := range d.ColDual {
			if sign*v > 0 || (!taken[j] && v != 0) {
				t.Fatalf("ColDual[%d] = %d has the wrong sign or is not 0 on a free column", j, v)
			}
		}
	}
	if n > m {
		for i, v := range d.RowDual {
			if sign*v > 0 || (d.Cols[i] < 0 && v != 0) {
				t.Fatalf("RowDual[%d] = %d has the wrong sign or is not 0 on a free row", i, v)
			}
		}
	}
	if dual != total {
		t.Fatalf("dual objective %d ≠ total %d", dual, total)
	}
}
