package mongodb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

// reconcileFixture is a money fixture (two funding needs: the first got
// 8,000 fen in two gifts and spent 1,000; the second nothing) plus an
// in-kind need of the same organisation with a pledged pledge (3 on line
// 0), a delivered one (2 pledged on line 1, 1 delivered) and a cancelled
// one, all written through the stores as the services do.
type reconcileFixture struct {
	*moneyFixture
	inKind *matching.Need
}

func newReconcileFixture(t *testing.T) *reconcileFixture {
	t.Helper()
	ctx := context.Background()
	f := &reconcileFixture{moneyFixture: newMoneyFixture(t, testDB, []int64{100_000, 100_000}, []int{3, 3})}
	f.give(t, f.donor1, 5000, f.needs[0].ID)
	f.give(t, f.donor2, 3000, f.needs[0].ID)
	f.spend(t, f.needs[0].ID, "tuition", 1000)

	now := time.Now().UTC().Truncate(time.Millisecond)
	items := []matching.Item{{Type: "winter_coat", Size: "130", Count: 10}, {Type: "shoes", Size: "34", Count: 5}}
	f.inKind = &matching.Need{ID: tongban.NewID(), OrgID: f.org, OrgName: "童伴测试", Kind: matching.KindInKind, Category: "winter_clothing",
		Title: "冬衣和鞋", Status: matching.StatusPublished, Items: items, Subjects: []string{}, Schedule: []matching.Slot{},
		Languages: []string{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := mongodb.NewNeedStore(testDB).CreateNeed(ctx, f.inKind); err != nil {
		t.Fatal(err)
	}
	ps := mongodb.NewPledgeStore(testDB)
	pledge := func(status string, lines ...donations.PledgeLine) {
		t.Helper()
		want := make([]matching.Item, len(lines))
		for i, l := range lines {
			want[i] = items[l.Item]
		}
		if err := ps.ReserveItems(ctx, f.inKind.ID, lines, want); err != nil {
			t.Fatal(err)
		}
		p := &donations.Pledge{ID: tongban.NewID(), NeedID: f.inKind.ID, OrgID: f.org, DonorID: "d", Lines: lines, Status: status,
			History: []donations.PledgeEvent{}, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := ps.CreatePledge(ctx, p); err != nil {
			t.Fatal(err)
		}
		var err error
		switch status {
		case donations.PledgeDelivered:
			err = ps.DeliverItems(ctx, f.inKind.ID, lines)
		case donations.PledgeCancelled:
			err = ps.ReleaseItems(ctx, f.inKind.ID, lines)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	pledge(donations.PledgePledged, donations.PledgeLine{Item: 0, Type: "winter_coat", Size: "130", Count: 3})
	pledge(donations.PledgeDelivered, donations.PledgeLine{Item: 1, Type: "shoes", Size: "34", Count: 2, Delivered: 1})
	pledge(donations.PledgeCancelled, donations.PledgeLine{Item: 0, Type: "winter_coat", Size: "130", Count: 4})
	return f
}

// tamper edits a need's stored counters directly, as a crash between the
// two writes would leave them (the version is not touched).
func tamper(t *testing.T, needID string, set bson.D) {
	t.Helper()
	if _, err := testDB.Collection("needs").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: needID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		t.Fatal(err)
	}
}

// storedNeed is what a repair may change on a need.
type storedNeed struct {
	C       donations.NeedCounters
	Version int64
}

// stored returns the counters and version of the needs as stored.
func stored(t *testing.T, ids ...string) map[string]storedNeed {
	t.Helper()
	out := map[string]storedNeed{}
	for _, id := range ids {
		n, err := mongodb.NewNeedStore(testDB).FindNeedByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = storedNeed{donations.CountersOf(n), n.Version}
	}
	return out
}

// TestReconcileRepairsNeedCounters: counters edited in the database are
// reported field by field (before → after); a dry run writes nothing; the
// repair stores the truth (money from the ledger, lines from the pledges)
// with the version bumped; a need without drift is never listed; a second
// run finds nothing.
func TestReconcileRepairsNeedCounters(t *testing.T) {
	ctx := context.Background()
	f := newReconcileFixture(t)
	ids := []string{f.needs[0].ID, f.needs[1].ID, f.inKind.ID}
	rc := &donations.Reconciler{Store: mongodb.NewReconcileStore(testDB)}
	opts := donations.ReconcileOptions{OrgIDs: []string{f.org}}

	clean, err := rc.Reconcile(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&donations.ReconcileReport{Checked: 3, Needs: []donations.NeedRepair{}}, clean); diff != "" {
		t.Fatalf("before any drift (-want +got):\n%s", diff)
	}
	truth := stored(t, ids...)

	tamper(t, f.needs[0].ID, bson.D{{Key: "progress.raised_fen", Value: int64(5000)}, {Key: "progress.spent_fen", Value: int64(0)}})
	tamper(t, f.inKind.ID, bson.D{{Key: "items.0.pledged", Value: 7}, {Key: "progress.items_pledged", Value: 8},
		{Key: "items.1.delivered", Value: 0}, {Key: "progress.items_delivered", Value: 0}})
	drifted := stored(t, ids...)

	money := donations.NeedRepair{NeedID: f.needs[0].ID, Title: f.needs[0].Title, Changes: []donations.CounterChange{
		{Field: "progress.raised_fen", Before: 5000, After: 8000},
		{Field: "progress.spent_fen", Before: 0, After: 1000},
	}}
	goods := donations.NeedRepair{NeedID: f.inKind.ID, Title: "冬衣和鞋", Changes: []donations.CounterChange{
		{Field: "progress.items_pledged", Before: 8, After: 4},
		{Field: "progress.items_delivered", Before: 0, After: 1},
		{Field: "items.0.pledged", Before: 7, After: 3},
		{Field: "items.1.delivered", Before: 0, After: 1},
	}}
	byID := func(rs ...donations.NeedRepair) []donations.NeedRepair {
		if rs[0].NeedID > rs[1].NeedID {
			rs[0], rs[1] = rs[1], rs[0]
		}
		return rs
	}
	fixed := func(r donations.NeedRepair) donations.NeedRepair { r.Fixed = true; return r }

	tests := []struct {
		name       string
		dryRun     bool
		want       *donations.ReconcileReport
		wantStored map[string]storedNeed
	}{
		{"dry run reports and writes nothing", true,
			&donations.ReconcileReport{DryRun: true, Checked: 3, Needs: byID(money, goods)}, drifted},
		{"repair", false,
			&donations.ReconcileReport{Checked: 3, Needs: byID(fixed(money), fixed(goods))}, nil},
		{"nothing left", false,
			&donations.ReconcileReport{Checked: 3, Needs: []donations.NeedRepair{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rc.Reconcile(ctx, donations.ReconcileOptions{DryRun: tt.dryRun, OrgIDs: opts.OrgIDs})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			want := tt.wantStored
			if want == nil {
				// The truth, with the version of each repaired need one up
				// (the second need never drifted and is never written).
				want = map[string]storedNeed{}
				for _, id := range ids {
					w := truth[id]
					if id != f.needs[1].ID {
						w.Version = drifted[id].Version + 1
					}
					want[id] = w
				}
			}
			if diff := cmp.Diff(want, stored(t, ids...)); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

// racingStore is a ReconcileStore where another writer changes the need
// just before the first repair write.
type racingStore struct {
	*mongodb.ReconcileStore
	race  func() error
	tries int
}

func (s *racingStore) SetNeedCounters(ctx context.Context, needID string, version int64, c donations.NeedCounters) error {
	s.tries++
	if s.race != nil {
		race := s.race
		s.race = nil
		if err := race(); err != nil {
			return err
		}
	}
	return s.ReconcileStore.SetNeedCounters(ctx, needID, version, c)
}

// TestReconcileDoesNotOverwriteConcurrentWriter: a pledge (reserve, then
// the pledge document) or a ledger gift (entry, then the progress update)
// written while the repair runs makes its version-checked write fail; it
// reads again and stores counters that include the new write.
func TestReconcileDoesNotOverwriteConcurrentWriter(t *testing.T) {
	ctx := context.Background()
	f := newReconcileFixture(t)
	ps := mongodb.NewPledgeStore(testDB)
	tests := []struct {
		name   string
		need   string
		tamper bson.D
		race   func() error
		want   donations.NeedCounters
	}{
		{"a pledge comes in", f.inKind.ID, bson.D{{Key: "items.0.pledged", Value: 0}, {Key: "progress.items_pledged", Value: 1}},
			func() error {
				line := donations.PledgeLine{Item: 0, Type: "winter_coat", Size: "130", Count: 2}
				if err := ps.ReserveItems(ctx, f.inKind.ID, []donations.PledgeLine{line}, []matching.Item{f.inKind.Items[0]}); err != nil {
					return err
				}
				return ps.CreatePledge(ctx, &donations.Pledge{ID: tongban.NewID(), NeedID: f.inKind.ID, OrgID: f.org, DonorID: "d2",
					Lines: []donations.PledgeLine{line}, Status: donations.PledgePledged, History: []donations.PledgeEvent{}, Version: 1})
			},
			donations.NeedCounters{ItemsPledged: 6, ItemsDelivered: 1, Lines: []donations.LineCounters{{Pledged: 5}, {Pledged: 1, Delivered: 1}}}},
		{"a gift comes in", f.needs[1].ID, bson.D{{Key: "progress.raised_fen", Value: int64(999)}},
			func() error { f.give(t, f.donor1, 700, f.needs[1].ID); return nil },
			donations.NeedCounters{RaisedFen: 700, Lines: []donations.LineCounters{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tamper(t, tt.need, tt.tamper)
			store := &racingStore{ReconcileStore: mongodb.NewReconcileStore(testDB), race: tt.race}
			rc := &donations.Reconciler{Store: store}
			r, err := rc.Reconcile(ctx, donations.ReconcileOptions{OrgIDs: []string{f.org}})
			if err != nil {
				t.Fatal(err)
			}
			if store.tries != 2 || len(r.Needs) != 1 || !r.Needs[0].Fixed || r.Needs[0].NeedID != tt.need {
				t.Errorf("%d writes, report %+v; want 2 writes (one refused), one need fixed", store.tries, r)
			}
			n, err := mongodb.NewNeedStore(testDB).FindNeedByID(ctx, tt.need)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, donations.CountersOf(n)); diff != "" {
				t.Errorf("stored counters (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSetNeedCountersIsVersionChecked: a stale version is EPRECONDITION and
// writes nothing; a missing need is ENOTFOUND.
func TestSetNeedCountersIsVersionChecked(t *testing.T) {
	ctx := context.Background()
	f := newReconcileFixture(t)
	s := mongodb.NewNeedStore(testDB)
	n, err := s.FindNeedByID(ctx, f.needs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		id      string
		version int64
		want    string
	}{
		{"stale", n.ID, n.Version - 1, tongban.EPRECONDITION},
		{"missing", tongban.NewID(), 1, tongban.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.SetNeedCounters(ctx, tt.id, tt.version, donations.NeedCounters{RaisedFen: 1})
			if got := tongban.ErrorCode(err); got != tt.want {
				t.Errorf("code %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	after, err := s.FindNeedByID(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(donations.CountersOf(n), donations.CountersOf(after)); diff != "" || after.Version != n.Version {
		t.Errorf("a refused write changed the need (version %d → %d):\n%s", n.Version, after.Version, diff)
	}
}

// slowWriterStore is a ReconcileStore where a writer between its two
// writes to the need finishes (its counter update lands) just before the
// need is read the second time.
type slowWriterStore struct {
	*mongodb.ReconcileStore
	need   string
	reads  int
	finish func() error
}

func (s *slowWriterStore) FindNeedByID(ctx context.Context, id string) (*matching.Need, error) {
	if id == s.need {
		if s.reads++; s.reads == 2 {
			if err := s.finish(); err != nil {
				return nil, err
			}
		}
	}
	return s.ReconcileStore.FindNeedByID(ctx, id)
}

// TestReconcileWaitsForAWriterBetweenItsWrites: with Settle, drift that a
// live writer is about to resolve (its counter update lands during the
// wait) is neither reported nor written; drift that stays is repaired.
func TestReconcileWaitsForAWriterBetweenItsWrites(t *testing.T) {
	ctx := context.Background()
	f := newReconcileFixture(t)
	id := f.needs[0].ID
	progress := mongodb.NewNeedProgressStore(testDB)
	truth := donations.NeedCounters{RaisedFen: 8000, SpentFen: 1000, Lines: []donations.LineCounters{}}
	tests := []struct {
		name     string
		finish   func() error
		want     []donations.NeedRepair
		versions int64 // writes to the need
	}{
		{"the writer finishes", func() error { return progress.AddNeedProgress(ctx, id, 700, 0) }, []donations.NeedRepair{}, 1},
		{"the drift stays", func() error { return nil }, []donations.NeedRepair{{NeedID: id, Title: f.needs[0].Title, Fixed: true,
			Changes: []donations.CounterChange{{Field: "progress.raised_fen", Before: 7300, After: 8000}}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The ledger holds 700 fen more than the counter: a gift's
			// entry is written, its progress update not yet.
			tamper(t, id, bson.D{{Key: "progress.raised_fen", Value: int64(7300)}})
			before := stored(t, id)
			store := &slowWriterStore{ReconcileStore: mongodb.NewReconcileStore(testDB), need: id, finish: tt.finish}
			rc := &donations.Reconciler{Store: store, Settle: 10 * time.Millisecond}
			r, err := rc.Reconcile(ctx, donations.ReconcileOptions{OrgIDs: []string{f.org}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Needs); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			want := map[string]storedNeed{id: {C: truth, Version: before[id].Version + tt.versions}}
			if diff := cmp.Diff(want, stored(t, id)); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}
