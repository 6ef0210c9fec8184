package outbox_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/outbox"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/bleve"
)

var db *mongodb.DB

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tongban-outbox-test")
	if err != nil {
		panic(err)
	}
	db, err = mongodb.Open(context.Background(), mongodb.Config{DataDir: dir})
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = db.Close(context.Background())
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var schema = search.Schema{Name: "orgs", Searchable: []string{"name", "county_name", "type_name"}, Filterable: []string{"type", "county_code"}, Facets: []string{"type"}}

func mustIndex(t *testing.T) search.Index {
	t.Helper()
	ix, err := bleve.Open(filepath.Join(t.TempDir(), "orgs"), schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func hitNames(t *testing.T, ix search.Index, text string) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), search.Query{Text: text, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range res.Hits {
		names = append(names, h["name"].(string))
	}
	return names
}

// TestCrashBetweenWritesLosesNothing: the outbox entry is written before
// the document; a process that dies before draining leaves the entry, and
// the next worker indexes the document. An entry whose document write never
// happened indexes nothing.
func TestCrashBetweenWritesLosesNothing(t *testing.T) {
	ctx := context.Background()
	store := mongodb.NewOutboxStore(db)
	accts := mongodb.NewAccountStore(db)
	ix := mustIndex(t)
	src := outbox.Source{Index: ix, Projector: mongodb.NewOrgProjector(db)}

	// Write 1 completes (entry + document); write 2 "crashes" after the
	// entry, before its document.
	o := &accounts.Organisation{ID: tongban.NewID(), Name: "桃花乡儿童之家", Type: "ngo", CountyCode: "439921", CountyName: "隆安县"}
	if err := store.Enqueue(ctx, "orgs", o.ID); err != nil {
		t.Fatal(err)
	}
	if err := accts.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	ghost := tongban.NewID()
	if err := store.Enqueue(ctx, "orgs", ghost); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := store.Oldest(ctx); err != nil || !ok {
		t.Fatalf("oldest: ok=%v err=%v, want a pending entry", ok, err)
	}

	// A new process's worker drains what the dead one left.
	w := &outbox.Worker{Store: store, Sources: map[string]outbox.Source{"orgs": src}}
	n, err := w.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("drained %d entries, want 2", n)
	}
	if diff := cmp.Diff([]string{"桃花乡儿童之家"}, hitNames(t, ix, "桃花")); diff != "" {
		t.Errorf("hits (-want +got):\n%s", diff)
	}
	if c, _ := ix.Count(ctx); c != 1 {
		t.Errorf("index holds %d documents, want 1 (the ghost must not be indexed)", c)
	}
	if _, ok, _ := store.Oldest(ctx); ok {
		t.Error("outbox not empty after drain")
	}

	// Deleting the document and enqueueing removes it from the index.
	if _, err := db.Collection("organisations").DeleteOne(ctx, map[string]any{"_id": o.ID}); err != nil {
		t.Fatal(err)
	}
	if err := store.Enqueue(ctx, "orgs", o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := hitNames(t, ix, "桃花"); len(got) != 0 {
		t.Errorf("deleted organisation still found: %v", got)
	}
}

func TestRunDrainsOnNotifyAndReindexRebuilds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := mongodb.NewOutboxStore(db)
	accts := mongodb.NewAccountStore(db)
	ix := mustIndex(t)
	src := outbox.Source{Index: ix, Projector: mongodb.NewOrgProjector(db)}
	w := &outbox.Worker{Store: store, Sources: map[string]outbox.Source{"orgs": src}, Interval: time.Hour}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()

	o := &accounts.Organisation{ID: tongban.NewID(), Name: "龙潭镇青少年服务站", Type: "youth_league", CountyCode: "439922", CountyName: "溪口县"}
	if err := store.Enqueue(ctx, "orgs", o.ID); err != nil {
		t.Fatal(err)
	}
	if err := accts.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	w.Notify()
	deadline := time.Now().Add(10 * time.Second)
	for len(hitNames(t, ix, "龙潭")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("worker did not drain after Notify")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done

	// Reindex into a fresh index rebuilds every organisation.
	fresh := mustIndex(t)
	var last [2]int
	n, err := outbox.Reindex(context.Background(), outbox.Source{Index: fresh, Projector: src.Projector}, func(d, total int) { last = [2]int{d, total} })
	if err != nil {
		t.Fatal(err)
	}
	want, _ := src.Projector.Count(context.Background())
	if got := [3]int{n, last[0], last[1]}; got != [3]int{want, want, want} {
		t.Errorf("reindexed, progress done, total = %v, want all %d", got, want)
	}
	if got := hitNames(t, fresh, "龙潭"); len(got) != 1 {
		t.Errorf("after reindex: %v", got)
	}
}
