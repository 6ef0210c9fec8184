package mongodb_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

// TestProgressSettlesNeedStatus: money progress moves a funding need
// between published, partially_fulfilled and fulfilled (both ways, for
// refunds), with a history entry each time; a need that is not public
// stays as it is.
func TestProgressSettlesNeedStatus(t *testing.T) {
	ctx := context.Background()
	ns := mongodb.NewNeedStore(testDB)
	ps := mongodb.NewNeedProgressStore(testDB)
	newNeed := func(status string) string {
		n := &matching.Need{ID: tongban.NewID(), OrgID: "o1", OrgName: "童伴测试", Kind: matching.KindFunding, Category: "scholarship",
			Title: "助学", Narrative: "助学金", CountyCode: "439921", CountyName: "隆安县", AgeBand: matching.Band{Min: 16, Max: 18}, Children: 1,
			Mode: matching.ModeEither, TargetFen: 1000, Urgency: 3, Status: status, Subjects: []string{}, Schedule: []matching.Slot{},
			Languages: []string{}, Items: []matching.Item{}, History: []matching.Transition{}, Version: 1}
		if err := ns.CreateNeed(ctx, n); err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	id := newNeed(matching.StatusPublished)
	draft := newNeed(matching.StatusDraft)
	steps := []struct {
		need       string
		raised     int64
		wantStatus string
	}{
		{id, 500, matching.StatusPartiallyFulfilled},
		{id, 499, matching.StatusPartiallyFulfilled},
		{id, 1, matching.StatusFulfilled},
		{id, 200, matching.StatusFulfilled},
		{id, -300, matching.StatusPartiallyFulfilled}, // a refund took money back
		{id, -900, matching.StatusPublished},
		{draft, 1000, matching.StatusDraft},
	}
	for i, s := range steps {
		if err := ps.AddNeedProgress(ctx, s.need, s.raised, 0); err != nil {
			t.Fatal(err)
		}
		n, err := ns.FindNeedByID(ctx, s.need)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != s.wantStatus {
			t.Errorf("step %d (%+d fen): status %s, want %s", i, s.raised, n.Status, s.wantStatus)
		}
	}
	n, _ := ns.FindNeedByID(ctx, id)
	var got []string
	for _, h := range n.History {
		if h.By != mongodb.SystemActor {
			t.Errorf("history entry by %q, want %q", h.By, mongodb.SystemActor)
		}
		got = append(got, h.From+"→"+h.To)
	}
	want := []string{"published→partially_fulfilled", "partially_fulfilled→fulfilled", "fulfilled→partially_fulfilled", "partially_fulfilled→published"}
	if len(got) != len(want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("history[%d] = %s, want %s", i, got[i], want[i])
		}
	}
}

// TestProgressQueuesSearchUpdate: the search document of a need shows the
// money raised, so every progress update queues the need for reindexing,
// also when its status stays the same.
func TestProgressQueuesSearchUpdate(t *testing.T) {
	ctx := context.Background()
	ns := mongodb.NewNeedStore(testDB)
	ps := mongodb.NewNeedProgressStore(testDB)
	n := &matching.Need{ID: tongban.NewID(), OrgID: "o1", OrgName: "童伴测试", Kind: matching.KindFunding, Category: "scholarship",
		Title: "助学", Narrative: "助学金", CountyCode: "439921", CountyName: "隆安县", AgeBand: matching.Band{Min: 16, Max: 18}, Children: 1,
		Mode: matching.ModeEither, TargetFen: 1000, Urgency: 3, Status: matching.StatusPartiallyFulfilled, Subjects: []string{}, Schedule: []matching.Slot{},
		Languages: []string{}, Items: []matching.Item{}, History: []matching.Transition{}, Version: 1}
	n.Progress.RaisedFen = 100
	if err := ns.CreateNeed(ctx, n); err != nil {
		t.Fatal(err)
	}
	queued := func() int64 {
		c, err := testDB.Collection("outbox").CountDocuments(ctx, bson.D{{Key: "index", Value: matching.NeedIndex}, {Key: "doc_id", Value: n.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := queued()
	for _, raised := range []int64{200, 300} { // still partially fulfilled
		if err := ps.AddNeedProgress(ctx, n.ID, raised, 0); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := queued()-before, int64(2); got != want {
		t.Errorf("outbox entries for the need: %d new, want %d", got, want)
	}
	got, err := ns.FindNeedByID(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != matching.StatusPartiallyFulfilled || got.Progress.RaisedFen != 600 {
		t.Errorf("need: %s, raised %d; want partially_fulfilled, 600", got.Status, got.Progress.RaisedFen)
	}
}
