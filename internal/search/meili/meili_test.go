package meili_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/meilisearch/meilisearch-go"

	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/meili"
	"github.com/tongban/tongban/internal/search/searchtest"
)

var schema = search.Schema{
	Name:       "needs",
	Searchable: []string{"title", "narrative"},
	Filterable: []string{"kind", "county"},
	Numeric:    []string{"urgency"},
	Sortable:   []string{"kind", "urgency"},
	Facets:     []string{"kind", "county"},
}

func TestQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`goods`, `"goods"`},
		{`课业辅导`, `"课业辅导"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{`\"`, `"\\\""`},
		{`a" OR kind = "b`, `"a\" OR kind = \"b"`},
		{`AND`, `"AND"`},
		{``, `""`},
	} {
		if got := meili.Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestFilterString(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		name    string
		filters []search.Filter
		want    string
	}{
		{"none", nil, ""},
		{"one value", []search.Filter{{Field: "kind", Values: []string{"goods"}}},
			`"kind" IN ["goods"]`},
		{"values ORed", []search.Filter{{Field: "kind", Values: []string{"goods", "counseling"}}},
			`"kind" IN ["goods", "counseling"]`},
		{"filters ANDed", []search.Filter{{Field: "kind", Values: []string{"goods"}}, {Field: "county", Values: []string{"511321"}}},
			`("kind" IN ["goods"]) AND ("county" IN ["511321"])`},
		{"escaped value", []search.Filter{{Field: "kind", Values: []string{`x" OR "kind" != "y`, `c:\`}}},
			`"kind" IN ["x\" OR \"kind\" != \"y", "c:\\"]`},
		{"Chinese value", []search.Filter{{Field: "county", Values: []string{"凉山州"}}},
			`"county" IN ["凉山州"]`},
		{"numeric values unquoted", []search.Filter{{Field: "urgency", Values: []string{"2", " 4.50", "-1e3"}}},
			`"urgency" IN [2, 4.5, -1000]`},
		{"range", []search.Filter{{Field: "urgency", Min: f(2), Max: f(3.5)}},
			`"urgency" >= 2 AND "urgency" <= 3.5`},
		{"min only", []search.Filter{{Field: "urgency", Min: f(-0.25)}},
			`"urgency" >= -0.25`},
		{"max only, huge", []search.Filter{{Field: "urgency", Max: f(1e21)}},
			`"urgency" <= 1000000000000000000000`},
		{"range ANDed with keyword", []search.Filter{{Field: "urgency", Min: f(3)}, {Field: "kind", Values: []string{"goods"}}},
			`("urgency" >= 3) AND ("kind" IN ["goods"])`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, meili.FilterString(schema, tt.filters)); diff != "" {
				t.Errorf("filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	i64 := func(n int64) *int64 { return &n }
	locales := []string{"cmn", "eng"}
	for _, tt := range []struct {
		name      string
		q         search.Query
		wantHits  *meilisearch.SearchRequest
		wantCount *meilisearch.SearchRequest
	}{
		{"empty query sorts by id, first page",
			search.Query{},
			&meilisearch.SearchRequest{MatchingStrategy: meilisearch.All, Locales: locales, Sort: []string{"id:asc"}, Page: 1, HitsPerPage: i64(20)},
			nil},
		{"text without sort is by relevance",
			search.Query{Text: "辅导", Facets: []string{"kind"}, Offset: 40, Limit: 20},
			&meilisearch.SearchRequest{Query: "辅导", MatchingStrategy: meilisearch.All, Locales: locales, Page: 3, HitsPerPage: i64(20), Facets: []string{"kind"}},
			nil},
		{"sort then id, filter",
			search.Query{Text: "tutoring", Sort: []search.Sort{{Field: "urgency", Desc: true}, {Field: "kind"}},
				Filters: []search.Filter{{Field: "kind", Values: []string{"goods"}}}, Limit: 10},
			&meilisearch.SearchRequest{Query: "tutoring", MatchingStrategy: meilisearch.All, Locales: locales,
				Sort: []string{"urgency:desc", "kind:asc", "id:asc"}, Filter: `"kind" IN ["goods"]`, Page: 1, HitsPerPage: i64(10)},
			nil},
		{"unaligned offset needs a count request",
			search.Query{Text: "辅导", Facets: []string{"kind", "county"}, Offset: 5, Limit: 3},
			&meilisearch.SearchRequest{Query: "辅导", MatchingStrategy: meilisearch.All, Locales: locales, Offset: 5, Limit: 3},
			&meilisearch.SearchRequest{Query: "辅导", MatchingStrategy: meilisearch.All, Locales: locales, Page: 1, HitsPerPage: i64(0), Facets: []string{"kind", "county"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := schema.ValidateQuery(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			hits, count := meili.Requests(schema, q)
			if diff := cmp.Diff(tt.wantHits, hits); diff != "" {
				t.Errorf("hits request (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCount, count); diff != "" {
				t.Errorf("count request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	s := schema
	s.Sortable = []string{"urgency", "id"}
	s.Filterable = []string{"kind", "county", "id"}
	got := meili.Settings(s)
	want := &meilisearch.Settings{
		RankingRules:         []string{"sort", "words", "typo", "proximity", "attribute", "exactness"},
		SearchableAttributes: []string{"title", "narrative"},
		DisplayedAttributes:  []string{"*"},
		FilterableAttributes: []string{"kind", "county", "id", "urgency"},
		SortableAttributes:   []string{"urgency", "id"},
		LocalizedAttributes:  []*meilisearch.LocalizedAttributes{{Locales: []string{"cmn", "eng"}, AttributePatterns: []string{"title", "narrative"}}},
		Pagination:           &meilisearch.Pagination{MaxTotalHits: meili.MaxTotalHits},
		Faceting: &meilisearch.Faceting{MaxValuesPerFacet: search.MaxFacetValues,
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
	if got := meili.Settings(schema).SortableAttributes; !cmp.Equal(got, []string{"kind", "urgency", "id"}) {
		t.Errorf("sortable attributes = %v, want id appended", got)
	}
}

func TestFacetCounts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		facets []string
		dist   string
		want   map[string][]search.FacetCount
	}{
		{"none requested", nil, `{"kind":{"goods":1}}`, nil},
		{"sorted by count then value, missing facet empty", []string{"kind", "county"},
			`{"kind":{"tutoring":2,"goods":3,"activity":2,"counseling":1}}`,
			map[string][]search.FacetCount{
				"kind":   {{Value: "goods", Count: 3}, {Value: "activity", Count: 2}, {Value: "tutoring", Count: 2}, {Value: "counseling", Count: 1}},
				"county": {},
			}},
		{"absent distribution", []string{"kind"}, ``, map[string][]search.FacetCount{"kind": {}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := meili.FacetCounts(tt.facets, json.RawMessage(tt.dist))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("facets (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := meili.FacetCounts([]string{"kind"}, json.RawMessage(`{"kind":["goods"]}`)); err == nil {
		t.Errorf("malformed distribution accepted")
	}
}

var indexSeq atomic.Int64

// TestContract runs the contract suite against a real Meilisearch server
// when TONGBAN_MEILI_URL is set. Each test gets its own index, deleted
// afterwards.
func TestContract(t *testing.T) {
	url := os.Getenv("TONGBAN_MEILI_URL")
	if url == "" {
		t.Skip("set TONGBAN_MEILI_URL (and TONGBAN_MEILI_KEY if the server has a master key) to run the contract suite against Meilisearch, e.g. TONGBAN_MEILI_URL=http://127.0.0.1:7700")
	}
	key := os.Getenv("TONGBAN_MEILI_KEY")
	searchtest.RunContract(t, func(t *testing.T, s search.Schema) search.Index {
		s.Name = fmt.Sprintf("%s_%d_%d", s.Name, time.Now().UnixNano(), indexSeq.Add(1))
		ctx := context.Background()
		ix, err := meili.Open(ctx, url, key, s)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := ix.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			var opts []meilisearch.Option
			if key != "" {
				opts = append(opts, meilisearch.WithAPIKey(key))
			}
			client := meilisearch.New(url, opts...)
			defer client.Close()
			info, err := client.DeleteIndex(ctx, s.Name)
			if err != nil {
				t.Errorf("delete index %s: %v", s.Name, err)
				return
			}
			if _, err := client.WaitForTask(ctx, info.TaskUID, 10*time.Millisecond); err != nil {
				t.Errorf("wait for index deletion: %v", err)
			}
		})
		return ix
	})
}
