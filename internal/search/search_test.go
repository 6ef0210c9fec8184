package search_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/search"
)

var schema = search.Schema{
	Name:       "needs",
	Searchable: []string{"title", "narrative"},
	Filterable: []string{"kind", "county"},
	Numeric:    []string{"urgency"},
	Sortable:   []string{"kind", "urgency"},
	Facets:     []string{"kind"},
}

func TestSchema_Validate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		edit    func(s *search.Schema)
		wantErr []tongban.FieldError
	}{
		{"valid", func(s *search.Schema) {}, nil},
		{"bad name", func(s *search.Schema) { s.Name = "needs index" }, []tongban.FieldError{
			{Field: "name", Reason: "must be 1 to 64 letters, digits, '-' or '_'"}}},
		{"no searchable", func(s *search.Schema) { s.Searchable = nil }, []tongban.FieldError{
			{Field: "searchable", Reason: "must list at least one field"}}},
		{"malformed field", func(s *search.Schema) { s.Filterable = []string{"kind", "_id"} }, []tongban.FieldError{
			{Field: "filterable", Reason: `has malformed field name "_id"`}}},
		{"nested field", func(s *search.Schema) { s.Numeric = []string{"urgency", "a.b"} }, []tongban.FieldError{
			{Field: "numeric", Reason: `has malformed field name "a.b"`}}},
		{"field in two groups", func(s *search.Schema) { s.Numeric = []string{"urgency", "kind"} }, []tongban.FieldError{
			{Field: "numeric", Reason: `repeats field "kind"`}}},
		{"sortable text field", func(s *search.Schema) { s.Sortable = []string{"title"} }, []tongban.FieldError{
			{Field: "sortable", Reason: `field "title" is neither filterable nor numeric`}}},
		{"numeric facet", func(s *search.Schema) { s.Facets = []string{"urgency"} }, []tongban.FieldError{
			{Field: "facets", Reason: `field "urgency" is not filterable`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := schema
			tt.edit(&s)
			var got []tongban.FieldError
			if err := s.Validate(); err != nil {
				e, ok := err.(*tongban.Error)
				if !ok || e.Code != tongban.EINVALID {
					t.Fatalf("Validate() = %v, want an EINVALID *tongban.Error", err)
				}
				got = e.Fields
			}
			if diff := cmp.Diff(tt.wantErr, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSchema_ValidateQuery(t *testing.T) {
	one, two, nan := 1.0, 2.0, math.NaN()
	for _, tt := range []struct {
		name    string
		q       search.Query
		want    search.Query
		wantErr []tongban.FieldError
	}{
		{"defaults", search.Query{Text: "  辅导 \n"}, search.Query{Text: "辅导", Limit: search.DefaultLimit}, nil},
		{"keeps valid parts, drops repeated facets", search.Query{
			Filters: []search.Filter{{Field: "kind", Values: []string{"goods"}}, {Field: "urgency", Min: &one, Max: &two}, {Field: "urgency", Values: []string{"3", "4.5"}}},
			Facets:  []string{"kind", "kind"},
			Sort:    []search.Sort{{Field: "urgency", Desc: true}, {Field: "kind"}},
			Offset:  search.MaxOffset, Limit: search.MaxLimit,
		}, search.Query{
			Filters: []search.Filter{{Field: "kind", Values: []string{"goods"}}, {Field: "urgency", Min: &one, Max: &two}, {Field: "urgency", Values: []string{"3", "4.5"}}},
			Facets:  []string{"kind"},
			Sort:    []search.Sort{{Field: "urgency", Desc: true}, {Field: "kind"}},
			Offset:  search.MaxOffset, Limit: search.MaxLimit,
		}, nil},
		{"several errors at once", search.Query{
			Limit: 500, Offset: -2,
			Filters: []search.Filter{{Field: "title", Values: []string{"x"}}},
			Facets:  []string{"county"},
			Sort:    []search.Sort{{Field: "county"}},
		}, search.Query{}, []tongban.FieldError{
			{Field: "limit", Reason: "must be between 1 and 100"},
			{Field: "offset", Reason: "must be between 0 and 10000"},
			{Field: "filters", Reason: `field "title" is not filterable`},
			{Field: "facets", Reason: `field "county" is not a facet`},
			{Field: "sort", Reason: `field "county" is not sortable`},
		}},
		{"NaN bound", search.Query{Filters: []search.Filter{{Field: "urgency", Min: &nan}}}, search.Query{}, []tongban.FieldError{
			{Field: "filters", Reason: `field "urgency" has a range bound that is not a finite number`}}},
		{"infinite value", search.Query{Filters: []search.Filter{{Field: "urgency", Values: []string{"Inf"}}}}, search.Query{}, []tongban.FieldError{
			{Field: "filters", Reason: `field "urgency" value "Inf" is not a number`}}},
		{"too many values", search.Query{Filters: []search.Filter{{Field: "kind", Values: make([]string, search.MaxValues+1)}}}, search.Query{}, []tongban.FieldError{
			{Field: "filters", Reason: `field "kind" has more than 100 values`}}},
		{"invalid UTF-8 text", search.Query{Text: "\xff"}, search.Query{}, []tongban.FieldError{
			{Field: "text", Reason: "must be valid UTF-8"}}},
		{"longest text", search.Query{Text: strings.Repeat("童", search.MaxTextLength)}, search.Query{Text: strings.Repeat("童", search.MaxTextLength), Limit: search.DefaultLimit}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := schema.ValidateQuery(tt.q)
			var gotErr []tongban.FieldError
			if err != nil {
				e, ok := err.(*tongban.Error)
				if !ok || e.Code != tongban.EINVALID {
					t.Fatalf("ValidateQuery() error = %v, want an EINVALID *tongban.Error", err)
				}
				gotErr = e.Fields
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSchema_PrepareDocument(t *testing.T) {
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		doc      search.Document
		want     search.Document
		wantJSON string
		wantErr  string
	}{
		{"normalizes through JSON",
			search.Document{"id": "n-1_a", "title": "课业辅导 <数学>", "kind": []string{"a", "b"}, "urgency": 3, "at": at, "extra": map[string]int{"x": 1}},
			search.Document{"id": "n-1_a", "title": "课业辅导 <数学>", "kind": []any{"a", "b"}, "urgency": 3.0, "at": "2025-03-01T08:00:00Z", "extra": map[string]any{"x": 1.0}},
			`{"at":"2025-03-01T08:00:00Z","extra":{"x":1},"id":"n-1_a","kind":["a","b"],"title":"课业辅导 \u003c数学\u003e","urgency":3}`, ""},
		{"null and absent fields", search.Document{"id": "x", "urgency": nil},
			search.Document{"id": "x", "urgency": nil}, `{"id":"x","urgency":null}`, ""},
		{"id too long", search.Document{"id": strings.Repeat("a", search.MaxIDLength+1)}, nil, "", "id"},
		{"longest id", search.Document{"id": strings.Repeat("a", search.MaxIDLength)},
			search.Document{"id": strings.Repeat("a", search.MaxIDLength)}, `{"id":"` + strings.Repeat("a", search.MaxIDLength) + `"}`, ""},
		{"id with slash", search.Document{"id": "a/b"}, nil, "", "id"},
		{"numeric string", search.Document{"id": "x", "urgency": "3"}, nil, "", "urgency"},
		{"boolean keyword", search.Document{"id": "x", "county": true}, nil, "", "county"},
		{"mixed array", search.Document{"id": "x", "narrative": []any{"a", 1}}, nil, "", "narrative"},
		{"NaN", search.Document{"id": "x", "urgency": math.NaN()}, nil, "", "document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, raw, err := schema.PrepareDocument(tt.doc)
			var gotErr string
			if err != nil {
				e, ok := err.(*tongban.Error)
				if !ok || e.Code != tongban.EINVALID {
					t.Fatalf("PrepareDocument() error = %v, want an EINVALID *tongban.Error", err)
				}
				gotErr = e.Fields[0].Field
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("invalid field (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("document (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantJSON, string(raw)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDocument_ID(t *testing.T) {
	for _, tt := range []struct {
		doc  search.Document
		want string
	}{
		{search.Document{"id": "n1"}, "n1"},
		{search.Document{"id": 1}, ""},
		{search.Document{}, ""},
		{nil, ""},
	} {
		if got := tt.doc.ID(); got != tt.want {
			t.Errorf("%v.ID() = %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"3", 3, false},
		{" -2.5 ", -2.5, false},
		{"1e3", 1000, false},
		{"NaN", 0, true},
		{"-Inf", 0, true},
		{"3 stars", 0, true},
		{"", 0, true},
	} {
		got, err := search.ParseNumber(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
