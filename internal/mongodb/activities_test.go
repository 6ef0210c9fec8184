package mongodb_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/internal/mongodb"
)

func newTestSession(start time.Time, places int) *activities.Session {
	return &activities.Session{ID: tongban.NewID(), ActivityID: "a", OrgID: "o", Start: start.UTC().Truncate(time.Millisecond),
		End: start.Add(time.Hour).UTC().Truncate(time.Millisecond), CountyCode: "439921", Capacity: map[string]int{"tutor": places},
		PlacesLeft: map[string]int{"tutor": places}, Waitlist: map[string][]string{"tutor": {}}, Offers: map[string]activities.Offer{}, SignupDeadline: start.UTC().Truncate(time.Millisecond)}
}

// TestActivityTakePlaceIsExact: 50 clients race for 30 places; exactly 30
// win, each with its own arrival number, and the others get ECONFLICT.
func TestActivityTakePlaceIsExact(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewActivityStore(testDB)
	sess := newTestSession(time.Now().Add(time.Hour), 30)
	if err := s.CreateSessions(ctx, []*activities.Session{sess}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var seqs []int64
	conflicts := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq, err := s.TakePlace(ctx, sess.ID, "tutor")
			mu.Lock()
			defer mu.Unlock()
			switch tongban.ErrorCode(err) {
			case "":
				seqs = append(seqs, seq)
			case tongban.ECONFLICT:
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	var want []int64
	for i := int64(1); i <= 30; i++ {
		want = append(want, i)
	}
	if diff := cmp.Diff(want, seqs); diff != "" || conflicts != 20 {
		t.Errorf("conflicts %d; arrival numbers (-want +got):\n%s", conflicts, diff)
	}
	got, err := s.FindSession(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PlacesLeft["tutor"] != 0 || got.Seq != 30 {
		t.Errorf("places left %d, seq %d", got.PlacesLeft["tutor"], got.Seq)
	}
	if seq, err := s.NextSeq(ctx, sess.ID); err != nil || seq != 31 {
		t.Errorf("NextSeq = %d, %v", seq, err)
	}
	if err := s.ReleasePlace(ctx, sess.ID, "tutor"); err != nil {
		t.Fatal(err)
	}
	if seq, err := s.TakePlace(ctx, sess.ID, "tutor"); err != nil || seq != 32 {
		t.Errorf("TakePlace after release = %d, %v", seq, err)
	}
}

func TestActivityStoreVersions(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewActivityStore(testDB)
	vol := tongban.NewID()
	sc, err := s.FindSchedule(ctx, vol)
	if err != nil || sc.Version != 0 || len(sc.Bookings) != 0 {
		t.Fatalf("new schedule = %+v, %v", sc, err)
	}
	b := activities.Booking{SignupID: "x", SessionID: "s", Start: time.Now().UTC().Truncate(time.Millisecond), End: time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)}
	sc.Bookings = append(sc.Bookings, b)
	su := &activities.Signup{ID: tongban.NewID(), SessionID: "s", VolunteerID: vol, Key: "s/" + vol, Status: activities.SignupConfirmed, History: []activities.Transition{}, Version: 1}
	dup := *su
	dup.ID = tongban.NewID()
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"insert schedule", func() error { return s.SaveSchedule(ctx, sc, 0) }, ""},
		{"insert schedule again", func() error { return s.SaveSchedule(ctx, sc, 0) }, tongban.EPRECONDITION},
		{"replace current", func() error { return s.SaveSchedule(ctx, sc, 1) }, ""},
		{"replace stale", func() error { return s.SaveSchedule(ctx, sc, 1) }, tongban.EPRECONDITION},
		{"create sign-up", func() error { return s.CreateSignup(ctx, su) }, ""},
		{"second sign-up of the volunteer", func() error { return s.CreateSignup(ctx, &dup) }, tongban.ECONFLICT},
		{"replace sign-up", func() error { _, err := s.ReplaceSignup(ctx, su, 1); return err }, ""},
		{"replace stale sign-up", func() error { _, err := s.ReplaceSignup(ctx, su, 1); return err }, tongban.EPRECONDITION},
		{"replace missing sign-up", func() error { _, err := s.ReplaceSignup(ctx, &dup, 1); return err }, tongban.ENOTFOUND},
		{"missing session", func() error { _, err := s.TakePlace(ctx, "nope", "tutor"); return err }, tongban.ECONFLICT},
		{"close missing session", func() error { return s.CloseSession(ctx, "nope", 1, time.Now()) }, tongban.ENOTFOUND},
		{"unknown calendar", func() error { _, err := s.FindCalendarToken(ctx, "nope"); return err }, tongban.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tongban.ErrorCode(tt.do()); got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
		})
	}
	got, err := s.FindSchedule(ctx, vol)
	if err != nil || got.Version != 2 || len(got.Bookings) != 1 || !got.Bookings[0].Start.Equal(b.Start) {
		t.Errorf("schedule = %+v, %v", got, err)
	}
}

func TestActivitySessionPages(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewActivityStore(testDB)
	base := time.Date(2040, 1, 1, 1, 0, 0, 0, time.UTC)
	var want []string
	var ss []*activities.Session
	for i := range 5 {
		x := newTestSession(base.Add(time.Duration(i/2)*time.Hour), 1) // pairs share a start
		x.OrgID = "pages"
		ss = append(ss, x)
	}
	if err := s.CreateSessions(ctx, ss); err != nil {
		t.Fatal(err)
	}
	sort.SliceStable(ss, func(i, j int) bool {
		if !ss[i].Start.Equal(ss[j].Start) {
			return ss[i].Start.Before(ss[j].Start)
		}
		return ss[i].ID < ss[j].ID
	})
	for _, x := range ss {
		want = append(want, x.ID)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, next, err := s.FindSessions(ctx, activities.SessionFilter{OrgID: "pages", Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page {
			got = append(got, x.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged sessions (-want +got):\n%s", diff)
	}
	if _, _, err := s.FindSessions(ctx, activities.SessionFilter{Cursor: "!!"}); tongban.ErrorCode(err) != tongban.EINVALID {
		t.Errorf("bad cursor: %v", err)
	}
}
