package mongodb_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
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

// errInjected is the failure a failingPledgeStore makes up.
var errInjected = errors.New("injected write failure")

// failingPledgeStore is the real pledge store with failure injection: its
// failAt-th write (ReserveItems, ReleaseItems, ReplacePledge, CreatePledge
// or DeletePledge; 0 for none) returns fail without being made, and every
// other write goes through to the database. It records the writes asked
// for, naming needs and pledges by their label in names ("new" for any
// other ID), with "✗" on the one that failed.
type failingPledgeStore struct {
	*mongodb.PledgeStore
	failAt int
	fail   error
	names  map[string]string
	writes []string
}

func (s *failingPledgeStore) write(op, id string) error {
	name, ok := s.names[id]
	if !ok {
		name = "new"
	}
	if len(s.writes)+1 == s.failAt {
		s.writes = append(s.writes, op+" "+name+" ✗")
		return s.fail
	}
	s.writes = append(s.writes, op+" "+name)
	return nil
}

func (s *failingPledgeStore) ReserveItems(ctx context.Context, needID string, lines []donations.PledgeLine, want []matching.Item) error {
	if err := s.write("raise", needID); err != nil {
		return err
	}
	return s.PledgeStore.ReserveItems(ctx, needID, lines, want)
}

func (s *failingPledgeStore) ReleaseItems(ctx context.Context, needID string, lines []donations.PledgeLine) error {
	if err := s.write("lower", needID); err != nil {
		return err
	}
	return s.PledgeStore.ReleaseItems(ctx, needID, lines)
}

func (s *failingPledgeStore) ReplacePledge(ctx context.Context, p *donations.Pledge, version int64) (*donations.Pledge, error) {
	if err := s.write("replace", p.ID); err != nil {
		return nil, err
	}
	return s.PledgeStore.ReplacePledge(ctx, p, version)
}

func (s *failingPledgeStore) CreatePledge(ctx context.Context, p *donations.Pledge) error {
	if err := s.write("create", p.ID); err != nil {
		return err
	}
	return s.PledgeStore.CreatePledge(ctx, p)
}

func (s *failingPledgeStore) DeletePledge(ctx context.Context, id string, version int64) error {
	if err := s.write("delete", id); err != nil {
		return err
	}
	return s.PledgeStore.DeletePledge(ctx, id, version)
}

// applyState is what applying a pledge suggestion may change: the
// counters of needs A, B and C and the organisation's pledges (by ID).
// The versions are left out: taking a write back is itself a write, so a
// version only ever grows.
type applyState struct {
	A, B, C counters
	Pledges map[string]donations.Pledge
}

// TestPledgeApplyUndo applies a pledge suggestion over the real store
// while one of its writes fails: whichever write it is, the counters and
// pledges end exactly as they were, and the writes before it are taken
// back newest first.
//
// Need A (urgency 5) lacks 5 coats of size 130; need B (urgency 4) has
// lines of 10 coats of size 130 and 4 of size 140; need C (urgency 3) 2
// coats of size 130. Pledges, oldest first: p1 (3 coats 130 to B) and p5
// (1 coat 130 to C) move whole to A; p2 (1 coat 140 to B) stays; p4 (2
// coats 130 to B) gives 1 to A, split off as a new pledge, and keeps 1.
// The writes: raise A, replace p1, p5 and p4, create the split, lower B
// and C.
func TestPledgeApplyUndo(t *testing.T) {
	refused := tongban.Errorf(tongban.EPRECONDITION, "The pledge was changed meanwhile; reload and try again.")
	full := tongban.Errorf(tongban.ECONFLICT, "Not enough left on the need's lines.")
	done := []string{"raise A", "replace p1", "replace p5", "replace p4", "create new", "lower B", "lower C"}
	tests := []struct {
		name       string
		failAt     int
		fail       error
		wantCode   string
		wantWrites []string
	}{
		{"raising A's counter fails", 1, errInjected, tongban.EINTERNAL,
			[]string{"raise A ✗"}},
		{"A has no room left", 1, full, tongban.ECONFLICT,
			[]string{"raise A ✗"}},
		{"moving p1 fails", 2, errInjected, tongban.EINTERNAL,
			[]string{"raise A", "replace p1 ✗", "lower A"}},
		{"p4 changed meanwhile", 4, refused, tongban.ECONFLICT,
			[]string{"raise A", "replace p1", "replace p5", "replace p4 ✗", "replace p5", "replace p1", "lower A"}},
		{"splitting p4 fails", 5, errInjected, tongban.EINTERNAL,
			[]string{"raise A", "replace p1", "replace p5", "replace p4", "create new ✗", "replace p4", "replace p5", "replace p1", "lower A"}},
		{"lowering B's counter fails", 6, errInjected, tongban.EINTERNAL,
			[]string{"raise A", "replace p1", "replace p5", "replace p4", "create new", "lower B ✗",
				"delete new", "replace p4", "replace p5", "replace p1", "lower A"}},
		{"lowering C's counter fails", 7, errInjected, tongban.EINTERNAL,
			[]string{"raise A", "replace p1", "replace p5", "replace p4", "create new", "lower B", "lower C ✗",
				"raise B", "delete new", "replace p4", "replace p5", "replace p1", "lower A"}},
		{"nothing fails", 0, nil, "", done},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			real := mongodb.NewPledgeStore(testDB)
			org, donor := tongban.NewID(), tongban.NewID()
			coat130, coat140 := matching.Item{Type: "winter_coat", Size: "130"}, matching.Item{Type: "winter_coat", Size: "140"}
			// IDs in the order A < B < C, the order the counters are written in.
			ids := []string{tongban.NewID(), tongban.NewID(), tongban.NewID()}
			slices.Sort(ids)
			a := orgNeed(t, ids[0], org, "A", 5, withCount(coat130, 5))
			b := orgNeed(t, ids[1], org, "B", 4, withCount(coat130, 10), withCount(coat140, 4))
			c := orgNeed(t, ids[2], org, "C", 3, withCount(coat130, 2))
			at := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
			pledge := func(n *matching.Need, item, count int) string {
				t.Helper()
				it := n.Items[item]
				l := donations.PledgeLine{Item: item, Type: it.Type, Size: it.Size, Count: count}
				if err := real.ReserveItems(ctx, n.ID, []donations.PledgeLine{l}, []matching.Item{it}); err != nil {
					t.Fatal(err)
				}
				at = at.Add(time.Minute)
				p := &donations.Pledge{ID: tongban.NewID(), NeedID: n.ID, NeedTitle: n.Title, OrgID: org, DonorID: donor,
					Lines: []donations.PledgeLine{l}, Status: donations.PledgePledged,
					History: []donations.PledgeEvent{{Status: donations.PledgePledged, By: donor, At: at}}, CreatedAt: at, UpdatedAt: at, Version: 1}
				if err := real.CreatePledge(ctx, p); err != nil {
					t.Fatal(err)
				}
				return p.ID
			}
			p1, p5, p2, p4 := pledge(b, 0, 3), pledge(c, 0, 1), pledge(b, 1, 1), pledge(b, 0, 2)
			state := func() applyState {
				t.Helper()
				s := applyState{A: needCounters(t, a.ID), B: needCounters(t, b.ID), C: needCounters(t, c.ID), Pledges: map[string]donations.Pledge{}}
				s.A.Version, s.B.Version, s.C.Version = 0, 0, 0
				ps, err := real.FindPledges(ctx, donations.PledgeFilter{OrgID: org})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps {
					p.Version = 0
					s.Pledges[p.ID] = *p
				}
				return s
			}
			before := state()

			store := &failingPledgeStore{PledgeStore: real, failAt: tt.failAt, fail: tt.fail,
				names: map[string]string{a.ID: "A", b.ID: "B", c.ID: "C", p1: "p1", p2: "p2", p4: "p4", p5: "p5"}}
			var logged bytes.Buffer
			svc := &donations.PledgeService{Store: store, Needs: mongodb.NewNeedStore(testDB), Logger: slog.New(slog.NewTextHandler(&logged, nil))}
			staff := auth.NewContext(ctx, &auth.Identity{UserID: tongban.NewID(), Orgs: map[string]string{org: "coordinator"}})
			sg, err := svc.SuggestForOrg(staff, org)
			if err != nil {
				t.Fatal(err)
			}
			res, err := svc.ApplySuggestion(staff, org, sg.Assignments)

			if got := tongban.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("error %v: code %q, want %q", err, got, tt.wantCode)
			}
			if tt.fail == errInjected && !errors.Is(err, errInjected) {
				t.Errorf("error %v, want the injected failure", err)
			}
			if diff := cmp.Diff(tt.wantWrites, store.writes); diff != "" {
				t.Errorf("writes (-want +got):\n%s", diff)
			}
			if logged.Len() > 0 {
				t.Errorf("an undo failed:\n%s", logged.String())
			}
			if err != nil {
				if diff := cmp.Diff(before, state()); diff != "" {
					t.Errorf("state after the failure (-before +after):\n%s", diff)
				}
				return
			}
			if got, want := [2]int{res.Applied, len(res.Pledges)}, [2]int{3, 4}; got != want {
				t.Errorf("applied, pledges written = %v, want %v", got, want)
			}
			after := state()
			wantA := counters{Pledged: []int{5}, Delivered: []int{0}, ItemsPledged: 5, Status: matching.StatusPartiallyFulfilled}
			wantB := counters{Pledged: []int{1, 1}, Delivered: []int{0, 0}, ItemsPledged: 2, Status: matching.StatusPartiallyFulfilled}
			wantC := counters{Pledged: []int{0}, Delivered: []int{0}, Status: matching.StatusPublished}
			if diff := cmp.Diff([3]counters{wantA, wantB, wantC}, [3]counters{after.A, after.B, after.C}); diff != "" {
				t.Errorf("counters after apply (-want +got):\n%s", diff)
			}
			held := map[string]int{}
			for _, p := range after.Pledges {
				held[p.NeedID] += p.Total()
			}
			if diff := cmp.Diff(map[string]int{a.ID: 5, b.ID: 2}, held); diff != "" {
				t.Errorf("items held by the pledges per need (-want +got):\n%s", diff)
			}
		})
	}
}

func withCount(it matching.Item, n int) matching.Item {
	it.Count = n
	return it
}

// orgNeed stores a published in-kind need id of org with the given urgency.
func orgNeed(t *testing.T, id, org, title string, urgency int, items ...matching.Item) *matching.Need {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := &matching.Need{ID: id, OrgID: org, Title: title, Kind: matching.KindInKind, Category: "winter_clothing", Status: matching.StatusPublished,
		Urgency: urgency, Items: items, Subjects: []string{}, Schedule: []matching.Slot{}, Languages: []string{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := mongodb.NewNeedStore(testDB).CreateNeed(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return n
}
