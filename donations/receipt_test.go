package donations_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tongban/tongban/donations"
)

func TestAmountInWords(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{0, "零元整"},
		{5, "伍分"},
		{50, "伍角整"},
		{55, "伍角伍分"},
		{100, "壹元整"},
		{105, "壹元零伍分"},
		{1000, "壹拾元整"},
		{30000, "叁佰元整"},
		{100100, "壹仟零壹元整"},
		{123456, "壹仟贰佰叁拾肆元伍角陆分"},
		{1000000, "壹万元整"},
		{1010000, "壹万零壹佰元整"},
		{10000000, "壹拾万元整"},
		{10100000, "壹拾万壹仟元整"},
		{101000000, "壹佰零壹万元整"},
		{10000000000, "壹亿元整"},
		{10000010100, "壹亿零壹佰零壹元整"},
		{100010000000, "壹拾亿零壹拾万元整"},
		{100100000000, "壹拾亿零壹佰万元整"},
		{100000000000, "壹拾亿元整"},
		{-100, "负壹元整"},
	}
	for _, tt := range tests {
		if got := donations.AmountInWords(tt.fen); got != tt.want {
			t.Errorf("AmountInWords(%d) = %s, want %s", tt.fen, got, tt.want)
		}
	}
}

// TestRenderReceipt renders a receipt and reads its text back with
// pdftotext (poppler-utils): the CJK text must come out as written, and the
// same content must give the same bytes.
func TestRenderReceipt(t *testing.T) {
	c := &donations.ReceiptContent{Serial: "DR-2026-ABCDEFGHJK", DonorName: "李明", AmountFen: 30000, AmountWords: donations.AmountInWords(30000),
		Ledger: "c1", Designation: "寒冬送温暖 2026", OrgNames: []string{"共青团隆安县委员会"}, Channel: "online",
		GiftAt: "2026-11-29T10:15:00+08:00", EntryID: "c1-7", EntryHash: strings.Repeat("ab", 32), IssuedAt: "2026-11-29T10:20:00+08:00",
		VerifyURL: "https://tongban.example.org/receipts/DR-2026-ABCDEFGHJK"}
	pdf, err := donations.RenderReceipt(c, c.Hash())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := donations.RenderReceipt(c, c.Hash())
	if string(pdf) != string(again) {
		t.Error("the same receipt rendered twice gives different bytes")
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is needed to read the PDF back: apt-get install poppler-utils (.ci/run does)")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"捐赠收据", "DR-2026-ABCDEFGHJK", "李明", "¥300.00", "人民币叁佰元整", "寒冬送温暖 2026", "共青团隆安县委员会", "在线支付", "2026年11月29日 10:15", "c1-7", "公益事业捐赠统一票据"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF text lacks %q:\n%s", want, text)
		}
	}
}
