package mongodb_test

import (
	"context"
	"testing"

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
