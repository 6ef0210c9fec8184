// Package pdfkit holds what Tongban's PDF documents (volunteer-service
// certificates, donation receipts) share: the embedded CJK font and QR codes
// drawn as vector squares, so the output is sharp at any zoom and the same
// input always gives the same bytes.
package pdfkit

import (
	_ "embed"
	"fmt"

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
