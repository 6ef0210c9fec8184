package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/pdfkit"
)

// seedExpenses spends from the first two allocated needs of the demo
// campaign 圆梦大学 2026: each expense has an invoice image (drawn here,
// marked 演示), is recorded by finance@ and approved by finance2@ (four
// eyes); the first one's receipt is published as a public thumbnail.
func seedExpenses(ctx context.Context, m *Main, orgID, financeID, finance2ID string) error {
	fin := auth.NewContext(ctx, &auth.Identity{UserID: financeID, Roles: []string{}, Orgs: map[string]string{orgID: accounts.OrgFinance}, Via: "seed"})
	fin2 := auth.NewContext(ctx, &auth.Identity{UserID: finance2ID, Roles: []string{}, Orgs: map[string]string{orgID: accounts.OrgFinance}, Via: "seed"})
	campaigns, _, err := m.Money.Donations.ListCampaigns(ctx, donations.CampaignFilter{Limit: 10})
	if err != nil {
		return err
	}
	var ledger string
	for _, c := range campaigns {
		if c.Title == "圆梦大学 2026" {
			ledger = c.ID
		}
	}
	if ledger == "" {
		return nil
	}
	bal, err := m.Money.Donations.Report(ctx, ledger)
	if err != nil {
		return err
	}
	specs := []struct {
		vendor, what, category string
	}{
		{"云溪市第一中学", "新生入学学费（第一学期）", "tuition"},
		{"隆安县新华书店", "入学教辅与文具", "school_supplies"},
	}
	for i, n := range bal.ByNeed {
		if i >= len(specs) || n.BalanceFen < 200 {
			break
		}
		sp := specs[i]
		amount := n.BalanceFen / 2
		img, err := invoiceImage(sp.vendor, sp.what, amount)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(img)
		key := donations.UploadPrefix(financeID) + tongban.NewID()
		if _, err := m.Blob.Put(ctx, key, bytes.NewReader(img), int64(len(img)), "image/png"); err != nil {
			return err
		}
		rec := donations.Receipt{SHA256: hex.EncodeToString(sum[:]), BlobKey: key, ContentType: "image/png", Kind: donations.ReceiptInvoice}
		x, err := m.Money.Donations.CreateExpense(fin, donations.ExpenseInput{Ledger: ledger, NeedID: n.NeedID, Vendor: sp.vendor, Description: sp.what,
			Category: sp.category, AmountFen: amount, Receipts: []donations.Receipt{rec}})
		if err != nil {
			return err
		}
		if _, _, err := m.Money.Donations.ApproveExpense(fin2, x.ID); err != nil {
			return err
		}
		if i == 0 && m.Money.Thumbnails != nil {
			if _, err := m.Money.Thumbnails.Publish(fin, donations.PublishInput{ExpenseID: x.ID, SHA256: rec.SHA256}); err != nil {
				return err
			}
		}
	}
	return nil
}

// invoiceImage draws a demo invoice (PNG): vendor, item and amount, marked
// as a demo so nobody takes it for a real 发票.
func invoiceImage(vendor, what string, fen int64) ([]byte, error) {
	f, err := opentype.Parse(pdfkit.FontTTF())
	if err != nil {
		return nil, err
	}
	face := func(size float64) (font.Face, error) {
		return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	}
	img := image.NewRGBA(image.Rect(0, 0, 900, 560))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{252, 250, 244, 255}), image.Point{}, draw.Src)
	border := color.RGBA{158, 27, 27, 255}
	for x := 20; x < 880; x++ {
		img.Set(x, 20, border)
		img.Set(x, 539, border)
	}
	for y := 20; y < 540; y++ {
		img.Set(20, y, border)
		img.Set(879, y, border)
	}
	lines := []struct {
		text string
		size float64
		y    int
		ink  color.Color
	}{
		{"普通发票（演示样张，非真实票据）", 34, 90, border},
		{"销售方：" + vendor, 26, 180, color.Black},
		{"购买方：共青团隆安县委员会", 26, 240, color.Black},
		{"项目：" + what, 26, 300, color.Black},
		{"金额：" + donations.Yuan(fen), 30, 380, color.Black},
		{"大写：人民币" + donations.AmountInWords(fen), 26, 440, color.Black},
		{"童伴演示数据 · Tongban demo", 18, 510, color.RGBA{96, 108, 122, 255}},
	}
	for _, l := range lines {
		fc, err := face(l.size)
		if err != nil {
			return nil, err
		}
		d := font.Drawer{Dst: img, Src: image.NewUniform(l.ink), Face: fc, Dot: fixed.P(60, l.y)}
		d.DrawString(l.text)
		_ = fc.Close()
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("demo invoice: %w", err)
	}
	return buf.Bytes(), nil
}
