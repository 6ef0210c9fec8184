package mongodb_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
)

// ids returns the IDs of es, sorted.
func ids(es []*donations.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID+" "+e.Hash[:8])
	}
	slices.Sort(out)
	return out
}

// sealedStore returns a store with segments of 10 entries over a database
// of its own holding 57 chained entries of one ledger (three donors, two
// needs) and 3 of another.
func sealedStore(t *testing.T) (*mongodb.DB, *mongodb.LedgerStore, []*donations.Entry) {
	t.Helper()
	db := openMoneyDB(t)
	store := mongodb.NewLedgerStore(db)
	store.SegmentSize = 10
	es := chainedEntriesFor(t, "seg", 20, "donorA", "needA")
	// The same chain goes on with other donors and needs.
	c := donations.NewChain("seg")
	for _, e := range es {
		if err := c.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 37 {
		donor, need := []string{"donorB", "donorC"}[(i/2)%2], []string{"needA", "needB"}[(i/2)%2]
		pool := donations.PoolAccount("seg")
		var d donations.Draft
		if i%2 == 0 {
			d = donations.Draft{Kind: donations.KindDonation, Links: donations.Links{DonorID: donor, Channel: donations.ChannelOnline, Provider: "sandbox", ProviderRef: fmt.Sprint("P", i)},
				Postings: []donations.Posting{{Account: pool, DebitFen: 300}, {Account: donations.DonorAccount(donor), CreditFen: 300}}}
		} else {
			d = donations.Draft{Kind: donations.KindAllocation, Links: donations.Links{NeedIDs: []string{need}},
				Postings: []donations.Posting{{Account: pool, CreditFen: 100}, {Account: donations.NeedAccount(need), DebitFen: 100}}}
		}
		d.At, d.By, d.IdemKey = es[0].At, "test", fmt.Sprint("seg-more-", i)
		if i == 4 {
			d.ExtRef = "bank-slip-sha"
		}
		e, err := c.Next(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(e); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	other := chainedEntriesFor(t, "segother", 3, "donorA", "needA")
	if err := store.InsertEntries(context.Background(), append(slices.Clone(es), other...)); err != nil {
		t.Fatal(err)
	}
	return db, store, append(es, other...)
}

func TestSealKeepsEveryQueryAnswer(t *testing.T) {
	ctx := context.Background()
	db, store, all := sealedStore(t)
	queries := []struct {
		name string
		run  func() ([]*donations.Entry, error)
	}{
		{"all of seg", func() ([]*donations.Entry, error) { return store.EntriesAfter(ctx, "seg", 0, 0) }},
		{"seg after 23, 5 of them", func() ([]*donations.Entry, error) { return store.EntriesAfter(ctx, "seg", 23, 5) }},
		{"seg after 8, 45 of them", func() ([]*donations.Entry, error) { return store.EntriesAfter(ctx, "seg", 8, 45) }},
		{"seg after 49", func() ([]*donations.Entry, error) { return store.EntriesAfter(ctx, "seg", 49, 0) }},
		{"seg after 57", func() ([]*donations.Entry, error) { return store.EntriesAfter(ctx, "seg", 57, 0) }},
		{"segother", func() ([]*donations.Entry, error) { return store.EntriesAfter(ctx, "segother", 0, 0) }},
		{"donorA", func() ([]*donations.Entry, error) { return store.FindEntriesByDonor(ctx, "donorA") }},
		{"donorC", func() ([]*donations.Entry, error) { return store.FindEntriesByDonor(ctx, "donorC") }},
		{"needB", func() ([]*donations.Entry, error) { return store.FindEntriesByNeed(ctx, "needB") }},
		{"needA", func() ([]*donations.Entry, error) { return store.FindEntriesByNeed(ctx, "needA") }},
		{"by id 7", one(func() (*donations.Entry, error) { return store.FindEntryByID(ctx, donations.EntryID("seg", 7)) })},
		{"by id 55", one(func() (*donations.Entry, error) { return store.FindEntryByID(ctx, donations.EntryID("seg", 55)) })},
		{"by idem key", one(func() (*donations.Entry, error) { return store.FindEntryByIdemKey(ctx, "seg-more-3") })},
		{"by ext ref", one(func() (*donations.Entry, error) { return store.FindEntryByExtRef(ctx, "bank-slip-sha") })},
		{"scan", func() ([]*donations.Entry, error) {
			var out []*donations.Entry
			err := store.ScanEntries(ctx, func(e *donations.Entry) error { out = append(out, e); return nil })
			return out, err
		}},
	}
	before := map[string][]*donations.Entry{}
	for _, q := range queries {
		es, err := q.run()
		if err != nil {
			t.Fatalf("%s before sealing: %v", q.name, err)
		}
		if len(es) == 0 && q.name != "seg after 57" {
			t.Fatalf("%s before sealing: no entries", q.name)
		}
		before[q.name] = es
	}
	r, err := store.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mongodb.SealReport{Segments: 5, Entries: 50}, *r); diff != "" {
		t.Errorf("seal report (-want +got):\n%s", diff)
	}
	if n, err := db.Collection("ledger_entries").CountDocuments(ctx, bson.D{}); err != nil || n != 10 {
		t.Errorf("entry documents left: %d (%v), want 10 (7 of seg, 3 of segother)", n, err)
	}
	for _, q := range queries {
		got, err := q.run()
		if err != nil {
			t.Fatalf("%s after sealing: %v", q.name, err)
		}
		if diff := cmp.Diff(ids(before[q.name]), ids(got)); diff != "" {
			t.Errorf("%s after sealing (-before +after):\n%s", q.name, diff)
		}
		if strings.HasPrefix(q.name, "seg") && q.name != "segother" {
			// In seq order, as EntriesAfter promises.
			if !slices.IsSortedFunc(got, func(a, b *donations.Entry) int { return int(a.Seq - b.Seq) }) {
				t.Errorf("%s after sealing: not in seq order", q.name)
			}
		}
		if strings.HasPrefix(q.name, "by") {
			if diff := cmp.Diff(before[q.name][0], got[0]); diff != "" {
				t.Errorf("%s: entry changed by sealing (-before +after):\n%s", q.name, diff)
			}
		}
	}
	rep, err := donations.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Entries != int64(len(all)) || rep.Ledgers != 2 {
		t.Errorf("verify after sealing: %d ledgers, %d entries, %+v", rep.Ledgers, rep.Entries, rep.Mismatches)
	}
	// Nothing more to seal.
	if r, err := store.Seal(ctx); err != nil || *r != (mongodb.SealReport{}) {
		t.Errorf("second seal: %+v, %v; want nothing done", r, err)
	}
	if _, err := store.FindEntryByID(ctx, donations.EntryID("seg", 58)); tongban.ErrorCode(err) != tongban.ENOTFOUND {
		t.Errorf("entry 58: %v, want not found", err)
	}
}

func one(f func() (*donations.Entry, error)) func() ([]*donations.Entry, error) {
	return func() ([]*donations.Entry, error) {
		e, err := f()
		if err != nil {
			return nil, err
		}
		return []*donations.Entry{e}, nil
	}
}

// editSegment rewrites the entries of a stored segment directly in the
// database, as someone with database access could.
func editSegment(t *testing.T, db *mongodb.DB, id string, edit func([]*donations.Entry) []byte) {
	t.Helper()
	ctx := context.Background()
	var seg struct {
		Entries []byte `bson:"entries"`
	}
	if err := db.Collection("ledger_segments").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&seg); err != nil {
		t.Fatal(err)
	}
	es := decodeSegment(t, seg.Entries)
	blob := edit(es)
	if blob == nil {
		blob = encodeSegment(t, es)
	}
	if _, err := db.Collection("ledger_segments").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "entries", Value: blob}}}}); err != nil {
		t.Fatal(err)
	}
}

// decodeSegment reads the documented segment format: zstd over a gob
// stream of []*donations.Entry.
func decodeSegment(t *testing.T, blob []byte) []*donations.Entry {
	t.Helper()
	zr, err := zstd.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var es []*donations.Entry
	if err := gob.NewDecoder(zr).Decode(&es); err != nil {
		t.Fatal(err)
	}
	return es
}

func encodeSegment(t *testing.T, es []*donations.Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(zw).Encode(es); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestVerifyPointsIntoSegments(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *mongodb.DB)
		want   []string
		err    string
	}{
		{
			name: "an amount changed inside a segment",
			tamper: func(t *testing.T, db *mongodb.DB) {
				editSegment(t, db, "seg/11", func(es []*donations.Entry) []byte {
					e := es[3] // seq 14
					for i := range e.Postings {
						e.Postings[i].DebitFen, e.Postings[i].CreditFen = e.Postings[i].DebitFen*2, e.Postings[i].CreditFen*2
					}
					return nil
				})
			},
			want: []string{"seg 14"},
		},
		{
			name: "a whole segment deleted",
			tamper: func(t *testing.T, db *mongodb.DB) {
				if _, err := db.Collection("ledger_segments").DeleteOne(context.Background(), bson.D{{Key: "_id", Value: "seg/21"}}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"seg 21"},
		},
		{
			name: "an entry dropped from a segment",
			tamper: func(t *testing.T, db *mongodb.DB) {
				editSegment(t, db, "seg/31", func(es []*donations.Entry) []byte {
					return encodeSegment(t, slices.Delete(es, 5, 6)) // seq 36
				})
			},
			want: []string{"seg 36"},
		},
		{
			name: "the seal moved back",
			tamper: func(t *testing.T, db *mongodb.DB) {
				if _, err := db.Collection("ledger_seals").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: "seg"}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "sealed_through", Value: int64(40)}}}}); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"seg 41"}, // entries 41 to 50 are in no place a reader looks
		},
		{
			name: "a segment that is not readable",
			tamper: func(t *testing.T, db *mongodb.DB) {
				editSegment(t, db, "seg/1", func([]*donations.Entry) []byte { return []byte("not zstd at all") })
			},
			err: "ledger segment seg/1 (ledger seg, entries 1 to 10) cannot be read",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, store, _ := sealedStore(t)
			if _, err := store.Seal(ctx); err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, db)
			r, err := donations.Verify(ctx, store)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("verify error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, m := range r.Mismatches {
				got = append(got, fmt.Sprintf("%s %d", m.Ledger, m.Seq))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatches (-want +got):\n%s\n%+v", diff, r.Mismatches)
			}
		})
	}
}

func TestSealRefusesEntriesThatDoNotChain(t *testing.T) {
	ctx := context.Background()
	db, store, _ := sealedStore(t)
	if _, err := db.Collection("ledger_entries").UpdateOne(ctx, bson.D{{Key: "_id", Value: donations.EntryID("seg", 24)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "why", Value: "edited"}}}}); err != nil {
		t.Fatal(err)
	}
	r, err := store.Seal(ctx)
	if err == nil || !strings.Contains(err.Error(), "entry 24 does not verify") {
		t.Fatalf("seal error %v, want entry 24 named", err)
	}
	if r.Segments != 2 {
		t.Errorf("%d segments sealed before the bad block, want 2", r.Segments)
	}
	// The bad entry stays where verify reads it.
	rep, err := donations.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Mismatches) != 1 || rep.Mismatches[0].Seq != 24 {
		t.Errorf("mismatches %+v, want seq 24", rep.Mismatches)
	}
}

func TestLateInsertIntoSealedPositionIsTakenBack(t *testing.T) {
	ctx := context.Background()
	db, store, all := sealedStore(t)
	if _, err := store.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	// A writer that last saw seq 4 builds its own seq 5.
	c := donations.NewChain("seg")
	for _, e := range all[:4] {
		if err := c.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	late, err := c.Next(donations.Draft{Kind: donations.KindDonation, At: all[0].At, By: "late", IdemKey: "late-writer",
		Links:    donations.Links{DonorID: "donorZ", Channel: donations.ChannelOnline, Provider: "sandbox", ProviderRef: "late"},
		Postings: []donations.Posting{{Account: donations.PoolAccount("seg"), DebitFen: 1}, {Account: donations.DonorAccount("donorZ"), CreditFen: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InsertEntry(ctx, late); tongban.ErrorCode(err) != tongban.ECONFLICT {
		t.Fatalf("late insert: %v, want ECONFLICT", err)
	}
	got, err := store.FindEntryByID(ctx, late.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != all[4].Hash {
		t.Errorf("entry 5 is %s, want the sealed original %s", got.Hash, all[4].Hash)
	}
	if n, _ := db.Collection("ledger_entries").CountDocuments(ctx, bson.D{{Key: "_id", Value: late.ID}}); n != 0 {
		t.Errorf("the late insert is still stored (%d)", n)
	}
}

// TestWritersAndSealsRace posts from four Books (four processes) while
// another goroutine seals: every posted entry is there once, in one chain
// that verifies, and a repeated request after sealing finds its entry.
func TestWritersAndSealsRace(t *testing.T) {
	ctx := context.Background()
	db := openMoneyDB(t)
	store := mongodb.NewLedgerStore(db)
	store.SegmentSize = 7
	ledger := "race" + tongban.NewID()[:6]
	const writers, each = 4, 30
	post := func(b *donations.Book, key string) (*donations.Entry, bool, error) {
		return b.Post(ctx, ledger, key, "", func(*donations.Chain) (donations.Draft, error) {
			return donations.Draft{Kind: donations.KindDonation, By: "race", Links: donations.Links{DonorID: "d1", Channel: donations.ChannelOnline, Provider: "sandbox", ProviderRef: key},
				Postings: []donations.Posting{{Account: donations.PoolAccount(ledger), DebitFen: 5}, {Account: donations.DonorAccount("d1"), CreditFen: 5}}}, nil
		})
	}
	done := make(chan struct{})
	var sealErr error
	sealedDuring := 0
	var sealWG sync.WaitGroup
	sealWG.Add(1)
	go func() {
		defer sealWG.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			r, err := store.Seal(ctx)
			if err != nil {
				sealErr = err
				return
			}
			sealedDuring += r.Segments
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &donations.Book{Store: mongodb.NewLedgerStore(db)}
			for i := range each {
				if _, _, err := post(b, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	sealWG.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("post: %v", err)
	}
	if sealErr != nil {
		t.Fatalf("seal: %v", sealErr)
	}
	if sealedDuring == 0 {
		t.Errorf("no segment was sealed while the writers wrote")
	}
	if _, err := store.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := donations.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Entries != writers*each {
		t.Fatalf("verify: %d entries (want %d), mismatches %+v", r.Entries, writers*each, r.Mismatches)
	}
	es, err := store.EntriesAfter(ctx, ledger, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, e := range es {
		keys[e.IdemKey]++
	}
	if len(keys) != writers*each {
		t.Errorf("%d distinct keys, want %d", len(keys), writers*each)
	}
	// A fresh process repeating a sealed request gets the same entry.
	fresh := &donations.Book{Store: mongodb.NewLedgerStore(db)}
	e, created, err := post(fresh, "w2-3")
	if err != nil || created || e.IdemKey != "w2-3" || e.Seq > int64(writers*each) {
		t.Errorf("repeat after sealing: %+v created=%v err=%v", e, created, err)
	}
}

// TestSegmentFormatIsStable decodes a segment written by the first version
// of the format (testdata/segment-gob-zstd-1.bin: the first ten entries of
// chainedEntries) and checks every hash. Renaming a field of donations.Entry
// or of what it holds would silently drop that field from old segments;
// this test fails instead.
func TestSegmentFormatIsStable(t *testing.T) {
	const golden = "testdata/segment-gob-zstd-1.bin"
	want := chainedEntries(t, "golden", 10)
	if os.Getenv("TONGBAN_WRITE_GOLDEN") != "" {
		if err := os.WriteFile(golden, encodeSegment(t, want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	blob, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeSegment(t, blob)
	for _, e := range got {
		if e.ComputeHash() != e.Hash {
			t.Errorf("entry %d: hash %s, recomputed %s", e.Seq, e.Hash, e.ComputeHash())
		}
	}
	if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
