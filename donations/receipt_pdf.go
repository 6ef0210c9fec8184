package donations

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/tongban/tongban/internal/pdfkit"
)

// receipt colours (RGB).
var (
	rcptRed  = [3]int{158, 27, 27}
	rcptInk  = [3]int{31, 41, 51}
	rcptGrey = [3]int{96, 108, 122}
)

// RenderReceipt renders a donation receipt (捐赠收据) as an A4 PDF. The
// output depends only on its arguments: the same receipt always gives the
// same bytes.
func RenderReceipt(c *ReceiptContent, sha string) ([]byte, error) {
	issued, err := time.Parse(time.RFC3339, c.IssuedAt)
	if err != nil {
		return nil, fmt.Errorf("receipt issued_at: %w", err)
	}
	giftAt, err := time.Parse(time.RFC3339, c.GiftAt)
	if err != nil {
		return nil, fmt.Errorf("receipt gift_at: %w", err)
	}
	pdf := pdfkit.New()
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetTitle("捐赠收据 "+c.Serial, true)
	pdf.SetAuthor(strings.Join(c.OrgNames, "、"), true)
	pdf.SetCreator("Tongban 童伴", true)
	pdf.SetProducer("Tongban 童伴", true)
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(false, 0)
	ink := func(rgb [3]int) { pdf.SetTextColor(rgb[0], rgb[1], rgb[2]) }
	pdf.AddPage()

	pdf.SetFont(pdfkit.FontName, "", 9)
	ink(rcptGrey)
	pdf.SetXY(25, 20)
	pdf.CellFormat(160, 5, "编号 No. "+c.Serial, "", 0, "R", false, 0, "")

	pdf.SetXY(25, 28)
	pdf.SetFont(pdfkit.FontName, "", 24)
	ink(rcptRed)
	pdf.CellFormat(160, 12, "捐赠收据", "", 1, "C", false, 0, "")
	pdf.SetX(25)
	pdf.SetFont(pdfkit.FontName, "", 10)
	ink(rcptGrey)
	pdf.CellFormat(160, 6, "Donation Receipt", "", 1, "C", false, 0, "")
	pdf.Ln(5)

	donor := c.DonorName
	if c.Anonymous {
		donor += "（公开展示为匿名 shown as anonymous in public）"
	}
	channel := channelZH[c.Channel]
	if channel == "" {
		channel = c.Channel
	}
	rows := [][2]string{
		{"捐赠人 Donor", donor},
		{"捐赠金额 Amount", Yuan(c.AmountFen)},
		{"金额大写 In words", "人民币" + c.AmountWords},
		{"捐赠用途 Designation", c.Designation},
		{"受赠组织 Recipient", strings.Join(c.OrgNames, "、")},
		{"捐赠方式 Channel", channel},
		{"捐赠时间 Date", fmt.Sprintf("%d年%d月%d日 %s", giftAt.Year(), int(giftAt.Month()), giftAt.Day(), giftAt.Format("15:04"))},
		{"账本记录 Ledger entry", c.EntryID},
	}
	pdf.SetDrawColor(200, 190, 190)
	pdf.SetLineWidth(0.2)
	pdf.SetFillColor(246, 238, 238)
	for _, r := range rows {
		pdf.SetX(25)
		pdf.SetFont(pdfkit.FontName, "", 10)
		ink(rcptGrey)
		y := pdf.GetY()
		pdf.SetFont(pdfkit.FontName, "", 11.5)
		lines := len(pdfkit.Wrap(pdf, r[1], 112-2*pdf.GetCellMargin()))
		pdf.SetFont(pdfkit.FontName, "", 10)
		pdf.CellFormat(48, 9*float64(lines), r[0], "1", 0, "L", true, 0, "")
		pdf.SetFont(pdfkit.FontName, "", 11.5)
		ink(rcptInk)
		pdf.SetXY(73, y)
		pdfkit.MultiCell(pdf, 112, 9, r[1], "1", "L")
	}
	pdf.SetX(25)
	pdf.SetFont(pdfkit.FontName, "", 7.5)
	ink(rcptGrey)
	pdf.CellFormat(160, 6, "记录哈希 Entry hash (SHA-256): "+c.EntryHash, "", 1, "L", false, 0, "")
	pdf.Ln(4)

	y := pdf.GetY()
	const qrSize = 30.0
	if err := pdfkit.DrawQR(pdf, c.VerifyURL, 25, y, qrSize); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	pdf.SetFont(pdfkit.FontName, "", 8.5)
	ink(rcptGrey)
	pdf.SetXY(25, y+qrSize+2)
	pdf.CellFormat(80, 4.5, "扫码核验真伪 Scan to verify", "", 2, "L", false, 0, "")
	pdfkit.MultiCell(pdf, 160, 4.5, c.VerifyURL, "", "L")

	pdf.SetFont(pdfkit.FontName, "", 12)
	ink(rcptInk)
	pdf.SetXY(90, y+4)
	pdfkit.MultiCell(pdf, 95, 7, "感谢您的爱心捐赠！\n出具日期："+fmt.Sprintf("%d年%d月%d日", issued.Year(), int(issued.Month()), issued.Day()), "", "R")

	pdf.SetFont(pdfkit.FontName, "", 7.5)
	ink(rcptGrey)
	pdf.SetXY(25, max(pdf.GetY(), y+qrSize+12)+4)
	pdfkit.MultiCell(pdf, 160, 4, "本收据由童伴平台依据受赠组织账本中的记录生成，内容在出具时固定，可扫码核验；它不是财政部门监制的《公益事业捐赠统一票据》，如需该票据请联系受赠组织。"+
		"内容摘要 SHA-256："+sha, "", "L")
	pdf.SetDrawColor(rcptRed[0], rcptRed[1], rcptRed[2])
	pdf.SetLineWidth(1)
	pdf.Rect(15, 15, 180, pdf.GetY()+6-15, "D")

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render receipt PDF: %w", err)
	}
	return buf.Bytes(), nil
}
