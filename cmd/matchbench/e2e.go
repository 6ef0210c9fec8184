package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tongban/tongban/matching"
)

// e2eRun is one end-to-end run of the matching pipeline on generated
// people: the stages RunBatch goes through, without the store.
type e2eRun struct {
	needs, vols int
	candidates  time.Duration // index, candidate generation and scoring (Scorer.Candidates)
	graph       time.Duration // the sparse graph from the candidates
	assign      time.Duration // matching.Assign
	explain     time.Duration // Scorer.Score with explanations for the chosen pairs
	greedy      time.Duration // matching.Greedy on the same graph (baseline)
	edges       int
	pairs       int
	total       int64 // optimal total weight
	greedyTotal int64
	stats       matching.CandidateStats
	cpu         time.Duration // CPU time (user + system, all threads) of the end-to-end stages
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (r e2eRun) endToEnd() time.Duration { return r.candidates + r.graph + r.assign + r.explain }

// runE2E generates the people (not timed) and runs the pipeline once.
func runE2E(p matching.People) (e2eRun, error) {
	r := e2eRun{needs: len(p.Needs), vols: len(p.Volunteers)}
	runtime.GC()
	c0 := cpuTime()
	t0 := time.Now()
	cands := p.Scorer.Candidates(p.Needs, p.Volunteers, matching.CandidateOptions{K: 50, Stats: &r.stats})
	t1 := time.Now()
	g := matching.Graph{NLeft: len(p.Needs), NRight: len(p.Volunteers), LeftCap: make([]int, len(p.Needs)), RightCap: make([]int, len(p.Volunteers))}
	for i, n := range p.Needs {
		g.LeftCap[i] = n.VolunteersWanted
	}
	for j, v := range p.Volunteers {
		g.RightCap[j] = max(0, v.Capacity-v.ActivePairings)
	}
	for _, cs := range cands {
		r.edges += len(cs)
	}
	g.Edges = make([]matching.Edge, 0, r.edges)
	for i, cs := range cands {
		for _, c := range cs {
			g.Edges = append(g.Edges, matching.Edge{L: i, R: int(c.Vol), W: c.W})
		}
	}
	t2 := time.Now()
	a, err := matching.Assign(g)
	if err != nil {
		return r, err
	}
	t3 := time.Now()
	scores := make([]matching.Score, len(a.Edges))
	matching.ParallelChunks(len(a.Edges), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			e := g.Edges[a.Edges[k]]
			scores[k] = p.Scorer.Score(p.Volunteers[e.R], p.Needs[e.L])
		}
	})
	var check float64
	for _, sc := range scores {
		check += sc.Total
	}
	t4 := time.Now()
	r.cpu = cpuTime() - c0
	gr, err := matching.Greedy(g)
	if err != nil {
		return r, err
	}
	t5 := time.Now()
	r.candidates, r.graph, r.assign, r.explain, r.greedy = t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), t5.Sub(t4)
	r.pairs, r.total, r.greedyTotal = len(a.Edges), a.Total, gr.Total
	if d := check*1000 - float64(a.Total); d > 1 || d < -1 {
		return r, fmt.Errorf("explained scores sum to %.2f, the assignment to %d/1000", check, a.Total)
	}
	return r, nil
}

// peakRSS returns the peak resident set size of this process (VmHWM).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(v)
			if kb, err := strconv.Atoi(string(f[0])); err == nil {
				return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}

// e2e runs the pipeline cfg.reps times for every size (volunteers; needs =
// volunteers/5 unless -needs) and prints, per size, the run with the median
// end-to-end time: its stages, the greedy baseline and the work counts.
func e2e(cfg config, out io.Writer) error {
	fmt.Fprintf(out, "End to end: generated people → Scorer.Candidates (50 per need) → matching.Assign → explanations (median of %d runs)\n\n", cfg.reps)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	var notes []string
	fmt.Fprintln(tw, "volunteers\tneeds\tcandidates+scoring\tgraph\tAssign\texplain\tend to end\t(min–max)\tCPU\tedges\tpairs scored\tof all pairs\tpairs\tGreedy\tGreedy/Assign score\tend to end with Greedy\t")
	for _, nv := range cfg.sizes {
		t0 := time.Now()
		p := matching.GeneratePeople(matching.PeopleConfig{Volunteers: nv, Needs: cfg.needs, Seed: cfg.seed})
		gen := time.Since(t0)
		runs := make([]e2eRun, cfg.reps)
		for k := range runs {
			r, err := runE2E(p)
			if err != nil {
				return err
			}
			if k > 0 && (r.total != runs[0].total || r.edges != runs[0].edges) {
				return fmt.Errorf("run %d differs from run 0: not deterministic", k)
			}
			runs[k] = r
		}
		slices.SortFunc(runs, func(a, b e2eRun) int { return int(a.endToEnd() - b.endToEnd()) })
		r := runs[len(runs)/2]
		all := float64(r.needs) * float64(r.vols)
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s–%s\t%s\t%d\t%d\t%.2f %%\t%d\t%s\t%.4f\t%s\t\n",
			r.vols, r.needs, ms(r.candidates), ms(r.graph), ms(r.assign), ms(r.explain), ms(r.endToEnd()),
			ms(runs[0].endToEnd()), ms(runs[len(runs)-1].endToEnd()), ms(r.cpu), r.edges, r.stats.Scored, 100*float64(r.stats.Scored)/all,
			r.pairs, ms(r.greedy), float64(r.greedyTotal)/float64(r.total), ms(r.endToEnd()-r.assign+r.greedy))
		notes = append(notes, fmt.Sprintf("%d volunteers: people generated in %s (input, not timed); optimal total %d, greedy %d; %d volunteers can be candidates, in %d cells; %d cells scanned",
			nv, ms(gen), r.total, r.greedyTotal, r.stats.Volunteers, r.stats.Cells, r.stats.Visited))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(out, "  "+n)
	}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	fmt.Fprintf(out, "\npeak RSS of the whole process %s (VmHWM); memory obtained from the OS by the Go runtime %.0f MiB\n\n",
		peakRSS(), float64(mem.Sys)/(1<<20))
	return nil
}
