// Package meili implements search.Index on a Meilisearch server (v1.10 or
// later) with github.com/meilisearch/meilisearch-go. Every write waits for
// its Meilisearch task, so it is visible to searches when the call returns.
package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/tongban/tongban/internal/search"
)

const (
	// primaryKey is the document field Meilisearch identifies documents by.
	primaryKey = "id"
	// MaxTotalHits is the index's pagination.maxTotalHits: Result.Total is
	// capped at this many documents.
	MaxTotalHits = 100000
	// pollInterval is how often a pending task is polled.
	pollInterval = 10 * time.Millisecond
)

// rankingRules puts an explicit sort before relevance, as the embedded
// backend does; without a sort the "sort" rule has no effect.
var rankingRules = []string{"sort", "words", "typo", "proximity", "attribute", "exactness"}

// locales pins language detection of searchable text and queries to Chinese
// and English: short Chinese texts are otherwise often detected as Japanese
// and segmented badly.
var locales = []string{"cmn", "eng"}

// errClosed is returned by every method after Close.
var errClosed = errors.New("meilisearch index is closed")

// Index is a search.Index stored in one Meilisearch index named after the
// schema. It is safe for concurrent use.
type Index struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	schema search.Schema
	closed atomic.Bool
}

var _ search.Index = (*Index)(nil)

// Open connects to the Meilisearch server at url (with API key key, if not
// empty), creates the index schema.Name with primary key "id" when absent,
// and applies the schema's settings, waiting for each task. It returns
// EINVALID for an invalid schema, and an error when the server is
// unreachable or the index exists with another primary key.
func Open(ctx context.Context, url, key string, schema search.Schema) (*Index, error) {
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	var opts []meilisearch.Option
	if key != "" {
		opts = append(opts, meilisearch.WithAPIKey(key))
	}
	client := meilisearch.New(url, opts...)
	ix := &Index{client: client, index: client.Index(schema.Name), schema: schema}
	if err := ix.ensureIndex(ctx); err != nil {
		client.Close()
		return nil, err
	}
	if err := ix.applySettings(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return ix, nil
}

// ensureIndex creates the index unless it exists with primary key "id".
func (ix *Index) ensureIndex(ctx context.Context) error {
	info, err := ix.client.GetIndex(ctx, ix.schema.Name)
	if err == nil {
		if info.PrimaryKey != "" && info.PrimaryKey != primaryKey {
			return fmt.Errorf("meilisearch index %q has primary key %q, want %q", ix.schema.Name, info.PrimaryKey, primaryKey)
		}
		return nil
	}
	var merr *meilisearch.Error
	if !errors.As(err, &merr) || merr.StatusCode != http.StatusNotFound {
		return fmt.Errorf("get meilisearch index %q: %w", ix.schema.Name, err)
	}
	info2, err := ix.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: ix.schema.Name, PrimaryKey: primaryKey})
	err = ix.wait(ctx, "create index", info2, err)
	var terr *taskError
	if errors.As(err, &terr) && terr.code == meilisearch.APIErrCodeIndexAlreadyExists {
		return nil // created concurrently by another process
	}
	return err
}

// applySettings sets the index settings derived from the schema.
func (ix *Index) applySettings(ctx context.Context) error {
	s := settings(ix.schema)
	info, err := ix.index.UpdateSettings(ctx, s)
	if err := ix.wait(ctx, "update settings", info, err); err != nil {
		return err
	}
	if len(s.FilterableAttributes) == 0 {
		// An empty list is omitted from the settings body; set it alone.
		none := []any{}
		info, err := ix.index.UpdateFilterableAttributes(ctx, &none)
		if err := ix.wait(ctx, "update filterable attributes", info, err); err != nil {
			return err
		}
	}
	return nil
}

// settings translates the schema to Meilisearch index settings.
func settings(s search.Schema) *meilisearch.Settings {
	sortable := slices.Clone(s.Sortable)
	if !slices.Contains(sortable, primaryKey) {
		sortable = append(sortable, primaryKey)
	}
	return &meilisearch.Settings{
		RankingRules:         rankingRules,
		SearchableAttributes: slices.Clone(s.Searchable),
		DisplayedAttributes:  []string{"*"},
		FilterableAttributes: slices.Concat(s.Filterable, s.Numeric),
		SortableAttributes:   sortable,
		LocalizedAttributes: []*meilisearch.LocalizedAttributes{
			{Locales: locales, AttributePatterns: slices.Clone(s.Searchable)},
		},
		Pagination: &meilisearch.Pagination{MaxTotalHits: MaxTotalHits},
		Faceting: &meilisearch.Faceting{
			MaxValuesPerFacet: search.MaxFacetValues,
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount},
		},
	}
}

// taskError reports a Meilisearch task that did not succeed.
type taskError struct {
	what    string
	uid     int64
	status  meilisearch.TaskStatus
	code    meilisearch.APIErrCode
	message string
}

func (e *taskError) Error() string {
	return fmt.Sprintf("%s: meilisearch task %d %s: %s (%s)", e.what, e.uid, e.status, e.message, e.code)
}

// wait waits for the task enqueued by a call that returned info and err.
func (ix *Index) wait(ctx context.Context, what string, info *meilisearch.TaskInfo, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	task, err := ix.client.WaitForTask(ctx, info.TaskUID, pollInterval)
	if err != nil {
		return fmt.Errorf("%s: wait for task %d: %w", what, info.TaskUID, err)
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return &taskError{what: what, uid: info.TaskUID, status: task.Status, code: task.Error.Code, message: task.Error.Message}
	}
	return nil
}

// Upsert adds docs, replacing documents with the same id (fields absent from
// the new version are removed). It returns EINVALID, writing nothing, when a
// document is invalid.
func (ix *Index) Upsert(ctx context.Context, docs []search.Document) error {
	if ix.closed.Load() {
		return errClosed
	}
	if len(docs) == 0 {
		return nil
	}
	prepared := make([]search.Document, len(docs))
	for i, d := range docs {
		norm, _, err := ix.schema.PrepareDocument(d)
		if err != nil {
			return err
		}
		prepared[i] = norm
	}
	pk := primaryKey
	info, err := ix.index.AddDocuments(ctx, prepared, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	return ix.wait(ctx, fmt.Sprintf("upsert %d documents", len(docs)), info, err)
}

// Delete removes the documents with the given ids.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	if ix.closed.Load() {
		return errClosed
	}
	if len(ids) == 0 {
		return nil
	}
	info, err := ix.index.DeleteDocuments(ctx, ids, nil)
	return ix.wait(ctx, fmt.Sprintf("delete %d documents", len(ids)), info, err)
}

// Search runs q; see package search for its meaning. It returns EINVALID for
// an invalid query. A page whose Offset is not a multiple of its Limit costs
// two Meilisearch requests (hits, then exact total and facets).
func (ix *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if ix.closed.Load() {
		return nil, errClosed
	}
	q, err := ix.schema.ValidateQuery(q)
	if err != nil {
		return nil, err
	}
	hitsReq, countReq := requests(ix.schema, q)
	resp, err := ix.index.Search(ctx, q.Text, hitsReq)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &search.Result{Hits: make([]search.Document, 0, len(resp.Hits))}
	for _, h := range resp.Hits {
		d, err := decodeHit(h)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out.Hits = append(out.Hits, d)
	}
	if countReq != nil {
		if resp, err = ix.index.Search(ctx, q.Text, countReq); err != nil {
			return nil, fmt.Errorf("search total: %w", err)
		}
	}
	out.Total = int(resp.TotalHits)
	if out.Facets, err = facetCounts(q.Facets, resp.FacetDistribution); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// requests translates a validated query. When Offset is a multiple of Limit
// one page-mode request returns hits, exact total and facets, and count is
// nil; otherwise hits uses offset/limit and count (no hits) returns the exact
// total and facets.
func requests(s search.Schema, q search.Query) (hits, count *meilisearch.SearchRequest) {
	base := meilisearch.SearchRequest{
		Query:            q.Text,
		Filter:           filterString(s, q.Filters),
		MatchingStrategy: meilisearch.All,
		Locales:          locales,
	}
	if q.Text == "" || len(q.Sort) > 0 {
		for _, o := range q.Sort {
			dir := "asc"
			if o.Desc {
				dir = "desc"
			}
			base.Sort = append(base.Sort, o.Field+":"+dir)
		}
		base.Sort = append(base.Sort, primaryKey+":asc")
	}
	if base.Filter == "" {
		base.Filter = nil
	}
	if q.Offset%q.Limit == 0 {
		hits = new(base)
		hits.Page = int64(q.Offset/q.Limit) + 1
		hits.HitsPerPage = new(int64(q.Limit))
		hits.Facets = q.Facets
		return hits, nil
	}
	hits = new(base)
	hits.Offset = int64(q.Offset)
	hits.Limit = int64(q.Limit)
	count = new(base)
	count.Page = 1
	count.HitsPerPage = new(int64(0))
	count.Facets = q.Facets
	return hits, count
}

// filterString translates validated filters to a Meilisearch filter
// expression: filters ANDed, each filter's values ORed (IN), ranges
// inclusive. Field names and string values are double-quoted and escaped.
// It returns "" for no filters.
func filterString(s search.Schema, filters []search.Filter) string {
	parts := make([]string, 0, len(filters))
	for _, f := range filters {
		field := quote(f.Field)
		numeric := s.IsNumeric(f.Field)
		if len(f.Values) > 0 {
			vals := make([]string, len(f.Values))
			for i, v := range f.Values {
				if n, err := search.ParseNumber(v); numeric && err == nil {
					vals[i] = number(n)
				} else {
					vals[i] = quote(v)
				}
			}
			parts = append(parts, field+" IN ["+strings.Join(vals, ", ")+"]")
			continue
		}
		var bounds []string
		if f.Min != nil {
			bounds = append(bounds, field+" >= "+number(*f.Min))
		}
		if f.Max != nil {
			bounds = append(bounds, field+" <= "+number(*f.Max))
		}
		parts = append(parts, strings.Join(bounds, " AND "))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i, p := range parts {
		parts[i] = "(" + p + ")"
	}
	return strings.Join(parts, " AND ")
}

// quote double-quotes s for a Meilisearch filter, escaping backslashes and
// double quotes with a backslash.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// number formats f in plain decimal notation, which the filter syntax
// accepts as an unquoted value.
func number(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// decodeHit decodes one hit into a document.
func decodeHit(h meilisearch.Hit) (search.Document, error) {
	d := make(search.Document, len(h))
	for k, raw := range h {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("decode hit field %q: %w", k, err)
		}
		d[k] = v
	}
	return d, nil
}

// facetCounts turns a facetDistribution into counts for each requested facet,
// by count descending then value ascending; nil when none was requested.
func facetCounts(facets []string, dist json.RawMessage) (map[string][]search.FacetCount, error) {
	if len(facets) == 0 {
		return nil, nil
	}
	var m map[string]map[string]int
	if len(dist) > 0 {
		if err := json.Unmarshal(dist, &m); err != nil {
			return nil, fmt.Errorf("decode facet distribution: %w", err)
		}
	}
	out := make(map[string][]search.FacetCount, len(facets))
	for _, f := range facets {
		counts := make([]search.FacetCount, 0, len(m[f]))
		for v, n := range m[f] {
			if n > 0 {
				counts = append(counts, search.FacetCount{Value: v, Count: n})
			}
		}
		slices.SortFunc(counts, func(a, b search.FacetCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		out[f] = counts
	}
	return out, nil
}

// Count returns the number of documents in the index.
func (ix *Index) Count(ctx context.Context) (int, error) {
	if ix.closed.Load() {
		return 0, errClosed
	}
	st, err := ix.index.GetStats(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return int(st.NumberOfDocuments), nil
}

// Clear removes every document, keeping the index and its settings.
func (ix *Index) Clear(ctx context.Context) error {
	if ix.closed.Load() {
		return errClosed
	}
	info, err := ix.index.DeleteAllDocuments(ctx, nil)
	return ix.wait(ctx, "clear", info, err)
}

// Close releases idle connections; the index stays on the server. Other
// methods fail after Close.
func (ix *Index) Close() error {
	if ix.closed.Swap(true) {
		return nil
	}
	ix.client.Close()
	return nil
}
