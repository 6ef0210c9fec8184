package meili_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/meili"
)

// request is one request received by fakeMeili.
type request struct {
	Method string
	Path   string
	Body   any // decoded JSON, nil when empty
}

// fakeMeili answers the Meilisearch endpoints the adapter uses, records the
// requests, and replays canned search responses. It checks the API key.
type fakeMeili struct {
	mu         sync.Mutex
	key        string
	primaryKey string // "" while the index does not exist
	failTask   string // task type whose tasks fail
	stats      int
	searches   []string // canned search responses, used in order
	tasks      map[int]string
	requests   []request
}

// MustStartFakeMeili starts f on a local port for the duration of tb.
func MustStartFakeMeili(tb testing.TB, f *fakeMeili) string {
	tb.Helper()
	f.tasks = map[int]string{}
	mux := http.NewServeMux()
	enqueue := func(w http.ResponseWriter, typ string) {
		uid := len(f.tasks) + 1
		f.tasks[uid] = typ
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"taskUid":%d,"indexUid":"needs","status":"enqueued","type":%q,"enqueuedAt":"2025-01-01T00:00:00Z"}`, uid, typ)
	}
	mux.HandleFunc("GET /indexes/{uid}", func(w http.ResponseWriter, r *http.Request) {
		if f.primaryKey == "" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"Index %s not found.","code":"index_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#index_not_found"}`, r.PathValue("uid"))
			return
		}
		fmt.Fprintf(w, `{"uid":%q,"primaryKey":%q,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`, r.PathValue("uid"), f.primaryKey)
	})
	mux.HandleFunc("POST /indexes", func(w http.ResponseWriter, r *http.Request) { f.primaryKey = "id"; enqueue(w, "indexCreation") })
	mux.HandleFunc("PATCH /indexes/{uid}/settings", func(w http.ResponseWriter, r *http.Request) { enqueue(w, "settingsUpdate") })
	mux.HandleFunc("POST /indexes/{uid}/documents", func(w http.ResponseWriter, r *http.Request) { enqueue(w, "documentAdditionOrUpdate") })
	mux.HandleFunc("POST /indexes/{uid}/documents/delete-batch", func(w http.ResponseWriter, r *http.Request) { enqueue(w, "documentDeletion") })
	mux.HandleFunc("DELETE /indexes/{uid}/documents", func(w http.ResponseWriter, r *http.Request) { enqueue(w, "documentDeletion") })
	mux.HandleFunc("GET /indexes/{uid}/stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"numberOfDocuments":%d,"isIndexing":false,"fieldDistribution":{}}`, f.stats)
	})
	mux.HandleFunc("POST /indexes/{uid}/search", func(w http.ResponseWriter, r *http.Request) {
		if len(f.searches) == 0 {
			http.Error(w, `{"message":"unexpected search","code":"internal"}`, http.StatusInternalServerError)
			return
		}
		io.WriteString(w, f.searches[0])
		f.searches = f.searches[1:]
	})
	mux.HandleFunc("GET /tasks/{uid}", func(w http.ResponseWriter, r *http.Request) {
		var uid int
		fmt.Sscan(r.PathValue("uid"), &uid)
		typ := f.tasks[uid]
		if typ == f.failTask {
			fmt.Fprintf(w, `{"uid":%d,"status":"failed","type":%q,"error":{"message":"boom","code":"invalid_settings_ranking_rules","type":"invalid_request","link":""}}`, uid, typ)
			return
		}
		fmt.Fprintf(w, `{"uid":%d,"status":"succeeded","type":%q}`, uid, typ)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"bad key","code":"invalid_api_key","type":"auth","link":""}`)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		rec := request{Method: r.Method, Path: r.URL.RequestURI()}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &rec.Body); err != nil {
				tb.Errorf("%s %s: body is not JSON: %s", r.Method, r.URL, raw)
			}
		}
		f.requests = append(f.requests, rec)
		w.Header().Set("Content-Type", "application/json")
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// take returns and forgets the recorded requests.
func (f *fakeMeili) take() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// decode decodes a JSON literal for expectations.
func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return v
}

func TestOpen_CreatesIndexAndAppliesSettings(t *testing.T) {
	f := &fakeMeili{key: "secret"}
	url := MustStartFakeMeili(t, f)
	ix, err := meili.Open(context.Background(), url, "secret", schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer ix.Close()
	want := []request{
		{Method: "GET", Path: "/indexes/needs"},
		{Method: "POST", Path: "/indexes", Body: decode(t, `{"uid":"needs","primaryKey":"id"}`)},
		{Method: "GET", Path: "/tasks/1"},
		{Method: "PATCH", Path: "/indexes/needs/settings", Body: decode(t, `{
			"rankingRules":["sort","words","typo","proximity","attribute","exactness"],
			"searchableAttributes":["title","narrative"],
			"displayedAttributes":["*"],
			"filterableAttributes":["kind","county","urgency"],
			"sortableAttributes":["kind","urgency","id"],
			"localizedAttributes":[{"locales":["cmn","eng"],"attributePatterns":["title","narrative"]}],
			"pagination":{"maxTotalHits":100000},
			"faceting":{"maxValuesPerFacet":100,"sortFacetValuesBy":{"*":"count"}}}`)},
		{Method: "GET", Path: "/tasks/2"},
	}
	if diff := cmp.Diff(want, f.take()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestOpen_ExistingIndex(t *testing.T) {
	f := &fakeMeili{primaryKey: "id"}
	ix, err := meili.Open(context.Background(), MustStartFakeMeili(t, f), "", schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer ix.Close()
	var got []string
	for _, r := range f.take() {
		got = append(got, r.Method+" "+r.Path)
	}
	if diff := cmp.Diff([]string{"GET /indexes/needs", "PATCH /indexes/needs/settings", "GET /tasks/1"}, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestOpen_Errors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fake    *fakeMeili
		key     string
		mention string
	}{
		{"other primary key", &fakeMeili{primaryKey: "uuid"}, "", `primary key "uuid"`},
		{"failed settings task", &fakeMeili{primaryKey: "id", failTask: "settingsUpdate"}, "", "boom"},
		{"failed creation task", &fakeMeili{failTask: "indexCreation"}, "", "boom"},
		{"wrong key", &fakeMeili{key: "right", primaryKey: "id"}, "wrong", "invalid_api_key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := meili.Open(context.Background(), MustStartFakeMeili(t, tt.fake), tt.key, schema)
			if err == nil {
				ix.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
	bad := schema
	bad.Sortable = []string{"title"}
	if _, err := meili.Open(context.Background(), "http://127.0.0.1:1", "", bad); tongban.ErrorCode(err) != tongban.EINVALID {
		t.Errorf("Open with invalid schema: %v, want EINVALID", err)
	}
}

// MustOpenFake opens an index on a fake server whose index already exists,
// and forgets the requests Open made.
func MustOpenFake(t *testing.T, f *fakeMeili) *meili.Index {
	t.Helper()
	f.primaryKey = "id"
	ix, err := meili.Open(context.Background(), MustStartFakeMeili(t, f), "", schema)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	f.take()
	return ix
}

func TestIndex_Writes(t *testing.T) {
	f := &fakeMeili{stats: 7}
	ix := MustOpenFake(t, f)
	ctx := context.Background()
	if err := ix.Upsert(ctx, []search.Document{{"id": "n1", "title": "课业辅导", "urgency": 3, "tags": []string{"a"}}}); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if err := ix.Delete(ctx, []string{"n1", "n2"}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := ix.Clear(ctx); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	n, err := ix.Count(ctx)
	if err != nil || n != 7 {
		t.Errorf("Count = %d, %v; want 7", n, err)
	}
	if err := ix.Upsert(ctx, nil); err != nil {
		t.Errorf("Upsert(nil): %v", err)
	}
	if err := ix.Delete(ctx, nil); err != nil {
		t.Errorf("Delete(nil): %v", err)
	}
	err = ix.Upsert(ctx, []search.Document{{"id": "ok"}, {"id": "bad", "urgency": "high"}})
	if tongban.ErrorCode(err) != tongban.EINVALID {
		t.Errorf("Upsert of invalid document: %v, want EINVALID", err)
	}
	want := []request{
		{Method: "POST", Path: "/indexes/needs/documents?primaryKey=id", Body: decode(t, `[{"id":"n1","title":"课业辅导","urgency":3,"tags":["a"]}]`)},
		{Method: "GET", Path: "/tasks/2"},
		{Method: "POST", Path: "/indexes/needs/documents/delete-batch", Body: decode(t, `["n1","n2"]`)},
		{Method: "GET", Path: "/tasks/3"},
		{Method: "DELETE", Path: "/indexes/needs/documents"},
		{Method: "GET", Path: "/tasks/4"},
		{Method: "GET", Path: "/indexes/needs/stats"},
	}
	if diff := cmp.Diff(want, f.take()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	f.failTask = "documentAdditionOrUpdate"
	if err := ix.Upsert(ctx, []search.Document{{"id": "n1"}}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Upsert with failing task: %v, want the task error", err)
	}
}

func TestIndex_Search(t *testing.T) {
	f := &fakeMeili{searches: []string{
		`{"hits":[{"id":"n3","title":"心理辅导 陪伴","urgency":4,"tags":["weekend"]},{"id":"n1","title":"课业辅导","urgency":3}],
		  "query":"辅导","processingTimeMs":1,"hitsPerPage":2,"page":1,"totalPages":2,"totalHits":3,
		  "facetDistribution":{"kind":{"tutoring":1,"counseling":2}}}`,
		`{"hits":[{"id":"n1","title":"课业辅导","urgency":3}],"query":"辅导","processingTimeMs":1,"offset":1,"limit":2,"estimatedTotalHits":3}`,
		`{"hits":[],"query":"辅导","processingTimeMs":1,"hitsPerPage":0,"page":1,"totalPages":0,"totalHits":3,
		  "facetDistribution":{"kind":{"tutoring":1,"counseling":2}}}`,
	}}
	ix := MustOpenFake(t, f)
	ctx := context.Background()
	facets := map[string][]search.FacetCount{"kind": {{Value: "counseling", Count: 2}, {Value: "tutoring", Count: 1}}}

	res, err := ix.Search(ctx, search.Query{Text: " 辅导 ", Filters: []search.Filter{{Field: "county", Values: []string{"511321"}}},
		Facets: []string{"kind"}, Sort: []search.Sort{{Field: "urgency", Desc: true}}, Limit: 2})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	want := &search.Result{
		Hits: []search.Document{
			{"id": "n3", "title": "心理辅导 陪伴", "urgency": 4.0, "tags": []any{"weekend"}},
			{"id": "n1", "title": "课业辅导", "urgency": 3.0},
		},
		Total:  3,
		Facets: facets,
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("aligned page (-want +got):\n%s", diff)
	}

	res, err = ix.Search(ctx, search.Query{Text: "辅导", Facets: []string{"kind"}, Offset: 1, Limit: 2})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	want = &search.Result{Hits: []search.Document{{"id": "n1", "title": "课业辅导", "urgency": 3.0}}, Total: 3, Facets: facets}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("unaligned page (-want +got):\n%s", diff)
	}

	if _, err := ix.Search(ctx, search.Query{Facets: []string{"urgency"}}); tongban.ErrorCode(err) != tongban.EINVALID {
		t.Errorf("invalid query: %v, want EINVALID", err)
	}
	if _, err := ix.Search(ctx, search.Query{}); err == nil {
		t.Errorf("search failing on the server succeeded")
	}

	wantReqs := []request{
		{Method: "POST", Path: "/indexes/needs/search", Body: decode(t, `{"q":"辅导","filter":"\"county\" IN [\"511321\"]","matchingStrategy":"all",
			"locales":["cmn","eng"],"facets":["kind"],"sort":["urgency:desc","id:asc"],"hitsPerPage":2,"page":1,"hybrid":null}`)},
		{Method: "POST", Path: "/indexes/needs/search", Body: decode(t, `{"q":"辅导","matchingStrategy":"all",
			"locales":["cmn","eng"],"offset":1,"limit":2,"hybrid":null}`)},
		{Method: "POST", Path: "/indexes/needs/search", Body: decode(t, `{"q":"辅导","matchingStrategy":"all",
			"locales":["cmn","eng"],"facets":["kind"],"hitsPerPage":0,"page":1,"hybrid":null}`)},
		{Method: "POST", Path: "/indexes/needs/search", Body: decode(t, `{"q":"","matchingStrategy":"all",
			"locales":["cmn","eng"],"sort":["id:asc"],"hitsPerPage":20,"page":1,"hybrid":null}`)},
	}
	if diff := cmp.Diff(wantReqs, f.take()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestIndex_Close(t *testing.T) {
	ix := MustOpenFake(t, &fakeMeili{})
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"Upsert": ix.Upsert(ctx, []search.Document{{"id": "n1"}}),
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
