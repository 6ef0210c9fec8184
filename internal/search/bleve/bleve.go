// Package bleve implements search.Index with an embedded, on-disk Bleve v2
// index. Full-text fields use the cjk analyzer (bigrams for Chinese, lower-
// cased words for English), keyword fields the keyword analyzer, numeric
// fields Bleve numbers. Each document's JSON encoding is stored as a single
// field and returned as the hit.
package bleve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	blevev2 "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/search"
)

const (
	// sourceField stores each document's JSON encoding.
	sourceField = "_source"
	// mappingVersion changes whenever buildMapping changes incompatibly, so
	// that Open rebuilds indexes made by older code.
	mappingVersion = 1
)

// schemaKey is the internal key under which Open records the schema an index
// was built for.
var schemaKey = []byte("tongban.schema")

// errClosed is returned by every method after Close.
var errClosed = errors.New("bleve search index is closed")

// Index is a search.Index stored in a Bleve index directory. It is safe for
// concurrent use.
type Index struct {
	dir      string
	schema   search.Schema
	stamp    []byte
	analyzer analysis.Analyzer

	mu  sync.RWMutex // guards idx; held exclusively by Clear and Close
	idx blevev2.Index
}

var _ search.Index = (*Index)(nil)

// Open opens the index in dir, creating it (and dir) when absent. An index in
// dir that was built for another schema, or by an older mapping, is removed
// and recreated empty: the search index is derived data, so callers reindex
// when Count is 0. Open returns EINVALID for an invalid schema, and an error
// when dir exists but holds something other than a Bleve index.
func Open(dir string, schema search.Schema) (*Index, error) {
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	stamp, err := json.Marshal(struct {
		Version int
		Schema  search.Schema
	}{mappingVersion, schema})
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	ix := &Index{dir: dir, schema: schema, stamp: stamp}
	idx, err := blevev2.Open(dir)
	switch {
	case err == nil:
		got, gerr := idx.GetInternal(schemaKey)
		if gerr == nil && bytes.Equal(got, stamp) {
			ix.idx = idx
			break
		}
		if cerr := idx.Close(); cerr != nil {
			return nil, fmt.Errorf("close outdated index %s: %w", dir, cerr)
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("remove outdated index %s: %w", dir, err)
		}
		if ix.idx, err = ix.create(); err != nil {
			return nil, err
		}
	case errors.Is(err, blevev2.ErrorIndexPathDoesNotExist):
		if ix.idx, err = ix.create(); err != nil {
			return nil, err
		}
	case errors.Is(err, blevev2.ErrorIndexMetaMissing):
		// An existing empty directory is fine; anything else is not ours.
		if rerr := os.Remove(dir); rerr != nil {
			return nil, fmt.Errorf("open index %s: directory is not empty and holds no index", dir)
		}
		if ix.idx, err = ix.create(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix.analyzer = ix.idx.Mapping().AnalyzerNamed(cjk.AnalyzerName)
	if ix.analyzer == nil {
		_ = ix.idx.Close()
		return nil, fmt.Errorf("open index %s: analyzer %q not registered", dir, cjk.AnalyzerName)
	}
	return ix, nil
}

// create builds a new, empty index in ix.dir and records the schema.
func (ix *Index) create() (blevev2.Index, error) {
	idx, err := blevev2.New(ix.dir, buildMapping(ix.schema))
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", ix.dir, err)
	}
	if err := idx.SetInternal(schemaKey, ix.stamp); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("record schema in %s: %w", ix.dir, err)
	}
	return idx, nil
}

// buildMapping maps the schema's fields; other fields are neither indexed
// nor stored apart from inside sourceField.
func buildMapping(s search.Schema) *mapping.IndexMappingImpl {
	m := mapping.NewIndexMapping()
	m.DefaultAnalyzer = cjk.AnalyzerName
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	doc := mapping.NewDocumentStaticMapping()
	for _, f := range s.Searchable {
		fm := mapping.NewTextFieldMapping()
		fm.Analyzer = cjk.AnalyzerName
		fm.Store = false
		fm.IncludeTermVectors = false
		fm.IncludeInAll = false
		fm.DocValues = false
		doc.AddFieldMappingsAt(f, fm)
	}
	for _, f := range s.Filterable {
		fm := mapping.NewKeywordFieldMapping()
		fm.Analyzer = keyword.Name
		fm.Store = false
		fm.IncludeTermVectors = false
		fm.IncludeInAll = false
		fm.DocValues = true
		doc.AddFieldMappingsAt(f, fm)
	}
	for _, f := range s.Numeric {
		fm := mapping.NewNumericFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = true
		doc.AddFieldMappingsAt(f, fm)
	}
	src := mapping.NewTextFieldMapping()
	src.Index = false
	src.Store = true
	src.IncludeTermVectors = false
	src.IncludeInAll = false
	src.DocValues = false
	doc.AddFieldMappingsAt(sourceField, src)
	// No composite _all field: text queries name their fields.
	doc.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	m.DefaultMapping = doc
	return m
}

// Upsert indexes docs in one batch, replacing documents with the same id.
// It returns EINVALID, writing nothing, when a document is invalid.
func (ix *Index) Upsert(ctx context.Context, docs []search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	fields := slices.Concat(ix.schema.Searchable, ix.schema.Filterable, ix.schema.Numeric)
	prepared := make([]map[string]any, len(docs))
	for i, d := range docs {
		norm, raw, err := ix.schema.PrepareDocument(d)
		if err != nil {
			return err
		}
		m := make(map[string]any, len(fields)+1)
		for _, f := range fields {
			if v, ok := norm[f]; ok && v != nil {
				m[f] = v
			}
		}
		m[sourceField] = string(raw)
		prepared[i] = m
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return errClosed
	}
	b := ix.idx.NewBatch()
	for i, m := range prepared {
		if err := b.Index(docs[i].ID(), m); err != nil {
			return fmt.Errorf("batch document %q: %w", docs[i].ID(), err)
		}
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("upsert %d documents: %w", len(docs), err)
	}
	return nil
}

// Delete removes the documents with the given ids in one batch.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return errClosed
	}
	b := ix.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("delete %d documents: %w", len(ids), err)
	}
	return nil
}

// Search runs q; see package search for its meaning. It returns EINVALID for
// an invalid query.
func (ix *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	q, err := ix.schema.ValidateQuery(q)
	if err != nil {
		return nil, err
	}
	req, err := ix.request(q)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil, errClosed
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &search.Result{Hits: make([]search.Document, 0, len(res.Hits)), Total: int(res.Total)}
	for _, h := range res.Hits {
		raw, ok := h.Fields[sourceField].(string)
		if !ok {
			return nil, fmt.Errorf("search: hit %q has no stored source", h.ID)
		}
		var d search.Document
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return nil, fmt.Errorf("search: decode hit %q: %w", h.ID, err)
		}
		out.Hits = append(out.Hits, d)
	}
	if len(q.Facets) > 0 {
		out.Facets = make(map[string][]search.FacetCount, len(q.Facets))
		for _, f := range q.Facets {
			counts := []search.FacetCount{}
			if fr, ok := res.Facets[f]; ok && fr != nil {
				for _, t := range fr.Terms.Terms() {
					counts = append(counts, search.FacetCount{Value: t.Term, Count: t.Count})
				}
			}
			slices.SortFunc(counts, func(a, b search.FacetCount) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Value, b.Value)
			})
			out.Facets[f] = counts
		}
	}
	return out, nil
}

// request translates a validated query into a Bleve search request.
func (ix *Index) request(q search.Query) (*blevev2.SearchRequest, error) {
	text := ix.textQuery(q.Text)
	var filters []query.Query
	for _, f := range q.Filters {
		fq, err := ix.filterQuery(f)
		if err != nil {
			return nil, err
		}
		filters = append(filters, fq)
	}
	var bq query.Query
	switch {
	case text == nil && len(filters) == 0:
		bq = query.NewMatchAllQuery()
	case text == nil:
		bq = query.NewConjunctionQuery(filters)
	case len(filters) == 0:
		bq = text
	default:
		b := query.NewBooleanQuery([]query.Query{text}, nil, nil)
		b.AddFilter(query.NewConjunctionQuery(filters))
		bq = b
	}
	req := blevev2.NewSearchRequestOptions(bq, q.Limit, q.Offset, false)
	req.Fields = []string{sourceField}
	order := bsearch.SortOrder{}
	for _, s := range q.Sort {
		typ := bsearch.SortFieldAsString
		if ix.schema.IsNumeric(s.Field) {
			typ = bsearch.SortFieldAsNumber
		}
		order = append(order, &bsearch.SortField{Field: s.Field, Desc: s.Desc, Type: typ, Missing: bsearch.SortFieldMissingLast})
	}
	if len(q.Sort) == 0 && text != nil {
		order = append(order, &bsearch.SortScore{Desc: true})
	} else {
		req.Score = "none"
	}
	order = append(order, &bsearch.SortDocID{})
	req.SortByCustom(order)
	for _, f := range q.Facets {
		req.AddFacet(f, blevev2.NewFacetRequest(f, search.MaxFacetValues))
	}
	return req, nil
}

// textQuery requires every token of text in some searchable field (earlier
// fields weigh more); the last token also matches as a prefix unless text
// ends with a separator. It returns nil when text has no token.
func (ix *Index) textQuery(text string) query.Query {
	if text == "" {
		return nil
	}
	tokens := ix.analyzer.Analyze([]byte(text))
	if len(tokens) == 0 {
		return nil
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	prefixLast := unicode.IsLetter(last) || unicode.IsDigit(last)
	seen := map[string]bool{}
	var words, cjk []query.Query
	n := len(ix.schema.Searchable)
	for i, tok := range tokens {
		term := string(tok.Term)
		isLast := i == len(tokens)-1
		if seen[term] && !isLast {
			continue
		}
		seen[term] = true
		isCJK := tok.Type == analysis.Double || tok.Type == analysis.Ideographic
		var disj []query.Query
		for j, field := range ix.schema.Searchable {
			boost := float64(n - j)
			tq := query.NewTermQuery(term)
			tq.SetField(field)
			tq.SetBoost(boost)
			disj = append(disj, tq)
			if isLast && prefixLast && !isCJK {
				pq := query.NewPrefixQuery(term)
				pq.SetField(field)
				pq.SetBoost(boost / 2)
				disj = append(disj, pq)
			}
		}
		if isCJK {
			cjk = append(cjk, query.NewDisjunctionQuery(disj))
		} else {
			words = append(words, query.NewDisjunctionQuery(disj))
		}
	}
	// Every word must match. Chinese text has no spaces: the cjk analyzer
	// turns "数学辅导" into the bigrams 数学 学辅 辅导, and the bigram across
	// the word boundary (学辅) rarely occurs in a matching text such as
	// "数学课业辅导". So at least two thirds of the bigrams must match;
	// more matching bigrams rank higher.
	conj := words
	if len(cjk) == 1 {
		conj = append(conj, cjk[0])
	} else if len(cjk) > 1 {
		d := query.NewDisjunctionQuery(cjk)
		d.SetMin(float64((2*len(cjk) + 2) / 3))
		conj = append(conj, d)
	}
	if len(conj) == 1 {
		return conj[0]
	}
	return query.NewConjunctionQuery(conj)
}

// filterQuery translates one validated filter.
func (ix *Index) filterQuery(f search.Filter) (query.Query, error) {
	inclusive := true
	if ix.schema.IsNumeric(f.Field) {
		if len(f.Values) == 0 {
			rq := query.NewNumericRangeInclusiveQuery(f.Min, f.Max, &inclusive, &inclusive)
			rq.SetField(f.Field)
			return rq, nil
		}
		var disj []query.Query
		for _, v := range f.Values {
			n, err := search.ParseNumber(v)
			if err != nil {
				return nil, tongban.Invalid("filters", fmt.Sprintf("field %q value %q is not a number", f.Field, v))
			}
			rq := query.NewNumericRangeInclusiveQuery(&n, &n, &inclusive, &inclusive)
			rq.SetField(f.Field)
			disj = append(disj, rq)
		}
		return query.NewDisjunctionQuery(disj), nil
	}
	var disj []query.Query
	for _, v := range f.Values {
		tq := query.NewTermQuery(v)
		tq.SetField(f.Field)
		disj = append(disj, tq)
	}
	if len(disj) == 1 {
		return disj[0], nil
	}
	return query.NewDisjunctionQuery(disj), nil
}

// Count returns the number of documents in the index.
func (ix *Index) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, errClosed
	}
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return int(n), nil
}

// Clear removes every document by replacing the index directory with a new,
// empty index. Concurrent calls wait until it is done.
func (ix *Index) Clear(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return errClosed
	}
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("clear: close index: %w", err)
	}
	ix.idx = nil
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("clear: remove index: %w", err)
	}
	idx, err := ix.create()
	if err != nil {
		return fmt.Errorf("clear: %w", err)
	}
	ix.idx = idx
	return nil
}

// Close closes the index; it is safe to call more than once.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	err := ix.idx.Close()
	ix.idx = nil
	if err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	return nil
}
