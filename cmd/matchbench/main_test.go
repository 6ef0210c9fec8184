package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/matching"
)

func TestRun_Growth(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-mode", "growth", "-sizes", "300,600", "-reps", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for line := range strings.SplitSeq(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "300" || f[0] == "600") {
			rows = append(rows, f[0]+" "+f[1])
		}
	}
	if diff := cmp.Diff([]string{"300 60", "600 120"}, rows); diff != "" {
		t.Errorf("growth rows (-want +got):\n%s\n%s", diff, out.String())
	}
}

func TestRun_BadFlags(t *testing.T) {
	tests := [][]string{
		{"-mode", "nope"},
		{"-sizes", "10,x"},
		{"-sizes", "0"},
		{"-reps", "0"},
		{"-unknown"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if err := run(context.Background(), args, io.Discard); err == nil {
				t.Error("no error")
			}
		})
	}
}

// readInstance mirrors the reader of scripts/scipy_bench.py.
func readInstance(t *testing.T, path string) (rows, cols int, dense [][]int64, sparse []matching.Edge) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:8]) != "TBASSIGN" {
		t.Fatalf("magic %q", b[:8])
	}
	b = b[8:]
	i64 := func() int64 {
		v := int64(binary.LittleEndian.Uint64(b))
		b = b[8:]
		return v
	}
	kind, r, c := i64(), int(i64()), int(i64())
	switch kind {
	case kindDense:
		dense = make([][]int64, r)
		for i := range dense {
			dense[i] = make([]int64, c)
			for j := range dense[i] {
				dense[i][j] = i64()
			}
		}
	case kindSparse:
		nnz := int(i64())
		indptr := make([]int64, r+1)
		for i := range indptr {
			indptr[i] = i64()
		}
		indices := make([]int, nnz)
		for k := range indices {
			indices[k] = int(binary.LittleEndian.Uint32(b))
			b = b[4:]
		}
		for i := range r {
			for k := indptr[i]; k < indptr[i+1]; k++ {
				sparse = append(sparse, matching.Edge{L: i, R: indices[k]})
			}
		}
		for k := range sparse {
			sparse[k].W = i64()
		}
	default:
		t.Fatalf("kind %d", kind)
	}
	if len(b) != 0 {
		t.Fatalf("%d trailing bytes", len(b))
	}
	return r, c, dense, sparse
}

func TestWriteInstance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	tests := []*instance{
		{name: "uniform", rows: 3, cols: 4, dense: uniformDense(rng, 3, 4)},
		{name: "distance", rows: 5, cols: 5, dense: distanceDense(rng, 5, 5)},
		{name: "sparse", rows: 20, cols: 70, sparse: sparseInstance(rng, 20, 70, 6)},
	}
	for _, in := range tests {
		t.Run(in.name, func(t *testing.T) {
			in.file = filepath.Join(dir, in.name)
			if err := writeInstance(in); err != nil {
				t.Fatal(err)
			}
			rows, cols, dense, sparse := readInstance(t, in.file)
			want := []any{in.rows, in.cols, in.dense, in.sparse}
			if diff := cmp.Diff(want, []any{rows, cols, dense, sparse}); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSolveOurs_Sparse checks the big-M reduction of the sparse instance
// against AssignDense on the same costs, missing entries priced out.
func TestSolveOurs_Sparse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := range 20 {
		rows, cols := 5+rng.IntN(30), 40+rng.IntN(40)
		in := &instance{rows: rows, cols: cols, sparse: sparseInstance(rng, rows, cols, 1+rng.IntN(6))}
		got, err := solveOurs(in, 1)
		if err != nil {
			t.Fatal(err)
		}
		c := make([][]int64, rows)
		for i := range c {
			c[i] = make([]int64, cols)
			for j := range c[i] {
				c[i][j] = matching.MaxWeight // more than all real costs together
			}
		}
		for _, e := range in.sparse {
			c[e.L][e.R] = e.W
		}
		want, err := matching.AssignDense(c, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.total != want.Total {
			t.Errorf("instance %d: total = %d, want %d", k, got.total, want.Total)
		}
	}
}

func TestSparseInstance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	edges := sparseInstance(rng, 100, 300, 7)
	perRow := make([]int, 100)
	for _, e := range edges {
		perRow[e.L]++
		if e.W < 1 || e.W > 1_000_000 {
			t.Fatalf("cost %d outside 1..10^6", e.W)
		}
	}
	for i, n := range perRow {
		if n != 7 {
			t.Fatalf("row %d has %d candidates, want 7", i, n)
		}
	}
}

func TestRun_E2E(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-mode", "e2e", "-sizes", "500,1000", "-reps", "2"}, &out); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for line := range strings.SplitSeq(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 && (f[0] == "500" || f[0] == "1000") && f[1] != "volunteers:" {
			rows = append(rows, f[0]+" "+f[1])
		}
	}
	if diff := cmp.Diff([]string{"500 100", "1000 200"}, rows); diff != "" {
		t.Errorf("e2e rows (-want +got):\n%s\n%s", diff, out.String())
	}
	for _, want := range []string{"candidates+scoring", "Greedy/Assign score", "peak RSS of the whole process"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
