package api_test

import (
	"testing"

	"github.com/tongban/tongban/api"
)

// TestProblemsInChinese: a request that prefers Chinese gets the problem's
// title, detail and field reasons in Chinese, with field names and codes
// unchanged; English and no preference get English.
func TestProblemsInChinese(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	c := newClient(t, srv).csrfReady()
	badSignup := map[string]any{"login": "x", "password": "correct horse battery", "display_name": "", "roles": []string{"volunteer"}}
	wrongLogin := map[string]any{"login": "nobody@example.com", "password": "wrong password 1"}
	tests := []struct {
		name, lang, method, path string
		body                     any
		wantStatus               int
		wantTitle, wantDetail    string
		wantField, wantReason    string
	}{
		{"wrong password, zh", "zh-CN,zh;q=0.9,en;q=0.5", "POST", "/api/v1/auth/login", wrongLogin, 401, "需要登录", "账号或密码错误。", "", ""},
		{"wrong password, en", "en-GB,en;q=0.9", "POST", "/api/v1/auth/login", wrongLogin, 401, "Unauthorized", "Wrong login or password.", "", ""},
		{"wrong password, no preference", "", "POST", "/api/v1/auth/login", wrongLogin, 401, "Unauthorized", "Wrong login or password.", "", ""},
		{"validation, zh", "zh-CN", "POST", "/api/v1/auth/signup", badSignup, 400, "请求有误", "", "display_name", "须为 1 至 40 个字符"},
		{"validation, en", "en", "POST", "/api/v1/auth/signup", badSignup, 400, "Bad Request", "", "display_name", "must be 1 to 40 characters"},
		{"no such route, zh", "zh", "GET", "/api/v1/nonsense", nil, 404, "未找到", "", "", ""},
		{"a need that does not exist, zh", "zh-CN", "GET", "/api/v1/needs/000000000000000000000000", nil, 404, "未找到", "未找到该需求。", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.lang != "" {
				h = []string{"Accept-Language", tt.lang}
			}
			r := c.do(tt.method, tt.path, tt.body, h...)
			if r.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.wantStatus, r.Body)
			}
			p := r.json(t)
			if p["title"] != tt.wantTitle {
				t.Errorf("title %q, want %q", p["title"], tt.wantTitle)
			}
			if tt.wantDetail != "" && p["detail"] != tt.wantDetail {
				t.Errorf("detail %q, want %q", p["detail"], tt.wantDetail)
			}
			if tt.wantField != "" {
				found := false
				for _, e := range p["errors"].([]any) {
					f := e.(map[string]any)
					if f["field"] == tt.wantField {
						found = true
						if f["reason"] != tt.wantReason {
							t.Errorf("reason of %s: %q, want %q", tt.wantField, f["reason"], tt.wantReason)
						}
					}
				}
				if !found {
					t.Errorf("no error names %s: %s", tt.wantField, r.Body)
				}
			}
		})
	}
}
