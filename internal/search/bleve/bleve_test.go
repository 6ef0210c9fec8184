package bleve_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/bleve"
	"github.com/tongban/tongban/internal/search/searchtest"
)

// MustOpenIndex opens a bleve index in dir and closes it when tb ends.
func MustOpenIndex(tb testing.TB, dir string, schema search.Schema) *bleve.Index {
	tb.Helper()
	ix, err := bleve.Open(dir, schema)
	if err != nil {
		tb.Fatalf("Open(%s): %v", dir, err)
	}
	tb.Cleanup(func() {
		if err := ix.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return ix
}

func TestContract(t *testing.T) {
	searchtest.RunContract(t, func(t *testing.T, schema search.Schema) search.Index {
		return MustOpenIndex(t, filepath.Join(t.TempDir(), "index"), schema)
	})
}

func TestOpen_Reopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := bleve.Open(dir, searchtest.Schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	searchtest.MustUpsert(t, ix, searchtest.Fixtures()...)
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	ix = MustOpenIndex(t, dir, searchtest.Schema)
	if got, want := searchtest.MustCount(t, ix), 8; got != want {
		t.Errorf("Count after reopen = %d, want %d", got, want)
	}
	res := searchtest.MustSearch(t, ix, search.Query{Text: "辅导", Sort: []search.Sort{{Field: "urgency"}}})
	if diff := cmp.Diff([]string{"n1", "n3"}, searchtest.IDs(res)); diff != "" {
		t.Errorf("ids after reopen (-want +got):\n%s", diff)
	}
}

func TestOpen_SchemaChangeRebuildsEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := bleve.Open(dir, searchtest.Schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	searchtest.MustUpsert(t, ix, searchtest.Fixtures()...)
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	changed := searchtest.Schema
	changed.Facets = append([]string{"status"}, changed.Facets...)
	ix = MustOpenIndex(t, dir, changed)
	if got, want := searchtest.MustCount(t, ix), 0; got != want {
		t.Fatalf("Count after schema change = %d, want %d (rebuilt empty)", got, want)
	}
	searchtest.MustUpsert(t, ix, searchtest.Fixtures()...)
	res := searchtest.MustSearch(t, ix, search.Query{Facets: []string{"status"}})
	want := []search.FacetCount{{Value: "published", Count: 7}, {Value: "draft", Count: 1}}
	if diff := cmp.Diff(want, res.Facets["status"]); diff != "" {
		t.Errorf("status facet (-want +got):\n%s", diff)
	}
}

func TestOpen_ExistingDirectories(t *testing.T) {
	empty := t.TempDir()
	ix := MustOpenIndex(t, empty, searchtest.Schema)
	if got := searchtest.MustCount(t, ix); got != 0 {
		t.Errorf("Count in new index = %d, want 0", got)
	}

	foreign := t.TempDir()
	keep := filepath.Join(foreign, "notes.txt")
	if err := os.WriteFile(keep, []byte("not an index"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ix, err := bleve.Open(foreign, searchtest.Schema); err == nil {
		ix.Close()
		t.Fatalf("Open of a non-empty, non-index directory succeeded")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("Open touched foreign file: %v", err)
	}
}

func TestOpen_InvalidSchema(t *testing.T) {
	bad := searchtest.Schema
	bad.Facets = []string{"urgency"}
	_, err := bleve.Open(filepath.Join(t.TempDir(), "index"), bad)
	if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func TestClose(t *testing.T) {
	ix, err := bleve.Open(filepath.Join(t.TempDir(), "index"), searchtest.Schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"Upsert": ix.Upsert(ctx, searchtest.Fixtures()),
		"Delete": ix.Delete(ctx, []string{"n1"}),
		"Search": func() error { _, err := ix.Search(ctx, search.Query{}); return err }(),
		"Count":  func() error { _, err := ix.Count(ctx); return err }(),
		"Clear":  ix.Clear(ctx),
	} {
		if err == nil {
			t.Errorf("%s after Close succeeded", name)
		}
	}
}

func TestSearch_TextWithoutWordsMatchesAll(t *testing.T) {
	ix := MustOpenIndex(t, filepath.Join(t.TempDir(), "index"), searchtest.Schema)
	searchtest.MustUpsert(t, ix, searchtest.Fixtures()...)
	for _, text := range []string{"，", " - ", "！？"} {
		if got, want := searchtest.MustSearch(t, ix, search.Query{Text: text}).Total, 8; got != want {
			t.Errorf("Search(%q).Total = %d, want %d", text, got, want)
		}
	}
}

func TestSearch_LastWordIsPrefixUnlessClosed(t *testing.T) {
	ix := MustOpenIndex(t, filepath.Join(t.TempDir(), "index"), searchtest.Schema)
	searchtest.MustUpsert(t, ix, searchtest.Fixtures()...)
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"tutor", []string{"n4"}},
		{"tutor，", nil},
		{"tutor english", nil},
		{"english tut", []string{"n4"}},
		{"tutor engl", nil},
		{"Tutoring，", []string{"n4"}},
	} {
		got := searchtest.IDs(searchtest.MustSearch(t, ix, search.Query{Text: tt.text}))
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Search(%q) ids (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestCachedContract runs the whole contract suite through the result
// cache: deletes and upserts must be visible to the very next search.
func TestCachedContract(t *testing.T) {
	searchtest.RunContract(t, func(t *testing.T, schema search.Schema) search.Index {
		return search.Cached(MustOpenIndex(t, filepath.Join(t.TempDir(), "index"), schema), 100)
	})
}

func TestCachedServesRepeatsFromCache(t *testing.T) {
	ctx := context.Background()
	ix := search.Cached(MustOpenIndex(t, filepath.Join(t.TempDir(), "index"), searchtest.Schema), 100)
	searchtest.MustUpsert(t, ix, searchtest.Fixtures()...)
	q := search.Query{Text: "辅导"}
	first := searchtest.MustSearch(t, ix, q)
	second := searchtest.MustSearch(t, ix, q)
	if hits, misses := ix.Stats(); hits != 1 || misses != 1 {
		t.Errorf("hits, misses = %d, %d; want 1, 1", hits, misses)
	}
	if diff := cmp.Diff(searchtest.IDs(first), searchtest.IDs(second)); diff != "" {
		t.Errorf("cached result differs (-first +second):\n%s", diff)
	}
	if len(first.Hits) == 0 {
		t.Fatal("fixture search found nothing")
	}
	if err := ix.Delete(ctx, []string{first.Hits[0].ID()}); err != nil {
		t.Fatal(err)
	}
	third := searchtest.MustSearch(t, ix, q)
	for _, id := range searchtest.IDs(third) {
		if id == first.Hits[0].ID() {
			t.Errorf("deleted %s still served (from cache)", id)
		}
	}
}
