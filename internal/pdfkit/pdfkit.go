// Package pdfkit holds what Tongban's PDF documents (volunteer-service
// certificates, donation receipts) share: the embedded CJK font and QR codes
// drawn as vector squares, so the output is sharp at any zoom and the same
// input always gives the same bytes.
package pdfkit

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// FontName is the family name New registers the CJK font under.
const FontName = "cjk"

// cjkFont is WenQuanYi Micro Hei (Apache-2.0, from Debian's
// fonts-wqy-microhei; see fonts/README.md). Each PDF embeds only the glyphs
// it uses.
//
//go:embed fonts/WenQuanYiMicroHei.ttf
var cjkFont []byte

// FontTTF returns the embedded CJK TrueType font (for drawing text into
// images). Callers must not modify it.
func FontTTF() []byte { return cjkFont }

// New returns an A4 portrait document in millimetres with the CJK font
// registered as FontName and compression on.
func New() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes(FontName, "", cjkFont)
	return pdf
}

// Modules returns the dark/light modules of a QR code for text (error
// correction level M), without the quiet zone.
func Modules(text string) ([][]bool, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

// DrawQR draws the QR code of text as a size×size square at (x, y) in black.
func DrawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) error {
	qr, err := Modules(text)
	if err != nil {
		return err
	}
	cell := size / float64(len(qr))
	pdf.SetFillColor(0, 0, 0)
	for r, row := range qr {
		for col, dark := range row {
			if dark {
				pdf.Rect(x+float64(col)*cell, y+float64(r)*cell, cell+0.01, cell+0.01, "F")
			}
		}
	}
	return nil
}

// Wrap splits text into lines at most w wide in the current font. CJK
// characters may break anywhere; runs of other letters and digits break
// only at spaces (unless one alone is wider than a line). Newlines in text
// are kept. fpdf's own MultiCell drops the character at a break in text
// without spaces, which is why documents wrap with this instead.
func Wrap(pdf *fpdf.Fpdf, text string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		var line strings.Builder
		for _, tok := range tokens(para) {
			if line.Len() > 0 && pdf.GetStringWidth(line.String()+tok) > w {
				lines = append(lines, strings.TrimRight(line.String(), " "))
				line.Reset()
				if tok == " " {
					continue
				}
			}
			if line.Len() == 0 && pdf.GetStringWidth(tok) > w {
				for _, r := range tok { // a word wider than the line
					if line.Len() > 0 && pdf.GetStringWidth(line.String()+string(r)) > w {
						lines = append(lines, line.String())
						line.Reset()
					}
					line.WriteRune(r)
				}
				continue
			}
			line.WriteString(tok)
		}
		lines = append(lines, strings.TrimRight(line.String(), " "))
	}
	return lines
}

// tokens cuts text into the units Wrap may not split: one CJK character,
// one space, or a run of other characters.
func tokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if r == ' ' || isWide(r) {
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
			out = append(out, string(r))
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// isWide reports whether a line may break before and after r: CJK
// ideographs, kana, hangul and full-width forms and punctuation.
func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// MultiCell writes text wrapped to width w with line height h at the
// current position, like fpdf's MultiCell with border "" or "1", and leaves
// the position under the block at the same x.
func MultiCell(pdf *fpdf.Fpdf, w, h float64, text, border, align string) {
	x, y := pdf.GetXY()
	lines := Wrap(pdf, text, w-2*pdf.GetCellMargin())
	for i, l := range lines {
		pdf.SetXY(x, y+float64(i)*h)
		pdf.CellFormat(w, h, l, "", 0, align, false, 0, "")
	}
	if border == "1" {
		pdf.Rect(x, y, w, float64(len(lines))*h, "D")
	}
	pdf.SetXY(x, y+float64(len(lines))*h)
}
