package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// financeOf makes a fresh organisation named name with one finance user.
func financeOf(t *testing.T, srv *testServer, admin *client, name string) (orgID string, fin *client) {
	t.Helper()
	r := admin.do("POST", "/api/v1/orgs", map[string]any{"name": name, "type": "ngo", "county_code": "439921"})
	if r.Status != 201 {
		t.Fatalf("org: %d %s", r.Status, r.Body)
	}
	orgID = r.json(t)["id"].(string)
	fin, _ = signup(t, srv, "donor")
	id := fin.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	if r := admin.do("POST", "/api/v1/orgs/"+orgID+"/members", map[string]any{"user_id": id, "role": "finance"}); r.Status != 200 {
		t.Fatalf("member: %d %s", r.Status, r.Body)
	}
	return orgID, fin
}

func TestDonorLookup(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	orgID, _, coord, fin, _ := moneyOrg(t, srv)
	admin := makeAdmin(t, srv)
	_, otherFin := financeOf(t, srv, admin, "另一家机构"+t.Name())
	donor, email := signup(t, srv, "donor")
	donorID := donor.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	volunteer, _ := signup(t, srv, "volunteer")
	public := newClient(t, srv).csrfReady()
	// An account whose login is a mobile number.
	phone := fmt.Sprintf("139%08d", time.Now().UnixNano()%100000000)
	byPhone := newClient(t, srv).csrfReady()
	if r := byPhone.do("POST", "/api/v1/auth/signup", map[string]any{"login": phone, "password": "correct horse battery", "display_name": "王小明", "roles": []string{"donor"}}); r.Status != 201 {
		t.Fatalf("signup by phone: %d %s", r.Status, r.Body)
	}
	phoneID := byPhone.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)

	q := url.QueryEscape
	tests := []struct {
		name      string
		c         *client
		query     string
		want      int
		wantField string
		wantMatch api.DonorMatch
	}{
		{"finance staff, e-mail", fin, "email=" + q(email), 200, "", api.DonorMatch{ID: donorID, DisplayNameMasked: "测***"}},
		{"finance staff, e-mail in capitals", fin, "email=" + q(strings.ToUpper(email)), 200, "", api.DonorMatch{ID: donorID, DisplayNameMasked: "测***"}},
		{"finance staff, mobile with +86 and spaces", fin, "phone=" + q("+86 "+phone[:3]+" "+phone[3:7]+" "+phone[7:]), 200, "", api.DonorMatch{ID: phoneID, DisplayNameMasked: "王**"}},
		{"finance staff of another organisation", otherFin, "email=" + q(email), 403, "", api.DonorMatch{}},
		{"coordinator of the organisation", coord, "email=" + q(email), 403, "", api.DonorMatch{}},
		{"volunteer", volunteer, "email=" + q(email), 403, "", api.DonorMatch{}},
		{"administrator (not finance staff)", admin, "email=" + q(email), 403, "", api.DonorMatch{}},
		{"anonymous", public, "email=" + q(email), 401, "", api.DonorMatch{}},
		{"unknown e-mail", fin, "email=" + q("nobody-"+email), 404, "email", api.DonorMatch{}},
		{"unknown mobile", fin, "phone=13000000000", 404, "phone", api.DonorMatch{}},
		{"a prefix is not a match", fin, "email=" + q(email[:len(email)-4]), 400, "email", api.DonorMatch{}},
		{"a prefix of a mobile is not a match", fin, "phone=" + phone[:7], 400, "phone", api.DonorMatch{}},
		{"malformed e-mail", fin, "email=not-an-address", 400, "email", api.DonorMatch{}},
		{"e-mail given as phone", fin, "phone=" + q(email), 400, "phone", api.DonorMatch{}},
		{"neither", fin, "", 400, "email", api.DonorMatch{}},
		{"both", fin, "email=" + q(email) + "&phone=" + phone, 400, "phone", api.DonorMatch{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("GET", "/api/v1/orgs/"+orgID+"/donor-lookup?"+tt.query, nil)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
			if tt.wantField != "" {
				if got := problemFields(t, r); !slices.Contains(got, tt.wantField) {
					t.Errorf("problem fields %v, want %s among them", got, tt.wantField)
				}
			}
			if r.Status == 200 {
				var got api.DonorMatch
				if err := json.Unmarshal(r.Body, &got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.wantMatch, got); diff != "" {
					t.Errorf("match (-want +got):\n%s", diff)
				}
				if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
					t.Errorf("Cache-Control %q", cc)
				}
			}
		})
	}

	// The problem is in Chinese for the web app.
	r := fin.do("GET", "/api/v1/orgs/"+orgID+"/donor-lookup?email="+q("nobody-"+email), nil, "Accept-Language", "zh-CN")
	if got, want := r.json(t)["detail"], "没有使用此电子邮箱的账户。"; got != want {
		t.Errorf("Chinese detail %q, want %q", got, want)
	}
	// Each look-up is in the audit log.
	r = admin.do("GET", "/api/v1/admin/audit?limit=100", nil)
	found, misses := false, 0
	for _, it := range r.json(t)["items"].([]any) {
		ev := it.(map[string]any)
		if ev["kind"] == "donor.lookup" && ev["subject"] == phoneID {
			found = true
		}
		if ev["kind"] == "donor.lookup_miss" && ev["detail"] == orgID+":email" {
			misses++
			if strings.Contains(fmt.Sprint(ev), "nobody-") {
				t.Errorf("the audit event holds the value looked up: %v", ev)
			}
		}
	}
	if !found {
		t.Errorf("no donor.lookup audit event for %s", phoneID)
	}
	if misses != 2 {
		t.Errorf("%d donor.lookup_miss events for e-mail look-ups, want 2", misses)
	}
}

func TestDonationSlip(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, _, fin1, fin2, donor := financeLedger(t, srv)
	admin := makeAdmin(t, srv)
	_, otherFin := financeOf(t, srv, admin, "另一家机构"+t.Name())
	volunteer, _ := signup(t, srv, "volunteer")
	public := newClient(t, srv).csrfReady()
	donorID := donor.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)

	slip := pngBytes(t)
	st, up := uploadFile(t, fin1, "slip.png", slip)
	if st != 201 {
		t.Fatalf("upload: %d %v", st, up)
	}
	r := fin1.do("POST", "/api/v1/donations/offline", map[string]any{"ledger": campaign, "donor_id": donorID, "amount_fen": 20000, "channel": "bank_transfer",
		"slip": map[string]any{"sha256": up["sha256"], "blob_key": up["blob_key"], "content_type": up["content_type"], "kind": "bank_slip"}})
	if r.Status != 201 {
		t.Fatalf("offline gift: %d %s", r.Status, r.Body)
	}
	gift := r.json(t)["id"].(string)
	online := campaign + "-1" // the sandbox gift financeLedger made first

	tests := []struct {
		name      string
		c         *client
		id        string
		want      int
		wantField string
	}{
		{"finance staff who recorded it", fin1, gift, 200, ""},
		{"second finance user", fin2, gift, 200, ""},
		{"finance staff of another organisation", otherFin, gift, 403, ""},
		{"the donor of the gift", donor, gift, 403, ""},
		{"volunteer", volunteer, gift, 403, ""},
		{"administrator (not finance staff)", admin, gift, 403, ""},
		{"anonymous", public, gift, 401, ""},
		{"an online gift has no slip", fin1, online, 404, ""},
		{"an entry that does not exist", fin1, campaign + "-999", 404, ""},
		{"an unknown campaign", fin1, "nosuchcampaign-1", 404, ""},
		{"malformed ID", fin1, "not-an-entry", 400, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do("GET", "/api/v1/donations/"+tt.id+"/slip", nil)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
			if tt.wantField != "" {
				if got, want := problemFields(t, r), []string{tt.wantField}; !cmp.Equal(got, want) {
					t.Errorf("problem fields %v, want %v", got, want)
				}
			}
			if r.Status != 200 {
				return
			}
			if got, want := r.Header.Get("Content-Type"), "image/png"; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if !bytes.Equal(r.Body, slip) {
				t.Errorf("body is not the uploaded slip (%d bytes, want %d)", len(r.Body), len(slip))
			}
			if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	r = otherFin.do("GET", "/api/v1/donations/"+gift+"/slip", nil, "Accept-Language", "zh-CN")
	if got, want := r.json(t)["detail"], "只有本机构财务人员可以查看银行回单。"; got != want {
		t.Errorf("Chinese detail %q, want %q", got, want)
	}
}
