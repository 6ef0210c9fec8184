package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/internal/search"
)

// staffOrg makes an organisation with a coordinator and two reviewers.
func staffOrg(t *testing.T, srv *testServer) (orgID string, coord, rev1, rev2 *client) {
	t.Helper()
	admin := makeAdmin(t, srv)
	r := admin.do("POST", "/api/v1/orgs", map[string]any{"name": "需求测试团委" + t.Name(), "type": "youth_league", "county_code": "439921"})
	if r.Status != 201 {
		t.Fatalf("org: %d %s", r.Status, r.Body)
	}
	orgID = r.json(t)["id"].(string)
	member := func(role string) *client {
		c, _ := signup(t, srv, "volunteer")
		id := c.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
		if r := admin.do("POST", "/api/v1/orgs/"+orgID+"/members", map[string]any{"user_id": id, "role": role}); r.Status != 200 {
			t.Fatalf("member: %d %s", r.Status, r.Body)
		}
		return c
	}
	return orgID, member("coordinator"), member("reviewer"), member("reviewer")
}

func tutoringNeed(narrative string) map[string]any {
	return map[string]any{
		"kind": "pairing", "category": "tutoring", "title": "周末数学课业辅导",
		"narrative": narrative, "county_code": "439921", "age_band": map[string]int{"min": 9, "max": 11},
		"grade_band": map[string]int{"min": 3, "max": 5}, "children": 1, "subjects": []string{"math"},
		"schedule": []map[string]any{{"day": 6, "start": "09:00", "end": "11:00"}}, "mode": "online",
		"volunteers_wanted": 1, "urgency": 4, "case_ref": "LA-2026-0042", "internal_notes": "见本单位台账第 42 号",
	}
}

func searchIDs(t *testing.T, c *client, query string) []string {
	t.Helper()
	r := c.do("GET", "/api/v1/needs?"+query, nil)
	if r.Status != 200 {
		t.Fatalf("search %s: %d %s", query, r.Status, r.Body)
	}
	var ids []string
	for _, it := range r.json(t)["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

func TestNeedLifecycle(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, rev2 := staffOrg(t, srv)
	public := newClient(t, srv).csrfReady()

	// A draft with an ID number is blocked with the finding located.
	bad := tutoringNeed("孩子身份证号 11010519491231002X，数学基础薄弱，希望每周六上午辅导。")
	r := coord.do("POST", "/api/v1/orgs/"+orgID+"/needs", bad)
	if r.Status != 422 {
		t.Fatalf("PII draft: %d %s", r.Status, r.Body)
	}
	if got := problemFields(t, r); !contains(got, "narrative") {
		t.Errorf("PII problem fields %v, want narrative", got)
	}
	if !strings.Contains(string(r.Body), "id_number") || strings.Contains(string(r.Body), "11010519491231002X") {
		t.Errorf("422 must name the kind and never echo the number: %s", r.Body)
	}

	// Fixed, it is saved as a draft: invisible to the public.
	r = coord.do("POST", "/api/v1/orgs/"+orgID+"/needs", tutoringNeed("孩子父母在外务工，由奶奶照顾，数学基础薄弱，希望每周六上午线上辅导。"))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	need := r.json(t)
	id := need["id"].(string)
	if r := public.do("GET", "/api/v1/needs/"+id, nil); r.Status != 404 {
		t.Errorf("public sees a draft: %d", r.Status)
	}
	etag := r.Header.Get("ETag")

	step := func(c *client, action, etag string, want int) string {
		t.Helper()
		r := c.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": action}, "If-Match", etag)
		if r.Status != want {
			t.Fatalf("%s: %d, want %d (%s)", action, r.Status, want, r.Body)
		}
		if r.Status == 200 {
			return r.Header.Get("ETag")
		}
		return etag
	}
	step(coord, "approve", etag, 403) // not a reviewer
	step(coord, "close", etag, 409)   // drafts cannot be closed
	// An edit with the current ETag works; a stale one is 412.
	r = coord.do("PATCH", "/api/v1/needs/"+id, map[string]any{"title": "周末数学课业辅导（线上）"}, "If-Match", etag)
	if r.Status != 200 {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	etag2 := r.Header.Get("ETag")
	if r := coord.do("PATCH", "/api/v1/needs/"+id, map[string]any{"title": "再改一次标题"}, "If-Match", etag); r.Status != 412 {
		t.Errorf("stale edit: %d", r.Status)
	}
	if r := coord.do("PATCH", "/api/v1/needs/"+id, map[string]any{"narrative": "请联系孩子妈妈，电话 138 0013 8000，数学需要辅导。"}, "If-Match", etag2); r.Status != 422 {
		t.Errorf("PII edit: %d %s", r.Status, r.Body)
	}
	etag = step(coord, "submit", etag2, 200)
	// rev1 submits nothing; the author (coordinator) is not a reviewer, so
	// test "author cannot approve" with a reviewer-authored need below.
	r = rev1.do("GET", "/api/v1/review/needs", nil)
	if ids := r.json(t)["items"].([]any); len(ids) != 1 {
		t.Errorf("review queue: %s", r.Body)
	}
	if r := public.do("GET", "/api/v1/review/needs", nil); r.Status != 401 {
		t.Errorf("anon review queue: %d", r.Status)
	}
	etag = step(rev1, "approve", etag, 200)
	step(rev2, "approve", etag, 409) // already published

	// Published: public page without private fields, and found by Chinese search.
	r = public.do("GET", "/api/v1/needs/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("public need: %d", r.Status)
	}
	for _, private := range []string{"LA-2026-0042", "台账", "case_ref", "internal_notes", "history"} {
		if strings.Contains(string(r.Body), private) {
			t.Errorf("public need shows %q: %s", private, r.Body)
		}
	}
	if _, err := env.worker.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, public, "q="+url.QueryEscape("数学辅导")+"&county_code=439921"); !contains(got, id) {
		t.Errorf("Chinese search did not find the need: %v", got)
	}
	if got := searchIDs(t, public, "q=tutoring&kind=pairing"); !contains(got, id) {
		t.Errorf("English search did not find the need: %v", got)
	}
	// The index holds only the public projection.
	res, err := env.needIdx.Search(context.Background(), search.Query{Text: "LA-2026-0042"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h["id"] == id {
			t.Error("case reference is searchable")
		}
	}
	all, err := env.needIdx.Search(context.Background(), search.Query{Filters: []search.Filter{{Field: "org_id", Values: []string{orgID}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range all.Hits {
		for _, k := range []string{"case_ref", "internal_notes", "history", "created_by"} {
			if _, ok := h[k]; ok {
				t.Errorf("index document has %s", k)
			}
		}
		if fmt.Sprint(h) != "" && strings.Contains(fmt.Sprint(h), "台账") {
			t.Errorf("index document holds internal notes: %v", h)
		}
	}

	// Withdrawn: gone from search at once, without waiting for the outbox,
	// even for a query whose response was cached just before.
	for range 2 {
		if got := searchIDs(t, public, "q="+url.QueryEscape("数学辅导")); !contains(got, id) {
			t.Fatalf("published need not found before withdrawal: %v", got)
		}
	}
	step(public, "withdraw", etag, 401)
	step(rev1, "withdraw", etag, 200)
	if got := searchIDs(t, public, "q="+url.QueryEscape("数学辅导")); contains(got, id) {
		t.Error("withdrawn need still found by search")
	}
	if r := public.do("GET", "/api/v1/needs/"+id, nil); r.Status != 404 {
		t.Errorf("withdrawn need public page: %d", r.Status)
	}
	// Staff still see it, with its history.
	r = coord.do("GET", "/api/v1/needs/"+id, nil)
	var statuses []string
	for _, h := range r.json(t)["history"].([]any) {
		statuses = append(statuses, h.(map[string]any)["to"].(string))
	}
	if diff := cmp.Diff([]string{"draft", "in_review", "published", "withdrawn"}, statuses); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestNeedAuthorCannotApprove(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, _, rev1, rev2 := staffOrg(t, srv)
	r := rev1.do("POST", "/api/v1/orgs/"+orgID+"/needs", tutoringNeed("孩子父母在外务工，数学基础薄弱，希望每周六上午线上辅导。"))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.json(t)["id"].(string)
	r = rev1.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "submit"}, "If-Match", r.Header.Get("ETag"))
	etag := r.Header.Get("ETag")
	if r := rev1.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "approve"}, "If-Match", etag); r.Status != 403 {
		t.Errorf("author approves own need: %d", r.Status)
	}
	if r := rev2.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "approve"}, "If-Match", etag); r.Status != 200 {
		t.Errorf("second reviewer approves: %d %s", r.Status, r.Body)
	}
}

func TestNeedAccessAndValidation(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, _, _ := staffOrg(t, srv)
	outsider, _ := signup(t, srv, "volunteer")
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		want   int
		fields []string
	}{
		{"outsider drafts", outsider, "POST", "/api/v1/orgs/" + orgID + "/needs", tutoringNeed("孩子数学基础薄弱，希望每周辅导。"), 403, nil},
		{"outsider lists org needs", outsider, "GET", "/api/v1/orgs/" + orgID + "/needs", nil, 403, nil},
		{"outsider review queue", outsider, "GET", "/api/v1/review/needs", nil, 403, nil},
		{"exact age", coord, "POST", "/api/v1/orgs/" + orgID + "/needs", merge(tutoringNeed("孩子数学基础薄弱，希望每周辅导。"), "age_band", map[string]int{"min": 9, "max": 9}), 400, []string{"age_band"}},
		{"tutoring without subject", coord, "POST", "/api/v1/orgs/" + orgID + "/needs", merge(tutoringNeed("孩子数学基础薄弱，希望每周辅导。"), "subjects", []string{}), 400, []string{"subjects"}},
		{"case ref with a name", coord, "POST", "/api/v1/orgs/" + orgID + "/needs", merge(tutoringNeed("孩子数学基础薄弱，希望每周辅导。"), "case_ref", "张小明 档案"), 400, []string{"case_ref"}},
		{"in-kind without items", coord, "POST", "/api/v1/orgs/" + orgID + "/needs", merge(merge(tutoringNeed("山区孩子缺少冬衣，希望认捐。"), "kind", "in_kind"), "category", "winter_clothing"), 400, []string{"items"}},
		{"bad sort", outsider, "GET", "/api/v1/needs?sort=price", nil, 400, []string{"sort"}},
		{"bad cursor", outsider, "GET", "/api/v1/needs?cursor=abc", nil, 400, []string{"cursor"}},
		{"unknown need", outsider, "GET", "/api/v1/needs/nope", nil, 404, nil},
		{"screen endpoint", coord, "POST", "/api/v1/privacy/screen", map[string]any{"text": "联系我 微信 abc_12345"}, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do(tt.method, tt.path, tt.body)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d (%s)", r.Status, tt.want, r.Body)
			}
			for _, f := range tt.fields {
				if !contains(problemFields(t, r), f) {
					t.Errorf("fields %v lack %s", problemFields(t, r), f)
				}
			}
		})
	}
}

func merge(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}
