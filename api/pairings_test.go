package api_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/api"
)

// publishedNeed drafts, submits and approves a tutoring need.
func publishedNeed(t *testing.T, orgID string, author, reviewer *client, title string) string {
	t.Helper()
	r := author.do("POST", "/api/v1/orgs/"+orgID+"/needs", merge(tutoringNeed("孩子父母在外务工，数学基础薄弱，希望每周六上午线上辅导。"), "title", title))
	if r.Status != 201 {
		t.Fatalf("need: %d %s", r.Status, r.Body)
	}
	id := r.json(t)["id"].(string)
	r = author.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "submit"}, "If-Match", r.Header.Get("ETag"))
	if r = reviewer.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	return id
}

// verifiedVolunteer signs up a volunteer with a profile and all checks.
func verifiedVolunteer(t *testing.T, srv *testServer, orgID string, staff *client, capacity int) (*client, string) {
	t.Helper()
	return verifiedVolunteerAt(t, srv, orgID, staff, capacity, []map[string]any{{"day": 6, "start": "08:00", "end": "12:00"}})
}

// verifiedVolunteerAt is verifiedVolunteer with the given weekly availability.
func verifiedVolunteerAt(t *testing.T, srv *testServer, orgID string, staff *client, capacity int, availability []map[string]any) (*client, string) {
	t.Helper()
	vol, _ := signup(t, srv, "volunteer")
	r := vol.do("PUT", "/api/v1/volunteer/profile", map[string]any{
		"gender": "female", "subjects": []string{"math"}, "grades": map[string]int{"min": 1, "max": 9}, "county_code": "439921",
		"availability": availability, "modes": []string{"online"}, "capacity": capacity,
	}, "If-Match", `"0"`)
	if r.Status != 200 {
		t.Fatalf("profile: %d %s", r.Status, r.Body)
	}
	id := r.json(t)["id"].(string)
	today, next := time.Now().Format("2006-01-02"), time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	for _, kind := range []string{"identity", "background", "training"} {
		if r := staff.do("POST", "/api/v1/volunteers/"+id+"/checks", map[string]any{"kind": kind, "passed": true, "date": today, "expires": next, "org_id": orgID}); r.Status != 200 {
			t.Fatalf("check %s: %d %s", kind, r.Status, r.Body)
		}
	}
	return vol, id
}

func TestPairingLifecycleAndLogs(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	needID := publishedNeed(t, orgID, coord, rev1, "周六数学线上辅导")
	vol, volID := verifiedVolunteer(t, srv, orgID, rev1, 2)
	public := newClient(t, srv)

	r := vol.do("POST", "/api/v1/needs/"+needID+"/signup", nil)
	if r.Status != 201 {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	p := r.json(t)
	pid, etag := p["id"].(string), r.Header.Get("ETag")
	if r := vol.do("POST", "/api/v1/needs/"+needID+"/signup", nil); r.Status != 409 {
		t.Errorf("second signup to the same need: %d", r.Status)
	}
	if r := vol.do("POST", "/api/v1/pairings/"+pid+"/actions", map[string]any{"action": "approve"}, "If-Match", etag); r.Status != 403 {
		t.Errorf("volunteer approves own pairing: %d", r.Status)
	}
	// Logs only on active pairings.
	logBody := map[string]any{"date": time.Now().Format("2006-01-02"), "minutes": 90, "kind": "tutoring", "mode": "online", "note": "讲解了分数的加减法，孩子完成了练习。"}
	if r := vol.do("POST", "/api/v1/pairings/"+pid+"/logs", logBody); r.Status != 409 {
		t.Errorf("log before approval: %d", r.Status)
	}
	r = coord.do("POST", "/api/v1/pairings/"+pid+"/actions", map[string]any{"action": "approve"}, "If-Match", etag)
	if r.Status != 200 || r.json(t)["status"] != "active" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	etag = r.Header.Get("ETag")
	if got := public.do("GET", "/api/v1/needs/"+needID, nil).json(t)["progress"].(map[string]any)["pairings_made"]; got != 1.0 {
		t.Errorf("need progress pairings_made = %v, want 1", got)
	}
	if r := vol.do("POST", "/api/v1/pairings/"+pid+"/logs", merge(logBody, "note", "孩子妈妈电话 13800138000，下次改时间。")); r.Status != 422 {
		t.Errorf("log with a phone number: %d %s", r.Status, r.Body)
	}
	r = vol.do("POST", "/api/v1/pairings/"+pid+"/logs", logBody)
	if r.Status != 201 {
		t.Fatalf("log: %d %s", r.Status, r.Body)
	}
	logID := r.json(t)["id"].(string)
	if r := coord.do("POST", "/api/v1/pairings/"+pid+"/logs/"+logID+"/comments", map[string]any{"text": "很好，下次可以多用生活中的例子。"}); r.Status != 200 {
		t.Errorf("comment: %d %s", r.Status, r.Body)
	}
	if r := vol.do("POST", "/api/v1/pairings/"+pid+"/logs/"+logID+"/comments", map[string]any{"text": "自评"}); r.Status != 403 {
		t.Errorf("volunteer comments as staff: %d", r.Status)
	}
	for _, it := range coord.do("GET", "/api/v1/orgs/"+orgID+"/pairings?status=active", nil).json(t)["items"].([]any) {
		p := it.(map[string]any)
		if p["id"] == pid && (p["overdue"] != false || p["volunteer_verified"] != true || p["last_log_date"] != logBody["date"]) {
			t.Errorf("staff view of the active pairing: %v", p)
		}
	}
	if got := len(vol.do("GET", "/api/v1/pairings/"+pid+"/logs", nil).json(t)["items"].([]any)); got != 1 {
		t.Errorf("volunteer sees %d logs, want 1", got)
	}
	prof := vol.do("GET", "/api/v1/volunteer/profile", nil).json(t)
	if prof["active_pairings"].(float64) != 1 {
		t.Errorf("active pairings %v, want 1", prof["active_pairings"])
	}
	// Ending the pairing frees the slot and removes the volunteer's access.
	if r := coord.do("POST", "/api/v1/pairings/"+pid+"/actions", map[string]any{"action": "end"}, "If-Match", etag); r.Status != 400 {
		t.Errorf("end without reason: %d", r.Status)
	}
	if r := coord.do("POST", "/api/v1/pairings/"+pid+"/actions", map[string]any{"action": "end", "reason": "孩子随父母转学"}, "If-Match", etag); r.Status != 200 {
		t.Fatalf("end: %d %s", r.Status, r.Body)
	}
	if r := vol.do("GET", "/api/v1/pairings/"+pid+"/logs", nil); r.Status != 403 {
		t.Errorf("volunteer reads logs after the end: %d", r.Status)
	}
	if r := coord.do("GET", "/api/v1/pairings/"+pid+"/logs", nil); r.Status != 200 {
		t.Errorf("staff read logs after the end: %d", r.Status)
	}
	if got := vol.do("GET", "/api/v1/volunteer/profile", nil).json(t)["active_pairings"].(float64); got != 0 {
		t.Errorf("active pairings after end %v, want 0", got)
	}
	var statuses []string
	for _, it := range coord.do("GET", "/api/v1/orgs/"+orgID+"/pairings", nil).json(t)["items"].([]any) {
		if it.(map[string]any)["volunteer_id"] == volID {
			statuses = append(statuses, it.(map[string]any)["status"].(string))
		}
	}
	if diff := cmp.Diff([]string{"ended"}, statuses); diff != "" {
		t.Errorf("org pairings (-want +got):\n%s", diff)
	}
}

// TestConcurrentApprovalsRespectCapacity: a volunteer with capacity 1
// accepted for 6 needs; 6 staff approvals race; exactly one wins.
func TestConcurrentApprovalsRespectCapacity(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	vol, _ := verifiedVolunteer(t, srv, orgID, rev1, 1)
	type pending struct{ id, etag string }
	var ps []pending
	for i := range 6 {
		needID := publishedNeed(t, orgID, coord, rev1, "数学辅导第"+string(rune('一'+i))+"组")
		r := vol.do("POST", "/api/v1/needs/"+needID+"/signup", nil)
		if r.Status != 201 {
			t.Fatalf("signup %d: %d %s", i, r.Status, r.Body)
		}
		ps = append(ps, pending{r.json(t)["id"].(string), r.Header.Get("ETag")})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var codes []int
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := coord.do("POST", "/api/v1/pairings/"+p.id+"/actions", map[string]any{"action": "approve"}, "If-Match", p.etag).Status
			mu.Lock()
			codes = append(codes, st)
			mu.Unlock()
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	if ok != 1 || conflict != 5 {
		t.Errorf("approvals: %d ok, %d conflict (codes %v); want 1 and 5", ok, conflict, codes)
	}
	prof := vol.do("GET", "/api/v1/volunteer/profile", nil)
	if got := prof.json(t)["active_pairings"].(float64); got != 1 {
		t.Errorf("active pairings %v, want 1", got)
	}
	if !strings.Contains(string(prof.Body), `"capacity":1`) {
		t.Errorf("profile: %s", prof.Body)
	}
}

func TestExportAndErasure(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	needID := publishedNeed(t, orgID, coord, rev1, "周六数学辅导（注销测试）")
	vol, volID := verifiedVolunteer(t, srv, orgID, rev1, 1)
	login := vol.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["email"].(string)
	r := vol.do("POST", "/api/v1/needs/"+needID+"/signup", nil)
	r = coord.do("POST", "/api/v1/pairings/"+r.json(t)["id"].(string)+"/actions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag"))
	if r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	pid, etag := r.json(t)["id"].(string), r.Header.Get("ETag")

	ex := vol.do("GET", "/api/v1/me/export", nil).json(t)
	sec := ex["sections"].(map[string]any)["volunteer"].(map[string]any)
	if sec["profile"].(map[string]any)["id"] != volID || len(sec["pairings"].([]any)) != 1 {
		t.Errorf("export sections: %v", sec)
	}
	if r := vol.do("POST", "/api/v1/me/erase", map[string]any{"password": "wrong password"}); r.Status != 400 {
		t.Errorf("erase with a wrong password: %d", r.Status)
	}
	if r := vol.do("POST", "/api/v1/me/erase", map[string]any{"password": "correct horse battery"}); r.Status != 409 {
		t.Errorf("erase with an active pairing: %d %s", r.Status, r.Body)
	}
	if r := coord.do("POST", "/api/v1/pairings/"+pid+"/actions", map[string]any{"action": "end", "reason": "志愿者申请注销"}, "If-Match", etag); r.Status != 200 {
		t.Fatalf("end: %d", r.Status)
	}
	if r := vol.do("POST", "/api/v1/me/erase", map[string]any{"password": "correct horse battery"}); r.Status != 204 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	if r := vol.do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
		t.Errorf("session after erasure: %d", r.Status)
	}
	again := newClient(t, srv).csrfReady()
	if r := again.do("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": "correct horse battery"}); r.Status != 401 {
		t.Errorf("login after erasure: %d", r.Status)
	}
	// The staff view keeps the pairing history under the opaque ID only.
	if r := coord.do("GET", "/api/v1/orgs/"+orgID+"/pairings", nil); strings.Contains(string(r.Body), login) {
		t.Error("erased volunteer's login still visible")
	}
	// The login is free again.
	if r := again.do("POST", "/api/v1/auth/signup", map[string]any{"login": login, "password": "another long pw", "display_name": "新用户", "roles": []string{"donor"}}); r.Status != 201 {
		t.Errorf("signup with the erased login: %d %s", r.Status, r.Body)
	}
}

// TestProposeWithOverride: staff propose the top candidate without a
// reason; anyone else needs an override reason, which the pairing keeps.
func TestProposeWithOverride(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	otherCoord := otherOrgCoordinator(t, srv)
	needID := publishedNeed(t, orgID, coord, rev1, "周六数学线上辅导（改派测试）")
	_, _ = verifiedVolunteer(t, srv, orgID, rev1, 2)
	// Free on Sundays only: eligible, but scores lower on shared time.
	lowVol, lowID := verifiedVolunteerAt(t, srv, orgID, rev1, 2, []map[string]any{{"day": 7, "start": "08:00", "end": "12:00"}})

	r := coord.do("GET", "/api/v1/needs/"+needID+"/candidates?k=50", nil)
	if r.Status != 200 {
		t.Fatalf("candidates: %d %s", r.Status, r.Body)
	}
	var ids []string
	for _, it := range r.json(t)["items"].([]any) {
		ids = append(ids, it.(map[string]any)["volunteer"].(map[string]any)["id"].(string))
	}
	if len(ids) < 2 || !contains(ids[1:], lowID) {
		t.Fatalf("candidates %v: want the Sunday volunteer %s listed below the top", ids, lowID)
	}
	topID := ids[0]
	reason := "周六的志愿者下月出差，周日的志愿者与孩子同乡，沟通更方便。"
	tests := []struct {
		name       string
		who        *client
		volunteer  string
		override   string
		wantStatus int
		wantField  string
		wantSource string
	}{
		{"not the top candidate, no reason", coord, lowID, "", 400, "override", ""},
		{"not the top candidate, blank reason", rev1, lowID, "   ", 400, "override", ""},
		{"reason too long", coord, lowID, strings.Repeat("长", 301), 400, "override", ""},
		{"staff of another organisation", otherCoord, lowID, reason, 403, "", ""},
		{"a volunteer", lowVol, lowID, reason, 403, "", ""},
		{"not the top candidate, with a reason", coord, lowID, reason, 201, "", "staff"},
		{"proposed twice", coord, lowID, reason, 409, "", ""},
		{"the top candidate needs no reason", rev1, topID, "", 201, "", "matching"},
	}
	var pairingID string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.who.do("POST", "/api/v1/needs/"+needID+"/pairings", map[string]any{"volunteer_id": tt.volunteer, "override": tt.override})
			if r.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.wantStatus, r.Body)
			}
			if tt.wantField != "" && !contains(problemFields(t, r), tt.wantField) {
				t.Errorf("problem fields %v, want %s", problemFields(t, r), tt.wantField)
			}
			if tt.wantSource == "" {
				return
			}
			p := r.json(t)
			var wantOverride any // omitted when empty
			if tt.override != "" {
				wantOverride = strings.TrimSpace(tt.override)
			}
			if got, want := []any{p["source"], p["status"], p["override"]}, []any{tt.wantSource, "proposed", wantOverride}; !cmp.Equal(got, want) {
				t.Errorf("source, status, override = %v, want %v", got, want)
			}
			if tt.volunteer == lowID {
				pairingID = p["id"].(string)
			}
		})
	}
	// The reason shows on the pairing for the volunteer and for staff.
	found := false
	for _, it := range lowVol.do("GET", "/api/v1/volunteer/pairings", nil).json(t)["items"].([]any) {
		p := it.(map[string]any)
		found = found || (p["id"] == pairingID && p["override"] == reason)
	}
	if !found {
		t.Errorf("the volunteer does not see the override reason on pairing %s", pairingID)
	}
	found = false
	for _, it := range coord.do("GET", "/api/v1/orgs/"+orgID+"/pairings", nil).json(t)["items"].([]any) {
		p := it.(map[string]any)
		found = found || (p["id"] == pairingID && p["override"] == reason && p["source"] == "staff")
	}
	if !found {
		t.Errorf("staff do not see the override reason on pairing %s", pairingID)
	}
}

// TestConfirmPairingLog: staff of the pairing's organisation confirm a
// session log (idempotently); then, and only then, it counts in the
// volunteer's hours.
func TestConfirmPairingLog(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	otherCoord := otherOrgCoordinator(t, srv)
	needID := publishedNeed(t, orgID, coord, rev1, "周六数学线上辅导（确认课时）")
	vol, _ := verifiedVolunteer(t, srv, orgID, rev1, 1)
	anon := newClient(t, srv).csrfReady()
	r := vol.do("POST", "/api/v1/needs/"+needID+"/signup", nil)
	r = coord.do("POST", "/api/v1/pairings/"+r.json(t)["id"].(string)+"/actions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag"))
	if r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	pid := r.json(t)["id"].(string)
	coordID := coord.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	today := time.Now().Format("2006-01-02")
	var logIDs []string
	for _, minutes := range []int{90, 45} {
		r := vol.do("POST", "/api/v1/pairings/"+pid+"/logs", map[string]any{"date": today, "minutes": minutes, "kind": "tutoring", "mode": "online", "note": "复习了分数的加减法，完成了练习。"})
		if r.Status != 201 || r.json(t)["confirmed"] != false {
			t.Fatalf("log: %d %s", r.Status, r.Body)
		}
		logIDs = append(logIDs, r.json(t)["id"].(string))
	}
	pairingHours := func() (ids []string) {
		t.Helper()
		r := vol.do("GET", "/api/v1/volunteer/hours", nil)
		if r.Status != 200 {
			t.Fatalf("hours: %d %s", r.Status, r.Body)
		}
		for _, it := range r.json(t)["items"].([]any) {
			if e := it.(map[string]any); e["kind"] == "pairing" {
				ids = append(ids, e["source_id"].(string))
			}
		}
		return ids
	}
	if got := pairingHours(); len(got) != 0 {
		t.Errorf("unconfirmed logs count as hours: %v", got)
	}
	confirm := "/api/v1/pairings/" + pid + "/logs/" + logIDs[0] + "/confirm"
	// Finance staff of the same organisation do not confirm sessions.
	finance, _ := signup(t, srv, "volunteer")
	financeID := finance.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	if r := makeAdmin(t, srv).do("POST", "/api/v1/orgs/"+orgID+"/members", map[string]any{"user_id": financeID, "role": "finance"}); r.Status != 200 {
		t.Fatalf("finance member: %d %s", r.Status, r.Body)
	}
	tests := []struct {
		name       string
		who        *client
		path       string
		wantStatus int
	}{
		{"anonymous", anon, confirm, 401},
		{"the volunteer", vol, confirm, 403},
		{"staff of another organisation", otherCoord, confirm, 404},
		{"finance staff of the organisation", finance, confirm, 403},
		{"a log of another pairing", coord, "/api/v1/pairings/" + pid + "/logs/no-such-log/confirm", 404},
		{"the coordinator", coord, confirm, 200},
		{"a reviewer, again (idempotent)", rev1, confirm, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.who.do("POST", tt.path, nil)
			if r.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.wantStatus, r.Body)
			}
			if r.Status != 200 {
				return
			}
			l := r.json(t)
			// The first confirmation stays: confirmed by the coordinator.
			if got, want := []any{l["id"], l["confirmed"], l["confirmed_by"]}, []any{logIDs[0], true, coordID}; !cmp.Equal(got, want) {
				t.Errorf("log id, confirmed, confirmed_by = %v, want %v", got, want)
			}
			if l["confirmed_at"] == nil {
				t.Error("confirmed_at missing")
			}
		})
	}
	if diff := cmp.Diff([]string{logIDs[0]}, pairingHours()); diff != "" {
		t.Errorf("pairing hours (-want +got):\n%s", diff)
	}
	hours := vol.do("GET", "/api/v1/volunteer/hours", nil).json(t)
	if hours["total_minutes"] != float64(90) {
		t.Errorf("total minutes %v, want 90", hours["total_minutes"])
	}
	confirmed := map[string]bool{}
	for _, it := range vol.do("GET", "/api/v1/pairings/"+pid+"/logs", nil).json(t)["items"].([]any) {
		confirmed[it.(map[string]any)["id"].(string)] = it.(map[string]any)["confirmed"].(bool)
	}
	if diff := cmp.Diff(map[string]bool{logIDs[0]: true, logIDs[1]: false}, confirmed); diff != "" {
		t.Errorf("logs confirmed (-want +got):\n%s", diff)
	}
}
