package donations

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Mismatch is one ledger entry that failed verification, or the position
// of a missing one.
type Mismatch struct {
	Ledger   string   `json:"ledger"`
	Seq      int64    `json:"seq"`
	Problems []string `json:"problems"`
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Ledgers    int           `json:"ledgers"`
	Entries    int64         `json:"entries"`
	Mismatches []Mismatch    `json:"mismatches"`
	Elapsed    time.Duration `json:"elapsed_ns"`
}

// OK reports whether every ledger verified.
func (r *VerifyReport) OK() bool { return len(r.Mismatches) == 0 }

// EntriesPerSecond is the verification throughput.
func (r *VerifyReport) EntriesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Entries) / r.Elapsed.Seconds()
}

// Verify reads every entry of every ledger and recomputes the chain: that
// seq runs 1, 2, 3… without gaps or repeats, that each entry's ID, hash and
// prev_hash are right, that its postings follow the chart of accounts and
// balance, and that the balances it records are the previous balances plus
// its postings and never below zero. Each bad entry is reported once with
// all its problems; a missing entry is reported at its seq.
//
// After a bad entry, the balances of the accounts it touched (after a
// missing entry: of every account) are re-anchored at the next entry that
// touches each of them, so that one tampered entry is reported as one
// mismatch and not again at every later entry.
//
// The error is only for failing to read the store.
func Verify(ctx context.Context, store LedgerStore) (*VerifyReport, error) {
	start := time.Now()
	checks := map[string]*ledgerCheck{}
	r := &VerifyReport{}
	err := store.ScanEntries(ctx, func(e *Entry) error {
		r.Entries++
		lc, ok := checks[e.Ledger]
		if !ok {
			lc = &ledgerCheck{ledger: e.Ledger, balances: map[string]int64{}, doubtful: map[string]bool{}, pending: map[int64][]*Entry{}}
			checks[e.Ledger] = lc
		}
		lc.add(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, lc := range checks {
		lc.finish()
		r.Mismatches = append(r.Mismatches, lc.bad...)
	}
	slices.SortFunc(r.Mismatches, func(a, b Mismatch) int {
		return cmp.Or(cmp.Compare(a.Ledger, b.Ledger), cmp.Compare(a.Seq, b.Seq))
	})
	r.Ledgers = len(checks)
	r.Elapsed = time.Since(start)
	return r, nil
}

// ledgerCheck verifies one ledger as its entries arrive.
type ledgerCheck struct {
	ledger   string
	seq      int64
	hash     string
	balances map[string]int64
	// doubtful accounts are re-anchored at the next entry touching them.
	doubtful map[string]bool
	// afterGap: every account not re-anchored since the gap is doubtful.
	afterGap bool
	anchored map[string]bool
	pending  map[int64][]*Entry
	bad      []Mismatch
}

func (lc *ledgerCheck) add(e *Entry) {
	switch {
	case e.Seq <= lc.seq:
		lc.report(e.Seq, fmt.Sprintf("seq %d appears again after seq %d", e.Seq, lc.seq))
	case e.Seq == lc.seq+1:
		lc.process(e, false)
		lc.drain()
	default:
		lc.pending[e.Seq] = append(lc.pending[e.Seq], e)
	}
}

// drain processes the pending entries that have become next.
func (lc *ledgerCheck) drain() {
	for {
		es, ok := lc.pending[lc.seq+1]
		if !ok {
			return
		}
		delete(lc.pending, lc.seq+1)
		for _, e := range es {
			lc.add(e)
		}
	}
}

// finish reports the gaps left once every entry has been read.
func (lc *ledgerCheck) finish() {
	for len(lc.pending) > 0 {
		next := slices.Min(slices.Collect(maps.Keys(lc.pending)))
		missing := lc.seq + 1
		if next-missing == 1 {
			lc.report(missing, "entry is missing")
		} else {
			lc.report(missing, fmt.Sprintf("entries %d to %d are missing", missing, next-1))
		}
		es := lc.pending[next]
		delete(lc.pending, next)
		lc.process(es[0], true)
		for _, e := range es[1:] {
			lc.add(e)
		}
		lc.drain()
	}
}

func (lc *ledgerCheck) isDoubtful(a string) bool {
	return lc.doubtful[a] || (lc.afterGap && !lc.anchored[a])
}

// process checks e as the entry after lc.seq (after a gap when gap is set).
func (lc *ledgerCheck) process(e *Entry, gap bool) {
	if gap {
		lc.afterGap, lc.anchored = true, map[string]bool{}
	} else if e.PrevHash != lc.hash {
		lc.report(e.Seq, fmt.Sprintf("prev_hash does not match the hash of seq %d", lc.seq))
	}
	// Re-anchor doubtful accounts at this entry's recorded balance.
	for _, p := range e.Postings {
		if !lc.isDoubtful(p.Account) {
			continue
		}
		if stored, ok := e.BalanceOf(p.Account); ok {
			var delta int64
			for _, q := range e.Postings {
				if q.Account == p.Account {
					delta += normal(q)
				}
			}
			lc.balances[p.Account] = stored - delta
		}
		delete(lc.doubtful, p.Account)
		if lc.afterGap {
			lc.anchored[p.Account] = true
		}
	}
	problems := checkEntry(e, func(a string) int64 { return lc.balances[a] })
	if len(problems) > 0 {
		lc.report(e.Seq, problems...)
		for _, p := range e.Postings {
			lc.doubtful[p.Account] = true
		}
	}
	for _, b := range e.Balances {
		lc.balances[b.Account] = b.BalanceFen
	}
	lc.seq, lc.hash = e.Seq, e.Hash
}

// report adds problems to the mismatch of seq, creating it if needed.
func (lc *ledgerCheck) report(seq int64, problems ...string) {
	for i := range lc.bad {
		if lc.bad[i].Seq == seq {
			lc.bad[i].Problems = append(lc.bad[i].Problems, problems...)
			return
		}
	}
	lc.bad = append(lc.bad, Mismatch{Ledger: lc.ledger, Seq: seq, Problems: problems})
}
