package pdfkit_test

import (
	"strings"
	"testing"

	"github.com/tongban/tongban/internal/pdfkit"
)

func TestWrapKeepsEveryCharacter(t *testing.T) {
	pdf := pdfkit.New()
	pdf.SetFont(pdfkit.FontName, "", 11)
	tests := []struct {
		name, text string
		width      float64
	}{
		{"CJK without spaces", strings.Repeat("寒冬送温暖一二三四五六七八九十甲乙丙丁戊己庚辛壬癸", 4), 60},
		{"mixed", "兹证明 Li Ming 于 2026年3月7日 至 2026年11月29日 期间参加 Tongban volunteer service 活动。", 50},
		{"a URL longer than the line", "https://tongban.example.org/receipts/DR-2026-ABCDEFGHJK", 30},
		{"newlines", "感谢您的爱心捐赠！\n出具日期：2026年11月29日", 95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := pdfkit.Wrap(pdf, tt.text, tt.width)
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if got, want := strip(strings.Join(lines, "")), strip(tt.text); got != want {
				t.Errorf("wrapped text lost characters:\n got %s\nwant %s", got, want)
			}
			for _, l := range lines {
				if w := pdf.GetStringWidth(l); w > tt.width {
					t.Errorf("line %q is %.1f wide, more than %.1f", l, w, tt.width)
				}
			}
			if len(lines) < 2 {
				t.Errorf("got %d lines, want the text wrapped", len(lines))
			}
		})
	}
}

func TestWrapBreaksLatinAtSpaces(t *testing.T) {
	pdf := pdfkit.New()
	pdf.SetFont(pdfkit.FontName, "", 11)
	for _, l := range pdfkit.Wrap(pdf, "Certificate of Volunteer Service issued by Tongban", 40) {
		for _, w := range strings.Fields(l) {
			if !strings.Contains("Certificate of Volunteer Service issued by Tongban", w) || len(w) < 2 {
				t.Errorf("word split: %q in line %q", w, l)
			}
		}
	}
}
