package api_test

import (
	"strings"
	"testing"

	"github.com/tongban/tongban/api"
)

func TestOrgMembers(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, _, coord, fin1, _ := moneyOrg(t, srv)
	outsider, _ := signup(t, srv, "donor")
	otherOrg, otherCoord, _, _ := staffOrg(t, srv)
	admin := makeAdmin(t, srv)
	public := newClient(t, srv).csrfReady()
	tests := []struct {
		name string
		c    *client
		org  string
		want int
	}{
		{"a coordinator of the organisation", coord, orgID, 200},
		{"finance staff of the organisation", fin1, orgID, 200},
		{"an administrator", admin, orgID, 200},
		{"staff of another organisation", otherCoord, orgID, 403},
		{"a donor", outsider, orgID, 403},
		{"anonymous visitor", public, orgID, 401},
		{"the other organisation's own coordinator", otherCoord, otherOrg, 200},
	}
	for _, tt := range tests {
		r := tt.c.do("GET", "/api/v1/orgs/"+tt.org+"/members", nil)
		if r.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, r.Status, r.Body, tt.want)
		}
	}
	r := fin1.do("GET", "/api/v1/orgs/"+orgID+"/members", nil)
	items := r.json(t)["items"].([]any)
	roles := map[string]int{}
	for _, it := range items {
		m := it.(map[string]any)
		roles[m["role"].(string)]++
		if m["display_name"] != "测试用户" {
			t.Errorf("member name %v", m["display_name"])
		}
	}
	if got := roles; got["coordinator"] != 1 || got["reviewer"] != 1 || got["finance"] != 2 || len(items) != 4 {
		t.Errorf("members by role: %v (%d)", got, len(items))
	}
	if strings.Contains(string(r.Body), "@example.com") {
		t.Errorf("members list shows contact data: %s", r.Body)
	}
}
