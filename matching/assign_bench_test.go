package matching_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tongban/tongban/matching"
)

// cities caches generated cities by volunteer count: generating the 100k
// one takes a few seconds and is not what is measured.
var cities sync.Map

func city(volunteers int) matching.Graph {
	if g, ok := cities.Load(volunteers); ok {
		return g.(matching.Graph)
	}
	g := matching.GenerateCity(matching.CityConfig{Volunteers: volunteers, Seed: 1})
	cities.Store(volunteers, g)
	return g
}

// BenchmarkAssignCity is the growth curve on generated cities (needs =
// volunteers/5, at most 50 candidates per volunteer). Besides time and
// allocations of Assign it reports the greedy baseline measured in the same
// run: its time per op, Assign's time over it, and its total score over
// Assign's.
func BenchmarkAssignCity(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		g := city(n)
		b.Run(fmt.Sprintf("volunteers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var opt, gr matching.Assignment
			var greedy time.Duration
			var err error
			for i := 0; i < b.N; i++ {
				if opt, err = matching.Assign(g); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				t0 := time.Now()
				if gr, err = matching.Greedy(g); err != nil {
					b.Fatal(err)
				}
				greedy += time.Since(t0)
				b.StartTimer()
			}
			b.ReportMetric(float64(len(g.Edges)), "edges")
			b.ReportMetric(float64(greedy.Nanoseconds())/float64(b.N), "greedy-ns/op")
			b.ReportMetric(float64(b.Elapsed())/float64(greedy), "time/greedy")
			b.ReportMetric(float64(gr.Total)/float64(opt.Total), "greedy-score/optimal")
		})
	}
}

// BenchmarkAssignDense covers the dense instances of the SciPy comparison
// (cmd/matchbench runs the comparison itself).
func BenchmarkAssignDense(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		c    [][]int64
	}{
		{"uniform-1000", randomMatrix(rng, 1000, 1000, 1, 1_000_000)},
		{"uniform-2000", randomMatrix(rng, 2000, 2000, 1, 1_000_000)},
		{"distance-2000", distanceMatrix(rng, 2000, 2000)},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := matching.AssignDense(tt.c, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAssignSparseFull is the sparse instance of the SciPy comparison:
// 20,000 rows, 100,000 columns, 50 random candidates per row (one of them
// from a random injection, so that every row can be matched), costs uniform
// in 1..10^6, solved as a maximum-weight assignment of weights M − cost.
func BenchmarkAssignSparseFull(b *testing.B) {
	const rows, cols, k = 20_000, 100_000, 50
	rng := rand.New(rand.NewPCG(2, 2))
	g := matching.Graph{NLeft: rows, NRight: cols}
	perm := rng.Perm(cols)
	const m = rows*1_000_000 + 1
	for i := range rows {
		seen := map[int]bool{perm[i]: true}
		g.Edges = append(g.Edges, matching.Edge{L: i, R: perm[i], W: m - 1 - rng.Int64N(1_000_000)})
		for len(seen) < k {
			j := rng.IntN(cols)
			if !seen[j] {
				seen[j] = true
				g.Edges = append(g.Edges, matching.Edge{L: i, R: j, W: m - 1 - rng.Int64N(1_000_000)})
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := matching.Assign(g)
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Edges) != rows {
			b.Fatalf("%d rows matched, want %d", len(a.Edges), rows)
		}
	}
}
