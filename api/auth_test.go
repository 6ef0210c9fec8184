package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/api"
)

func problemFields(t testing.TB, r resp) []string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q, want application/problem+json (body %s)", ct, r.Body)
	}
	var fields []string
	errs, _ := r.json(t)["errors"].([]any)
	for _, e := range errs {
		fields = append(fields, e.(map[string]any)["field"].(string))
	}
	return fields
}

// TestBadInput sends malformed, mistyped, oversize, unknown-field and
// CSRF-less requests to every endpoint with a body: each must be a 4xx
// problem naming the field, never a 500, and must write nothing.
func TestBadInput(t *testing.T) {
	srv := newServer(t, api.Config{BodyLimit: 4096, LoginRatePerMinute: 10000})
	admin := makeAdmin(t, srv)
	user, _ := signup(t, srv, "volunteer")
	big := `{"login":"` + strings.Repeat("x", 5000) + `"}`
	endpoints := []struct {
		method, path string
		c            *client
		field        string // a field whose wrong type we send
	}{
		{"POST", "/api/v1/auth/signup", newClient(t, srv).csrfReady(), "login"},
		{"POST", "/api/v1/auth/login", newClient(t, srv).csrfReady(), "password"},
		{"POST", "/api/v1/auth/password", user, "new_password"},
		{"POST", "/api/v1/auth/tokens", user, "name"},
		{"PATCH", "/api/v1/me", user, "display_name"},
		{"POST", "/api/v1/orgs", admin, "county_code"},
		{"POST", "/api/v1/orgs/nope/members", admin, "user_id"},
	}
	for _, ep := range endpoints {
		cases := []struct {
			name       string
			body       string
			headers    []string
			wantStatus int
			wantField  string
		}{
			{"malformed JSON", `{"login": `, nil, 400, "body"},
			{"not an object", `[1,2]`, nil, 400, "body"},
			{"wrong type", fmt.Sprintf(`{%q: 12}`, ep.field), nil, 400, ep.field},
			{"unknown field", `{"zzz_unknown": 1}`, nil, 400, "zzz_unknown"},
			{"trailing data", `{} {}`, nil, 400, "body"},
			{"empty body", ``, []string{"Content-Type", "application/json"}, 400, "body"},
			{"oversize", big, nil, 413, "body"},
			{"wrong content type", `{}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
			{"missing CSRF token", `{}`, []string{api.CSRFHeader, ""}, 403, api.CSRFHeader},
			{"wrong CSRF token", `{}`, []string{api.CSRFHeader, "forged-token-forged-token"}, 403, api.CSRFHeader},
		}
		for _, tc := range cases {
			t.Run(ep.method+" "+ep.path+"/"+tc.name, func(t *testing.T) {
				headers := append([]string{"If-Match", `"1"`}, tc.headers...)
				r := ep.c.do(ep.method, ep.path, tc.body, headers...)
				if r.Status != tc.wantStatus {
					t.Fatalf("status %d, want %d; body %s", r.Status, tc.wantStatus, r.Body)
				}
				if got := problemFields(t, r); !contains(got, tc.wantField) {
					t.Errorf("problem fields %v, want %q among them", got, tc.wantField)
				}
			})
		}
	}
	// Nothing was written: the number of organisations is unchanged.
	n, err := env.store.CountOrgs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := admin.do("GET", "/api/v1/stats", nil)
	if got, want := int(r.json(t)["organisations"].(float64)), n; got != want {
		t.Errorf("organisations %d, want %d", got, want)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestValidationNamesFields(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	c := newClient(t, srv).csrfReady()
	tests := []struct {
		name string
		body map[string]any
		want []string
	}{
		{"everything wrong", map[string]any{"login": "not-a-login", "password": "short", "display_name": "", "roles": []string{}}, []string{"login", "password", "display_name", "roles"}},
		{"admin role not self-service", map[string]any{"login": "x@example.com", "password": "long enough pw", "display_name": "X", "roles": []string{"admin"}}, []string{"roles"}},
		{"bad mobile", map[string]any{"login": "12345678901", "password": "long enough pw", "display_name": "X", "roles": []string{"donor"}}, []string{"login"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do("POST", "/api/v1/auth/signup", tt.body)
			if r.Status != 400 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if diff := cmp.Diff(tt.want, problemFields(t, r)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccountLifecycle(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	c, login := signup(t, srv, "volunteer", "donor")

	r := c.do("GET", "/api/v1/auth/me", nil)
	if r.Status != 200 {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	user := r.json(t)["user"].(map[string]any)
	if diff := cmp.Diff([]any{"donor", "volunteer"}, user["roles"]); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	etag := r.Header.Get("ETag")

	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"missing If-Match", []string{"If-Match", ""}, 428},
		{"stale If-Match", []string{"If-Match", `"999"`}, 412},
		{"current If-Match", []string{"If-Match", etag}, 200},
		{"replayed If-Match", []string{"If-Match", etag}, 412},
	}
	for _, tt := range tests {
		if r := c.do("PATCH", "/api/v1/me", map[string]any{"display_name": "小雨"}, tt.headers...); r.Status != tt.want {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, r.Status, tt.want, r.Body)
		}
	}

	// A second session survives nothing after a password change.
	other := newClient(t, srv).csrfReady()
	if r := other.do("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": "correct horse battery"}); r.Status != 200 {
		t.Fatalf("second login: %d", r.Status)
	}
	if r := c.do("POST", "/api/v1/auth/password", map[string]any{"current_password": "wrong wrong wrong", "new_password": "new password 123"}); r.Status != 400 {
		t.Errorf("wrong current password: %d", r.Status)
	}
	if r := c.do("POST", "/api/v1/auth/password", map[string]any{"current_password": "correct horse battery", "new_password": "new password 123"}); r.Status != 204 {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	if r := other.do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
		t.Errorf("other session after password change: %d, want 401", r.Status)
	}
	if r := c.do("GET", "/api/v1/auth/me", nil); r.Status != 200 {
		t.Errorf("own session after password change: %d, want 200", r.Status)
	}

	// API tokens: bearer works without CSRF; revoked tokens stop working.
	r = c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "集成测试"})
	if r.Status != 201 {
		t.Fatalf("create token: %d %s", r.Status, r.Body)
	}
	tok := r.json(t)
	secret := tok["secret"].(string)
	id := tok["token"].(map[string]any)["id"].(string)
	bot := newClient(t, srv)
	bot.bearer = secret
	if r := bot.do("GET", "/api/v1/auth/me", nil); r.Status != 200 {
		t.Errorf("bearer me: %d", r.Status)
	}
	if r := bot.do("PATCH", "/api/v1/me", map[string]any{"display_name": "机器人"}, "If-Match", `"1"`); r.Status == 403 {
		t.Errorf("bearer PATCH was refused for CSRF: %s", r.Body)
	}
	if r := c.do("GET", "/api/v1/auth/tokens", nil); len(r.json(t)["items"].([]any)) != 1 {
		t.Errorf("tokens: %s", r.Body)
	}
	if r := c.do("DELETE", "/api/v1/auth/tokens/"+id, nil); r.Status != 204 {
		t.Errorf("revoke: %d", r.Status)
	}
	if r := bot.do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
		t.Errorf("revoked bearer: %d, want 401", r.Status)
	}
	if r := c.do("GET", "/api/v1/me/export", nil); r.Status != 200 || !strings.Contains(string(r.Body), login) {
		t.Errorf("export: %d %s", r.Status, r.Body)
	}

	if r := c.do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
		t.Errorf("logout: %d", r.Status)
	}
	if r := c.do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
		t.Errorf("after logout: %d, want 401", r.Status)
	}
	// Duplicate signup is a conflict naming the login.
	d := newClient(t, srv).csrfReady()
	r = d.do("POST", "/api/v1/auth/signup", map[string]any{"login": strings.ToUpper(login), "password": "correct horse battery", "display_name": "重复", "roles": []string{"donor"}})
	if r.Status != 409 || !contains(problemFields(t, r), "login") {
		t.Errorf("duplicate signup: %d %s", r.Status, r.Body)
	}
}

func TestLoginLockoutAndRateLimit(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	_, login := signup(t, srv, "donor")
	c := newClient(t, srv).csrfReady()
	var got []int
	for range 6 {
		got = append(got, c.do("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": "wrong password!"}).Status)
	}
	// Locked: even the right password is refused now.
	got = append(got, c.do("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": "correct horse battery"}).Status)
	if diff := cmp.Diff([]int{401, 401, 401, 401, 401, 429, 429}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// Unknown accounts get the same answer as wrong passwords.
	r := c.do("POST", "/api/v1/auth/login", map[string]any{"login": "nobody@example.com", "password": "whatever pw"})
	if r.Status != 401 || !strings.Contains(string(r.Body), "Wrong login or password") {
		t.Errorf("unknown account: %d %s", r.Status, r.Body)
	}

	limited := newServer(t, api.Config{LoginRatePerMinute: 3})
	lc := newClient(t, limited).csrfReady()
	var statuses []int
	for range 4 {
		statuses = append(statuses, lc.do("POST", "/api/v1/auth/login", map[string]any{"login": "nobody@example.com", "password": "whatever pw"}).Status)
	}
	if diff := cmp.Diff([]int{401, 401, 401, 429}, statuses); diff != "" {
		t.Errorf("per-IP limit (-want +got):\n%s", diff)
	}
}

func TestAuthorization(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	admin := makeAdmin(t, srv)
	vol, _ := signup(t, srv, "volunteer")
	anon := newClient(t, srv).csrfReady()
	r := admin.do("POST", "/api/v1/orgs", map[string]any{"name": "测试团委" + t.Name(), "type": "youth_league", "county_code": "439921"})
	if r.Status != 201 {
		t.Fatalf("create org: %d %s", r.Status, r.Body)
	}
	orgID := r.json(t)["id"].(string)
	r = admin.do("POST", "/api/v1/orgs", map[string]any{"name": "测试妇联" + t.Name(), "type": "womens_federation", "county_code": "439922"})
	otherOrg := r.json(t)["id"].(string)
	coord, _ := signup(t, srv, "volunteer")
	coordID := coord.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	volID := vol.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	if r := admin.do("POST", "/api/v1/orgs/"+orgID+"/members", map[string]any{"user_id": coordID, "role": "coordinator"}); r.Status != 200 {
		t.Fatalf("add coordinator: %d %s", r.Status, r.Body)
	}
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		want   int
	}{
		{"anon admin users", anon, "GET", "/api/v1/admin/users", nil, 401},
		{"volunteer admin users", vol, "GET", "/api/v1/admin/users", nil, 403},
		{"admin admin users", admin, "GET", "/api/v1/admin/users", nil, 200},
		{"volunteer audit", vol, "GET", "/api/v1/admin/audit", nil, 403},
		{"admin audit", admin, "GET", "/api/v1/admin/audit?limit=5", nil, 200},
		{"bad limit", admin, "GET", "/api/v1/admin/audit?limit=0", nil, 400},
		{"bad cursor", admin, "GET", "/api/v1/admin/users?cursor=%25%25", nil, 400},
		{"volunteer creates org", vol, "POST", "/api/v1/orgs", map[string]any{"name": "伪造组织", "type": "ngo", "county_code": "439921"}, 403},
		{"anon creates org", anon, "POST", "/api/v1/orgs", map[string]any{"name": "伪造组织", "type": "ngo", "county_code": "439921"}, 401},
		{"unknown county", admin, "POST", "/api/v1/orgs", map[string]any{"name": "某组织", "type": "ngo", "county_code": "110101"}, 400},
		{"coordinator adds to own org", coord, "POST", "/api/v1/orgs/" + orgID + "/members", map[string]any{"user_id": volID, "role": "reviewer"}, 200},
		{"coordinator adds to other org", coord, "POST", "/api/v1/orgs/" + otherOrg + "/members", map[string]any{"user_id": volID, "role": "reviewer"}, 403},
		{"volunteer adds member", vol, "POST", "/api/v1/orgs/" + orgID + "/members", map[string]any{"user_id": volID, "role": "finance"}, 403},
		{"bad org role", admin, "POST", "/api/v1/orgs/" + orgID + "/members", map[string]any{"user_id": volID, "role": "boss"}, 400},
		{"anon me", anon, "GET", "/api/v1/auth/me", nil, 401},
		{"unknown route", anon, "GET", "/api/v1/nope", nil, 404},
		{"unknown org", anon, "GET", "/api/v1/orgs/nope", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := tt.c.do(tt.method, tt.path, tt.body); r.Status != tt.want {
				t.Errorf("status %d, want %d (%s)", r.Status, tt.want, r.Body)
			}
		})
	}
	// The admin list masks contact data.
	r = admin.do("GET", "/api/v1/admin/users?limit=100", nil)
	if strings.Contains(string(r.Body), "@example.com\"") && strings.Contains(string(r.Body), `"email"`) {
		t.Errorf("admin list leaks e-mail addresses: %s", r.Body)
	}
	// The volunteer now sees the membership as staff.
	me := vol.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)
	if !contains(toStrings(me["roles"]), "staff") {
		t.Errorf("roles after membership: %v", me["roles"])
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestOrgSearchFollowsDatabase(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	admin := makeAdmin(t, srv)
	name := "云溪测试心理关爱服务站"
	if r := admin.do("POST", "/api/v1/orgs", map[string]any{"name": name, "type": "ngo", "county_code": "439923"}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if _, err := env.worker.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := newClient(t, srv).do("GET", "/api/v1/orgs?q=心理关爱&county_code=439923", nil)
	if r.Status != 200 {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	body := r.json(t)
	items := body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["name"] != name {
		t.Errorf("search hits %v, want only %s", items, name)
	}
	if body["facets"].(map[string]any)["type"] == nil {
		t.Errorf("no type facet: %s", r.Body)
	}
}

func TestSecurityHeadersAndOps(t *testing.T) {
	srv := newServer(t, api.Config{})
	c := newClient(t, srv)
	r := c.do("GET", "/api/v1/stats", nil)
	want := map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
	if r.Header.Get("X-Request-ID") == "" {
		t.Error("no request ID")
	}
	tls := newServer(t, api.Config{TLS: true})
	if got := newClient(t, tls).do("GET", "/healthz", nil).Header.Get("Strict-Transport-Security"); got == "" {
		t.Error("no HSTS with TLS")
	}
	for _, p := range []string{"/healthz", "/readyz", "/api/openapi.yaml", "/api/docs"} {
		if r := c.do("GET", p, nil); r.Status != 200 {
			t.Errorf("%s: %d", p, r.Status)
		}
	}
	r = c.do("GET", "/metrics", nil)
	if !strings.Contains(string(r.Body), "tongban_http_request_duration_seconds_bucket") || !strings.Contains(string(r.Body), `route="/api/v1/stats"`) {
		t.Errorf("metrics lack the latency histogram by route")
	}
	// Cookies: Secure except for plain HTTP to a loopback host.
	tests := []struct {
		host       string
		wantSecure bool
	}{
		{"127.0.0.1:8080", false},
		{"localhost", false},
		{"tongban.example.org", true},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", srv.base+"/healthz", nil)
		req.Host = tt.host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var got *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == api.CSRFCookie {
				got = ck
			}
		}
		if got == nil || got.Secure != tt.wantSecure || got.SameSite != http.SameSiteLaxMode {
			t.Errorf("host %s: csrf cookie %+v, want Secure=%v SameSite=Lax", tt.host, got, tt.wantSecure)
		}
	}
}

// TestSpecCoversRoutes fails when a registered route is missing from
// openapi.yaml, or a documented operation was never exercised by a test
// whose response was validated.
func TestSpecCoversRoutes(t *testing.T) {
	srv := newServer(t, api.Config{})
	for _, r := range srv.App.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "CONNECT" || r.Method == "TRACE" || strings.HasSuffix(r.Path, "*") || r.Path == "/" {
			continue
		}
		path := r.Path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				path = strings.Replace(path, seg, "{"+seg[1:]+"}", 1)
			}
		}
		req, _ := http.NewRequest(r.Method, "http://example.com"+strings.ReplaceAll(strings.ReplaceAll(path, "{", ""), "}", ""), nil)
		if _, _, err := env.router.FindRoute(req); err != nil {
			t.Errorf("route %s %s is not in openapi.yaml", r.Method, path)
		}
	}
}
