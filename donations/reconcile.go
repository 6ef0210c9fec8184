package donations

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

// A need's progress counters are written apart from the records they
// count, without a transaction: the money counters (Need.Progress.RaisedFen
// and SpentFen) after the ledger entry (see NeedProgress), and the in-kind
// line counters (Item.Pledged and Delivered, Progress.ItemsPledged and
// ItemsDelivered) beside the pledge documents (see PledgeStore). A crash
// between the two writes leaves the counters off. The ledger and the
// pledges are the truth; Reconciler recomputes the counters from them and
// writes them back.

// LineCounters are the counters of one line of an in-kind need.
type LineCounters struct {
	Pledged   int `json:"pledged"`
	Delivered int `json:"delivered"`
}

// NeedCounters are the progress counters of a need that other records
// determine: the money from the ledger, the in-kind lines from the pledges.
type NeedCounters struct {
	RaisedFen      int64          `json:"raised_fen"`
	SpentFen       int64          `json:"spent_fen"`
	ItemsPledged   int            `json:"items_pledged"`
	ItemsDelivered int            `json:"items_delivered"`
	Lines          []LineCounters `json:"lines"`
}

// CountersOf returns the counters as stored on n.
func CountersOf(n *matching.Need) NeedCounters {
	c := NeedCounters{RaisedFen: n.Progress.RaisedFen, SpentFen: n.Progress.SpentFen,
		ItemsPledged: n.Progress.ItemsPledged, ItemsDelivered: n.Progress.ItemsDelivered, Lines: make([]LineCounters, len(n.Items))}
	for i, it := range n.Items {
		c.Lines[i] = LineCounters{Pledged: it.Pledged, Delivered: it.Delivered}
	}
	return c
}

// TrueCounters computes the counters of n from the truth: totals is what
// the ledger says the need got and spent (Service.NeedTotals), pledges are
// every pledge made to the need. The line counters follow the pledge store
// (ReserveItems, ReleaseItems, DeliverItems): a pledged or received pledge
// holds its whole count on the line's pledged counter; a delivered one
// holds what it delivered, on pledged and on delivered (its shortfall was
// released); a cancelled one holds nothing. Lines of a pledge that name no
// line of the need are left out.
func TrueCounters(n *matching.Need, totals NeedTotals, pledges []*Pledge) NeedCounters {
	c := NeedCounters{RaisedFen: totals.RaisedFen, SpentFen: totals.SpentFen, Lines: make([]LineCounters, len(n.Items))}
	for _, p := range pledges {
		if p.NeedID != n.ID {
			continue
		}
		for _, l := range p.Lines {
			if l.Item < 0 || l.Item >= len(c.Lines) {
				continue
			}
			switch p.Status {
			case PledgePledged, PledgeReceived:
				c.Lines[l.Item].Pledged += l.Count
			case PledgeDelivered:
				c.Lines[l.Item].Pledged += l.Delivered
				c.Lines[l.Item].Delivered += l.Delivered
			}
		}
	}
	for _, l := range c.Lines {
		c.ItemsPledged += l.Pledged
		c.ItemsDelivered += l.Delivered
	}
	return c
}

// CounterChange is one counter of a need that differs from the truth.
type CounterChange struct {
	// Field names the counter as stored: "progress.raised_fen",
	// "progress.spent_fen", "progress.items_pledged",
	// "progress.items_delivered", "items.N.pledged", "items.N.delivered".
	Field  string `json:"field"`
	Before int64  `json:"before"`
	After  int64  `json:"after"`
}

// CounterChanges lists the counters of have that differ from want, in a
// fixed order: money, item totals, then the lines in order.
func CounterChanges(have, want NeedCounters) []CounterChange {
	var out []CounterChange
	add := func(field string, before, after int64) {
		if before != after {
			out = append(out, CounterChange{Field: field, Before: before, After: after})
		}
	}
	add("progress.raised_fen", have.RaisedFen, want.RaisedFen)
	add("progress.spent_fen", have.SpentFen, want.SpentFen)
	add("progress.items_pledged", int64(have.ItemsPledged), int64(want.ItemsPledged))
	add("progress.items_delivered", int64(have.ItemsDelivered), int64(want.ItemsDelivered))
	for i := range max(len(have.Lines), len(want.Lines)) {
		var h, w LineCounters
		if i < len(have.Lines) {
			h = have.Lines[i]
		}
		if i < len(want.Lines) {
			w = want.Lines[i]
		}
		add(fmt.Sprintf("items.%d.pledged", i), int64(h.Pledged), int64(w.Pledged))
		add(fmt.Sprintf("items.%d.delivered", i), int64(h.Delivered), int64(w.Delivered))
	}
	return out
}

// ReconcileStore reads and repairs the counters.
type ReconcileStore interface {
	// FindNeedByID returns the need or ENOTFOUND.
	FindNeedByID(ctx context.Context, id string) (*matching.Need, error)
	// FindNeeds returns a page of needs (OrgIDs nil: every organisation).
	FindNeeds(ctx context.Context, f matching.NeedFilter) ([]*matching.Need, string, error)
	// FindEntriesByNeed returns every ledger entry touching the need.
	FindEntriesByNeed(ctx context.Context, needID string) ([]*Entry, error)
	// FindPledgesOfNeed returns every pledge made to the need, of any
	// status, without a limit.
	FindPledgesOfNeed(ctx context.Context, needID string) ([]*Pledge, error)
	// SetNeedCounters stores c as the need's counters if its stored
	// version is version, incrementing it: EPRECONDITION when it changed
	// (or no longer has len(c.Lines) lines), ENOTFOUND when missing.
	SetNeedCounters(ctx context.Context, needID string, version int64, c NeedCounters) error
}

// NeedRepair is a need whose counters differ from the truth.
type NeedRepair struct {
	NeedID  string          `json:"need_id"`
	Title   string          `json:"title"`
	Changes []CounterChange `json:"changes"`
	// Fixed is true once the corrected counters are stored.
	Fixed bool `json:"fixed"`
	// Error says why a need could not be checked or repaired.
	Error string `json:"error,omitempty"`
}

// ReconcileReport is the outcome of a Reconcile run.
type ReconcileReport struct {
	DryRun bool `json:"dry_run"`
	// Checked is the number of needs looked at.
	Checked int `json:"checked"`
	// Needs are the needs whose counters differ (or could not be read),
	// in need ID order; needs without drift are not listed.
	Needs []NeedRepair `json:"needs"`
}

// Failed is the number of needs that could not be checked or repaired.
func (r *ReconcileReport) Failed() int {
	n := 0
	for _, x := range r.Needs {
		if x.Error != "" {
			n++
		}
	}
	return n
}

// ReconcileOptions select what Reconcile does.
type ReconcileOptions struct {
	// DryRun reports the drift and writes nothing.
	DryRun bool
	// OrgIDs limits the run to the needs of these organisations (nil: all).
	OrgIDs []string
}

// Reconciler recomputes the need counters from their truth and repairs
// them. It needs no transactions: each repair is one single-document
// update of the need, guarded by the version read, so a counter update
// that came in meanwhile is never overwritten (the need is read again and
// the comparison redone).
type Reconciler struct {
	Store ReconcileStore
	// Settle, when positive, is how long a drift must last before it is
	// repaired: the need is read again after Settle and repaired only if
	// its version and the drift are unchanged. This tells a crashed
	// writer's drift from one still between its two writes (the ledger
	// entry or pledge written, the counter update not yet).
	Settle time.Duration
	// MaxAttempts bounds the reads of one need when it keeps changing
	// (default 5).
	MaxAttempts int
	Logger      *slog.Logger
}

// Reconcile checks every need (of opts.OrgIDs) and, unless opts.DryRun,
// repairs the counters that differ from the truth. A need that cannot be
// checked or repaired is listed with its Error and the run goes on; the
// returned error is only for failing to list the needs or a cancelled ctx.
func (r *Reconciler) Reconcile(ctx context.Context, opts ReconcileOptions) (*ReconcileReport, error) {
	rep := &ReconcileReport{DryRun: opts.DryRun, Needs: []NeedRepair{}}
	cursor := ""
	for {
		page, next, err := r.Store.FindNeeds(ctx, matching.NeedFilter{OrgIDs: opts.OrgIDs, Cursor: cursor, Limit: 100})
		if err != nil {
			return rep, err
		}
		for _, n := range page {
			rep.Checked++
			nr, err := r.reconcileNeed(ctx, n, opts.DryRun)
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			if err != nil {
				if nr == nil {
					nr = &NeedRepair{NeedID: n.ID, Title: n.Title}
				}
				nr.Error = err.Error()
				if r.Logger != nil {
					r.Logger.Error("need counters: repair failed", "need", n.ID, "err", err)
				}
			}
			if nr != nil {
				rep.Needs = append(rep.Needs, *nr)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(rep.Needs, func(a, b NeedRepair) int {
		switch {
		case a.NeedID < b.NeedID:
			return -1
		case a.NeedID > b.NeedID:
			return 1
		}
		return 0
	})
	return rep, nil
}

// observe reads the need and its truth, and the counters that differ.
func (r *Reconciler) observe(ctx context.Context, id string) (*matching.Need, NeedCounters, []CounterChange, error) {
	n, err := r.Store.FindNeedByID(ctx, id)
	if err != nil {
		return nil, NeedCounters{}, nil, err
	}
	es, err := r.Store.FindEntriesByNeed(ctx, id)
	if err != nil {
		return nil, NeedCounters{}, nil, fmt.Errorf("read the ledger entries: %w", err)
	}
	ps, err := r.Store.FindPledgesOfNeed(ctx, id)
	if err != nil {
		return nil, NeedCounters{}, nil, fmt.Errorf("read the pledges: %w", err)
	}
	want := TrueCounters(n, totalsOf(id, es), ps)
	return n, want, CounterChanges(CountersOf(n), want), nil
}

// reconcileNeed checks one need: nil when its counters are right (or it is
// gone), otherwise what differs, repaired unless dryRun.
func (r *Reconciler) reconcileNeed(ctx context.Context, first *matching.Need, dryRun bool) (*NeedRepair, error) {
	attempts := r.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	var last *NeedRepair
	for range attempts {
		n, want, changes, err := r.observe(ctx, first.ID)
		if tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return last, err
		}
		if len(changes) == 0 {
			return nil, nil
		}
		last = &NeedRepair{NeedID: n.ID, Title: n.Title, Changes: changes}
		if r.Settle > 0 {
			select {
			case <-ctx.Done():
				return last, ctx.Err()
			case <-time.After(r.Settle):
			}
			n2, _, changes2, err := r.observe(ctx, first.ID)
			if err != nil {
				return last, err
			}
			if n2.Version != n.Version || !slices.Equal(changes, changes2) {
				continue // a writer is at work: look again
			}
		}
		if dryRun {
			return last, nil
		}
		err = r.Store.SetNeedCounters(ctx, n.ID, n.Version, want)
		switch tongban.ErrorCode(err) {
		case "":
			last.Fixed = true
			if r.Logger != nil {
				r.Logger.Info("need counters repaired", "need", n.ID, "changes", changes)
			}
			return last, nil
		case tongban.EPRECONDITION:
			continue // changed meanwhile: read again
		case tongban.ENOTFOUND:
			return nil, nil
		}
		return last, err
	}
	return last, tongban.Errorf(tongban.ECONFLICT, "The need kept changing; run the repair again.")
}

// totalsOf adds up what the entries gave to and spent from a need.
func totalsOf(needID string, es []*Entry) NeedTotals {
	t := NeedTotals{NeedID: needID}
	for _, e := range es {
		d := needDeltas(e)[needID]
		t.RaisedFen += d.RaisedFen
		t.SpentFen += d.SpentFen
	}
	t.BalanceFen = t.RaisedFen - t.SpentFen
	return t
}
