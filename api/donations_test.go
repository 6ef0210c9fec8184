package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tongban/tongban/api"
)

// moneyOrg makes an organisation with a coordinator, a reviewer and two
// finance staff, and a published funding need.
func moneyOrg(t *testing.T, srv *testServer) (orgID, needID string, coord, fin1, fin2 *client) {
	t.Helper()
	admin := makeAdmin(t, srv)
	r := admin.do("POST", "/api/v1/orgs", map[string]any{"name": "资金测试妇联" + t.Name(), "type": "womens_federation", "county_code": "439921"})
	orgID = r.json(t)["id"].(string)
	member := func(role string) *client {
		c, _ := signup(t, srv, "donor")
		id := c.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
		if r := admin.do("POST", "/api/v1/orgs/"+orgID+"/members", map[string]any{"user_id": id, "role": role}); r.Status != 200 {
			t.Fatalf("member: %d %s", r.Status, r.Body)
		}
		return c
	}
	coord, rev, fin1, fin2 := member("coordinator"), member("reviewer"), member("finance"), member("finance")
	r = coord.do("POST", "/api/v1/orgs/"+orgID+"/needs", map[string]any{
		"kind": "funding", "category": "scholarship", "title": "圆梦大学：困境学生入学助学", "narrative": "今年有困境家庭学生考入大学，每人资助入学费用，款项经核实后发放，票据公开。",
		"county_code": "439921", "age_band": map[string]int{"min": 16, "max": 18}, "children": 2, "mode": "either", "urgency": 4,
		"target_fen": 1000000, "per_beneficiary_fen": 500000,
	})
	if r.Status != 201 {
		t.Fatalf("need: %d %s", r.Status, r.Body)
	}
	needID = r.json(t)["id"].(string)
	r = coord.do("POST", "/api/v1/needs/"+needID+"/transitions", map[string]any{"action": "submit"}, "If-Match", r.Header.Get("ETag"))
	if r = rev.do("POST", "/api/v1/needs/"+needID+"/transitions", map[string]any{"action": "approve"}, "If-Match", r.Header.Get("ETag")); r.Status != 200 {
		t.Fatalf("approve need: %d %s", r.Status, r.Body)
	}
	return orgID, needID, coord, fin1, fin2
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadFile posts a multipart upload (not through client.do, which sends JSON).
func uploadFile(t *testing.T, c *client, name string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.srv.base+"/api/v1/uploads", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	c.mu.Lock()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	req.Header.Set(api.CSRFHeader, c.cookies[api.CSRFCookie])
	c.mu.Unlock()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, resp{Status: res.StatusCode, Body: out}.json(t)
}

func TestGiftAllocationExpenseTrace(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, needID, _, fin1, fin2 := moneyOrg(t, srv)
	donor, _ := signup(t, srv, "donor")
	public := newClient(t, srv).csrfReady()

	today := time.Now().Format("2006-01-02")
	end := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	r := fin1.do("POST", "/api/v1/campaigns", map[string]any{"title": "圆梦大学 2026", "summary": "资助困境家庭新生入学。", "org_ids": []string{orgID},
		"target_fen": 1000000, "start": today, "end": end, "need_ids": []string{needID}, "status": "active"})
	if r.Status != 201 {
		t.Fatalf("campaign: %d %s", r.Status, r.Body)
	}
	campaign := r.json(t)["id"].(string)
	if r := donor.do("POST", "/api/v1/campaigns", map[string]any{"title": "冒名项目", "org_ids": []string{orgID}, "target_fen": 100, "start": today, "end": end}); r.Status != 403 && r.Status != 400 {
		t.Errorf("donor creates a campaign: %d", r.Status)
	}

	// Give 300 yuan through the sandbox checkout.
	r = donor.do("POST", "/api/v1/donations/checkout", map[string]any{"ledger": campaign, "amount_fen": 30000, "anonymous": true})
	if r.Status != 201 {
		t.Fatalf("checkout: %d %s", r.Status, r.Body)
	}
	order := r.json(t)
	page := donor.do("GET", order["checkout_url"].(string), nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), "¥300.00") {
		t.Fatalf("sandbox page: %d %s", page.Status, page.Body)
	}
	for range 2 { // paying twice gives once
		if r := donor.do("POST", order["checkout_url"].(string)+"/pay", nil); r.Status != 200 {
			t.Fatalf("pay: %d %s", r.Status, r.Body)
		}
	}
	gifts := donor.do("GET", "/api/v1/donor/gifts", nil).json(t)["items"].([]any)
	if len(gifts) != 1 || gifts[0].(map[string]any)["amount_fen"].(float64) != 30000 {
		t.Fatalf("gifts after paying: %v", gifts)
	}

	// The provider's notification, delivered twice, and a forged one.
	r = donor.do("POST", "/api/v1/donations/checkout", map[string]any{"ledger": campaign, "amount_fen": 10000, "anonymous": true})
	order2 := r.json(t)["order_id"].(string)
	h, body, err := env.money.Sandbox.Notification(order2, "4200000000202611290000000001", 10000)
	if err != nil {
		t.Fatal(err)
	}
	notify := func(h http.Header, body []byte) int {
		req, _ := http.NewRequest("POST", srv.base+"/api/v1/payments/wechatpay/notify", bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	forged := bytes.Replace(body, []byte(`"id":"EV-`), []byte(`"id":"XX-`), 1)
	if got := []int{notify(h, forged), notify(h, body), notify(h, body)}; got[0] != 401 || got[1] != 200 || got[2] != 200 {
		t.Errorf("notify forged, first, repeat: %v; want 401, 200, 200", got)
	}
	if n := len(donor.do("GET", "/api/v1/donor/gifts", nil).json(t)["items"].([]any)); n != 2 {
		t.Errorf("gifts after a repeated notification: %d, want 2", n)
	}

	// Allocate 250 yuan to the need (idempotent by key).
	alloc := map[string]any{"ledger": campaign, "splits": []map[string]any{{"need_id": needID, "amount_fen": 25000}}, "why": "首批入学资助"}
	if r := donor.do("POST", "/api/v1/allocations", alloc); r.Status != 403 {
		t.Errorf("donor allocates: %d", r.Status)
	}
	for range 2 {
		if r := fin1.do("POST", "/api/v1/allocations", alloc, "Idempotency-Key", "alloc-1"); r.Status != 201 {
			t.Fatalf("allocate: %d %s", r.Status, r.Body)
		}
	}
	if r := fin1.do("POST", "/api/v1/allocations/preview", map[string]any{"ledger": campaign}); r.Status != 200 {
		t.Errorf("preview: %d %s", r.Status, r.Body)
	}

	// An expense with a receipt, approved by the second finance user.
	st, up := uploadFile(t, fin1, "invoice.png", pngBytes(t))
	if st != 201 {
		t.Fatalf("upload: %d %v", st, up)
	}
	if st, _ := uploadFile(t, fin1, "invoice.exe", []byte("MZ\x90\x00 not a receipt")); st != 415 {
		t.Errorf("upload of an executable: %d, want 415", st)
	}
	receipt := map[string]any{"sha256": up["sha256"], "blob_key": up["blob_key"], "content_type": up["content_type"], "kind": "invoice"}
	r = fin1.do("POST", "/api/v1/expenses", map[string]any{"ledger": campaign, "need_id": needID, "vendor": "县第一中学", "description": "新生入学学费",
		"category": "tuition", "amount_fen": 20000, "receipts": []any{receipt}})
	if r.Status != 201 {
		t.Fatalf("expense: %d %s", r.Status, r.Body)
	}
	exp := r.json(t)["id"].(string)
	if r := fin1.do("POST", "/api/v1/expenses/"+exp+"/approve", nil); r.Status != 403 {
		t.Errorf("author approves own expense: %d", r.Status)
	}
	if items := fin2.do("GET", "/api/v1/expenses?status=pending&ledger="+campaign, nil).json(t)["items"].([]any); len(items) != 1 {
		t.Errorf("approval queue: %v", items)
	}
	if r := fin2.do("POST", "/api/v1/expenses/"+exp+"/approve", nil); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}

	// The donor follows the money; the public sees totals, not the donor.
	tr := donor.do("GET", "/api/v1/donor/trace", nil).json(t)
	if tr["total_fen"].(float64) != 40000 || tr["spent_fen"].(float64) != 20000 {
		t.Errorf("trace totals: total %v spent %v, want 40000 and 20000", tr["total_fen"], tr["spent_fen"])
	}
	r = public.do("GET", "/api/v1/campaigns/"+campaign, nil)
	tot := r.json(t)["totals"].(map[string]any)
	if tot["raised_fen"].(float64) != 40000 || tot["spent_fen"].(float64) != 20000 || tot["allocated_fen"].(float64) != 25000 {
		t.Errorf("public totals: %v", tot)
	}
	if r := public.do("GET", "/api/v1/campaigns/"+campaign+"/report.csv", nil); r.Status != 200 || !strings.Contains(string(r.Body), "400.00") {
		t.Errorf("CSV report: %d %s", r.Status, r.Body)
	}
	if r := public.do("GET", "/api/v1/campaigns/"+campaign+"/report", nil); r.Status != 200 {
		t.Errorf("report: %d", r.Status)
	}
	led := public.do("GET", "/api/v1/campaigns/"+campaign+"/ledger", nil)
	me := donor.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	if led.Status != 200 || strings.Contains(string(led.Body), me) {
		t.Errorf("public ledger shows the anonymous donor: %d", led.Status)
	}
	if n := public.do("GET", "/api/v1/needs/"+needID, nil).json(t)["progress"].(map[string]any); n["raised_fen"].(float64) != 25000 || n["spent_fen"].(float64) != 20000 {
		t.Errorf("need progress: %v", n)
	}
}
