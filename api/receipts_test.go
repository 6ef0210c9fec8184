package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
)

// giveOnline gives fen to ledger through the sandbox checkout and returns
// the gift's donation ID.
func giveOnline(t *testing.T, donor *client, ledger string, fen int64, anonymous bool) string {
	t.Helper()
	r := donor.do("POST", "/api/v1/donations/checkout", map[string]any{"ledger": ledger, "amount_fen": fen, "anonymous": anonymous})
	if r.Status != 201 {
		t.Fatalf("checkout: %d %s", r.Status, r.Body)
	}
	if r := donor.do("POST", r.json(t)["checkout_url"].(string)+"/pay", nil); r.Status != 200 {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
	gifts := donor.do("GET", "/api/v1/donor/gifts", nil).json(t)["items"].([]any)
	return gifts[0].(map[string]any)["donation_id"].(string) // newest first
}

// moneyCampaign is an active campaign of a new organisation with one
// published need.
func moneyCampaign(t *testing.T, srv *testServer) (campaign, orgID, needID string, fin1, fin2 *client) {
	t.Helper()
	orgID, needID, _, fin1, fin2 = moneyOrg(t, srv)
	r := fin1.do("POST", "/api/v1/campaigns", map[string]any{"title": "寒冬送温暖 2026", "summary": "为困境儿童添置冬衣。", "org_ids": []string{orgID},
		"target_fen": 1000000, "start": time.Now().Format("2006-01-02"), "end": time.Now().AddDate(0, 3, 0).Format("2006-01-02"),
		"need_ids": []string{needID}, "status": "active"})
	if r.Status != 201 {
		t.Fatalf("campaign: %d %s", r.Status, r.Body)
	}
	return r.json(t)["id"].(string), orgID, needID, fin1, fin2
}

func TestDonationReceipt(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, orgID, _, fin1, _ := moneyCampaign(t, srv)
	donor, _ := signup(t, srv, "donor")
	other, _ := signup(t, srv, "donor")
	public := newClient(t, srv).csrfReady()
	gift := giveOnline(t, donor, campaign, 30000, false)
	anonGift := giveOnline(t, donor, campaign, 12345, true)

	r := donor.do("POST", "/api/v1/donor/gifts/"+gift+"/receipt", nil)
	if r.Status != 201 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	issued := r.json(t)
	rec := issued["receipt"].(map[string]any)
	serial := rec["serial"].(string)
	content := rec["content"].(map[string]any)
	if !donations.ValidReceiptSerial(serial) || content["amount_words"] != "叁佰元整" || content["designation"] != "寒冬送温暖 2026" ||
		content["verify_url"] != srv.base+"/receipts/"+serial || content["donor_name"] != "测试用户" {
		t.Errorf("receipt: %v", rec)
	}
	again := donor.do("POST", "/api/v1/donor/gifts/"+gift+"/receipt", nil)
	if again.Status != 200 || again.json(t)["receipt"].(map[string]any)["serial"] != serial {
		t.Errorf("second request: %d %s, want 200 and the same serial", again.Status, again.Body)
	}

	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		want   int
	}{
		{"another donor asks for the receipt", other, "POST", "/api/v1/donor/gifts/" + gift + "/receipt", 404},
		{"finance staff are not the donor", fin1, "POST", "/api/v1/donor/gifts/" + gift + "/receipt", 404},
		{"anonymous visitor", public, "POST", "/api/v1/donor/gifts/" + gift + "/receipt", 401},
		{"not an entry", donor, "POST", "/api/v1/donor/gifts/nonsense/receipt", 404},
		{"an entry that is not a gift", donor, "POST", "/api/v1/donor/gifts/" + campaign + "-999/receipt", 404},
		{"another donor downloads the PDF", other, "GET", "/api/v1/receipts/" + serial + "/pdf", 404},
		{"anonymous visitor downloads the PDF", public, "GET", "/api/v1/receipts/" + serial + "/pdf", 401},
		{"the donor downloads the PDF", donor, "GET", "/api/v1/receipts/" + serial + "/pdf", 200},
		{"anyone verifies", public, "GET", "/api/v1/receipts/" + serial, 200},
		{"unknown serial", public, "GET", "/api/v1/receipts/DR-2026-0000000000", 404},
		{"malformed serial", public, "GET", "/api/v1/receipts/x", 404},
	}
	for _, tt := range tests {
		if got := tt.c.do(tt.method, tt.path, nil).Status; got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	pdf := donor.do("GET", "/api/v1/receipts/"+serial+"/pdf", nil)
	if !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("PDF: %s %q", pdf.Header.Get("Content-Type"), pdf.Body[:min(10, len(pdf.Body))])
	}
	if again := donor.do("GET", "/api/v1/receipts/"+serial+"/pdf", nil); !bytes.Equal(again.Body, pdf.Body) {
		t.Error("the PDF changed between downloads")
	}

	v := public.do("GET", "/api/v1/receipts/"+serial, nil).json(t)
	if v["status"] != "valid" || v["donor"] != "测***" || v["amount_fen"].(float64) != 30000 || v["refunded_fen"].(float64) != 0 {
		t.Errorf("verification: %v", v)
	}
	// An anonymous gift's receipt names the donor; its verification not.
	ar := donor.do("POST", "/api/v1/donor/gifts/"+anonGift+"/receipt", nil).json(t)["receipt"].(map[string]any)
	if ar["content"].(map[string]any)["donor_name"] != "测试用户" {
		t.Errorf("anonymous gift's receipt: %v", ar)
	}
	av := public.do("GET", "/api/v1/receipts/"+ar["serial"].(string), nil)
	if av.json(t)["donor"] != "匿名爱心人士" || strings.Contains(string(av.Body), "测试用户") {
		t.Errorf("anonymous verification shows the donor: %s", av.Body)
	}

	// A partial refund shows on the verification page.
	finID := fin1.do("GET", "/api/v1/auth/me", nil).json(t)["user"].(map[string]any)["id"].(string)
	finCtx := auth.NewContext(context.Background(), &auth.Identity{UserID: finID, Orgs: map[string]string{orgID: "finance"}})
	if _, err := env.money.Donations.Refund(finCtx, donations.RefundInput{DonationID: gift, AmountFen: 10000, Why: "捐赠人申请部分退款"}); err != nil {
		t.Fatal(err)
	}
	if v := public.do("GET", "/api/v1/receipts/"+serial, nil).json(t); v["status"] != "partially_refunded" || v["refunded_fen"].(float64) != 10000 {
		t.Errorf("after a refund: %v", v)
	}

	// A receipt changed in the database no longer verifies.
	if _, err := env.db.Collection("donation_receipts").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: serial}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "content.amount_fen", Value: 3000000}}}}); err != nil {
		t.Fatal(err)
	}
	if v := public.do("GET", "/api/v1/receipts/"+serial, nil).json(t); v["status"] != "mismatch" {
		t.Errorf("tampered receipt: %v, want status mismatch", v)
	}
}

func TestReportDownloads(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, _, needID, fin1, _ := moneyCampaign(t, srv)
	donor, _ := signup(t, srv, "donor")
	public := newClient(t, srv).csrfReady()
	giveOnline(t, donor, campaign, 30000, true)
	giveOnline(t, donor, campaign, 10050, true)
	if r := fin1.do("POST", "/api/v1/allocations", map[string]any{"ledger": campaign, "splits": []map[string]any{{"need_id": needID, "amount_fen": 25000}}, "why": "首批冬衣采购"}); r.Status != 201 {
		t.Fatalf("allocate: %d %s", r.Status, r.Body)
	}

	csv := public.do("GET", "/api/v1/campaigns/"+campaign+"/report.csv", nil)
	if csv.Status != 200 {
		t.Fatalf("CSV: %d %s", csv.Status, csv.Body)
	}
	for _, want := range []string{"\ufeff概要 Summary", "寒冬送温暖 2026", "募集 Raised,400.50", "已拨付 Allocated,250.00", "按月份 By month", "按需求 By need", needID + ",圆梦大学：困境学生入学助学,250.00,0.00,250.00"} {
		if !strings.Contains(string(csv.Body), want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv.Body)
		}
	}

	x := public.do("GET", "/api/v1/campaigns/"+campaign+"/report.xlsx", nil)
	if x.Status != 200 {
		t.Fatalf("XLSX: %d %s", x.Status, x.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), "|"), "概要 Summary|按类别 By category|按月份 By month|按需求 By need"; got != want {
		t.Errorf("sheets: %s, want %s", got, want)
	}
	rows, err := f.GetRows("概要 Summary", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 {
			got[r[0]] = r[1]
		}
	}
	if got["募集 Raised"] != "400.50" || got["已拨付 Allocated"] != "250.00" || got["账本 Ledger"] != "寒冬送温暖 2026" {
		t.Errorf("summary sheet: %v", got)
	}
	if r := public.do("GET", "/api/v1/campaigns/nope/report.xlsx", nil); r.Status != 404 {
		t.Errorf("unknown campaign: %d, want 404", r.Status)
	}
}

// jpegBytes is a w×h JPEG.
func jpegBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x*h/w, color.RGBA{10, 10, 10, 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReceiptThumbnails(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, _, needID, fin1, fin2 := moneyCampaign(t, srv)
	donor, _ := signup(t, srv, "donor")
	public := newClient(t, srv).csrfReady()
	giveOnline(t, donor, campaign, 30000, true)
	if r := fin1.do("POST", "/api/v1/allocations", map[string]any{"ledger": campaign, "splits": []map[string]any{{"need_id": needID, "amount_fen": 25000}}, "why": "首批冬衣采购"}); r.Status != 201 {
		t.Fatalf("allocate: %d %s", r.Status, r.Body)
	}
	receipt := func(c *client, name string, data []byte) map[string]any {
		st, up := uploadFile(t, c, name, data)
		if st != 201 {
			t.Fatalf("upload %s: %d %v", name, st, up)
		}
		return map[string]any{"sha256": up["sha256"], "blob_key": up["blob_key"], "content_type": up["content_type"], "kind": "invoice"}
	}
	photo := receipt(fin1, "invoice.jpg", jpegBytes(t, 800, 600))
	pdfData, err := donations.RenderReceipt(&donations.ReceiptContent{Serial: "DR-2026-0000000001", IssuedAt: "2026-11-29T10:00:00+08:00", GiftAt: "2026-11-29T10:00:00+08:00", VerifyURL: "https://x/"}, "")
	if err != nil {
		t.Fatal(err)
	}
	pdf := receipt(fin1, "invoice.pdf", pdfData)
	r := fin1.do("POST", "/api/v1/expenses", map[string]any{"ledger": campaign, "need_id": needID, "vendor": "县城百货", "description": "冬衣二十件",
		"category": "clothing", "amount_fen": 20000, "receipts": []any{photo, pdf}})
	if r.Status != 201 {
		t.Fatalf("expense: %d %s", r.Status, r.Body)
	}
	exp := r.json(t)["id"].(string)
	pub := func(sha any) string { return "/api/v1/expenses/" + exp + "/receipts/" + sha.(string) + "/publication" }
	if r := fin1.do("POST", pub(photo["sha256"]), nil); r.Status != 409 {
		t.Errorf("publish before approval: %d %s, want 409", r.Status, r.Body)
	}
	if r := fin2.do("POST", "/api/v1/expenses/"+exp+"/approve", nil); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	redacted1 := receipt(fin1, "redacted.png", pngBytes(t))
	redacted2 := receipt(fin2, "redacted2.png", jpegBytes(t, 300, 500))
	tests := []struct {
		name      string
		c         *client
		sha       any
		body      any
		want      int
		wantField string
	}{
		{"a donor", donor, photo["sha256"], nil, 404, ""},
		{"anonymous visitor", public, photo["sha256"], nil, 401, ""},
		{"a receipt the expense does not have", fin1, strings.Repeat("0", 64), nil, 404, ""},
		{"a PDF without a redacted copy", fin1, pdf["sha256"], nil, 400, "redacted"},
		{"a redacted copy someone else uploaded", fin1, pdf["sha256"], map[string]any{"redacted": redacted2}, 400, "redacted.blob_key"},
		{"a PDF as the redacted copy", fin1, pdf["sha256"], map[string]any{"redacted": pdf}, 400, "redacted.content_type"},
		{"the photo itself", fin1, photo["sha256"], nil, 201, ""},
		{"the PDF through the own redacted copy", fin1, pdf["sha256"], map[string]any{"redacted": redacted1}, 201, ""},
	}
	for _, tt := range tests {
		r := tt.c.do("POST", pub(tt.sha), tt.body)
		if r.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, r.Status, r.Body, tt.want)
			continue
		}
		if tt.wantField != "" && !strings.Contains(string(r.Body), `"field":"`+tt.wantField+`"`) {
			t.Errorf("%s: %s does not name %s", tt.name, r.Body, tt.wantField)
		}
	}

	led := public.do("GET", "/api/v1/campaigns/"+campaign+"/ledger", nil).json(t)
	thumbs := led["thumbnails"].(map[string]any)
	url, _ := thumbs[photo["sha256"].(string)].(string)
	if len(thumbs) != 2 || url == "" {
		t.Fatalf("public ledger thumbnails: %v", thumbs)
	}
	img := public.do("GET", url, nil)
	if img.Status != 200 || img.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %s", img.Status, img.Header.Get("Content-Type"))
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.Body))
	if err != nil || cfg.Width != 240 || cfg.Height != 180 {
		t.Errorf("thumbnail is %dx%d (%v), want 240x180", cfg.Width, cfg.Height, err)
	}
	if bytes.Contains(img.Body, []byte("Exif")) {
		t.Error("thumbnail carries EXIF")
	}
	tr := donor.do("GET", "/api/v1/donor/trace", nil).json(t)
	if got := tr["thumbnails"].(map[string]any)[photo["sha256"].(string)]; got != url {
		t.Errorf("donor trace thumbnail: %v, want %s", got, url)
	}
	if r := fin2.do("DELETE", pub(photo["sha256"]), nil); r.Status != 204 {
		t.Fatalf("unpublish: %d %s", r.Status, r.Body)
	}
	if r := public.do("GET", url, nil); r.Status != 404 {
		t.Errorf("thumbnail after unpublishing: %d, want 404", r.Status)
	}
}
