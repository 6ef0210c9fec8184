package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
)

const ledgerUsage = `usage: tongban ledger verify [--json] [flags]   recompute every ledger's hash chain and balances
       tongban ledger seal [--json] [flags]     move full blocks of entries into sealed segments now`

// runLedger runs "tongban ledger verify": it recomputes every chain hash
// and balance of every ledger, prints the throughput and each mismatch, and
// returns an error (non-zero exit) when any entry fails. Only the database
// is opened, so it can run beside a serving instance on MongoDB.
func runLedger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "seal" {
		return runLedgerSeal(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(ledgerUsage)
	}
	fs, m, err := newFlags("ledger verify", stderr)
	if err != nil {
		return err
	}
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, m, args[1:]); err != nil {
		return err
	}
	db, err := openDatabase(ctx, m, stderr)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	r, err := donations.Verify(ctx, mongodb.NewLedgerStore(db))
	if err != nil {
		return fmt.Errorf("read the ledgers: %w", err)
	}
	if *asJSON {
		if err := writeJSON(stdout, r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "Verified %d ledgers, %d entries in %s (%.0f entries/s).\n",
			r.Ledgers, r.Entries, r.Elapsed.Round(1e6), r.EntriesPerSecond())
		for _, mm := range r.Mismatches {
			fmt.Fprintf(stdout, "MISMATCH ledger %s seq %d: %s\n", mm.Ledger, mm.Seq, strings.Join(mm.Problems, "; "))
		}
		if r.OK() {
			fmt.Fprintln(stdout, "OK: every hash chain and balance is consistent.")
		}
	}
	if !r.OK() {
		if len(r.Mismatches) == 1 {
			return errors.New("ledger verification failed: 1 entry does not match")
		}
		return fmt.Errorf("ledger verification failed: %d entries do not match", len(r.Mismatches))
	}
	return nil
}

// runLedgerSeal runs "tongban ledger seal": what the server does every
// half minute (see mongodb.LedgerStore.Seal), on demand, e.g. after a bulk
// import or before verifying a large ledger.
func runLedgerSeal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m, err := newFlags("ledger seal", stderr)
	if err != nil {
		return err
	}
	asJSON := fs.Bool("json", false, "print the report as JSON")
	size := fs.Int("segment-size", mongodb.DefaultSegmentSize, "entries per segment of a ledger sealed for the first time (a ledger keeps the size of its first seal)")
	if err := parse(fs, m, args); err != nil {
		return err
	}
	if *size < 1 || *size > 100_000 {
		return errors.New("--segment-size must be between 1 and 100000")
	}
	db, err := openDatabase(ctx, m, stderr)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	store := mongodb.NewLedgerStore(db)
	store.SegmentSize = *size
	r, err := store.Seal(ctx)
	if r != nil {
		if *asJSON {
			if jerr := writeJSON(stdout, r); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintf(stdout, "Sealed %d segments (%d entries); removed %d left-over entry copies.\n", r.Segments, r.Entries, r.Removed)
		}
	}
	if err != nil {
		return fmt.Errorf("seal the ledgers: %w", err)
	}
	return nil
}
