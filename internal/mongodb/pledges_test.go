package mongodb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

func inKindNeed(t *testing.T, items ...matching.Item) *matching.Need {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := &matching.Need{ID: tongban.NewID(), OrgID: "org", Kind: matching.KindInKind, Category: "winter_clothing", Status: matching.StatusPublished,
		Items: items, Subjects: []string{}, Schedule: []matching.Slot{}, Languages: []string{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := mongodb.NewNeedStore(testDB).CreateNeed(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return n
}

type counters struct {
	Pledged, Delivered           []int
	ItemsPledged, ItemsDelivered int
	Version                      int64
	Status                       string
}

func needCounters(t *testing.T, id string) counters {
	t.Helper()
	n, err := mongodb.NewNeedStore(testDB).FindNeedByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	c := counters{ItemsPledged: n.Progress.ItemsPledged, ItemsDelivered: n.Progress.ItemsDelivered, Version: n.Version, Status: n.Status}
	for _, it := range n.Items {
		c.Pledged = append(c.Pledged, it.Pledged)
		c.Delivered = append(c.Delivered, it.Delivered)
	}
	return c
}

// TestPledgeReserveIsExact: 20 donors race to pledge 1 item each to a line
// of 10; exactly 10 win and the counters read 10.
func TestPledgeReserveIsExact(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewPledgeStore(testDB)
	line := matching.Item{Type: "winter_coat", Size: "130", Count: 10}
	n := inKindNeed(t, line, matching.Item{Type: "winter_coat", Size: "140", Count: 5})
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, refused := 0, 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.ReserveItems(ctx, n.ID, []donations.PledgeLine{{Item: 0, Type: "winter_coat", Size: "130", Count: 1}}, []matching.Item{line})
			mu.Lock()
			defer mu.Unlock()
			switch tongban.ErrorCode(err) {
			case "":
				won++
			case tongban.ECONFLICT:
				refused++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, want := [2]int{won, refused}, [2]int{10, 10}; got != want {
		t.Errorf("won, refused = %v, want %v", got, want)
	}
	got := needCounters(t, n.ID)
	// Ten reserves and one status change (published → partially fulfilled).
	want := counters{Pledged: []int{10, 0}, Delivered: []int{0, 0}, ItemsPledged: 10, Version: 12, Status: matching.StatusPartiallyFulfilled}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counters (-want +got):\n%s", diff)
	}
}

func TestPledgeCounters(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewPledgeStore(testDB)
	items := []matching.Item{{Type: "winter_coat", Size: "130", Count: 10}, {Type: "shoes", Size: "34", Count: 4}}
	n := inKindNeed(t, items...)
	two := []donations.PledgeLine{{Item: 0, Type: "winter_coat", Size: "130", Count: 3}, {Item: 1, Type: "shoes", Size: "34", Count: 4}}
	steps := []struct {
		name string
		do   func() error
		code string
		want counters
	}{
		{"reserve two lines", func() error { return s.ReserveItems(ctx, n.ID, two, items) }, "",
			counters{Pledged: []int{3, 4}, Delivered: []int{0, 0}, ItemsPledged: 7, Version: 3, Status: matching.StatusPartiallyFulfilled}},
		{"one line full refuses the whole pledge", func() error { return s.ReserveItems(ctx, n.ID, two, items) }, tongban.ECONFLICT,
			counters{Pledged: []int{3, 4}, Delivered: []int{0, 0}, ItemsPledged: 7, Version: 3, Status: matching.StatusPartiallyFulfilled}},
		{"a changed line refuses", func() error {
			changed := []matching.Item{{Type: "winter_coat", Size: "120", Count: 10}}
			return s.ReserveItems(ctx, n.ID, two[:1], changed)
		}, tongban.ECONFLICT, counters{Pledged: []int{3, 4}, Delivered: []int{0, 0}, ItemsPledged: 7, Version: 3, Status: matching.StatusPartiallyFulfilled}},
		{"deliver with a shortfall releases it", func() error {
			d := []donations.PledgeLine{{Item: 0, Count: 3, Delivered: 3}, {Item: 1, Count: 4, Delivered: 2}}
			return s.DeliverItems(ctx, n.ID, d)
		}, "", counters{Pledged: []int{3, 2}, Delivered: []int{3, 2}, ItemsPledged: 5, ItemsDelivered: 5, Version: 4, Status: matching.StatusPartiallyFulfilled}},
		{"release", func() error { return s.ReleaseItems(ctx, n.ID, []donations.PledgeLine{{Item: 1, Count: 2}}) }, "",
			counters{Pledged: []int{3, 0}, Delivered: []int{3, 2}, ItemsPledged: 3, ItemsDelivered: 5, Version: 5, Status: matching.StatusPartiallyFulfilled}},
		{"release below zero refuses", func() error { return s.ReleaseItems(ctx, n.ID, []donations.PledgeLine{{Item: 1, Count: 1}}) }, tongban.ECONFLICT,
			counters{Pledged: []int{3, 0}, Delivered: []int{3, 2}, ItemsPledged: 3, ItemsDelivered: 5, Version: 5, Status: matching.StatusPartiallyFulfilled}},
	}
	for _, st := range steps {
		if got := tongban.ErrorCode(st.do()); got != st.code {
			t.Errorf("%s: code %q, want %q", st.name, got, st.code)
		}
		if diff := cmp.Diff(st.want, needCounters(t, n.ID)); diff != "" {
			t.Errorf("%s: counters (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestPledgeDocuments(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewPledgeStore(testDB)
	now := time.Now().UTC().Truncate(time.Millisecond)
	donor, org := tongban.NewID(), tongban.NewID()
	p := &donations.Pledge{ID: tongban.NewID(), NeedID: "n1", OrgID: org, DonorID: donor, Status: donations.PledgePledged,
		Lines:   []donations.PledgeLine{{Item: 0, Type: "winter_coat", Size: "130", Count: 3}},
		History: []donations.PledgeEvent{{Status: donations.PledgePledged, By: donor, At: now}}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.CreatePledge(ctx, p); err != nil {
		t.Fatal(err)
	}
	next := *p
	next.Status = donations.PledgeReceived
	got, err := s.ReplacePledge(ctx, &next, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 {
		t.Errorf("version %d, want 2", got.Version)
	}
	if _, err := s.ReplacePledge(ctx, &next, 1); tongban.ErrorCode(err) != tongban.EPRECONDITION {
		t.Errorf("stale replace: %v, want EPRECONDITION", err)
	}
	for _, f := range []donations.PledgeFilter{{DonorID: donor}, {OrgID: org, Status: []string{donations.PledgeReceived}}} {
		ps, err := s.FindPledges(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].ID != p.ID || ps[0].Status != donations.PledgeReceived {
			t.Errorf("FindPledges(%+v) = %+v", f, ps)
		}
	}
	if ps, _ := s.FindPledges(ctx, donations.PledgeFilter{OrgID: org, Status: []string{donations.PledgePledged}}); len(ps) != 0 {
		t.Errorf("status filter: got %d pledges, want 0", len(ps))
	}
	if _, err := s.FindPledge(ctx, "missing"); tongban.ErrorCode(err) != tongban.ENOTFOUND {
		t.Errorf("missing: %v, want ENOTFOUND", err)
	}
}
