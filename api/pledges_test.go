package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/api"
)

// inKindNeed drafts, submits and approves a winter-coat need with lines
// of sizes 130 (count c130) and 140 (4), and a pairing need for contrast.
func inKindNeed(t *testing.T, srv *testServer, c130 int) (orgID, needID string, coord, rev *client) {
	t.Helper()
	orgID, coord, rev, _ = staffOrg(t, srv)
	r := coord.do("POST", "/api/v1/orgs/"+orgID+"/needs", map[string]any{
		"kind": "in_kind", "category": "winter_clothing", "title": "寒冬送温暖：棉衣认捐", "narrative": "山区冬季气温低，孩子们缺少合身的棉衣，按尺码统计如下，欢迎认捐。",
		"county_code": "439921", "age_band": map[string]int{"min": 9, "max": 11}, "children": 6, "mode": "in_person", "urgency": 4,
		"items": []map[string]any{{"type": "winter_coat", "size": "130", "count": c130}, {"type": "winter_coat", "size": "140", "count": 4}},
	})
	if r.Status != 201 {
		t.Fatalf("need: %d %s", r.Status, r.Body)
	}
	needID = r.json(t)["id"].(string)
	r = coord.do("POST", "/api/v1/needs/"+needID+"/transitions", map[string]any{"action": "submit"}, "If-Match", r.Header.Get("ETag"))
	if r = rev.do("POST", "/api/v1/needs/"+needID+"/transitions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	return orgID, needID, coord, rev
}

// jpegWithGPS is a small JPEG carrying an EXIF segment with a GPS marker.
func jpegWithGPS(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(2, 2, color.RGBA{10, 120, 10, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 27.1083N")...)
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func lineCounts(t *testing.T, c *client, needID string) [][2]int {
	t.Helper()
	r := c.do("GET", "/api/v1/needs/"+needID, nil)
	if r.Status != 200 {
		t.Fatalf("need: %d %s", r.Status, r.Body)
	}
	m := r.json(t)
	if n, ok := m["need"].(map[string]any); ok {
		m = n
	}
	var out [][2]int
	for _, it := range m["items"].([]any) {
		it := it.(map[string]any)
		out = append(out, [2]int{int(it["pledged"].(float64)), int(it["delivered"].(float64))})
	}
	p := m["progress"].(map[string]any)
	return append(out, [2]int{int(p["items_pledged"].(float64)), int(p["items_delivered"].(float64))})
}

func traces(t *testing.T, c *client) []string {
	t.Helper()
	r := c.do("GET", "/api/v1/donor/pledges", nil)
	if r.Status != 200 {
		t.Fatalf("my pledges: %d %s", r.Status, r.Body)
	}
	var out []string
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any)["trace"].(map[string]any)["zh"].(string))
	}
	return out
}

func TestPledgeFlow(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, needID, coord, _ := inKindNeed(t, srv, 10)
	donor, _ := signup(t, srv, "donor")
	public := newClient(t, srv).csrfReady()

	r := donor.do("POST", "/api/v1/needs/"+needID+"/pledges", map[string]any{"lines": []map[string]any{{"item": 0, "count": 3}}, "note": "下周快递寄出"})
	if r.Status != 201 {
		t.Fatalf("pledge: %d %s", r.Status, r.Body)
	}
	pid := r.json(t)["id"].(string)
	if got, want := lineCounts(t, public, needID), [][2]int{{3, 0}, {0, 0}, {3, 0}}; !cmp.Equal(got, want) {
		t.Errorf("after pledge: counters %v, want %v", got, want)
	}
	// Over-pledging a line refuses the whole pledge and names the line.
	r = donor.do("POST", "/api/v1/needs/"+needID+"/pledges", map[string]any{"lines": []map[string]any{{"item": 1, "count": 1}, {"item": 0, "count": 8}}})
	if r.Status != 409 {
		t.Fatalf("over-pledge: %d %s, want 409", r.Status, r.Body)
	}
	if got := problemFields(t, r); !cmp.Equal(got, []string{"lines[1].count"}) {
		t.Errorf("over-pledge fields %v", got)
	}
	if got, want := lineCounts(t, public, needID), [][2]int{{3, 0}, {0, 0}, {3, 0}}; !cmp.Equal(got, want) {
		t.Errorf("after refused pledge: counters %v, want %v", got, want)
	}
	if got, want := traces(t, donor), []string{"3 件 130 码棉衣已认捐"}; !cmp.Equal(got, want) {
		t.Errorf("traces %v, want %v", got, want)
	}

	// Staff of the organisation see it; a stranger cannot act on it.
	r = coord.do("GET", "/api/v1/orgs/"+orgID+"/pledges?need_id="+needID, nil)
	if r.Status != 200 || len(r.json(t)["items"].([]any)) != 1 {
		t.Fatalf("org pledges: %d %s", r.Status, r.Body)
	}
	if got := r.json(t)["items"].([]any)[0].(map[string]any)["donor_name"]; got != "测***" {
		t.Errorf("donor name %v, want masked 测***", got)
	}
	stranger, _ := signup(t, srv, "donor")
	for _, path := range []string{"/cancel", "/receive"} {
		if r := stranger.do("POST", "/api/v1/pledges/"+pid+path, nil); r.Status != 404 {
			t.Errorf("stranger %s: %d, want 404", path, r.Status)
		}
	}
	if r := stranger.do("GET", "/api/v1/orgs/"+orgID+"/pledges", nil); r.Status != 403 {
		t.Errorf("stranger org list: %d, want 403", r.Status)
	}
	if r := donor.do("POST", "/api/v1/pledges/"+pid+"/receive", nil); r.Status != 403 {
		t.Errorf("donor marks received: %d, want 403", r.Status)
	}

	r = coord.do("GET", "/api/v1/orgs/"+orgID+"/pledge-suggestion", nil)
	if r.Status != 200 {
		t.Fatalf("suggestion: %d %s", r.Status, r.Body)
	}
	if as := r.json(t)["assignments"].([]any); len(as) != 1 || as[0].(map[string]any)["pledge_id"] != pid {
		t.Errorf("suggestion assignments %v", as)
	}

	// Delivered needs received first; received cannot be cancelled.
	up := func(c *client) map[string]any {
		st, up := uploadFile(t, c, "delivery.jpg", jpegWithGPS(t))
		if st != 201 {
			t.Fatalf("upload: %d %v", st, up)
		}
		return up
	}
	photo := up(coord)
	today := time.Now().Format("2006-01-02")
	deliver := map[string]any{"date": today, "count": 3, "photo_key": photo["blob_key"], "photo_sha256": photo["sha256"]}
	if r := coord.do("POST", "/api/v1/pledges/"+pid+"/deliver", deliver); r.Status != 409 {
		t.Errorf("deliver before received: %d %s, want 409", r.Status, r.Body)
	}
	if r := coord.do("POST", "/api/v1/pledges/"+pid+"/receive", map[string]any{"note": "已入库"}); r.Status != 200 {
		t.Fatalf("receive: %d %s", r.Status, r.Body)
	}
	if r := donor.do("POST", "/api/v1/pledges/"+pid+"/cancel", nil); r.Status != 409 {
		t.Errorf("cancel after received: %d, want 409", r.Status)
	}
	if got, want := traces(t, donor), []string{"3 件 130 码棉衣已由机构收到"}; !cmp.Equal(got, want) {
		t.Errorf("traces %v, want %v", got, want)
	}
	bad := []struct {
		name  string
		patch map[string]any
		field string
	}{
		{"future date", map[string]any{"date": time.Now().AddDate(0, 0, 3).Format("2006-01-02")}, "date"},
		{"count above pledge", map[string]any{"count": 4}, "count"},
		{"photo of another user", map[string]any{"photo_key": up(donor)["blob_key"]}, "photo_key"},
		{"wrong hash", map[string]any{"photo_sha256": fmt.Sprintf("%064d", 0)}, "photo_sha256"},
	}
	for _, b := range bad {
		body := map[string]any{}
		for k, v := range deliver {
			body[k] = v
		}
		for k, v := range b.patch {
			body[k] = v
		}
		r := coord.do("POST", "/api/v1/pledges/"+pid+"/deliver", body)
		if r.Status != 400 || !cmp.Equal(problemFields(t, r), []string{b.field}) {
			t.Errorf("%s: %d %s, want 400 naming %s", b.name, r.Status, r.Body, b.field)
		}
	}
	if r := coord.do("POST", "/api/v1/pledges/"+pid+"/deliver", deliver); r.Status != 200 {
		t.Fatalf("deliver: %d %s", r.Status, r.Body)
	}
	if got, want := traces(t, donor), []string{"3 件 130 码棉衣已送达（" + today + "）"}; !cmp.Equal(got, want) {
		t.Errorf("traces %v, want %v", got, want)
	}
	if got, want := lineCounts(t, public, needID), [][2]int{{3, 3}, {0, 0}, {3, 3}}; !cmp.Equal(got, want) {
		t.Errorf("after delivery: counters %v, want %v", got, want)
	}
	// The donor sees the photo, without its EXIF data; others do not.
	r = donor.do("GET", "/api/v1/pledges/"+pid+"/photo", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains(r.Body, []byte("Exif")) || bytes.Contains(r.Body, []byte("GPS")) {
		t.Errorf("photo: %d %s, %d bytes, EXIF left: %v", r.Status, r.Header.Get("Content-Type"), len(r.Body), bytes.Contains(r.Body, []byte("Exif")))
	}
	if r := stranger.do("GET", "/api/v1/pledges/"+pid+"/photo", nil); r.Status != 404 {
		t.Errorf("stranger photo: %d, want 404", r.Status)
	}
}

func TestPledgeRules(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, needID, coord, rev := inKindNeed(t, srv, 5)
	donor, _ := signup(t, srv, "donor")
	volunteer, _ := signup(t, srv, "volunteer")
	pairing := publishedNeed(t, orgID, coord, rev, "周末数学辅导")
	line := func(item, count int) map[string]any {
		return map[string]any{"lines": []map[string]any{{"item": item, "count": count}}}
	}
	tests := []struct {
		name   string
		c      *client
		need   string
		body   any
		status int
		fields []string
	}{
		{"volunteer only", volunteer, needID, line(0, 1), 403, nil},
		{"no lines", donor, needID, map[string]any{"lines": []any{}}, 400, []string{"lines"}},
		{"unknown line", donor, needID, line(7, 1), 400, []string{"lines[0].item"}},
		{"zero count", donor, needID, line(0, 0), 400, []string{"lines[0].count"}},
		{"more than the line", donor, needID, line(0, 6), 400, []string{"lines[0].count"}},
		{"repeated line", donor, needID, map[string]any{"lines": []map[string]any{{"item": 0, "count": 1}, {"item": 0, "count": 1}}}, 400, []string{"lines[1].item"}},
		{"phone number in the note", donor, needID, merge(line(0, 1), "note", "联系我 13812345678"), 422, nil},
		{"pairing need", donor, pairing, line(0, 1), 409, nil},
		{"unknown need", donor, "nosuchneed", line(0, 1), 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("POST", "/api/v1/needs/"+tt.need+"/pledges", tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if tt.fields != nil && !cmp.Equal(problemFields(t, r), tt.fields) {
				t.Errorf("fields %v, want %v", problemFields(t, r), tt.fields)
			}
		})
	}
	if got, want := lineCounts(t, donor, needID), [][2]int{{0, 0}, {0, 0}, {0, 0}}; !cmp.Equal(got, want) {
		t.Errorf("refused pledges changed counters: %v", got)
	}
	// Cancelling gives the items back.
	r := donor.do("POST", "/api/v1/needs/"+needID+"/pledges", line(0, 5))
	if r.Status != 201 {
		t.Fatalf("pledge: %d %s", r.Status, r.Body)
	}
	pid := r.json(t)["id"].(string)
	if r := donor.do("POST", "/api/v1/needs/"+needID+"/pledges", line(0, 1)); r.Status != 409 {
		t.Errorf("full line: %d, want 409", r.Status)
	}
	if r := donor.do("POST", "/api/v1/pledges/"+pid+"/cancel", nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	if r := donor.do("POST", "/api/v1/pledges/"+pid+"/cancel", nil); r.Status != 409 {
		t.Errorf("cancel twice: %d, want 409", r.Status)
	}
	if got, want := lineCounts(t, donor, needID), [][2]int{{0, 0}, {0, 0}, {0, 0}}; !cmp.Equal(got, want) {
		t.Errorf("after cancel: %v, want %v", got, want)
	}
	if got, want := traces(t, donor), []string{"5 件 130 码棉衣已取消"}; !cmp.Equal(got, want) {
		t.Errorf("traces %v, want %v", got, want)
	}
	if r := coord.do("GET", "/api/v1/orgs/"+orgID+"/pledges?status=lost", nil); r.Status != 400 {
		t.Errorf("bad status filter: %d, want 400", r.Status)
	}
	if r := newClient(t, srv).do("GET", "/api/v1/donor/pledges", nil); r.Status != 401 {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
}

// TestPledgesConcurrent: 20 donors pledge 1 coat each at once to a line
// of 10; exactly 10 succeed and the line reads 10.
func TestPledgesConcurrent(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	_, needID, _, _ := inKindNeed(t, srv, 10)
	donors := make([]*client, 20)
	for i := range donors {
		donors[i], _ = signup(t, srv, "donor")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	for _, d := range donors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := d.do("POST", "/api/v1/needs/"+needID+"/pledges", map[string]any{"lines": []map[string]any{{"item": 0, "count": 1}}})
			mu.Lock()
			got[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if want := map[int]int{201: 10, 409: 10}; !cmp.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if got, want := lineCounts(t, donors[0], needID), [][2]int{{10, 0}, {0, 0}, {10, 0}}; !cmp.Equal(got, want) {
		t.Errorf("counters %v, want %v", got, want)
	}
}

// TestPledgeExportAndErasure: a donor's pledges are in their data export;
// erasing the account cancels the open ones (releasing their items) and
// strips the donor from the rest.
func TestPledgeExportAndErasure(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, needID, coord, _ := inKindNeed(t, srv, 10)
	donor, _ := signup(t, srv, "donor")
	var ids []string
	for _, n := range []int{2, 3} {
		r := donor.do("POST", "/api/v1/needs/"+needID+"/pledges", map[string]any{"lines": []map[string]any{{"item": 0, "count": n}}, "note": "周末寄出"})
		if r.Status != 201 {
			t.Fatalf("pledge: %d %s", r.Status, r.Body)
		}
		ids = append(ids, r.json(t)["id"].(string))
	}
	if r := coord.do("POST", "/api/v1/pledges/"+ids[0]+"/receive", nil); r.Status != 200 {
		t.Fatalf("receive: %d %s", r.Status, r.Body)
	}
	ex := donor.do("GET", "/api/v1/me/export", nil).json(t)
	if got := len(ex["sections"].(map[string]any)["pledges"].([]any)); got != 2 {
		t.Errorf("exported pledges: %d, want 2", got)
	}
	if r := donor.do("POST", "/api/v1/me/erase", map[string]any{"password": "correct horse battery"}); r.Status != 204 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	if got, want := lineCounts(t, coord, needID), [][2]int{{2, 0}, {0, 0}, {2, 0}}; !cmp.Equal(got, want) {
		t.Errorf("after erasure: counters %v, want %v", got, want)
	}
	r := coord.do("GET", "/api/v1/orgs/"+orgID+"/pledges?need_id="+needID, nil)
	got := map[string]string{}
	for _, it := range r.json(t)["items"].([]any) {
		p := it.(map[string]any)
		got[p["status"].(string)] = p["donor_id"].(string)
		if _, ok := p["note"]; ok {
			t.Errorf("pledge %v kept the donor's note", p["id"])
		}
	}
	if want := map[string]string{"received": "erased", "cancelled": "erased"}; !cmp.Equal(got, want) {
		t.Errorf("pledges after erasure %v, want %v", got, want)
	}
}

// inKindNeedIn publishes another winter-coat need of the organisation
// whose staff coord and rev are, with one line of size 130.
func inKindNeedIn(t *testing.T, orgID string, coord, rev *client, count, urgency int) string {
	t.Helper()
	r := coord.do("POST", "/api/v1/orgs/"+orgID+"/needs", map[string]any{
		"kind": "in_kind", "category": "winter_clothing", "title": "寒冬送温暖：急需棉衣", "narrative": "山区学校今冬急需一批棉衣，按尺码统计如下，欢迎认捐。",
		"county_code": "439921", "age_band": map[string]int{"min": 9, "max": 11}, "children": count, "mode": "in_person", "urgency": urgency,
		"items": []map[string]any{{"type": "winter_coat", "size": "130", "count": count}},
	})
	if r.Status != 201 {
		t.Fatalf("need: %d %s", r.Status, r.Body)
	}
	id := r.json(t)["id"].(string)
	r = coord.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "submit"}, "If-Match", r.Header.Get("ETag"))
	if r = rev.do("POST", "/api/v1/needs/"+id+"/transitions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	return id
}

// move is an assignment as the test compares it: pledge, need, line,
// count and whether it moves.
type move struct {
	Pledge string
	Need   string
	Item   int
	Count  int
	Moves  bool
}

func suggestion(t *testing.T, c *client, orgID string) (raw []any, moves []move) {
	t.Helper()
	r := c.do("GET", "/api/v1/orgs/"+orgID+"/pledge-suggestion", nil)
	if r.Status != 200 {
		t.Fatalf("suggestion: %d %s", r.Status, r.Body)
	}
	raw = r.json(t)["assignments"].([]any)
	for _, a := range raw {
		a := a.(map[string]any)
		moves = append(moves, move{a["pledge_id"].(string), a["need_id"].(string), int(a["item"].(float64)), int(a["count"].(float64)), a["moves"].(bool)})
	}
	return raw, moves
}

func TestPledgeSuggestionApply(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	// Need B (urgency 4): 10 coats size 130, 4 size 140. Need A (urgency 5): 4 coats size 130.
	orgID, needB, coord, rev := inKindNeed(t, srv, 10)
	needA := inKindNeedIn(t, orgID, coord, rev, 4, 5)
	donor, _ := signup(t, srv, "donor")
	admin := makeAdmin(t, srv)
	_, otherStaff := financeOf(t, srv, admin, "另一家机构"+t.Name())
	public := newClient(t, srv).csrfReady()
	pledge := func(needID string, item, count int) string {
		t.Helper()
		r := donor.do("POST", "/api/v1/needs/"+needID+"/pledges", map[string]any{"lines": []map[string]any{{"item": item, "count": count}}})
		if r.Status != 201 {
			t.Fatalf("pledge: %d %s", r.Status, r.Body)
		}
		return r.json(t)["id"].(string)
	}
	p1 := pledge(needB, 0, 3) // oldest: moves whole to A
	time.Sleep(5 * time.Millisecond)
	p2 := pledge(needB, 1, 1) // size 140: stays
	time.Sleep(5 * time.Millisecond)
	p4 := pledge(needB, 0, 2) // newer: 1 split off to A, 1 stays

	raw, got := suggestion(t, coord, orgID)
	want := []move{{p1, needA, 0, 3, true}, {p4, needA, 0, 1, true}, {p4, needB, 0, 1, false}, {p2, needB, 1, 1, false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("suggestion (-want +got):\n%s", diff)
	}
	before := [][][2]int{lineCounts(t, public, needA), lineCounts(t, public, needB)}
	body := map[string]any{"assignments": raw}
	stale := func() []any {
		out := make([]any, len(raw))
		for i, a := range raw {
			m := map[string]any{}
			for k, v := range a.(map[string]any) {
				m[k] = v
			}
			out[i] = m
		}
		out[1].(map[string]any)["count"] = 2.0
		return out
	}()

	access := []struct {
		name      string
		c         *client
		body      any
		want      int
		wantField string
	}{
		{"anonymous", public, body, 401, ""},
		{"donor", donor, body, 403, ""},
		{"staff of another organisation", otherStaff, body, 403, ""},
		{"administrator (not staff)", admin, body, 403, ""},
		{"no assignments", coord, map[string]any{}, 400, "assignments"},
		{"a count of 0", coord, map[string]any{"assignments": []any{map[string]any{"pledge_id": p1, "pledge_line": 0, "need_id": needA, "item": 0, "count": 0}}}, 400, "assignments[0].count"},
		{"malformed JSON", coord, `{"assignments": [`, 400, ""},
		{"malformed JSON from a stranger", otherStaff, `{"assignments": [`, 403, ""},
		{"assignments null", coord, map[string]any{"assignments": nil}, 400, "assignments"},
		{"an empty pledge ID", coord, map[string]any{"assignments": []any{map[string]any{"pledge_id": "", "pledge_line": 0, "need_id": needA, "item": 0, "count": 1}}}, 400, "assignments[0].pledge_id"},
		{"an unknown field", coord, map[string]any{"assignments": raw, "force": true}, 400, ""},
		{"not the suggestion shown", coord, map[string]any{"assignments": stale}, 409, "assignments"},
	}
	for _, tt := range access {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("POST", "/api/v1/orgs/"+orgID+"/pledge-suggestion/apply", tt.body)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
			if tt.wantField != "" {
				if got := problemFields(t, r); !slices.Contains(got, tt.wantField) {
					t.Errorf("problem fields %v, want %s among them", got, tt.wantField)
				}
			}
		})
	}
	if got := [][][2]int{lineCounts(t, public, needA), lineCounts(t, public, needB)}; !cmp.Equal(got, before) {
		t.Fatalf("refused requests changed the counters: %v, want %v", got, before)
	}

	// A pledge made meanwhile changes the suggestion: the old one is refused, nothing written.
	p5 := pledge(needA, 0, 1)
	if r := coord.do("POST", "/api/v1/orgs/"+orgID+"/pledge-suggestion/apply", body); r.Status != 409 {
		t.Fatalf("apply a stale suggestion: %d %s, want 409", r.Status, r.Body)
	}
	if r := donor.do("POST", "/api/v1/pledges/"+p5+"/cancel", nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}

	// The reviewer (staff, any role) applies the suggestion shown.
	raw, _ = suggestion(t, rev, orgID)
	r := rev.do("POST", "/api/v1/orgs/"+orgID+"/pledge-suggestion/apply", map[string]any{"assignments": raw})
	if r.Status != 200 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	res := r.json(t)
	if got := res["applied"]; got != 2.0 {
		t.Errorf("applied %v, want 2", got)
	}
	if got := len(res["pledges"].([]any)); got != 3 {
		t.Errorf("%d pledges written, want 3 (two moved, one split off): %s", got, r.Body)
	}
	// A holds 3 + 1 coats, B keeps 1 of size 130 and 1 of size 140.
	if got, want := lineCounts(t, public, needA), [][2]int{{4, 0}, {4, 0}}; !cmp.Equal(got, want) {
		t.Errorf("need A counters %v, want %v", got, want)
	}
	if got, want := lineCounts(t, public, needB), [][2]int{{1, 0}, {1, 0}, {2, 0}}; !cmp.Equal(got, want) {
		t.Errorf("need B counters %v, want %v", got, want)
	}
	// The donor follows all of it: p1 now goes to A, p4 is split in two.
	byNeed := map[string][]string{}
	for _, it := range donor.do("GET", "/api/v1/donor/pledges", nil).json(t)["items"].([]any) {
		p := it.(map[string]any)
		if p["status"] == "cancelled" {
			continue
		}
		byNeed[p["need_id"].(string)] = append(byNeed[p["need_id"].(string)], p["trace"].(map[string]any)["zh"].(string))
	}
	for _, l := range byNeed {
		slices.Sort(l)
	}
	wantByNeed := map[string][]string{needA: {"1 件 130 码棉衣已认捐", "3 件 130 码棉衣已认捐"}, needB: {"1 件 130 码棉衣已认捐", "1 件 140 码棉衣已认捐"}}
	if diff := cmp.Diff(wantByNeed, byNeed); diff != "" {
		t.Errorf("donor's pledges by need (-want +got):\n%s", diff)
	}

	// Applied: nothing moves any more, and applying again changes nothing.
	_, got = suggestion(t, coord, orgID)
	for _, m := range got {
		if m.Moves {
			t.Errorf("after apply, the suggestion still moves %+v", m)
		}
	}
	r = coord.do("POST", "/api/v1/orgs/"+orgID+"/pledge-suggestion/apply", body)
	if r.Status != 200 || r.json(t)["applied"] != 0.0 {
		t.Errorf("apply again: %d %s, want 200 with applied 0", r.Status, r.Body)
	}
	if got, want := lineCounts(t, public, needA), [][2]int{{4, 0}, {4, 0}}; !cmp.Equal(got, want) {
		t.Errorf("need A counters after a repeat %v, want %v", got, want)
	}
	// The Chinese problem for a stranger.
	r = otherStaff.do("POST", "/api/v1/orgs/"+orgID+"/pledge-suggestion/apply", body, "Accept-Language", "zh-CN")
	if got, want := r.json(t)["detail"], "只有本机构工作人员可以执行认捐建议。"; got != want {
		t.Errorf("Chinese detail %q, want %q", got, want)
	}
}
