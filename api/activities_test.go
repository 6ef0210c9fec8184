package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/privacy"
)

// actClock is the activities service's clock: real time unless a test
// freezes it.
var actClock struct {
	sync.Mutex
	fixed time.Time
}

func actNow() time.Time {
	actClock.Lock()
	defer actClock.Unlock()
	if actClock.fixed.IsZero() {
		return time.Now()
	}
	return actClock.fixed
}

// freezeClock sets the activities clock to t until the test ends.
func freezeClock(t *testing.T, at time.Time) {
	t.Helper()
	actClock.Lock()
	actClock.fixed = at
	actClock.Unlock()
	t.Cleanup(func() {
		actClock.Lock()
		actClock.fixed = time.Time{}
		actClock.Unlock()
	})
}

// newActivityService builds the activities service of the API tests over
// the shared database (called from TestMain).
func newActivityService() *activities.Service {
	store := mongodb.NewActivityStore(env.db)
	return &activities.Service{Store: store, Volunteers: env.vols.Store, DisplayName: env.vols.DisplayName, OrgName: env.needs.OrgName,
		County: geo.LookupCounty, Screen: privacy.Check, PairingLogs: store.ConfirmedPairingLogs, CodeSecret: []byte("activities test secret"), Now: actNow}
}

// sessionBody is one session starting at start for two hours.
func sessionBody(start time.Time, capacity map[string]int) map[string]any {
	return map[string]any{"start": start.Format(time.RFC3339), "end": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue_name": "石门镇童伴之家活动室", "county_code": "439921", "capacity": capacity, "children_expected": 12}
}

func activityBody(title string, verified bool, sessions ...map[string]any) map[string]any {
	return map[string]any{"title": title, "description": "周末为留守儿童提供课业辅导和陪伴，请志愿者提前十分钟到场。",
		"require_verified": verified, "sessions": sessions}
}

// newActivity creates an activity as coord and returns its ID and its
// sessions' IDs.
func newActivity(t *testing.T, coord *client, orgID string, body map[string]any) (string, []string) {
	t.Helper()
	r := coord.do("POST", "/api/v1/orgs/"+orgID+"/activities", body)
	if r.Status != 201 {
		t.Fatalf("create activity: %d %s", r.Status, r.Body)
	}
	a := r.json(t)
	var ids []string
	for _, s := range a["sessions"].([]any) {
		ids = append(ids, s.(map[string]any)["id"].(string))
	}
	return a["id"].(string), ids
}

// signUp signs c up and returns the sign-up.
func signUp(t *testing.T, c *client, sessionID, role string) map[string]any {
	t.Helper()
	r := c.do("POST", "/api/v1/activity-sessions/"+sessionID+"/signups", map[string]any{"role": role})
	if r.Status != 201 {
		t.Fatalf("sign up: %d %s", r.Status, r.Body)
	}
	return r.json(t)
}

func act(t *testing.T, c *client, signupID, action string, want int) map[string]any {
	t.Helper()
	r := c.do("POST", "/api/v1/activity-signups/"+signupID+"/actions", map[string]any{"action": action})
	if r.Status != want {
		t.Fatalf("%s: %d, want %d: %s", action, r.Status, want, r.Body)
	}
	return r.json(t)
}

// statuses maps sign-up IDs to statuses in a staff list of a session.
func statuses(t *testing.T, staff *client, sessionID string) map[string]string {
	t.Helper()
	r := staff.do("GET", "/api/v1/activity-sessions/"+sessionID+"/signups", nil)
	if r.Status != 200 {
		t.Fatalf("signups: %d %s", r.Status, r.Body)
	}
	out := map[string]string{}
	for _, it := range r.json(t)["items"].([]any) {
		m := it.(map[string]any)
		out[m["id"].(string)] = m["status"].(string)
	}
	return out
}

// TestActivityFlow: staff create an activity; two volunteers fill the
// tutor places; a third waits, is offered the place after a cancellation
// and accepts; check-in with the rotating code; hours confirmed; a
// certificate is downloaded and verified publicly; the calendar feed works.
func TestActivityFlow(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	t0 := time.Now().UTC().Truncate(time.Minute)
	freezeClock(t, t0)
	start := t0.Add(48 * time.Hour)
	actID, sids := newActivity(t, coord, orgID, activityBody("童伴之家周末课业辅导", true, sessionBody(start, map[string]int{"tutor": 2, "companion": 1})))
	sid := sids[0]
	v1, _ := verifiedVolunteer(t, srv, orgID, rev1, 1)
	v2, _ := verifiedVolunteer(t, srv, orgID, rev1, 1)
	v3, _ := verifiedVolunteer(t, srv, orgID, rev1, 1)
	unverified, _ := signup(t, srv, "volunteer")

	if r := unverified.do("POST", "/api/v1/activity-sessions/"+sid+"/signups", map[string]any{"role": "tutor"}); r.Status != 409 {
		t.Errorf("unverified sign-up: %d %s", r.Status, r.Body)
	}
	s1 := signUp(t, v1, sid, "tutor")
	s2 := signUp(t, v2, sid, "tutor")
	s3 := signUp(t, v3, sid, "tutor")
	got := []any{s1["status"], s2["status"], s3["status"], s3["position"]}
	if diff := cmp.Diff([]any{"confirmed", "confirmed", "waitlisted", float64(1)}, got); diff != "" {
		t.Errorf("sign-ups (-want +got):\n%s", diff)
	}
	if r := v1.do("POST", "/api/v1/activity-sessions/"+sid+"/signups", map[string]any{"role": "companion"}); r.Status != 409 {
		t.Errorf("second sign-up to the same session: %d", r.Status)
	}

	// The public page shows places and waitlists, never who signed up.
	anon := newClient(t, srv).csrfReady()
	r := anon.do("GET", "/api/v1/activities/"+actID, nil)
	if r.Status != 200 {
		t.Fatalf("activity: %d %s", r.Status, r.Body)
	}
	sess := r.json(t)["sessions"].([]any)[0].(map[string]any)
	if diff := cmp.Diff(map[string]any{"tutor": float64(0), "companion": float64(1), "logistics": float64(0)}, sess["places_left"]); diff != "" {
		t.Errorf("places left (-want +got):\n%s", diff)
	}
	if sess["waitlisted"].(map[string]any)["tutor"] != float64(1) || strings.Contains(string(r.Body), "volunteer_id") {
		t.Errorf("public activity page: %s", r.Body)
	}
	if mine := v3.do("GET", "/api/v1/activities/"+actID, nil).json(t)["sessions"].([]any)[0].(map[string]any)["my_signup"]; mine.(map[string]any)["status"] != "waitlisted" {
		t.Errorf("v3's own sign-up on the page: %v", mine)
	}

	// A cancellation offers the place to the first in line, for 24 hours.
	act(t, v1, s1["id"].(string), "cancel", 200)
	var offered map[string]any
	for _, it := range v3.do("GET", "/api/v1/volunteer/signups", nil).json(t)["items"].([]any) {
		if it.(map[string]any)["id"] == s3["id"] {
			offered = it.(map[string]any)
		}
	}
	if offered["status"] != "offered" || offered["offer_expires"] != t0.Add(24*time.Hour).Format(time.RFC3339) {
		t.Fatalf("after the cancellation v3 has %v", offered)
	}
	if r := v2.do("POST", "/api/v1/activity-signups/"+s3["id"].(string)+"/actions", map[string]any{"action": "accept"}); r.Status != 404 {
		t.Errorf("another volunteer accepts v3's offer: %d", r.Status)
	}
	act(t, v3, s3["id"].(string), "accept", 200)
	if diff := cmp.Diff(map[string]string{s1["id"].(string): "cancelled", s2["id"].(string): "confirmed", s3["id"].(string): "confirmed"}, statuses(t, coord, sid)); diff != "" {
		t.Errorf("staff list (-want +got):\n%s", diff)
	}

	// At the venue: the rotating code, self check-in and check-out.
	freezeClock(t, start.Add(5*time.Minute))
	code := rev1.do("GET", "/api/v1/activity-sessions/"+sid+"/checkin-code", nil).json(t)
	u, err := url.Parse(code["url"].(string))
	if err != nil || u.Path != "/checkin/"+sid || u.Query().Get("code") != code["code"] || !strings.HasPrefix(code["qr_png"].(string), "data:image/png;base64,") {
		t.Errorf("check-in code: %v", code)
	}
	wrong := fmt.Sprintf("%06d", (atoi(code["code"].(string))+1)%1000000)
	if r := v2.do("POST", "/api/v1/activity-sessions/"+sid+"/checkin", map[string]any{"code": wrong}); r.Status != 400 || !contains(problemFields(t, r), "code") {
		t.Errorf("wrong code: %d %s", r.Status, r.Body)
	}
	if r := v1.do("POST", "/api/v1/activity-sessions/"+sid+"/checkin", map[string]any{"code": code["code"]}); r.Status != 409 {
		t.Errorf("check-in after cancelling: %d", r.Status)
	}
	for _, v := range []*client{v2, v3} {
		if r := v.do("POST", "/api/v1/activity-sessions/"+sid+"/checkin", map[string]any{"code": code["code"]}); r.Status != 200 {
			t.Fatalf("check-in: %d %s", r.Status, r.Body)
		}
	}
	freezeClock(t, start.Add(90*time.Minute))
	if r := v2.do("POST", "/api/v1/activity-sessions/"+sid+"/checkout", map[string]any{"code": code["code"]}); r.Status != 400 {
		t.Errorf("check-out with an expired code: %d %s", r.Status, r.Body)
	}
	code = coord.do("GET", "/api/v1/activity-sessions/"+sid+"/checkin-code", nil).json(t)
	if r := v2.do("POST", "/api/v1/activity-sessions/"+sid+"/checkout", map[string]any{"code": code["code"]}); r.Status != 200 || r.json(t)["minutes"] != float64(85) {
		t.Fatalf("check-out: %d %s", r.Status, r.Body)
	}

	// Hours: only after the end, and not while someone is still checked in.
	if r := coord.do("POST", "/api/v1/activity-sessions/"+sid+"/hours", map[string]any{"children_served": 10}); r.Status != 409 {
		t.Errorf("confirm during the session: %d", r.Status)
	}
	freezeClock(t, start.Add(150*time.Minute))
	if r := coord.do("POST", "/api/v1/activity-sessions/"+sid+"/hours", map[string]any{"children_served": 10}); r.Status != 409 || !strings.Contains(string(r.Body), s3["id"].(string)) {
		t.Errorf("confirm with v3 still checked in: %d %s", r.Status, r.Body)
	}
	if r := v3.do("PUT", "/api/v1/activity-signups/"+s3["id"].(string)+"/attendance", map[string]any{"attendance": "attended", "check_out": start.Add(3 * time.Hour).Format(time.RFC3339)}); r.Status != 403 {
		t.Errorf("volunteer records own attendance: %d", r.Status)
	}
	r = rev1.do("PUT", "/api/v1/activity-signups/"+s3["id"].(string)+"/attendance", map[string]any{"attendance": "attended", "check_out": start.Add(3 * time.Hour).Format(time.RFC3339)})
	if r.Status != 200 || r.json(t)["minutes"] != float64(115) {
		t.Fatalf("staff check-out (clamped to the end): %d %s", r.Status, r.Body)
	}
	r = coord.do("POST", "/api/v1/activity-sessions/"+sid+"/hours", map[string]any{"children_served": 10})
	if r.Status != 200 {
		t.Fatalf("confirm hours: %d %s", r.Status, r.Body)
	}
	res := r.json(t)
	if res["confirmed"] != float64(2) || res["no_shows"] != float64(0) || res["session"].(map[string]any)["children_served"] != float64(10) {
		t.Errorf("confirmation: %s", r.Body)
	}
	hours := v2.do("GET", "/api/v1/volunteer/hours", nil).json(t)
	if hours["total_minutes"] != float64(85) || hours["total_hours"] != 1.4 || len(hours["items"].([]any)) != 1 {
		t.Errorf("v2 hours: %v", hours)
	}

	// Certificate: issued, downloaded, verified publicly; re-issue supersedes.
	if r := v2.do("POST", "/api/v1/volunteer/certificates", map[string]any{"org_id": "no-such-org"}); r.Status != 409 {
		t.Errorf("certificate without hours: %d", r.Status)
	}
	r = v2.do("POST", "/api/v1/volunteer/certificates", map[string]any{"org_id": orgID})
	if r.Status != 201 {
		t.Fatalf("certificate: %d %s", r.Status, r.Body)
	}
	cert := r.json(t)
	serial := cert["serial"].(string)
	content := cert["content"].(map[string]any)
	if content["verify_url"] != srv.base+"/certificates/"+serial || content["total_minutes"] != float64(85) {
		t.Errorf("certificate content: %v", content)
	}
	r = v2.do("GET", "/api/v1/certificates/"+serial+"/pdf", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Errorf("pdf: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	if r := v3.do("GET", "/api/v1/certificates/"+serial+"/pdf", nil); r.Status != 404 {
		t.Errorf("another volunteer downloads the pdf: %d", r.Status)
	}
	if r := coord.do("GET", "/api/v1/certificates/"+serial+"/pdf", nil); r.Status != 200 {
		t.Errorf("staff download the pdf: %d", r.Status)
	}
	pub := anon.do("GET", "/api/v1/certificates/"+serial, nil).json(t)
	want := map[string]any{"valid": true, "status": "valid", "volunteer_name_masked": "测***", "total_minutes": float64(85), "content_sha256": cert["content_sha256"]}
	for k, v := range want {
		if pub[k] != v {
			t.Errorf("public certificate %s = %v, want %v", k, pub[k], v)
		}
	}
	if strings.Contains(fmt.Sprint(pub), "测试用户") {
		t.Errorf("public certificate shows the name: %v", pub)
	}
	again := v2.do("POST", "/api/v1/volunteer/certificates", map[string]any{"org_id": orgID}).json(t)
	if again["serial"] == serial {
		t.Error("re-issue kept the serial")
	}
	old := anon.do("GET", "/api/v1/certificates/"+serial, nil).json(t)
	if old["valid"] != false || old["superseded_by"] != again["serial"] {
		t.Errorf("superseded certificate: %v", old)
	}
	if n := len(v2.do("GET", "/api/v1/volunteer/certificates", nil).json(t)["items"].([]any)); n != 2 {
		t.Errorf("v2 has %d certificates, want 2", n)
	}

	// Calendar feed at a private, regenerable token URL.
	tok := v3.do("POST", "/api/v1/volunteer/calendar-token", nil).json(t)
	feed, err := url.Parse(tok["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	r = anon.do("GET", feed.Path, nil)
	body := string(r.Body)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(body, "SUMMARY:童伴之家周末课业辅导") ||
		!strings.Contains(body, "UID:"+s3["id"].(string)+"@tongban") || !strings.Contains(body, "DTSTART:"+start.Format("20060102T150405Z")) {
		t.Errorf("calendar: %d %s", r.Status, body)
	}
	v3.do("POST", "/api/v1/volunteer/calendar-token", nil)
	if r := anon.do("GET", feed.Path, nil); r.Status != 404 {
		t.Errorf("old calendar token after regeneration: %d", r.Status)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestActivityWaitlistOffers: an offer not accepted in time passes to the
// next in line (lazily on reads, and by ExpireOffers); a declined offer
// with nobody waiting returns the place.
func TestActivityWaitlistOffers(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, _, _ := staffOrg(t, srv)
	t0 := time.Now().UTC().Truncate(time.Minute)
	freezeClock(t, t0)
	actID, sids := newActivity(t, coord, orgID, activityBody("寒假心理陪伴营", false,
		sessionBody(t0.Add(72*time.Hour), map[string]int{"companion": 1}), sessionBody(t0.Add(96*time.Hour), map[string]int{"companion": 1})))
	var vols []*client
	for range 4 {
		v, _ := signup(t, srv, "volunteer")
		vols = append(vols, v)
	}
	a, b, c := signUp(t, vols[0], sids[0], "companion"), signUp(t, vols[1], sids[0], "companion"), signUp(t, vols[2], sids[0], "companion")
	if b["position"] != float64(1) || c["position"] != float64(2) {
		t.Errorf("positions %v %v", b["position"], c["position"])
	}
	act(t, vols[0], a["id"].(string), "cancel", 200)
	freezeClock(t, t0.Add(25*time.Hour))
	// Reading the activity page passes the expired offer on.
	anon := newClient(t, srv).csrfReady()
	anon.do("GET", "/api/v1/activities/"+actID, nil)
	want := map[string]string{a["id"].(string): "cancelled", b["id"].(string): "expired", c["id"].(string): "offered"}
	if diff := cmp.Diff(want, statuses(t, coord, sids[0])); diff != "" {
		t.Errorf("after the window (-want +got):\n%s", diff)
	}
	if r := vols[1].do("POST", "/api/v1/activity-signups/"+b["id"].(string)+"/actions", map[string]any{"action": "accept"}); r.Status != 409 {
		t.Errorf("accepting an expired offer: %d", r.Status)
	}
	act(t, vols[2], c["id"].(string), "decline", 200)
	sess := anon.do("GET", "/api/v1/activity-sessions/"+sids[0], nil).json(t)
	if sess["places_left"].(map[string]any)["companion"] != float64(1) {
		t.Errorf("declined with nobody in line: places left %v", sess["places_left"])
	}
	// The expired volunteer may sign up again and takes the free place.
	if again := signUp(t, vols[1], sids[0], "companion"); again["status"] != "confirmed" || again["id"] != b["id"] {
		t.Errorf("sign-up again: %v", again)
	}

	// The periodic sweep expires offers nobody looked at.
	d := signUp(t, vols[3], sids[1], "companion")
	e := signUp(t, vols[0], sids[1], "companion")
	act(t, vols[3], d["id"].(string), "cancel", 200)
	freezeClock(t, t0.Add(50*time.Hour))
	n, err := env.acts.ExpireOffers(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("ExpireOffers = %d, %v", n, err)
	}
	if got := statuses(t, coord, sids[1])[e["id"].(string)]; got != "expired" {
		t.Errorf("after the sweep: %s", got)
	}
}

// TestActivityRules: overlapping sessions, deadlines and qualifications.
func TestActivityRules(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	t0 := time.Now().UTC().Truncate(time.Minute)
	freezeClock(t, t0)
	start := t0.Add(24 * time.Hour)
	_, first := newActivity(t, coord, orgID, activityBody("周六上午课业辅导", false, sessionBody(start, map[string]int{"tutor": 1})))
	overlap := sessionBody(start.Add(time.Hour), map[string]int{"tutor": 1, "logistics": 1})
	overlap["signup_deadline"] = start.Add(-time.Hour).Format(time.RFC3339)
	_, second := newActivity(t, coord, orgID, activityBody("周六中午陪伴活动", false, overlap, sessionBody(start.Add(2*time.Hour), map[string]int{"tutor": 1})))
	qual := activityBody("心理陪伴小组活动", true, sessionBody(start.Add(48*time.Hour), map[string]int{"companion": 2}))
	qual["qualification"] = "counselling"
	_, third := newActivity(t, coord, orgID, qual)
	vol, _ := verifiedVolunteer(t, srv, orgID, rev1, 1)
	other, _ := signup(t, srv, "volunteer")
	donor, _ := signup(t, srv, "donor")

	signUp(t, vol, first[0], "tutor")
	tests := []struct {
		name    string
		c       *client
		session string
		role    string
		want    int
		field   string
	}{
		{"overlapping session", vol, second[0], "logistics", 409, ""},
		{"back-to-back session", vol, second[1], "tutor", 201, ""},
		{"role not offered", other, second[1], "companion", 400, "role"},
		{"unknown role", other, second[1], "cook", 400, "role"},
		{"qualification missing", vol, third[0], "companion", 409, ""},
		{"donor", donor, first[0], "tutor", 403, ""},
		{"no such session", other, "nope", "tutor", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("POST", "/api/v1/activity-sessions/"+tt.session+"/signups", map[string]any{"role": tt.role})
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
			if tt.field != "" && !contains(problemFields(t, r), tt.field) {
				t.Errorf("fields %v, want %q", problemFields(t, r), tt.field)
			}
		})
	}
	freezeClock(t, start.Add(-30*time.Minute))
	if r := other.do("POST", "/api/v1/activity-sessions/"+second[0]+"/signups", map[string]any{"role": "tutor"}); r.Status != 409 {
		t.Errorf("sign-up after the deadline: %d", r.Status)
	}
}

// TestActivitySignupsConcurrent: 100 volunteers sign up at once for 10
// places: exactly 10 are confirmed and 90 wait, in arrival order.
func TestActivitySignupsConcurrent(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 100000})
	orgID, coord, _, _ := staffOrg(t, srv)
	_, sids := newActivity(t, coord, orgID, activityBody("童伴之家开放日后勤", false, sessionBody(time.Now().Add(72*time.Hour), map[string]int{"logistics": 10})))
	vols := fastVolunteers(t, srv, 100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[string]int{}
	for _, v := range vols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := v.do("POST", "/api/v1/activity-sessions/"+sids[0]+"/signups", map[string]any{"role": "logistics"})
			mu.Lock()
			defer mu.Unlock()
			if r.Status != 201 {
				count[fmt.Sprint(r.Status)]++
				return
			}
			count[r.json(t)["status"].(string)]++
		}()
	}
	wg.Wait()
	if diff := cmp.Diff(map[string]int{"confirmed": 10, "waitlisted": 90}, count); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}
	r := coord.do("GET", "/api/v1/activity-sessions/"+sids[0]+"/signups", nil)
	type row struct {
		status        string
		seq, position int
	}
	var rows []row
	for _, it := range r.json(t)["items"].([]any) {
		m := it.(map[string]any)
		rows = append(rows, row{m["status"].(string), int(m["seq"].(float64)), int(m["position"].(float64))})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].seq < rows[j].seq })
	var want []row
	for i := 1; i <= 100; i++ {
		if i <= 10 {
			want = append(want, row{"confirmed", i, 0})
		} else {
			want = append(want, row{"waitlisted", i, i - 10})
		}
	}
	if diff := cmp.Diff(want, rows, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("arrival order (-want +got):\n%s", diff)
	}
	sess := coord.do("GET", "/api/v1/activity-sessions/"+sids[0], nil).json(t)
	if sess["places_left"].(map[string]any)["logistics"] != float64(0) || sess["waitlisted"].(map[string]any)["logistics"] != float64(90) {
		t.Errorf("session after the rush: %v", sess)
	}
}

// fastVolunteers makes n volunteer accounts with logged-in clients without
// n password hashes (argon2 would dominate the test's time).
func fastVolunteers(t *testing.T, srv *testServer, n int) []*client {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	users := make([]*accounts.User, n)
	clients := make([]*client, n)
	for i := range users {
		id := tongban.NewID()
		users[i] = &accounts.User{ID: id, Login: "fast-" + id + "@example.com", Email: "fast-" + id + "@example.com", DisplayName: "志愿者",
			Roles: []string{"volunteer"}, Memberships: []accounts.Membership{}, Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	if err := env.store.CreateUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	for i, u := range users {
		secret := auth.NewSecret("s_")
		if err := env.store.CreateSession(ctx, &accounts.Session{ID: auth.HashSecret(secret), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		clients[i] = newClient(t, srv).csrfReady()
		clients[i].cookies[api.SessionCookie] = secret
	}
	return clients
}

// TestActivityAuthorization: every endpoint checks who is asking.
func TestActivityAuthorization(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, rev1, _ := staffOrg(t, srv)
	otherCoord := otherOrgCoordinator(t, srv)
	start := time.Now().Add(30 * time.Hour)
	actID, sids := newActivity(t, coord, orgID, activityBody("周日英语角活动", false, sessionBody(start, map[string]int{"tutor": 3})))
	vol, _ := signup(t, srv, "volunteer")
	other, _ := signup(t, srv, "volunteer")
	su := signUp(t, vol, sids[0], "tutor")["id"].(string)
	anon := newClient(t, srv).csrfReady()
	body := activityBody("周日英语角活动", false, sessionBody(start, map[string]int{"tutor": 3}))
	sessionPath := "/api/v1/activity-sessions/" + sids[0]
	tests := []struct {
		name         string
		c            *client
		method, path string
		body         any
		want         int
	}{
		{"anonymous creates", anon, "POST", "/api/v1/orgs/" + orgID + "/activities", body, 401},
		{"volunteer creates", vol, "POST", "/api/v1/orgs/" + orgID + "/activities", body, 403},
		{"reviewer creates", rev1, "POST", "/api/v1/orgs/" + orgID + "/activities", body, 403},
		{"other org's coordinator creates", otherCoord, "POST", "/api/v1/orgs/" + orgID + "/activities", body, 403},
		{"other org's coordinator adds a session", otherCoord, "POST", "/api/v1/activities/" + actID + "/sessions", sessionBody(start, map[string]int{"tutor": 1}), 403},
		{"reviewer lists activities", rev1, "GET", "/api/v1/orgs/" + orgID + "/activities", nil, 200},
		{"volunteer lists org activities", vol, "GET", "/api/v1/orgs/" + orgID + "/activities", nil, 403},
		{"volunteer lists sign-ups", vol, "GET", sessionPath + "/signups", nil, 403},
		{"other org lists sign-ups", otherCoord, "GET", sessionPath + "/signups", nil, 403},
		{"anonymous lists sign-ups", anon, "GET", sessionPath + "/signups", nil, 401},
		{"volunteer reads the code", vol, "GET", sessionPath + "/checkin-code", nil, 403},
		{"other org reads the code", otherCoord, "GET", sessionPath + "/checkin-code", nil, 403},
		{"volunteer confirms hours", vol, "POST", sessionPath + "/hours", map[string]any{"children_served": 3}, 403},
		{"other volunteer cancels", other, "POST", "/api/v1/activity-signups/" + su + "/actions", map[string]any{"action": "cancel"}, 404},
		{"other org cancels", otherCoord, "POST", "/api/v1/activity-signups/" + su + "/actions", map[string]any{"action": "cancel"}, 404},
		{"staff accept for the volunteer", coord, "POST", "/api/v1/activity-signups/" + su + "/actions", map[string]any{"action": "accept"}, 403},
		{"volunteer marks own attendance", vol, "PUT", "/api/v1/activity-signups/" + su + "/attendance", map[string]any{"attendance": "no_show"}, 403},
		{"other volunteer marks attendance", other, "PUT", "/api/v1/activity-signups/" + su + "/attendance", map[string]any{"attendance": "no_show"}, 404},
		{"staff check in as volunteer", coord, "POST", sessionPath + "/checkin", map[string]any{"code": "123456"}, 409},
		{"check-in without a place", other, "POST", sessionPath + "/checkin", map[string]any{"code": "123456"}, 409},
		{"anonymous hours", anon, "GET", "/api/v1/volunteer/hours", nil, 401},
		{"staff-only account hours", newClientAs(t, srv, "donor"), "GET", "/api/v1/volunteer/hours", nil, 403},
		{"anonymous sign-ups", anon, "GET", "/api/v1/volunteer/signups", nil, 401},
		{"anonymous certificate", anon, "POST", "/api/v1/volunteer/certificates", map[string]any{"org_id": orgID}, 401},
		{"anonymous pdf", anon, "GET", "/api/v1/certificates/TB-2026-0000000000/pdf", nil, 401},
		{"unknown certificate", anon, "GET", "/api/v1/certificates/TB-2026-0000000000", nil, 404},
		{"malformed serial", anon, "GET", "/api/v1/certificates/not-a-serial", nil, 404},
		{"unknown calendar", anon, "GET", "/api/v1/calendar/cal_nope.ics", nil, 404},
		{"anonymous calendar token", anon, "POST", "/api/v1/volunteer/calendar-token", nil, 401},
		{"public activity", anon, "GET", "/api/v1/activities/" + actID, nil, 200},
		{"public session", anon, "GET", sessionPath, nil, 200},
		{"missing activity", anon, "GET", "/api/v1/activities/nope", nil, 404},
		{"staff of org cancels", coord, "POST", "/api/v1/activity-signups/" + su + "/actions", map[string]any{"action": "cancel", "reason": "活动调整"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := tt.c.do(tt.method, tt.path, tt.body); r.Status != tt.want {
				t.Errorf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
		})
	}
}

// otherOrgCoordinator makes a second organisation with a coordinator.
func otherOrgCoordinator(t *testing.T, srv *testServer) *client {
	t.Helper()
	admin := makeAdmin(t, srv)
	r := admin.do("POST", "/api/v1/orgs", map[string]any{"name": "另一家机构" + t.Name(), "type": "ngo", "county_code": "439922"})
	if r.Status != 201 {
		t.Fatalf("org: %d %s", r.Status, r.Body)
	}
	c, _ := signup(t, srv, "volunteer")
	id := c.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	if r := admin.do("POST", "/api/v1/orgs/"+r.json(t)["id"].(string)+"/members", map[string]any{"user_id": id, "role": "coordinator"}); r.Status != 200 {
		t.Fatalf("member: %d %s", r.Status, r.Body)
	}
	return c
}

// newClientAs signs up an account with the given roles.
func newClientAs(t *testing.T, srv *testServer, roles ...string) *client {
	c, _ := signup(t, srv, roles...)
	return c
}

// TestActivityValidation: bad input is a 4xx problem naming the field.
func TestActivityValidation(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000, BodyLimit: 64 << 10})
	orgID, coord, _, _ := staffOrg(t, srv)
	start := time.Now().Add(40 * time.Hour)
	good := func() map[string]any { return sessionBody(start, map[string]int{"tutor": 2}) }
	with := func(k string, v any) map[string]any { return merge(good(), k, v) }
	tests := []struct {
		name   string
		body   map[string]any
		status int
		fields []string
	}{
		{"short title and description", map[string]any{"title": "辅导", "description": "短", "sessions": []any{good()}}, 400, []string{"title", "description"}},
		{"no sessions", activityBody("周末课业辅导", true), 400, []string{"sessions"}},
		{"unknown qualification", merge(activityBody("周末课业辅导", true, good()), "qualification", "magic"), 400, []string{"qualification"}},
		{"past start", activityBody("周末课业辅导", true, with("start", time.Now().Add(-time.Hour).Format(time.RFC3339))), 400, []string{"sessions[0].start"}},
		{"end before start", activityBody("周末课业辅导", true, with("end", start.Add(-time.Hour).Format(time.RFC3339))), 400, []string{"sessions[0].end"}},
		{"session too long", activityBody("周末课业辅导", true, with("end", start.Add(13*time.Hour).Format(time.RFC3339))), 400, []string{"sessions[0].end"}},
		{"bad time", activityBody("周末课业辅导", true, with("start", "next saturday")), 400, []string{"sessions[0].start"}},
		{"deadline after start", activityBody("周末课业辅导", true, with("signup_deadline", start.Add(time.Hour).Format(time.RFC3339))), 400, []string{"sessions[0].signup_deadline"}},
		{"unknown county", activityBody("周末课业辅导", true, with("county_code", "999999")), 400, []string{"sessions[0].county_code"}},
		{"no places", activityBody("周末课业辅导", true, with("capacity", map[string]int{"tutor": 0})), 400, []string{"sessions[0].capacity"}},
		{"unknown role", activityBody("周末课业辅导", true, with("capacity", map[string]int{"tutor": 1, "cook": 2})), 400, []string{"sessions[0].capacity.cook"}},
		{"negative places", activityBody("周末课业辅导", true, with("capacity", map[string]int{"tutor": -1, "companion": 1})), 400, []string{"sessions[0].capacity.tutor"}},
		{"children expected negative", activityBody("周末课业辅导", true, with("children_expected", -3)), 400, []string{"sessions[0].children_expected"}},
		{"phone in description", merge(activityBody("周末课业辅导", true, good()), "description", "报名请联系王老师 13800138000，周六上午集合。"), 422, []string{"description"}},
		{"home address as venue", activityBody("周末课业辅导", true, with("venue_name", "石门镇红星村3组12号")), 422, []string{"sessions[0].venue_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := coord.do("POST", "/api/v1/orgs/"+orgID+"/activities", tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if diff := cmp.Diff(tt.fields, problemFields(t, r)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}

	// Malformed bodies on every activities endpoint that takes one.
	_, sids := newActivity(t, coord, orgID, activityBody("周末课业辅导", false, good()))
	vol, _ := signup(t, srv, "volunteer")
	su := signUp(t, vol, sids[0], "tutor")["id"].(string)
	endpoints := []struct {
		c            *client
		method, path string
		field        string
	}{
		{coord, "POST", "/api/v1/orgs/" + orgID + "/activities", "title"},
		{coord, "POST", "/api/v1/activities/x/sessions", "venue_name"},
		{vol, "POST", "/api/v1/activity-sessions/" + sids[0] + "/signups", "role"},
		{vol, "POST", "/api/v1/activity-sessions/" + sids[0] + "/checkin", "code"},
		{vol, "POST", "/api/v1/activity-sessions/" + sids[0] + "/checkout", "code"},
		{coord, "POST", "/api/v1/activity-sessions/" + sids[0] + "/hours", "children_served"},
		{vol, "POST", "/api/v1/activity-signups/" + su + "/actions", "action"},
		{coord, "PUT", "/api/v1/activity-signups/" + su + "/attendance", "attendance"},
		{vol, "POST", "/api/v1/volunteer/certificates", "org_id"},
	}
	for _, ep := range endpoints {
		cases := []struct {
			name    string
			body    string
			headers []string
			status  int
			field   string
		}{
			{"malformed", `{"x":`, nil, 400, "body"},
			{"wrong type", fmt.Sprintf(`{%q: [1]}`, ep.field), nil, 400, ep.field},
			{"unknown field", `{"zzz": 1}`, nil, 400, "zzz"},
			{"content type", `{}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
			{"no CSRF", `{}`, []string{api.CSRFHeader, ""}, 403, api.CSRFHeader},
		}
		for _, tc := range cases {
			t.Run(ep.method+" "+ep.path+"/"+tc.name, func(t *testing.T) {
				r := ep.c.do(ep.method, ep.path, tc.body, tc.headers...)
				if r.Status != tc.status || !contains(problemFields(t, r), tc.field) {
					t.Errorf("status %d fields %v, want %d %q: %s", r.Status, problemFields(t, r), tc.status, tc.field, r.Body)
				}
			})
		}
	}

	// Field checks of the other inputs.
	other := []struct {
		name         string
		c            *client
		method, path string
		body         any
		status       int
		field        string
	}{
		{"bad check-in code", vol, "POST", "/api/v1/activity-sessions/" + sids[0] + "/checkin", map[string]any{"code": "12ab"}, 400, "code"},
		{"bad action", vol, "POST", "/api/v1/activity-signups/" + su + "/actions", map[string]any{"action": "teleport"}, 400, "action"},
		{"long reason", vol, "POST", "/api/v1/activity-signups/" + su + "/actions", map[string]any{"action": "cancel", "reason": strings.Repeat("因", 301)}, 400, "reason"},
		{"bad attendance", coord, "PUT", "/api/v1/activity-signups/" + su + "/attendance", map[string]any{"attendance": "maybe"}, 400, "attendance"},
		{"attended without check-in", coord, "PUT", "/api/v1/activity-signups/" + su + "/attendance", map[string]any{"attendance": "attended"}, 400, "check_in"},
		{"negative children", coord, "POST", "/api/v1/activity-sessions/" + sids[0] + "/hours", map[string]any{"children_served": -1}, 400, "children_served"},
		{"certificate without org", vol, "POST", "/api/v1/volunteer/certificates", map[string]any{"from": "2026-13-01"}, 400, "org_id"},
		{"certificate bad period", vol, "POST", "/api/v1/volunteer/certificates", map[string]any{"org_id": orgID, "from": "2026-05-01", "to": "2026-04-01"}, 400, "to"},
		{"search bad date", vol, "GET", "/api/v1/activities?from=tomorrow", nil, 400, "from"},
		{"search bad role", vol, "GET", "/api/v1/activities?role=cook", nil, 400, "role"},
		{"search bad county", vol, "GET", "/api/v1/activities?county_code=1", nil, 400, "county_code"},
		{"search bad cursor", vol, "GET", "/api/v1/activities?cursor=%21%21", nil, 400, "cursor"},
		{"search bad limit", vol, "GET", "/api/v1/activities?limit=0", nil, 400, "limit"},
	}
	for _, tt := range other {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do(tt.method, tt.path, tt.body)
			if r.Status != tt.status || !contains(problemFields(t, r), tt.field) {
				t.Errorf("status %d fields %v, want %d %q: %s", r.Status, problemFields(t, r), tt.status, tt.field, r.Body)
			}
		})
	}
}

// TestActivitySearch: the public list filters by county, dates and role
// and pages by cursor.
func TestActivitySearch(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, _, _ := staffOrg(t, srv)
	// Far in the future, so other tests' sessions do not interfere.
	base := time.Date(2031, 6, 7, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	other := sessionBody(base.Add(24*time.Hour), map[string]int{"companion": 2})
	other["county_code"] = "439922"
	_, sids := newActivity(t, coord, orgID, activityBody("夏令营课业辅导", false,
		sessionBody(base, map[string]int{"tutor": 2}), other, sessionBody(base.Add(48*time.Hour), map[string]int{"tutor": 1, "companion": 1})))
	anon := newClient(t, srv).csrfReady()
	ids := func(q string) []string {
		r := anon.do("GET", "/api/v1/activities?org_id="+orgID+"&"+q, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		out := []string{}
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"from=2031-06-07", sids},
		{"from=2031-06-07&to=2031-06-07", sids[:1]},
		{"from=2031-06-08&to=2031-06-09", sids[1:]},
		{"from=2031-06-07&county_code=439922", sids[1:2]},
		{"from=2031-06-07&role=companion", sids[1:]},
		{"from=2031-06-07&role=logistics", []string{}},
		{"from=2031-06-10", []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ids(tt.query)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}
	var paged []string
	cursor := ""
	for range 5 {
		r := anon.do("GET", "/api/v1/activities?org_id="+orgID+"&from=2031-06-07&limit=2&cursor="+url.QueryEscape(cursor), nil).json(t)
		for _, it := range r["items"].([]any) {
			paged = append(paged, it.(map[string]any)["id"].(string))
		}
		if cursor = r["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if diff := cmp.Diff(sids, paged); diff != "" {
		t.Errorf("paged (-want +got):\n%s", diff)
	}
}

// TestActivityErasure: deleting a volunteer's data cancels their coming
// places (passed to the waitlist), removes their name and certificates.
func TestActivityErasure(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, coord, _, _ := staffOrg(t, srv)
	_, sids := newActivity(t, coord, orgID, activityBody("周末陪伴活动", false, sessionBody(time.Now().Add(50*time.Hour), map[string]int{"companion": 1})))
	leaving, _ := signup(t, srv, "volunteer")
	waiting, _ := signup(t, srv, "volunteer")
	mine := signUp(t, leaving, sids[0], "companion")
	next := signUp(t, waiting, sids[0], "companion")
	leaving.do("POST", "/api/v1/volunteer/calendar-token", nil)
	id := leaving.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	ctx := context.Background()
	ex, err := env.acts.Export(ctx, id)
	exported, _ := json.Marshal(ex)
	if err != nil || !strings.Contains(string(exported), mine["id"].(string)) {
		t.Errorf("export = %v, %v", ex, err)
	}
	if err := env.acts.Erase(ctx, id); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{mine["id"].(string): "cancelled", next["id"].(string): "offered"}
	if diff := cmp.Diff(want, statuses(t, coord, sids[0])); diff != "" {
		t.Errorf("after erasure (-want +got):\n%s", diff)
	}
	for _, it := range coord.do("GET", "/api/v1/activity-sessions/"+sids[0]+"/signups", nil).json(t)["items"].([]any) {
		if m := it.(map[string]any); m["id"] == mine["id"] && m["volunteer_name"] != "" {
			t.Errorf("name kept after erasure: %v", m["volunteer_name"])
		}
	}
	if err := env.acts.Erase(ctx, id); err != nil {
		t.Errorf("erasing twice: %v", err)
	}
}

// BenchmarkActivitySignups measures sign-ups on one session under 32
// concurrent clients (service level, embedded database), half of them
// waitlisted, and fails on any over-booking.
func BenchmarkActivitySignups(b *testing.B) {
	ctx := context.Background()
	const clients = 32
	places := max(1, b.N/2)
	users := make([]*accounts.User, b.N)
	for i := range users {
		id := tongban.NewID()
		users[i] = &accounts.User{ID: id, Login: "bench-" + id + "@example.com", Email: "bench-" + id + "@example.com", DisplayName: "压测志愿者",
			Roles: []string{"volunteer"}, Memberships: []accounts.Membership{}, Version: 1, CreatedAt: time.Now().UTC()}
	}
	if err := env.store.CreateUsers(ctx, users); err != nil {
		b.Fatal(err)
	}
	org, err := env.svc.CreateOrgUnchecked(ctx, accounts.OrgInput{Name: "压测机构" + tongban.NewID(), Type: "ngo", CountyCode: "439921"})
	if err != nil {
		b.Fatal(err)
	}
	orgID := org.ID
	coord := auth.NewContext(ctx, &auth.Identity{UserID: tongban.NewID(), Orgs: map[string]string{orgID: "coordinator"}})
	start := time.Now().Add(100 * time.Hour).Truncate(time.Minute)
	open := false
	a, err := env.acts.CreateActivity(coord, orgID, activities.ActivityInput{Title: "压测活动后勤", Description: "吞吐量基准测试用的活动场次。", RequireVerified: &open,
		Sessions: []activities.SessionInput{{Start: start.Format(time.RFC3339), End: start.Add(time.Hour).Format(time.RFC3339), VenueName: "童伴之家",
			CountyCode: "439921", Capacity: map[string]int{"logistics": places}}}})
	if err != nil {
		b.Fatal(err)
	}
	sid := a.Sessions[0].ID
	next := make(chan *accounts.User, b.N)
	for _, u := range users {
		next <- u
	}
	close(next)
	var wg sync.WaitGroup
	var mu sync.Mutex
	confirmed := 0
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				vctx := auth.NewContext(ctx, &auth.Identity{UserID: u.ID, Roles: u.Roles})
				su, err := env.acts.SignUp(vctx, sid, "logistics")
				if err != nil {
					b.Error(err)
					return
				}
				if su.Status == activities.SignupConfirmed {
					mu.Lock()
					confirmed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
	if confirmed != places {
		b.Errorf("%d confirmed for %d places", confirmed, places)
	}
}
