package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

// withDemoDB opens the demo database in dir (no server may be running on
// it) and calls fn with it.
func withDemoDB(t *testing.T, dir string, fn func(db *mongodb.DB)) {
	t.Helper()
	ctx := context.Background()
	db, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir, Logger: NewLogger(&strings.Builder{}, "error")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	fn(db)
}

// firstNeed returns the first public need of a kind that satisfies ok.
func firstNeed(t *testing.T, db *mongodb.DB, kind string, ok func(*matching.Need) bool) *matching.Need {
	t.Helper()
	needs, _, err := mongodb.NewNeedStore(db).FindNeeds(context.Background(), matching.NeedFilter{Kinds: []string{kind},
		Status: []string{matching.StatusPublished, matching.StatusPartiallyFulfilled}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range needs {
		if ok(n) {
			return n
		}
	}
	t.Fatalf("the demo has no public %s need to tamper with", kind)
	return nil
}

func tamperNeed(t *testing.T, db *mongodb.DB, id string, set bson.D) {
	t.Helper()
	if _, err := db.Collection("needs").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		t.Fatal(err)
	}
}

// TestNeedsReconcileCommand seeds the demo, moves a funding need's money
// counters and an in-kind need's line counters off the ledger and the
// pledges, and runs "tongban needs reconcile": the dry run reports exactly
// those counters and writes nothing, the repair writes them, a third run
// finds nothing; a server started on drifted data repairs it by itself.
func TestNeedsReconcileCommand(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(binPath, "seed", "--demo", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	var funding, goods *matching.Need
	withDemoDB(t, dir, func(db *mongodb.DB) {
		funding = firstNeed(t, db, matching.KindFunding, func(*matching.Need) bool { return true })
		goods = firstNeed(t, db, matching.KindInKind, func(n *matching.Need) bool { return len(n.Items) > 0 })
		tamperNeed(t, db, funding.ID, bson.D{{Key: "progress.raised_fen", Value: funding.Progress.RaisedFen + 12_345}})
		tamperNeed(t, db, goods.ID, bson.D{{Key: "items.0.pledged", Value: goods.Items[0].Pledged + 2},
			{Key: "progress.items_pledged", Value: goods.Progress.ItemsPledged + 2}})
	})
	drift := []donations.NeedRepair{
		{NeedID: funding.ID, Title: funding.Title, Changes: []donations.CounterChange{
			{Field: "progress.raised_fen", Before: funding.Progress.RaisedFen + 12_345, After: funding.Progress.RaisedFen}}},
		{NeedID: goods.ID, Title: goods.Title, Changes: []donations.CounterChange{
			{Field: "progress.items_pledged", Before: int64(goods.Progress.ItemsPledged + 2), After: int64(goods.Progress.ItemsPledged)},
			{Field: "items.0.pledged", Before: int64(goods.Items[0].Pledged + 2), After: int64(goods.Items[0].Pledged)}}},
	}
	if drift[0].NeedID > drift[1].NeedID {
		drift[0], drift[1] = drift[1], drift[0]
	}
	fixed := []donations.NeedRepair{drift[0], drift[1]}
	fixed[0].Fixed, fixed[1].Fixed = true, true

	reconcile := func(args ...string) *donations.ReconcileReport {
		t.Helper()
		out, err := exec.Command(binPath, append([]string{"needs", "reconcile", "--json", "--settle", "50ms", "--data-dir", dir}, args...)...).Output()
		if err != nil {
			t.Fatalf("needs reconcile %v: %v\n%s", args, err, out)
		}
		var r donations.ReconcileReport
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if r.Checked < 10 {
			t.Errorf("checked %d needs; the demo has more", r.Checked)
		}
		r.Checked = 0
		return &r
	}
	tests := []struct {
		name string
		args []string
		want *donations.ReconcileReport
	}{
		{"dry run", []string{"--dry-run"}, &donations.ReconcileReport{DryRun: true, Needs: drift}},
		{"dry run again: nothing was written", []string{"--dry-run"}, &donations.ReconcileReport{DryRun: true, Needs: drift}},
		{"repair", nil, &donations.ReconcileReport{Needs: fixed}},
		{"nothing left", nil, &donations.ReconcileReport{Needs: []donations.NeedRepair{}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, reconcile(tt.args...)); diff != "" {
			t.Errorf("%s: report (-want +got):\n%s", tt.name, diff)
		}
	}
	out, err := exec.Command(binPath, "needs", "reconcile", "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "every counter agrees") {
		t.Errorf("text report of a clean database: %v\n%s", err, out)
	}
	if out, err := exec.Command(binPath, "needs", "frobnicate", "--data-dir", dir).CombinedOutput(); err == nil {
		t.Errorf("unknown needs subcommand accepted:\n%s", out)
	}

	// A server started on drifted counters repairs them in the background.
	withDemoDB(t, dir, func(db *mongodb.DB) {
		tamperNeed(t, db, funding.ID, bson.D{{Key: "progress.raised_fen", Value: funding.Progress.RaisedFen + 1}})
	})
	p := startServe(t, dir)
	s := newSession(t, p.url)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, body := s.call("GET", "/api/v1/needs/"+funding.ID, nil)
		progress, _ := body["progress"].(map[string]any)
		if st == 200 && progress["raised_fen"] == float64(funding.Progress.RaisedFen) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not repair the counters: %d %v\n%s", st, progress, p.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.logs)
	}
	if diff := cmp.Diff(&donations.ReconcileReport{DryRun: true, Needs: []donations.NeedRepair{}}, reconcile("--dry-run")); diff != "" {
		t.Errorf("after the server's repair (-want +got):\n%s", diff)
	}
}
