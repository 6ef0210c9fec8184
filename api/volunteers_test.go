package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/api"
)

func TestVolunteerVerificationAndRecommendations(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, rev2 := staffOrg(t, srv)
	vol, _ := signup(t, srv, "volunteer")
	donor, _ := signup(t, srv, "donor")

	// A published online tutoring need of the organisation.
	r := coord.do("POST", "/api/v1/orgs/"+orgID+"/needs", tutoringNeed("孩子父母在外务工，数学基础薄弱，希望每周六上午线上辅导。"))
	if r.Status != 201 {
		t.Fatalf("need: %d %s", r.Status, r.Body)
	}
	needID := r.json(t)["id"].(string)
	r = coord.do("POST", "/api/v1/needs/"+needID+"/transitions", map[string]any{"action": "submit"}, "If-Match", r.Header.Get("ETag"))
	if r = rev1.do("POST", "/api/v1/needs/"+needID+"/transitions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}

	if r := donor.do("GET", "/api/v1/volunteer/profile", nil); r.Status != 403 {
		t.Errorf("donor profile: %d, want 403", r.Status)
	}
	r = vol.do("GET", "/api/v1/volunteer/profile", nil)
	if r.Status != 200 || r.Header.Get("ETag") != `"0"` {
		t.Fatalf("new profile: %d etag %s", r.Status, r.Header.Get("ETag"))
	}
	profile := map[string]any{
		"gender": "female", "subjects": []string{"math", "english"}, "grades": map[string]int{"min": 1, "max": 6},
		"skills": []string{"reading"}, "languages": []string{"zh"}, "county_code": "439921", "township_code": "439921100",
		"availability": []map[string]any{{"day": 6, "start": "08:00", "end": "12:00"}}, "travel_km": 20,
		"modes": []string{"online", "in_person"}, "capacity": 2, "preferred_kinds": []string{"tutoring"},
	}
	if r := vol.do("PUT", "/api/v1/volunteer/profile", merge(profile, "availability", []map[string]any{{"day": 6, "start": "08:10", "end": "12:00"}}), "If-Match", `"0"`); r.Status != 400 || !contains(problemFields(t, r), "availability[0]") {
		t.Errorf("off-grid slot: %d %s", r.Status, r.Body)
	}
	r = vol.do("PUT", "/api/v1/volunteer/profile", profile, "If-Match", `"0"`)
	if r.Status != 200 {
		t.Fatalf("save profile: %d %s", r.Status, r.Body)
	}
	if r := vol.do("PUT", "/api/v1/volunteer/profile", profile, "If-Match", `"0"`); r.Status != 412 {
		t.Errorf("stale save: %d", r.Status)
	}
	volID := r.json(t)["id"].(string)
	ver := r.json(t)["verification"].(map[string]any)
	if diff := cmp.Diff([]any{"identity", "background", "training"}, ver["missing"]); diff != "" || ver["verified"] != false {
		t.Errorf("verification of a new volunteer (-want +got):\n%s", diff)
	}
	// Unverified volunteers are offered nothing.
	if items := vol.do("GET", "/api/v1/volunteer/recommendations", nil).json(t)["items"].([]any); len(items) != 0 {
		t.Errorf("unverified volunteer got %d recommendations", len(items))
	}
	// The queue shows them to staff, without contact data.
	r = rev2.do("GET", "/api/v1/verification/queue?limit=100", nil)
	if !strings.Contains(string(r.Body), volID) || strings.Contains(string(r.Body), "@example.com") {
		t.Errorf("queue: %s", r.Body)
	}
	if r := vol.do("GET", "/api/v1/verification/queue", nil); r.Status != 403 {
		t.Errorf("volunteer sees the queue: %d", r.Status)
	}

	today := time.Now().Format("2006-01-02")
	next := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	checks := []struct {
		name string
		c    *client
		body map[string]any
		want int
	}{
		{"volunteer records own check", vol, map[string]any{"kind": "identity", "passed": true, "date": today, "org_id": orgID}, 403},
		{"background without expiry", rev1, map[string]any{"kind": "background", "passed": true, "date": today, "org_id": orgID}, 400},
		{"identity", rev1, map[string]any{"kind": "identity", "passed": true, "date": today, "org_id": orgID}, 200},
		{"background", rev1, map[string]any{"kind": "background", "passed": true, "date": today, "expires": next, "org_id": orgID}, 200},
		{"training", coord, map[string]any{"kind": "training", "passed": true, "date": today, "org_id": orgID}, 200},
	}
	for _, tt := range checks {
		if r := tt.c.do("POST", "/api/v1/volunteers/"+volID+"/checks", tt.body); r.Status != tt.want {
			t.Errorf("%s: %d, want %d (%s)", tt.name, r.Status, tt.want, r.Body)
		}
	}
	r = vol.do("GET", "/api/v1/volunteer/recommendations?k=5", nil)
	if j := r.json(t); j["verification"].(map[string]any)["verified"] != true {
		t.Fatalf("after checks: %s", r.Body)
	}
	var found map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		rec := it.(map[string]any)
		if rec["need"].(map[string]any)["id"] == needID {
			found = rec
		}
	}
	if found == nil {
		t.Fatalf("the matching need is not recommended: %s", r.Body)
	}
	body := string(r.Body)
	for _, want := range []string{"每周可共同安排 2 小时：周六 9:00–11:00", "可辅导数学", "2 h a week in common"} {
		if !strings.Contains(body, want) {
			t.Errorf("explanation lacks %q", want)
		}
	}
	if strings.Contains(body, "LA-2026-0042") {
		t.Error("recommendation leaks the case reference")
	}
	// Staff see the volunteer as a candidate for the need; outsiders may not.
	if r := coord.do("GET", "/api/v1/needs/"+needID+"/candidates", nil); !strings.Contains(string(r.Body), volID) {
		t.Errorf("candidates: %d %s", r.Status, r.Body)
	}
	if r := vol.do("GET", "/api/v1/needs/"+needID+"/candidates", nil); r.Status != 403 {
		t.Errorf("volunteer reads candidates: %d", r.Status)
	}
}
