package activities

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/tongban/tongban/internal/pdfkit"
)

// certificate colours (RGB).
var (
	certRed  = [3]int{158, 27, 27}
	certInk  = [3]int{31, 41, 51}
	certGrey = [3]int{96, 108, 122}
)

// RenderCertificate renders a certificate (志愿服务证明) as an A4 PDF. The
// output depends only on its arguments: the same content always gives the
// same bytes.
func RenderCertificate(c *CertificateContent, sha string) ([]byte, error) {
	issued, err := time.Parse(time.RFC3339, c.IssuedAt)
	if err != nil {
		return nil, fmt.Errorf("certificate issued_at: %w", err)
	}
	pdf := pdfkit.New()
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetTitle("志愿服务证明 "+c.Serial, true)
	pdf.SetAuthor(c.OrgName, true)
	pdf.SetCreator("Tongban 童伴", true)
	pdf.SetProducer("Tongban 童伴", true)
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(true, 30)
	ink := func(rgb [3]int) { pdf.SetTextColor(rgb[0], rgb[1], rgb[2]) }
	pdf.SetHeaderFunc(func() {
		pdf.SetDrawColor(certRed[0], certRed[1], certRed[2])
		pdf.SetLineWidth(1.2)
		pdf.Rect(10, 10, 190, 277, "D")
		pdf.SetLineWidth(0.3)
		pdf.Rect(13, 13, 184, 271, "D")
		pdf.SetFont("cjk", "", 9)
		pdf.SetTextColor(certGrey[0], certGrey[1], certGrey[2])
		pdf.SetXY(25, 18)
		pdf.CellFormat(160, 5, "编号 No. "+c.Serial, "", 0, "R", false, 0, "")
		pdf.SetXY(25, 28) // content of later pages starts below the serial
		ink(certInk)
	})
	pdf.AddPage()

	pdf.SetY(34)
	pdf.SetFont("cjk", "", 30)
	ink(certRed)
	pdf.CellFormat(0, 14, "志愿服务证明", "", 1, "C", false, 0, "")
	pdf.SetFont("cjk", "", 11)
	ink(certGrey)
	pdf.CellFormat(0, 7, "Certificate of Volunteer Service", "", 1, "C", false, 0, "")
	pdf.Ln(10)

	hours := formatHours(c.TotalMinutes)
	pdf.SetFont("cjk", "", 14)
	ink(certInk)
	body := fmt.Sprintf("兹证明 %s 于 %s 至 %s 期间参加 %s 组织的志愿服务活动，经组织方确认，累计志愿服务时长 %s 小时。",
		c.VolunteerName, dateZH(c.PeriodFrom), dateZH(c.PeriodTo), c.OrgName, hours)
	pdfkit.MultiCell(pdf, 160, 9, "\u3000\u3000"+body, "", "L")
	pdf.Ln(2)
	pdfkit.MultiCell(pdf, 160, 9, "\u3000\u3000特此证明。", "", "L")
	pdf.Ln(6)

	// Activities table.
	widths := []float64{78, 46, 16, 20}
	pdf.SetFont("cjk", "", 10.5)
	pdf.SetFillColor(246, 238, 238)
	pdf.SetDrawColor(200, 190, 190)
	pdf.SetLineWidth(0.2)
	for i, h := range []string{"服务项目 Activity", "日期 Dates", "次数", "时长(小时)"} {
		pdf.CellFormat(widths[i], 8, h, "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	for _, l := range c.Lines {
		title := l.Title
		if l.Kind == KindPairing {
			title = "结对陪伴：" + title
		}
		dates := l.From
		if l.To != l.From {
			dates += " – " + l.To
		}
		cells := []string{fit(pdf, title, widths[0]-3), dates, fmt.Sprint(l.Sessions), formatHours(l.Minutes)}
		for i, s := range cells {
			align := "L"
			if i > 0 {
				align = "C"
			}
			pdf.CellFormat(widths[i], 8, s, "1", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFont("cjk", "", 10.5)
	pdf.CellFormat(widths[0]+widths[1]+widths[2], 8, "合计 Total", "1", 0, "R", false, 0, "")
	pdf.CellFormat(widths[3], 8, hours, "1", 1, "C", false, 0, "")
	pdf.Ln(10)

	// Issuer and date, right; QR code, left.
	if pdf.GetY() > 200 {
		pdf.AddPage()
		pdf.SetY(40)
	}
	y := pdf.GetY()
	pdf.SetFont("cjk", "", 13)
	ink(certInk)
	pdf.SetXY(95, y+6)
	pdf.CellFormat(90, 8, "出具单位："+c.OrgName, "", 2, "R", false, 0, "")
	pdf.CellFormat(90, 8, "出具日期："+dateZH(issued.In(Shanghai).Format("2006-01-02")), "", 2, "R", false, 0, "")

	const qrSize = 34.0
	if err := pdfkit.DrawQR(pdf, c.VerifyURL, 25, y, qrSize); err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	pdf.SetFont("cjk", "", 8.5)
	ink(certGrey)
	pdf.SetXY(25, y+qrSize+2)
	pdf.CellFormat(80, 4.5, "扫码核验真伪 Scan to verify", "", 2, "L", false, 0, "")
	pdfkit.MultiCell(pdf, 160, 4.5, c.VerifyURL, "", "L")

	pdf.SetAutoPageBreak(false, 0)
	pdf.SetFont("cjk", "", 7.5)
	pdf.SetXY(25, 264)
	pdf.CellFormat(160, 4, "本证明依据童伴平台中经组织方确认的服务记录生成，内容在出具时固定，可扫码核验。", "", 2, "L", false, 0, "")
	pdf.CellFormat(160, 4, "内容摘要 SHA-256："+sha, "", 2, "L", false, 0, "")

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render certificate PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// formatHours renders minutes as hours with one decimal.
func formatHours(minutes int) string { return fmt.Sprintf("%.1f", Hours(minutes)) }

// dateZH renders YYYY-MM-DD as 2026年3月7日.
func dateZH(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// fit shortens s with an ellipsis until it is at most w wide.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
