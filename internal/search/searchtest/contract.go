// Package searchtest holds the contract suite every search.Index
// implementation must pass.
package searchtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/search"
)

// Schema is the schema of the needs-like documents the suite indexes.
var Schema = search.Schema{
	Name:       "contract_needs",
	Searchable: []string{"title", "narrative"},
	Filterable: []string{"kind", "county", "age_band", "status", "tags", "created_at"},
	Numeric:    []string{"urgency"},
	Sortable:   []string{"kind", "county", "created_at", "urgency"},
	Facets:     []string{"kind", "county", "age_band", "tags"},
}

// Fixtures returns the eight documents the suite indexes: realistic Chinese
// and English need texts, keyword, multi-valued and numeric fields, fields
// outside the schema, and one document without urgency.
func Fixtures() []search.Document {
	return []search.Document{
		{"id": "n1", "title": "留守儿童周末课业辅导，数学，四年级", "narrative": "每周六上午在村小学陪伴孩子完成作业",
			"kind": "tutoring", "county": "511321", "age_band": "9-11", "status": "published", "urgency": 3,
			"created_at": "2025-03-01T08:00:00Z", "tags": []string{"math", "weekend"}},
		{"id": "n2", "title": "寒冬送温暖：棉衣 130 码 20 件", "narrative": "山区小学冬季缺少保暖衣物",
			"kind": "goods", "county": "522633", "age_band": "6-8", "status": "published", "urgency": 5,
			"created_at": "2025-01-15T02:30:00Z", "tags": []string{"winter"},
			"quantity": 20, "contact": map[string]any{"role": "teacher"}},
		{"id": "n3", "title": "心理辅导 陪伴", "narrative": "父母外出务工，孩子需要定期谈心",
			"kind": "counseling", "county": "511321", "age_band": "12-14", "status": "published", "urgency": 4,
			"created_at": "2025-02-10T09:00:00Z", "tags": []string{"weekend"}},
		{"id": "n4", "title": "English tutoring for grade 5", "narrative": "Online English Tutoring, two evenings a week",
			"kind": "tutoring", "county": "433130", "age_band": "9-11", "status": "published", "urgency": 2,
			"created_at": "2025-04-01T12:00:00Z", "tags": []string{"english", "online"}},
		{"id": "n5", "title": "图书角捐赠 绘本 50 本", "narrative": "为留守儿童建立班级图书角",
			"kind": "goods", "county": "433130", "age_band": "6-8", "status": "published", "urgency": 1,
			"created_at": "2024-12-01T00:00:00Z", "tags": []string{"books"}},
		{"id": "n6", "title": "Winter boots, size 33", "narrative": "Children walk to school in the snow",
			"kind": "goods", "county": "522633", "age_band": "9-11", "status": "published", "urgency": 3,
			"created_at": "2025-01-20T00:00:00Z", "tags": []string{"winter"}},
		{"id": "n7", "title": "周末编程兴趣小组志愿者", "narrative": "Scratch programming club for rural kids",
			"kind": "activity", "county": "511321", "age_band": "12-14", "status": "published", "urgency": 2,
			"created_at": "2025-03-15T00:00:00Z"},
		{"id": "n8", "title": "乡村少年足球队需要教练", "narrative": "每周两次训练",
			"kind": "activity", "county": "433130", "age_band": "12-14", "status": "draft",
			"created_at": "2025-05-01T00:00:00Z"},
	}
}

// Normalize returns d as an Index returns it in hits: decoded from its JSON
// encoding.
func Normalize(tb testing.TB, d search.Document) search.Document {
	tb.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		tb.Fatalf("encode %v: %v", d, err)
	}
	var out search.Document
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// RunContract runs the contract suite. open must return a new, empty index
// for schema and arrange for it to be closed when t ends.
func RunContract(t *testing.T, open func(t *testing.T, schema search.Schema) search.Index) {
	seeded := func(t *testing.T) search.Index {
		t.Helper()
		ix := open(t, Schema)
		MustUpsert(t, ix, Fixtures()...)
		return ix
	}

	t.Run("EmptyQueryMatchesAllByID", func(t *testing.T) {
		ix := seeded(t)
		res := MustSearch(t, ix, search.Query{})
		if diff := cmp.Diff([]string{"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"}, IDs(res)); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		if got, want := res.Total, 8; got != want {
			t.Errorf("Total = %d, want %d", got, want)
		}
		if res.Facets != nil {
			t.Errorf("Facets = %v, want nil when none requested", res.Facets)
		}
	})

	t.Run("Text", func(t *testing.T) {
		ix := seeded(t)
		for _, tt := range []struct {
			text string
			want []string
		}{
			{"辅导", []string{"n1", "n3"}},
			{"课业辅导", []string{"n1"}},
			{"棉衣", []string{"n2"}},
			{"留守儿童", []string{"n1", "n5"}},
			{"陪伴", []string{"n1", "n3"}},
			{"图书", []string{"n5"}},
			{"tutoring", []string{"n4"}},
			{"TUTORING", []string{"n4"}},
			{"tutor", []string{"n4"}},
			{"English tutoring", []string{"n4"}},
			{"winter", []string{"n6"}},
			{"tutoring 数学", nil},
			{"篮球", nil},
		} {
			t.Run(tt.text, func(t *testing.T) {
				res := MustSearch(t, ix, search.Query{Text: tt.text})
				got := IDs(res)
				slices.Sort(got)
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if got, want := res.Total, len(tt.want); got != want {
					t.Errorf("Total = %d, want %d", got, want)
				}
			})
		}
	})

	t.Run("TitleOutranksNarrative", func(t *testing.T) {
		ix := seeded(t)
		// n1 has the words in its title, n5 in its narrative.
		got := IDs(MustSearch(t, ix, search.Query{Text: "留守儿童"}))
		if diff := cmp.Diff([]string{"n1", "n5"}, got); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
	})

	t.Run("HitsAreStoredDocuments", func(t *testing.T) {
		ix := seeded(t)
		res := MustSearch(t, ix, search.Query{Text: "棉衣"})
		want := []search.Document{Normalize(t, Fixtures()[1])}
		if diff := cmp.Diff(want, res.Hits); diff != "" {
			t.Errorf("hits (-want +got):\n%s", diff)
		}
	})

	t.Run("UpsertReplaces", func(t *testing.T) {
		ix := seeded(t)
		repl := search.Document{"id": "n2", "title": "寒冬送温暖：羽绒服 10 件", "narrative": "山区小学冬季缺少保暖衣物",
			"kind": "goods", "county": "522633", "age_band": "6-8", "status": "published", "urgency": 1,
			"created_at": "2025-01-15T02:30:00Z", "tags": []string{"winter"}}
		MustUpsert(t, ix, repl)
		if got := IDs(MustSearch(t, ix, search.Query{Text: "棉衣"})); len(got) != 0 {
			t.Errorf("old text still found: %v", got)
		}
		res := MustSearch(t, ix, search.Query{Text: "羽绒服"})
		if diff := cmp.Diff([]search.Document{Normalize(t, repl)}, res.Hits); diff != "" {
			t.Errorf("replaced hit (-want +got):\n%s", diff)
		}
		low := 1.0
		got := IDs(MustSearch(t, ix, search.Query{Filters: []search.Filter{{Field: "urgency", Max: &low}}}))
		if diff := cmp.Diff([]string{"n2", "n5"}, got); diff != "" {
			t.Errorf("urgency <= 1 (-want +got):\n%s", diff)
		}
		if n := MustCount(t, ix); n != 8 {
			t.Errorf("Count = %d, want 8", n)
		}
	})

	t.Run("DeleteIsImmediate", func(t *testing.T) {
		ix := seeded(t)
		if err := ix.Delete(context.Background(), []string{"n1", "no-such-id"}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if got := IDs(MustSearch(t, ix, search.Query{Text: "课业辅导"})); len(got) != 0 {
			t.Errorf("deleted document found: %v", got)
		}
		res := MustSearch(t, ix, search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{"tutoring"}}}, Facets: []string{"kind"}})
		if diff := cmp.Diff([]string{"n4"}, IDs(res)); diff != "" {
			t.Errorf("tutoring after delete (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]search.FacetCount{{Value: "tutoring", Count: 1}}, res.Facets["kind"]); diff != "" {
			t.Errorf("kind facet after delete (-want +got):\n%s", diff)
		}
		if n := MustCount(t, ix); n != 7 {
			t.Errorf("Count = %d, want 7", n)
		}
		if err := ix.Delete(context.Background(), nil); err != nil {
			t.Errorf("Delete(nil): %v", err)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		ix := seeded(t)
		f := func(v float64) *float64 { return &v }
		for _, tt := range []struct {
			name string
			q    search.Query
			want []string
		}{
			{"keyword", search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{"goods"}}}}, []string{"n2", "n5", "n6"}},
			{"keyword OR", search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{"goods", "counseling"}}}}, []string{"n2", "n3", "n5", "n6"}},
			{"keyword AND keyword", search.Query{Filters: []search.Filter{
				{Field: "kind", Values: []string{"goods"}}, {Field: "county", Values: []string{"522633"}}}}, []string{"n2", "n6"}},
			{"multi-valued field", search.Query{Filters: []search.Filter{{Field: "tags", Values: []string{"weekend"}}}}, []string{"n1", "n3"}},
			{"multi-valued field OR", search.Query{Filters: []search.Filter{{Field: "tags", Values: []string{"winter", "books"}}}}, []string{"n2", "n5", "n6"}},
			{"unknown value", search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{"nothing"}}}}, nil},
			{"min", search.Query{Filters: []search.Filter{{Field: "urgency", Min: f(3)}}}, []string{"n1", "n2", "n3", "n6"}},
			{"min max", search.Query{Filters: []search.Filter{{Field: "urgency", Min: f(2), Max: f(3)}}}, []string{"n1", "n4", "n6", "n7"}},
			{"max", search.Query{Filters: []search.Filter{{Field: "urgency", Max: f(1)}}}, []string{"n5"}},
			{"numeric values", search.Query{Filters: []search.Filter{{Field: "urgency", Values: []string{"2", "5"}}}}, []string{"n2", "n4", "n7"}},
			{"numeric value as float", search.Query{Filters: []search.Filter{{Field: "urgency", Values: []string{"3.0"}}}}, []string{"n1", "n6"}},
			{"keyword AND range", search.Query{Filters: []search.Filter{
				{Field: "county", Values: []string{"511321"}}, {Field: "urgency", Min: f(3)}}}, []string{"n1", "n3"}},
			{"text AND keyword", search.Query{Text: "辅导", Filters: []search.Filter{{Field: "county", Values: []string{"511321"}}}}, []string{"n1", "n3"}},
			{"text AND keyword narrows", search.Query{Text: "辅导", Filters: []search.Filter{{Field: "kind", Values: []string{"tutoring"}}}}, []string{"n1"}},
			{"English text AND range", search.Query{Text: "winter", Filters: []search.Filter{{Field: "urgency", Max: f(2)}}}, nil},
			{"status", search.Query{Filters: []search.Filter{{Field: "status", Values: []string{"draft"}}}}, []string{"n8"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := MustSearch(t, ix, tt.q)
				got := IDs(res)
				slices.Sort(got)
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if got, want := res.Total, len(tt.want); got != want {
					t.Errorf("Total = %d, want %d", got, want)
				}
			})
		}
	})

	t.Run("Facets", func(t *testing.T) {
		ix := seeded(t)
		type fc = search.FacetCount
		c := func(v string, n int) fc { return fc{Value: v, Count: n} }
		for _, tt := range []struct {
			name string
			q    search.Query
			want map[string][]fc
		}{
			{"all documents", search.Query{Facets: []string{"kind", "county", "age_band", "tags"}}, map[string][]fc{
				"kind":     {c("goods", 3), c("activity", 2), c("tutoring", 2), c("counseling", 1)},
				"county":   {c("433130", 3), c("511321", 3), c("522633", 2)},
				"age_band": {c("12-14", 3), c("9-11", 3), c("6-8", 2)},
				"tags":     {c("weekend", 2), c("winter", 2), c("books", 1), c("english", 1), c("math", 1), c("online", 1)},
			}},
			{"filters apply to every facet", search.Query{
				Filters: []search.Filter{{Field: "county", Values: []string{"511321"}}},
				Facets:  []string{"kind", "county"}}, map[string][]fc{
				"kind":   {c("activity", 1), c("counseling", 1), c("tutoring", 1)},
				"county": {c("511321", 3)},
			}},
			{"text applies", search.Query{Text: "辅导", Facets: []string{"kind", "tags"}}, map[string][]fc{
				"kind": {c("counseling", 1), c("tutoring", 1)},
				"tags": {c("weekend", 2), c("math", 1)},
			}},
			{"no hits", search.Query{Text: "篮球", Facets: []string{"kind"}}, map[string][]fc{
				"kind": {},
			}},
			{"repeated facet once", search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{"goods"}}}, Facets: []string{"kind", "kind"}}, map[string][]fc{
				"kind": {c("goods", 3)},
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := MustSearch(t, ix, tt.q)
				if diff := cmp.Diff(tt.want, res.Facets, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("facets (-want +got):\n%s", diff)
				}
				for f := range tt.want {
					if _, ok := res.Facets[f]; !ok {
						t.Errorf("facet %q missing from result", f)
					}
				}
			})
		}
	})

	t.Run("Sort", func(t *testing.T) {
		ix := seeded(t)
		for _, tt := range []struct {
			name string
			q    search.Query
			want []string
		}{
			{"numeric desc, missing last", search.Query{Sort: []search.Sort{{Field: "urgency", Desc: true}}},
				[]string{"n2", "n3", "n1", "n6", "n4", "n7", "n5", "n8"}},
			{"numeric asc, missing last", search.Query{Sort: []search.Sort{{Field: "urgency"}}},
				[]string{"n5", "n4", "n7", "n1", "n6", "n3", "n2", "n8"}},
			{"keyword asc", search.Query{Sort: []search.Sort{{Field: "created_at"}}},
				[]string{"n5", "n2", "n6", "n3", "n1", "n7", "n4", "n8"}},
			{"keyword desc", search.Query{Sort: []search.Sort{{Field: "created_at", Desc: true}}},
				[]string{"n8", "n4", "n7", "n1", "n3", "n6", "n2", "n5"}},
			{"keyword desc, ties by id", search.Query{Sort: []search.Sort{{Field: "kind", Desc: true}}},
				[]string{"n1", "n4", "n2", "n5", "n6", "n3", "n7", "n8"}},
			{"two fields", search.Query{Sort: []search.Sort{{Field: "kind"}, {Field: "urgency", Desc: true}}},
				[]string{"n7", "n8", "n3", "n2", "n6", "n5", "n1", "n4"}},
			{"text then sort", search.Query{Text: "辅导", Sort: []search.Sort{{Field: "urgency"}}},
				[]string{"n1", "n3"}},
			{"filter then sort", search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{"goods"}}}, Sort: []search.Sort{{Field: "urgency"}}},
				[]string{"n5", "n6", "n2"}},
			{"sorted page", search.Query{Sort: []search.Sort{{Field: "urgency", Desc: true}}, Offset: 3, Limit: 3},
				[]string{"n6", "n4", "n7"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, IDs(MustSearch(t, ix, tt.q))); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		ix := seeded(t)
		for _, tt := range []struct {
			offset, limit int
			want          []string
		}{
			{0, 3, []string{"n1", "n2", "n3"}},
			{3, 3, []string{"n4", "n5", "n6"}},
			{6, 3, []string{"n7", "n8"}},
			{2, 3, []string{"n3", "n4", "n5"}},
			{7, 5, []string{"n8"}},
			{8, 3, nil},
			{100, 20, nil},
			{0, 1, []string{"n1"}},
			{0, 0, []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"}},
		} {
			t.Run(fmt.Sprintf("offset %d limit %d", tt.offset, tt.limit), func(t *testing.T) {
				res := MustSearch(t, ix, search.Query{Offset: tt.offset, Limit: tt.limit})
				if diff := cmp.Diff(tt.want, IDs(res), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if got, want := res.Total, 8; got != want {
					t.Errorf("Total = %d, want %d", got, want)
				}
			})
		}
		// Pages of a text query tile its hits.
		all := IDs(MustSearch(t, ix, search.Query{Text: "辅导"}))
		var paged []string
		for off := 0; off < 3; off++ {
			res := MustSearch(t, ix, search.Query{Text: "辅导", Offset: off, Limit: 1})
			if got, want := res.Total, 2; got != want {
				t.Errorf("offset %d: Total = %d, want %d", off, got, want)
			}
			paged = append(paged, IDs(res)...)
		}
		if diff := cmp.Diff(all, paged); diff != "" {
			t.Errorf("paged text hits (-all +paged):\n%s", diff)
		}
	})

	t.Run("InvalidQuery", func(t *testing.T) {
		ix := seeded(t)
		one := 1.0
		five := 5.0
		for _, tt := range []struct {
			name    string
			q       search.Query
			mention string
		}{
			{"unknown filter field", search.Query{Filters: []search.Filter{{Field: "secret", Values: []string{"x"}}}}, "secret"},
			{"searchable field as filter", search.Query{Filters: []search.Filter{{Field: "title", Values: []string{"x"}}}}, "title"},
			{"unknown sort field", search.Query{Sort: []search.Sort{{Field: "narrative"}}}, "narrative"},
			{"unknown facet", search.Query{Facets: []string{"status"}}, "status"},
			{"filter without values", search.Query{Filters: []search.Filter{{Field: "kind"}}}, "kind"},
			{"range on keyword", search.Query{Filters: []search.Filter{{Field: "kind", Min: &one}}}, "kind"},
			{"values and range", search.Query{Filters: []search.Filter{{Field: "urgency", Values: []string{"1"}, Min: &one}}}, "urgency"},
			{"non-numeric value", search.Query{Filters: []search.Filter{{Field: "urgency", Values: []string{"high"}}}}, "urgency"},
			{"min above max", search.Query{Filters: []search.Filter{{Field: "urgency", Min: &five, Max: &one}}}, "urgency"},
			{"empty keyword value", search.Query{Filters: []search.Filter{{Field: "kind", Values: []string{""}}}}, "kind"},
			{"limit too large", search.Query{Limit: search.MaxLimit + 1}, "limit"},
			{"negative limit", search.Query{Limit: -1}, "limit"},
			{"negative offset", search.Query{Offset: -1}, "offset"},
			{"offset too large", search.Query{Offset: search.MaxOffset + 1}, "offset"},
			{"text too long", search.Query{Text: strings.Repeat("辅", search.MaxTextLength+1)}, "text"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := ix.Search(context.Background(), tt.q)
				if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
					t.Fatalf("error code = %q (%v), want %q", got, err, want)
				}
				if msg := tongban.ErrorMessage(err); !strings.Contains(msg, tt.mention) {
					t.Errorf("message %q does not mention %q", msg, tt.mention)
				}
			})
		}
	})

	t.Run("InvalidDocument", func(t *testing.T) {
		ix := seeded(t)
		good := search.Document{"id": "n9", "title": "新的需求", "kind": "goods"}
		for _, tt := range []struct {
			name    string
			doc     search.Document
			mention string
		}{
			{"missing id", search.Document{"title": "x"}, "id"},
			{"numeric id", search.Document{"id": 9, "title": "x"}, "id"},
			{"malformed id", search.Document{"id": "a b", "title": "x"}, "id"},
			{"text number", search.Document{"id": "x1", "urgency": "high"}, "urgency"},
			{"keyword number", search.Document{"id": "x1", "kind": 5}, "kind"},
			{"searchable object", search.Document{"id": "x1", "title": map[string]any{"zh": "x"}}, "title"},
			{"keyword array of numbers", search.Document{"id": "x1", "tags": []int{1}}, "tags"},
			{"not JSON", search.Document{"id": "x1", "extra": make(chan int)}, "x1"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := ix.Upsert(context.Background(), []search.Document{good, tt.doc})
				if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
					t.Fatalf("error code = %q (%v), want %q", got, err, want)
				}
				if msg := tongban.ErrorMessage(err); !strings.Contains(msg, tt.mention) {
					t.Errorf("message %q does not mention %q", msg, tt.mention)
				}
			})
		}
		if n := MustCount(t, ix); n != 8 {
			t.Errorf("Count = %d after rejected batches, want 8 (nothing written)", n)
		}
		if err := ix.Upsert(context.Background(), nil); err != nil {
			t.Errorf("Upsert(nil): %v", err)
		}
	})

	t.Run("CountAndClear", func(t *testing.T) {
		ix := open(t, Schema)
		if n := MustCount(t, ix); n != 0 {
			t.Fatalf("Count of new index = %d, want 0", n)
		}
		MustUpsert(t, ix, Fixtures()...)
		if n := MustCount(t, ix); n != 8 {
			t.Errorf("Count = %d, want 8", n)
		}
		if err := ix.Clear(context.Background()); err != nil {
			t.Fatalf("Clear: %v", err)
		}
		if n := MustCount(t, ix); n != 0 {
			t.Errorf("Count after Clear = %d, want 0", n)
		}
		if res := MustSearch(t, ix, search.Query{}); res.Total != 0 || len(res.Hits) != 0 {
			t.Errorf("search after Clear: Total %d, %d hits; want none", res.Total, len(res.Hits))
		}
		MustUpsert(t, ix, Fixtures()[0])
		if diff := cmp.Diff([]string{"n1"}, IDs(MustSearch(t, ix, search.Query{Text: "辅导"}))); diff != "" {
			t.Errorf("search after re-adding (-want +got):\n%s", diff)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		ix := seeded(t)
		const writers, batches, perBatch = 4, 5, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*batches+4*10)
		for w := range writers {
			wg.Go(func() {
				for b := range batches {
					docs := make([]search.Document, perBatch)
					for i := range docs {
						docs[i] = search.Document{"id": fmt.Sprintf("c%d-%d-%d", w, b, i), "title": "并发写入测试 concurrent", "kind": "goods", "urgency": w}
					}
					if err := ix.Upsert(context.Background(), docs); err != nil {
						errs <- err
					}
				}
			})
		}
		for range 4 {
			wg.Go(func() {
				for range 10 {
					if _, err := ix.Search(context.Background(), search.Query{Text: "辅导", Facets: []string{"kind"}}); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent call: %v", err)
		}
		if got, want := MustCount(t, ix), 8+writers*batches*perBatch; got != want {
			t.Errorf("Count = %d, want %d", got, want)
		}
		res := MustSearch(t, ix, search.Query{Text: "concurrent", Limit: 1})
		if got, want := res.Total, writers*batches*perBatch; got != want {
			t.Errorf("Total for concurrent docs = %d, want %d", got, want)
		}
	})
}

// MustUpsert upserts docs or fails the test.
func MustUpsert(tb testing.TB, ix search.Index, docs ...search.Document) {
	tb.Helper()
	if err := ix.Upsert(context.Background(), docs); err != nil {
		tb.Fatalf("Upsert: %v", err)
	}
}

// MustSearch runs q or fails the test.
func MustSearch(tb testing.TB, ix search.Index, q search.Query) *search.Result {
	tb.Helper()
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		tb.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

// MustCount counts the documents or fails the test.
func MustCount(tb testing.TB, ix search.Index) int {
	tb.Helper()
	n, err := ix.Count(context.Background())
	if err != nil {
		tb.Fatalf("Count: %v", err)
	}
	return n
}

// IDs returns the ids of the hits, in order.
func IDs(res *search.Result) []string {
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID())
	}
	return ids
}
