// Package search defines a small, backend-neutral full-text search index used
// for the public search of published needs and campaigns. Two adapters
// implement Index: internal/search/bleve (embedded, on disk) and
// internal/search/meili (Meilisearch). Package searchtest holds the contract
// suite both must pass.
//
// Semantics shared by every implementation:
//
//   - Text is matched against the Schema's Searchable fields; every word of
//     the query must occur in some searchable field (Chinese is matched by
//     words/bigrams, so "辅导" finds "课业辅导"); the last word also matches
//     as a prefix unless the text ends with a space or punctuation. Empty
//     text (or text without any word) matches every document.
//   - Filters are ANDed; the Values of one Filter are ORed. A numeric range
//     includes its bounds.
//   - Facet counts reflect the text and ALL filters of the query (a value of
//     a filtered field counts only documents that match that filter too).
//     Each facet lists at most MaxFacetValues values, by count descending,
//     then value ascending.
//   - Without Sort, hits are ordered by relevance; with empty text they are
//     ordered by id. Sort fields are applied in order, then by id ascending;
//     documents lacking a sort field come last in either direction.
//   - Hits are the stored documents as decoded from JSON: numbers are
//     float64, arrays []any, times RFC 3339 strings.
//   - Keyword values are matched exactly in the embedded backend but
//     case-insensitively by Meilisearch: use canonical (lower-case) codes.
package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// Limits enforced by ValidateQuery and PrepareDocument and applied by every
// implementation.
const (
	// DefaultLimit is the page size used when Query.Limit is 0.
	DefaultLimit = 20
	// MaxLimit is the largest accepted Query.Limit.
	MaxLimit = 100
	// MaxOffset is the largest accepted Query.Offset.
	MaxOffset = 10000
	// MaxTextLength is the longest accepted Query.Text, in characters.
	MaxTextLength = 256
	// MaxValues is the most Values one Filter may list.
	MaxValues = 100
	// MaxFacetValues is the most values returned per facet.
	MaxFacetValues = 100
	// MaxIDLength is the longest accepted document id, in bytes.
	MaxIDLength = 511
)

// Index is a search index of documents described by a Schema. Implementations
// are safe for concurrent use. Writes are visible to searches as soon as they
// return.
type Index interface {
	// Upsert adds the documents, replacing any with the same id. An invalid
	// document (see Schema.PrepareDocument) fails the whole call with
	// EINVALID before anything is written.
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes the documents with the given ids; unknown ids are
	// ignored.
	Delete(ctx context.Context, ids []string) error
	// Search runs q. An invalid query (see Schema.ValidateQuery) returns
	// EINVALID.
	Search(ctx context.Context, q Query) (*Result, error)
	// Count returns the number of documents in the index.
	Count(ctx context.Context) (int, error)
	// Clear removes every document, e.g. before a full reindex.
	Clear(ctx context.Context) error
	// Close releases the index. Other methods fail after Close.
	Close() error
}

// Schema describes the fields of the documents of one index. Field names are
// letters, digits and underscores, starting with a letter; a field belongs to
// at most one of Searchable, Filterable and Numeric. Fields not named here are
// stored and returned in hits but neither searched nor filtered.
type Schema struct {
	// Name names the index (Meilisearch index uid): letters, digits, '-'
	// and '_'.
	Name string
	// Searchable lists the full-text fields (string or array of strings),
	// most important first; at least one is required.
	Searchable []string
	// Filterable lists the keyword fields (string or array of strings),
	// matched exactly by Filter.Values.
	Filterable []string
	// Numeric lists the number fields, filterable by Filter.Values and by
	// range.
	Numeric []string
	// Sortable lists the fields hits can be sorted by; each must be in
	// Filterable or Numeric.
	Sortable []string
	// Facets lists the fields whose value counts can be requested; each
	// must be in Filterable.
	Facets []string
}

// Document is one indexed document. It must hold a string "id" of 1 to
// MaxIDLength letters, digits, '-' or '_', and must encode as JSON.
type Document map[string]any

// ID returns the document's id, or "" when it has none.
func (d Document) ID() string {
	id, _ := d["id"].(string)
	return id
}

// Query is a search request.
type Query struct {
	// Text is the full-text query; empty matches every document.
	Text string
	// Filters restrict the hits; all must hold.
	Filters []Filter
	// Facets names the fields whose value counts are returned.
	Facets []string
	// Sort orders the hits; empty means by relevance.
	Sort []Sort
	// Offset is the number of hits to skip, 0 to MaxOffset.
	Offset int
	// Limit is the number of hits to return, 1 to MaxLimit; 0 means
	// DefaultLimit.
	Limit int
}

// Filter restricts hits to documents whose Field has one of Values (any
// field) or lies within [Min, Max] (numeric fields; either bound may be nil).
// Exactly one of Values and a range must be given.
type Filter struct {
	Field  string
	Values []string
	Min    *float64
	Max    *float64
}

// Sort orders hits by Field, ascending unless Desc.
type Sort struct {
	Field string
	Desc  bool
}

// Result is one page of hits.
type Result struct {
	// Hits are the stored documents of this page.
	Hits []Document
	// Total is the number of documents matching the query.
	Total int
	// Facets maps each requested facet field to its value counts; nil when
	// no facet was requested.
	Facets map[string][]FacetCount
}

// FacetCount is the number of matching documents having one facet value.
type FacetCount struct {
	Value string
	Count int
}

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	fieldRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
	idRE    = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// Validate reports an EINVALID error when the schema is malformed.
func (s Schema) Validate() error {
	var v tongban.Validation
	v.Check(nameRE.MatchString(s.Name), "name", "must be 1 to 64 letters, digits, '-' or '_'")
	v.Check(len(s.Searchable) > 0, "searchable", "must list at least one field")
	seen := map[string]bool{}
	for _, group := range []struct {
		name   string
		fields []string
	}{{"searchable", s.Searchable}, {"filterable", s.Filterable}, {"numeric", s.Numeric}} {
		for _, f := range group.fields {
			switch {
			case !fieldRE.MatchString(f):
				v.Add(group.name, fmt.Sprintf("has malformed field name %q", f))
			case seen[f]:
				v.Add(group.name, fmt.Sprintf("repeats field %q", f))
			}
			seen[f] = true
		}
	}
	for _, f := range s.Sortable {
		v.Check(slices.Contains(s.Filterable, f) || slices.Contains(s.Numeric, f), "sortable", fmt.Sprintf("field %q is neither filterable nor numeric", f))
	}
	for _, f := range s.Facets {
		v.Check(slices.Contains(s.Filterable, f), "facets", fmt.Sprintf("field %q is not filterable", f))
	}
	return v.Err()
}

// IsNumeric reports whether field is one of the schema's Numeric fields.
func (s Schema) IsNumeric(field string) bool {
	return slices.Contains(s.Numeric, field)
}

// ValidateQuery checks q against the schema and returns it normalized: Text
// trimmed, Limit defaulted, repeated facets dropped. Errors are EINVALID and
// name the offending query part and field.
func (s Schema) ValidateQuery(q Query) (Query, error) {
	var v tongban.Validation
	q.Text = strings.TrimSpace(q.Text)
	v.Check(utf8.ValidString(q.Text), "text", "must be valid UTF-8")
	v.Check(utf8.RuneCountInString(q.Text) <= MaxTextLength, "text", fmt.Sprintf("must be at most %d characters", MaxTextLength))
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	v.Check(q.Limit >= 1 && q.Limit <= MaxLimit, "limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	v.Check(q.Offset >= 0 && q.Offset <= MaxOffset, "offset", fmt.Sprintf("must be between 0 and %d", MaxOffset))
	for _, f := range q.Filters {
		s.checkFilter(&v, f)
	}
	var facets []string
	for _, f := range q.Facets {
		if !slices.Contains(s.Facets, f) {
			v.Add("facets", fmt.Sprintf("field %q is not a facet", f))
		} else if !slices.Contains(facets, f) {
			facets = append(facets, f)
		}
	}
	q.Facets = facets
	for _, o := range q.Sort {
		v.Check(slices.Contains(s.Sortable, o.Field), "sort", fmt.Sprintf("field %q is not sortable", o.Field))
	}
	if err := v.Err(); err != nil {
		return Query{}, err
	}
	return q, nil
}

func (s Schema) checkFilter(v *tongban.Validation, f Filter) {
	numeric := s.IsNumeric(f.Field)
	if !numeric && !slices.Contains(s.Filterable, f.Field) {
		v.Add("filters", fmt.Sprintf("field %q is not filterable", f.Field))
		return
	}
	hasRange := f.Min != nil || f.Max != nil
	fail := func(format string, args ...any) {
		v.Add("filters", fmt.Sprintf("field %q ", f.Field)+fmt.Sprintf(format, args...))
	}
	switch {
	case len(f.Values) == 0 && !hasRange:
		fail("needs values or a range")
	case len(f.Values) > 0 && hasRange:
		fail("takes values or a range, not both")
	case len(f.Values) > MaxValues:
		fail("has more than %d values", MaxValues)
	case hasRange && !numeric:
		fail("is not numeric and takes no range")
	case hasRange && (!finite(f.Min) || !finite(f.Max)):
		fail("has a range bound that is not a finite number")
	case hasRange && f.Min != nil && f.Max != nil && *f.Min > *f.Max:
		fail("has min greater than max")
	default:
		for _, val := range f.Values {
			if numeric {
				if _, err := ParseNumber(val); err != nil {
					fail("value %q is not a number", val)
					return
				}
			} else if val == "" || !utf8.ValidString(val) {
				fail("has an empty or malformed value")
				return
			}
		}
	}
}

// finite reports whether b is absent or a finite number.
func finite(b *float64) bool {
	return b == nil || !(math.IsNaN(*b) || math.IsInf(*b, 0))
}

// ParseNumber parses a numeric filter value as a finite float64.
func ParseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a finite number: %q", s)
	}
	return f, nil
}

// PrepareDocument checks d against the schema and returns it as it is stored
// and returned in hits (decoded from its JSON encoding), together with that
// encoding. Errors are EINVALID: a missing or malformed id, a value that does
// not encode as JSON, a searchable or filterable field that is not a string
// or array of strings, a numeric field that is not a number.
func (s Schema) PrepareDocument(d Document) (Document, []byte, error) {
	id, ok := d["id"].(string)
	if !ok || len(id) > MaxIDLength || !idRE.MatchString(id) {
		return nil, nil, tongban.Invalid("id", fmt.Sprintf("must be 1 to %d letters, digits, '-' or '_'", MaxIDLength))
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, nil, tongban.Invalid("document", fmt.Sprintf("%q does not encode as JSON", id))
	}
	var out Document
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, nil, fmt.Errorf("decode document %q: %w", id, err)
	}
	for _, f := range slices.Concat(s.Searchable, s.Filterable) {
		if !isStrings(out[f]) {
			return nil, nil, tongban.Invalid(f, fmt.Sprintf("of document %q must be a string or an array of strings", id))
		}
	}
	for _, f := range s.Numeric {
		if _, ok := out[f].(float64); !ok && out[f] != nil {
			return nil, nil, tongban.Invalid(f, fmt.Sprintf("of document %q must be a number", id))
		}
	}
	return out, raw, nil
}

// isStrings reports whether v, decoded from JSON, is absent, a string or an
// array of strings.
func isStrings(v any) bool {
	switch v := v.(type) {
	case nil, string:
		return true
	case []any:
		for _, e := range v {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}
