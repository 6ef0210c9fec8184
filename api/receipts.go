package api

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/blob"
	"github.com/tongban/tongban/internal/privacy"
)

// receiptRoutes serve donation receipts (PDF with a verification QR code),
// public receipt thumbnails, refunds and the transparency report as CSV
// and XLSX.
func (s *Server) receiptRoutes(v1 fiber.Router) {
	v1.Get("/campaigns/:id/report.csv", s.campaignReportCSV)
	v1.Get("/campaigns/:id/report.xlsx", s.campaignReportXLSX)
	v1.Post("/refunds", requireUser, s.refund)
	if s.deps.Money.Thumbnails != nil {
		v1.Post("/expenses/:id/receipts/:sha/publication", requireUser, s.publishReceipt)
		v1.Delete("/expenses/:id/receipts/:sha/publication", requireUser, s.unpublishReceipt)
		v1.Get("/receipt-thumbnails/:sha.jpg", s.receiptThumbnail)
	}
	if s.deps.Money.Receipts == nil {
		return
	}
	v1.Post("/donor/gifts/:id/receipt", requireUser, s.issueReceipt)
	v1.Get("/receipts/:serial", s.verifyReceipt)
	v1.Get("/receipts/:serial/pdf", requireUser, s.receiptPDF)
}

// issueReceipt returns the receipt of one of the caller's gifts, issuing it
// on the first request (201) and returning the same one afterwards (200).
func (s *Server) issueReceipt(c *fiber.Ctx) error {
	r, created, err := s.deps.Money.Receipts.Issue(c.UserContext(), strings.Clone(c.Params("id")), c.BaseURL())
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(fiber.Map{"receipt": r, "pdf_url": "/api/v1/receipts/" + r.Serial + "/pdf"})
}

func (s *Server) receiptPDF(c *fiber.Ctx) error {
	r, b, err := s.deps.Money.Receipts.PDF(c.UserContext(), strings.Clone(c.Params("serial")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tongban-receipt-`+r.Serial+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(b)
}

func (s *Server) verifyReceipt(c *fiber.Ctx) error {
	p, err := s.deps.Money.Receipts.Verify(c.UserContext(), strings.Clone(c.Params("serial")))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// reportTables builds the export tables of a ledger's transparency report,
// with the public titles of its needs.
func (s *Server) reportTables(c *fiber.Ctx) (string, []donations.Table, error) {
	id := strings.Clone(c.Params("id"))
	money := s.deps.Money.Donations
	r, err := money.Report(c.UserContext(), id)
	if err != nil {
		return "", nil, err
	}
	title := "童伴通用基金 General fund"
	if id != donations.GeneralFund {
		cp, err := money.FindCampaign(c.UserContext(), id)
		if err != nil {
			return "", nil, err
		}
		title = cp.Title
	}
	titles := map[string]string{}
	for _, n := range r.ByNeed {
		// Titles passed the PII screen when published; screened again
		// on the way out like every public text.
		if nd, err := money.Needs.FindNeedByID(c.UserContext(), n.NeedID); err == nil && privacy.Check(map[string]string{"title": nd.Title}) == nil {
			titles[n.NeedID] = nd.Title
		}
	}
	return id, donations.ReportTables(title, r, func(id string) string { return titles[id] }), nil
}

// campaignReportCSV is the transparency report as CSV (UTF-8 with BOM so
// spreadsheet programs read the Chinese text).
func (s *Server) campaignReportCSV(c *fiber.Ctx) error {
	id, tables, err := s.reportTables(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := donations.WriteReportCSV(&buf, tables); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tongban-report-`+id+`.csv"`)
	return c.Send(buf.Bytes())
}

func (s *Server) campaignReportXLSX(c *fiber.Ctx) error {
	id, tables, err := s.reportTables(c)
	if err != nil {
		return err
	}
	b, err := donations.ReportXLSX(tables)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tongban-report-`+id+`.xlsx"`)
	return c.Send(b)
}

// BlobBytes adapts the object store to what donations.Thumbnails needs.
func BlobBytes(b *blob.Store) donations.Blobs { return blobBytes{b} }

type blobBytes struct{ b *blob.Store }

func (x blobBytes) Get(ctx context.Context, key string) (io.ReadCloser, string, error) {
	rc, info, err := x.b.Get(ctx, key)
	return rc, info.ContentType, err
}

func (x blobBytes) Delete(ctx context.Context, key string) error { return x.b.Delete(ctx, key) }

func (x blobBytes) Put(ctx context.Context, key string, data []byte, contentType string) error {
	_, err := x.b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), contentType)
	return err
}

// thumbnailURL is the public address of a published receipt thumbnail.
func thumbnailURL(sha string) string { return "/api/v1/receipt-thumbnails/" + sha + ".jpg" }

// publishedThumbnails maps a ledger's published receipt digests to their
// thumbnail addresses (empty when thumbnails are not configured).
func (s *Server) publishedThumbnails(c *fiber.Ctx, ledger string) (map[string]string, error) {
	out := map[string]string{}
	if s.deps.Money.Thumbnails == nil {
		return out, nil
	}
	m, err := s.deps.Money.Thumbnails.Published(c.UserContext(), ledger)
	if err != nil {
		return nil, err
	}
	for sha := range m {
		out[sha] = thumbnailURL(sha)
	}
	return out, nil
}

// publishReceipt approves a receipt of an approved expense for the public
// as a thumbnail, from the receipt itself or from an uploaded redacted copy.
func (s *Server) publishReceipt(c *fiber.Ctx) error {
	var in struct {
		Redacted *donations.Receipt `json:"redacted"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	th, err := s.deps.Money.Thumbnails.Publish(c.UserContext(), donations.PublishInput{ExpenseID: strings.Clone(c.Params("id")),
		SHA256: strings.Clone(c.Params("sha")), Redacted: in.Redacted})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"thumbnail": th, "url": thumbnailURL(th.SHA256)})
}

func (s *Server) unpublishReceipt(c *fiber.Ctx) error {
	if err := s.deps.Money.Thumbnails.Unpublish(c.UserContext(), strings.Clone(c.Params("id")), strings.Clone(c.Params("sha"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) receiptThumbnail(c *fiber.Ctx) error {
	_, b, err := s.deps.Money.Thumbnails.Public(c.UserContext(), strings.Clone(c.Params("sha")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/jpeg")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}
