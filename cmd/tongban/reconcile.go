package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
)

const needsUsage = `usage: tongban needs reconcile [--dry-run] [--json] [flags]   recompute every need's money and in-kind counters from the ledger and the pledges, and repair them`

// reconcileSettle is how long a counter must stay off before it is
// repaired (see donations.Reconciler.Settle): far longer than a live
// writer takes between its two writes.
const reconcileSettle = 2 * time.Second

// runNeeds runs "tongban needs reconcile": it recomputes each need's money
// counters from the ledger and its in-kind line counters from the pledges,
// prints every need and counter that differs (before → after) and, without
// --dry-run, stores the corrected values (each a version-checked update of
// the need, so a concurrent writer is not overwritten). It exits non-zero
// only when a need could not be checked or repaired. Only the database is
// opened, so it can run beside a serving instance on MongoDB.
func runNeeds(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "reconcile" {
		return errors.New(needsUsage)
	}
	fs, m, err := newFlags("needs reconcile", stderr)
	if err != nil {
		return err
	}
	dryRun := fs.Bool("dry-run", false, "report the counters that are off; write nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	settle := fs.Duration("settle", reconcileSettle, "how long a counter must stay off before it is repaired (0: at once)")
	if err := parse(fs, m, args[1:]); err != nil {
		return err
	}
	if *settle < 0 {
		return errors.New("--settle must not be negative")
	}
	db, err := openDatabase(ctx, m, stderr)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	rc := &donations.Reconciler{Store: mongodb.NewReconcileStore(db), Settle: *settle}
	r, err := rc.Reconcile(ctx, donations.ReconcileOptions{DryRun: *dryRun})
	if err != nil {
		return fmt.Errorf("reconcile need counters: %w", err)
	}
	if *asJSON {
		if err := writeJSON(stdout, r); err != nil {
			return err
		}
	} else {
		printReconcile(stdout, r)
	}
	if n := r.Failed(); n > 0 {
		return fmt.Errorf("%d needs could not be reconciled", n)
	}
	return nil
}

// printReconcile prints a report for people: a line per need that is off,
// a line per counter, and a summary.
func printReconcile(w io.Writer, r *donations.ReconcileReport) {
	fixed := 0
	for _, n := range r.Needs {
		state := "off"
		switch {
		case n.Error != "":
			state = "FAILED: " + n.Error
		case n.Fixed:
			state = "repaired"
			fixed++
		}
		fmt.Fprintf(w, "need %s %q: %s\n", n.NeedID, n.Title, state)
		for _, c := range n.Changes {
			fmt.Fprintf(w, "  %-26s %d → %d\n", c.Field, c.Before, c.After)
		}
	}
	drift := len(r.Needs) - r.Failed()
	switch {
	case len(r.Needs) == 0:
		fmt.Fprintf(w, "Checked %d needs: every counter agrees with the ledger and the pledges.\n", r.Checked)
	case r.DryRun:
		fmt.Fprintf(w, "Checked %d needs: %d with counters off (dry run, nothing written).\n", r.Checked, drift)
	default:
		fmt.Fprintf(w, "Checked %d needs: %d with counters off, %d repaired.\n", r.Checked, drift, fixed)
	}
}

// reconcileOnce runs the counter repair once in the background of a
// starting server and logs what it fixed: drift left by a crash between a
// ledger entry or pledge and its counter update is gone after a restart.
func (m *Main) reconcileOnce(ctx context.Context) {
	rc := &donations.Reconciler{Store: mongodb.NewReconcileStore(m.DB), Settle: reconcileSettle, Logger: m.Logger}
	r, err := rc.Reconcile(ctx, donations.ReconcileOptions{})
	if err != nil {
		if ctx.Err() == nil {
			m.Logger.Error("need counters: reconcile at start-up failed; run tongban needs reconcile", "err", err)
		}
		return
	}
	fixed := 0
	for _, n := range r.Needs {
		if n.Fixed {
			fixed++
		}
	}
	if fixed > 0 {
		m.Worker.Notify()
	}
	m.Logger.Info("need counters reconciled", "checked", r.Checked, "repaired", fixed, "failed", r.Failed())
}
