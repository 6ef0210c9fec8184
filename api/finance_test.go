package api_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tongban/tongban/api"
)

// financeLedger opens a campaign for a need of a fresh organisation, gives
// it 500 yuan through the sandbox and allocates 300 yuan to the need.
func financeLedger(t *testing.T, srv *testServer) (campaign, needID string, fin1, fin2, donor *client) {
	t.Helper()
	orgID, needID, _, fin1, fin2 := moneyOrg(t, srv)
	donor, _ = signup(t, srv, "donor")
	today := time.Now().Format("2006-01-02")
	end := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	r := fin1.do("POST", "/api/v1/campaigns", map[string]any{"title": "财务余额测试", "summary": "余额与票据。", "org_ids": []string{orgID},
		"target_fen": 1000000, "start": today, "end": end, "need_ids": []string{needID}, "status": "active"})
	if r.Status != 201 {
		t.Fatalf("campaign: %d %s", r.Status, r.Body)
	}
	campaign = r.json(t)["id"].(string)
	r = donor.do("POST", "/api/v1/donations/checkout", map[string]any{"ledger": campaign, "amount_fen": 50000})
	if r.Status != 201 {
		t.Fatalf("checkout: %d %s", r.Status, r.Body)
	}
	if r := donor.do("POST", r.json(t)["checkout_url"].(string)+"/pay", nil); r.Status != 200 {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
	alloc := map[string]any{"ledger": campaign, "splits": []map[string]any{{"need_id": needID, "amount_fen": 30000}}}
	if r := fin1.do("POST", "/api/v1/allocations", alloc); r.Status != 201 {
		t.Fatalf("allocate: %d %s", r.Status, r.Body)
	}
	return campaign, needID, fin1, fin2, donor
}

func needLine(t *testing.T, body map[string]any, needID string) map[string]any {
	t.Helper()
	for _, x := range body["needs"].([]any) {
		if m := x.(map[string]any); m["need_id"] == needID {
			return m
		}
	}
	t.Fatalf("need %s not in balances %v", needID, body["needs"])
	return nil
}

func TestFinanceBalances(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, needID, fin1, fin2, donor := financeLedger(t, srv)
	admin := makeAdmin(t, srv)
	public := newClient(t, srv).csrfReady()

	access := []struct {
		name   string
		c      *client
		ledger string
		want   int
	}{
		{"finance staff", fin1, campaign, 200},
		{"second finance user", fin2, campaign, 200},
		{"administrator", admin, campaign, 200},
		{"administrator, general fund", admin, "general", 200},
		{"donor", donor, campaign, 403},
		{"finance staff of another org, general fund", fin1, "general", 403},
		{"nobody", public, campaign, 401},
		{"unknown campaign", fin1, "nosuchcampaign", 404},
	}
	for _, tc := range access {
		if got := tc.c.do("GET", "/api/v1/ledgers/"+tc.ledger+"/balances", nil).Status; got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}

	st, up := uploadFile(t, fin1, "invoice.png", pngBytes(t))
	if st != 201 {
		t.Fatalf("upload: %d %v", st, up)
	}
	receipt := map[string]any{"sha256": up["sha256"], "blob_key": up["blob_key"], "content_type": up["content_type"], "kind": "invoice"}
	if r := fin1.do("POST", "/api/v1/expenses", map[string]any{"ledger": campaign, "need_id": needID, "vendor": "县第一中学", "description": "新生入学学费",
		"category": "tuition", "amount_fen": 12000, "receipts": []any{receipt}}); r.Status != 201 {
		t.Fatalf("expense: %d %s", r.Status, r.Body)
	}

	b := fin2.do("GET", "/api/v1/ledgers/"+campaign+"/balances", nil).json(t)
	line := needLine(t, b, needID)
	got := []any{b["pool_fen"], line["allocated_fen"], line["balance_fen"], line["pending_fen"], line["available_fen"], line["spent_fen"], line["title"]}
	want := []any{20000.0, 30000.0, 30000.0, 12000.0, 18000.0, 0.0, "圆梦大学：困境学生入学助学"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("balances before approval (pool, allocated, balance, pending, available, spent, title): got %v, want %v", got, want)
			break
		}
	}
	if tot := b["totals"].(map[string]any); tot["raised_fen"] != 50000.0 {
		t.Errorf("totals: %v", tot)
	}

	exp := fin2.do("GET", "/api/v1/expenses?status=pending&ledger="+campaign, nil).json(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	if r := fin2.do("POST", "/api/v1/expenses/"+exp+"/approve", nil); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	line = needLine(t, fin1.do("GET", "/api/v1/ledgers/"+campaign+"/balances", nil).json(t), needID)
	got = []any{line["allocated_fen"], line["balance_fen"], line["pending_fen"], line["available_fen"], line["spent_fen"]}
	want = []any{30000.0, 18000.0, 0.0, 18000.0, 12000.0}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("balances after approval (allocated, balance, pending, available, spent): got %v, want %v", got, want)
			break
		}
	}
}

func TestFinanceExpenseFile(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, needID, fin1, fin2, donor := financeLedger(t, srv)
	admin := makeAdmin(t, srv)

	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	st, up := uploadFile(t, fin1, "invoice.pdf", pdf)
	if st != 201 {
		t.Fatalf("upload: %d %v", st, up)
	}
	receipts := []any{
		map[string]any{"sha256": up["sha256"], "blob_key": up["blob_key"], "content_type": up["content_type"], "kind": "invoice"},
		// A receipt naming a stored file with another hash.
		map[string]any{"sha256": strings.Repeat("a", 64), "blob_key": up["blob_key"], "content_type": "application/pdf", "kind": "invoice"},
	}
	r := fin1.do("POST", "/api/v1/expenses", map[string]any{"ledger": campaign, "need_id": needID, "vendor": "县文具店", "description": "新生文具一批",
		"category": "school_supplies", "amount_fen": 5000, "receipts": receipts})
	if r.Status != 201 {
		t.Fatalf("expense: %d %s", r.Status, r.Body)
	}
	exp := r.json(t)["id"].(string)

	cases := []struct {
		name string
		c    *client
		path string
		want int
	}{
		{"author", fin1, "/files/0", 200},
		{"second finance user", fin2, "/files/0", 200},
		{"administrator", admin, "/files/0", 200},
		{"donor", donor, "/files/0", 404},
		{"index past the receipts", fin2, "/files/2", 404},
		{"hash differs from the stored file", fin2, "/files/1", 404},
		{"index not a number", fin2, "/files/x", 400},
	}
	for _, tc := range cases {
		r := tc.c.do("GET", "/api/v1/expenses/"+exp+tc.path, nil)
		if r.Status != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, r.Status, tc.want, r.Body)
			continue
		}
		if r.Status == 200 {
			if ct := r.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.Equal(r.Body, pdf) {
				t.Errorf("%s: got %s %q, want the uploaded PDF", tc.name, ct, r.Body)
			}
			if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("%s: Cache-Control %q", tc.name, cc)
			}
		}
	}
	if r := fin1.do("GET", "/api/v1/expenses/nosuchexpense/files/0", nil); r.Status != 404 {
		t.Errorf("unknown expense: %d", r.Status)
	}
}
