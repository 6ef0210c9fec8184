// Command matchbench measures the optimal assignment solvers of package
// matching.
//
//	go run ./cmd/matchbench [-mode all|growth|scipy] [-reps 5] ...
//
// Mode growth times matching.Assign and the matching.Greedy baseline on
// generated cities of 1k, 10k and 100k volunteers (-sizes; needs =
// volunteers/5 unless -needs is set; at most 50 candidates per volunteer)
// and prints the growth curve with the greedy ratios (time and total score)
// and the allocations of one Assign call, measured in the same run.
//
// Mode e2e runs the whole matching pipeline of a batch run on generated
// people (matching.GeneratePeople: real Need and Volunteer profiles with
// availability slots, subjects, grades, modes and township centroids of
// the geo register) for the same -sizes (needs = volunteers/5): candidate
// generation and scoring with the real Scorer (Scorer.Candidates, 50 per
// need), the sparse graph, matching.Assign and the explanations of the
// chosen pairs, -reps times, and prints the run with the median end-to-end
// time per stage, the pairs scored, the matching.Greedy baseline on the
// same graph (time and total score) and the peak RSS of the process.
//
// Mode scipy writes four instances to files in a temporary directory (dense
// 1000×1000 and 2000×2000 with uniform costs, 2000×2000 with distance
// costs, and a sparse 20,000×100,000 one with 50 candidates per row), solves
// them with matching.AssignDense and matching.Assign, runs
// scripts/scipy_bench.py on the same files (SciPy's linear_sum_assignment and
// min_weight_full_bipartite_matching), checks both find the same optimum and
// prints the times side by side. Run it from the repository root, or set
// -script.
//
// Times are the best of -reps runs of the solver call alone; inputs are
// already in memory on both sides.
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tongban/tongban/matching"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "matchbench:", err)
		os.Exit(1)
	}
}

type config struct {
	mode   string
	reps   int
	sizes  []int
	needs  int
	seed   uint64
	python string
	script string
	dir    string
	keep   bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("matchbench", flag.ContinueOnError)
	var cfg config
	var sizes string
	fs.StringVar(&cfg.mode, "mode", "all", "what to measure: all, growth, e2e or scipy")
	fs.IntVar(&cfg.reps, "reps", 5, "runs per measurement; the best is reported")
	fs.StringVar(&sizes, "sizes", "1000,10000,100000", "growth curve: volunteers per city, comma separated")
	fs.IntVar(&cfg.needs, "needs", 0, "growth curve: needs per city (default volunteers/5)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the generated instances")
	fs.StringVar(&cfg.python, "python", "/usr/bin/python3", "Python interpreter with SciPy")
	fs.StringVar(&cfg.script, "script", "scripts/scipy_bench.py", "the SciPy side of the comparison")
	fs.StringVar(&cfg.dir, "dir", "", "directory for instance files (default: a new temporary directory)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the instance files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for f := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad -sizes entry %q", f)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	if cfg.reps < 1 {
		return errors.New("-reps must be at least 1")
	}
	printMachine(out)
	switch cfg.mode {
	case "all":
		if err := growth(cfg, out); err != nil {
			return err
		}
		if err := e2e(cfg, out); err != nil {
			return err
		}
		return sideBySide(ctx, cfg, out)
	case "growth":
		return growth(cfg, out)
	case "e2e":
		return e2e(cfg, out)
	case "scipy":
		return sideBySide(ctx, cfg, out)
	}
	return fmt.Errorf("unknown -mode %q", cfg.mode)
}

func printMachine(out io.Writer) {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	fmt.Fprintf(out, "machine: %d CPUs (%s), GOMAXPROCS=%d, %s %s/%s\n\n",
		runtime.NumCPU(), model, runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// measure runs f reps times and returns the best and the median duration.
func measure(reps int, f func()) (best, median time.Duration) {
	ds := make([]time.Duration, reps)
	for i := range ds {
		runtime.GC()
		t0 := time.Now()
		f()
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	return ds[0], ds[len(ds)/2]
}

// allocs returns the bytes and objects allocated by one call of f.
func allocs(f func()) (bytes, objects uint64) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc, b.Mallocs - a.Mallocs
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func growth(cfg config, out io.Writer) error {
	fmt.Fprintf(out, "Growth curve: matching.Assign vs matching.Greedy on generated cities (best of %d)\n\n", cfg.reps)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "volunteers\tneeds\tedges\tAssign\t(median)\tGreedy\tAssign/Greedy time\tAssign total\tGreedy total\tGreedy/Assign score\tAssign alloc\t")
	for _, n := range cfg.sizes {
		g := matching.GenerateCity(matching.CityConfig{Volunteers: n, Needs: cfg.needs, Seed: cfg.seed})
		var opt, gr matching.Assignment
		var err error
		bestA, medA := measure(cfg.reps, func() { opt, err = matching.Assign(g) })
		if err != nil {
			return err
		}
		bestG, _ := measure(cfg.reps, func() { gr, err = matching.Greedy(g) })
		if err != nil {
			return err
		}
		bytes, objects := allocs(func() { _, _ = matching.Assign(g) })
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%.2f×\t%d\t%d\t%.4f\t%.1f MiB, %d objects\t\n",
			n, g.NLeft, len(g.Edges), ms(bestA), ms(medA), ms(bestG),
			float64(bestA)/float64(bestG), opt.Total, gr.Total,
			float64(gr.Total)/float64(opt.Total), float64(bytes)/(1<<20), objects)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}

// instance is one side-by-side problem: a dense matrix or a sparse one.
type instance struct {
	name       string
	rows, cols int
	dense      [][]int64
	sparse     []matching.Edge // L = row, R = column, W = cost
	file       string
}

func sideBySide(ctx context.Context, cfg config, out io.Writer) error {
	dir := cfg.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "matchbench-*")
		if err != nil {
			return err
		}
		dir = d
		if !cfg.keep {
			defer os.RemoveAll(dir)
		}
	}
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5c1f7))
	insts := []*instance{
		{name: "dense uniform 1000×1000", rows: 1000, cols: 1000, dense: uniformDense(rng, 1000, 1000)},
		{name: "dense uniform 2000×2000", rows: 2000, cols: 2000, dense: uniformDense(rng, 2000, 2000)},
		{name: "dense distance 2000×2000", rows: 2000, cols: 2000, dense: distanceDense(rng, 2000, 2000)},
		{name: "sparse 20000×100000, 50/row", rows: 20000, cols: 100000, sparse: sparseInstance(rng, 20000, 100000, 50)},
	}
	var files []string
	for i, in := range insts {
		in.file = filepath.Join(dir, fmt.Sprintf("instance%d.bin", i))
		if err := writeInstance(in); err != nil {
			return err
		}
		files = append(files, in.file)
	}
	fmt.Fprintf(out, "Side by side with SciPy (instance files in %s, best of %d)\n\n", dir, cfg.reps)

	ours := make([]result, len(insts))
	for i, in := range insts {
		r, err := solveOurs(in, cfg.reps)
		if err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		ours[i] = r
	}
	theirs, version, err := solveSciPy(ctx, cfg, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "SciPy: %s\n\n", version)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "instance\tmatching\t(median)\tSciPy\t(median)\tSciPy/matching\toptimum\tsame optimum\t")
	mismatch := false
	for i, in := range insts {
		o, s := ours[i], theirs[in.file]
		same := o.total == s.total
		mismatch = mismatch || !same
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f×\t%d\t%s\t\n", in.name, ms(o.best), ms(o.median),
			ms(s.best), ms(s.median), float64(s.best)/float64(o.best), o.total, yesNo(same, s.total))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if mismatch {
		return errors.New("optima differ")
	}
	return nil
}

func yesNo(same bool, other int64) string {
	if same {
		return "yes"
	}
	return fmt.Sprintf("NO (SciPy %d)", other)
}

type result struct {
	total        int64
	best, median time.Duration
}

// solveOurs solves in with AssignDense, or for a sparse instance with
// Assign on weights M − cost, M = rows·max cost + 1: every full matching
// then outweighs every smaller one, so the maximum-weight assignment is the
// minimum-cost full matching, of cost rows·M − weight.
func solveOurs(in *instance, reps int) (result, error) {
	var r result
	var err error
	if in.dense != nil {
		var a matching.DenseAssignment
		r.best, r.median = measure(reps, func() { a, err = matching.AssignDense(in.dense, false) })
		r.total = a.Total
		return r, err
	}
	var maxC int64
	for _, e := range in.sparse {
		maxC = max(maxC, e.W)
	}
	m := int64(in.rows)*maxC + 1
	g := matching.Graph{NLeft: in.rows, NRight: in.cols, Edges: make([]matching.Edge, len(in.sparse))}
	for i, e := range in.sparse {
		g.Edges[i] = matching.Edge{L: e.L, R: e.R, W: m - e.W}
	}
	var a matching.Assignment
	r.best, r.median = measure(reps, func() { a, err = matching.Assign(g) })
	if err != nil {
		return r, err
	}
	if len(a.Edges) != in.rows {
		return r, fmt.Errorf("only %d of %d rows matched", len(a.Edges), in.rows)
	}
	r.total = int64(in.rows)*m - a.Total
	return r, nil
}

func solveSciPy(ctx context.Context, cfg config, files []string) (map[string]result, string, error) {
	args := append([]string{cfg.script, "--reps", strconv.Itoa(cfg.reps)}, files...)
	cmd := exec.CommandContext(ctx, cfg.python, args...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", cfg.python, cfg.script, err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var ver struct{ SciPy, NumPy, Python string }
	if err := json.Unmarshal([]byte(lines[0]), &ver); err != nil {
		return nil, "", fmt.Errorf("scipy_bench.py output: %w", err)
	}
	res := map[string]result{}
	for _, line := range lines[1:] {
		var r struct {
			File   string
			Total  int64
			TimesS []float64 `json:"times_s"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, "", fmt.Errorf("scipy_bench.py output: %w", err)
		}
		ds := make([]time.Duration, len(r.TimesS))
		for i, s := range r.TimesS {
			ds[i] = time.Duration(s * float64(time.Second))
		}
		slices.Sort(ds)
		res[r.File] = result{total: r.Total, best: ds[0], median: ds[len(ds)/2]}
	}
	return res, fmt.Sprintf("scipy %s, numpy %s, python %s", ver.SciPy, ver.NumPy, ver.Python), nil
}

// uniformDense returns costs drawn uniformly from 1..10^6.
func uniformDense(rng *rand.Rand, n, m int) [][]int64 {
	c := make([][]int64, n)
	for i := range c {
		c[i] = make([]int64, m)
		for j := range c[i] {
			c[i][j] = 1 + rng.Int64N(1_000_000)
		}
	}
	return c
}

// distanceDense returns the haversine distance in metres between n and m
// points spread uniformly over a 100 km square (around 26.5° N).
func distanceDense(rng *rand.Rand, n, m int) [][]int64 {
	type pt struct{ lat, lon float64 }
	point := func() pt { return pt{26 + rng.Float64()*0.9, 106 + rng.Float64()*1.0} }
	ps := make([]pt, n)
	for i := range ps {
		ps[i] = point()
	}
	qs := make([]pt, m)
	for j := range qs {
		qs[j] = point()
	}
	c := make([][]int64, n)
	for i, p := range ps {
		c[i] = make([]int64, m)
		for j, q := range qs {
			c[i][j] = int64(math.Round(haversineM(p.lat, p.lon, q.lat, q.lon)))
		}
	}
	return c
}

func haversineM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6_371_000.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// sparseInstance gives each of n rows k distinct random columns out of m,
// one of them from a random injection of rows into columns so that a full
// matching exists, with costs uniform in 1..10^6 (never 0: SciPy reads 0 as
// no edge).
func sparseInstance(rng *rand.Rand, n, m, k int) []matching.Edge {
	perm := rng.Perm(m)
	edges := make([]matching.Edge, 0, n*k)
	cols := make([]int, 0, k)
	for i := range n {
		cols = append(cols[:0], perm[i])
		for len(cols) < k {
			j := rng.IntN(m)
			if !slices.Contains(cols, j) {
				cols = append(cols, j)
			}
		}
		slices.Sort(cols)
		for _, j := range cols {
			edges = append(edges, matching.Edge{L: i, R: j, W: 1 + rng.Int64N(1_000_000)})
		}
	}
	return edges
}

const (
	kindDense  = 1
	kindSparse = 2
)

// writeInstance writes the file format read by scripts/scipy_bench.py.
func writeInstance(in *instance) (err error) {
	f, err := os.Create(in.file)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	i64 := func(v int64) { buf = binary.LittleEndian.AppendUint64(buf, uint64(v)) }
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	buf = append(buf, "TBASSIGN"...)
	kind := int64(kindDense)
	if in.dense == nil {
		kind = kindSparse
	}
	i64(kind)
	i64(int64(in.rows))
	i64(int64(in.cols))
	if in.dense != nil {
		for _, row := range in.dense {
			for _, v := range row {
				i64(v)
			}
			if err := flush(); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	// CSR; sparseInstance emits edges by row, columns ascending.
	if !slices.IsSortedFunc(in.sparse, func(a, b matching.Edge) int {
		return cmp.Or(cmp.Compare(a.L, b.L), cmp.Compare(a.R, b.R))
	}) {
		return errors.New("sparse edges must be sorted by row and column")
	}
	i64(int64(len(in.sparse)))
	indptr := make([]int64, in.rows+1)
	for _, e := range in.sparse {
		indptr[e.L+1]++
	}
	for r := range in.rows {
		indptr[r+1] += indptr[r]
	}
	for _, p := range indptr {
		i64(p)
	}
	for _, e := range in.sparse {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(e.R))
	}
	for _, e := range in.sparse {
		i64(e.W)
	}
	if err := flush(); err != nil {
		return err
	}
	return w.Flush()
}
