package api

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/blob"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/payment"
	"github.com/tongban/tongban/internal/privacy"
)

// Money is what the donation endpoints need.
type Money struct {
	Donations *donations.Service
	Orders    *mongodb.OrderStore
	Blob      *blob.Store
	// Verifier checks payment notifications; Sandbox, when set, serves the
	// local checkout page that emits them.
	Verifier *payment.WeChatVerifier
	Sandbox  *payment.Sandbox
	// MaxUpload is the largest receipt upload in bytes.
	MaxUpload int
	// Receipts issues and verifies donation receipts; nil disables them.
	Receipts *donations.Receipts
	// Thumbnails publishes expense receipts as public thumbnails; nil
	// disables them.
	Thumbnails *donations.Thumbnails
}

func (s *Server) donationRoutes(v1 fiber.Router) {
	if s.deps.Money == nil {
		return
	}
	v1.Get("/campaigns", s.listCampaigns)
	v1.Post("/campaigns", requireUser, s.createCampaign)
	v1.Get("/campaigns/:id", s.getCampaign)
	v1.Get("/campaigns/:id/report", s.campaignReport)
	s.receiptRoutes(v1)
	v1.Get("/campaigns/:id/ledger", s.campaignLedger)
	v1.Post("/donations/checkout", requireUser, s.checkout)
	v1.Post("/payments/wechatpay/notify", s.paymentNotify)
	v1.Post("/donations/offline", requireUser, s.offlineDonation)
	v1.Get("/donor/gifts", requireUser, s.myGifts)
	v1.Get("/donor/trace", requireUser, s.myTrace)
	v1.Post("/uploads", requireUser, s.upload)
	v1.Post("/allocations/preview", requireUser, s.previewAllocation)
	v1.Post("/allocations", requireUser, s.allocate)
	v1.Post("/expenses", requireUser, s.createExpense)
	v1.Get("/expenses", requireUser, s.listExpenses)
	v1.Post("/expenses/:id/approve", requireUser, s.approveExpense)
	v1.Post("/expenses/:id/reject", requireUser, s.rejectExpense)
	v1.Get("/expenses/:id/files/:n", requireUser, s.expenseFile)
	v1.Get("/donations/:id/slip", requireUser, s.donationSlip)
	v1.Get("/ledgers/:ledger/balances", requireUser, s.ledgerBalances)
	// Donor look-ups are exact matches, for finance staff only, and capped
	// per user so that they cannot be used to enumerate accounts.
	lookups := limiter.New(limiter.Config{
		Max: DonorLookupsPerMinute, Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return auth.UserFromContext(c.UserContext()).UserID },
		LimitReached: func(c *fiber.Ctx) error {
			return tongban.Errorf(tongban.ETOOMANY, "Too many donor look-ups. Wait a minute and try again.")
		},
	})
	v1.Get("/orgs/:id/donor-lookup", requireUser, lookups, s.donorLookup)
}

// DonorLookupsPerMinute caps each user's donor look-ups.
const DonorLookupsPerMinute = 30

// DonorMatch is an account found by a donor look-up: its ID and its
// display name masked, enough for finance staff to confirm the donor of an
// offline gift without seeing their personal data.
type DonorMatch struct {
	ID                string `json:"id"`
	DisplayNameMasked string `json:"display_name_masked"`
}

// donorLookup finds the account with exactly this e-mail address or mobile
// number, for finance staff of the organisation recording an offline gift.
// It never lists or matches prefixes; each look-up is written to the audit
// log.
func (s *Server) donorLookup(c *fiber.Ctx) error {
	me := auth.UserFromContext(c.UserContext())
	orgID := strings.Clone(c.Params("id"))
	if me.OrgRole(orgID) != accounts.OrgFinance {
		return tongban.Errorf(tongban.EFORBIDDEN, "Only finance staff of the organisation can look up donors.")
	}
	email, phone := strings.TrimSpace(c.Query("email")), strings.TrimSpace(c.Query("phone"))
	var field, raw string
	switch {
	case email != "" && phone != "":
		return &tongban.Error{Code: tongban.EINVALID, Message: "Give an e-mail address or a mobile number, not both.",
			Fields: []tongban.FieldError{{Field: "email", Reason: "must be given alone"}, {Field: "phone", Reason: "must be given alone"}}}
	case email != "":
		field, raw = "email", email
	case phone != "":
		field, raw = "phone", phone
	default:
		return &tongban.Error{Code: tongban.EINVALID, Message: "Give the donor's e-mail address or mobile number.",
			Fields: []tongban.FieldError{{Field: "email", Reason: "or phone is required"}}}
	}
	login, kind, ok := accounts.NormalizeLogin(raw)
	if !ok || kind != field || len(raw) > 254 {
		if field == "email" {
			return tongban.Invalid("email", "must be a whole e-mail address")
		}
		return tongban.Invalid("phone", "must be a whole mainland mobile number (11 digits)")
	}
	u, err := s.deps.Accounts.Users.FindUserByLogin(c.UserContext(), login)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		// Misses are audited too (without the value looked up), so that
		// attempts to probe for accounts show in the log.
		s.auditLookup(c, "donor.lookup_miss", me.UserID, "", orgID+":"+field)
		return &tongban.Error{Code: tongban.ENOTFOUND, Message: "No account has this " + map[string]string{"email": "e-mail address", "phone": "mobile number"}[field] + ".",
			Fields: []tongban.FieldError{{Field: field, Reason: "matches no account"}}}
	} else if err != nil {
		return err
	}
	s.auditLookup(c, "donor.lookup", me.UserID, u.ID, orgID+":"+field)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(DonorMatch{ID: u.ID, DisplayNameMasked: accounts.MaskName(u.DisplayName)})
}

// sandboxRoutes serve the local payment sandbox's checkout page.
func (s *Server) sandboxRoutes() {
	if s.deps.Money == nil || s.deps.Money.Sandbox == nil {
		return
	}
	s.App.Get("/sandbox/checkout/:order", s.sandboxPage)
	s.App.Post("/sandbox/checkout/:order/pay", s.sandboxPay)
}

func (s *Server) listCampaigns(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Money.Donations.ListCampaigns(c.UserContext(), donations.CampaignFilter{Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(items))
	for _, cp := range items {
		t, err := s.deps.Money.Donations.Totals(c.UserContext(), cp.ID)
		if err != nil {
			return err
		}
		out = append(out, fiber.Map{"campaign": cp, "totals": t})
	}
	return c.JSON(fiber.Map{"items": out, "next_cursor": next})
}

func (s *Server) createCampaign(c *fiber.Ctx) error {
	var in donations.CampaignInput
	if err := decode(c, &in); err != nil {
		return err
	}
	cp, err := s.deps.Money.Donations.CreateCampaign(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cp)
}

func (s *Server) getCampaign(c *fiber.Ctx) error {
	cp, err := s.deps.Money.Donations.FindCampaign(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	t, err := s.deps.Money.Donations.Totals(c.UserContext(), cp.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"campaign": cp, "totals": t})
}

func (s *Server) campaignReport(c *fiber.Ctx) error {
	r, err := s.deps.Money.Donations.Report(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func (s *Server) campaignLedger(c *fiber.Ctx) error {
	after := int64(0)
	if v := c.Query("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return tongban.Invalid("after", "must be a non-negative sequence number")
		}
		after = n
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	ledger := strings.Clone(c.Params("id"))
	entries, err := s.deps.Money.Donations.Entries(c.UserContext(), ledger, after, p.Limit)
	if err != nil {
		return err
	}
	thumbs, err := s.publishedThumbnails(c, ledger)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": entries, "thumbnails": thumbs})
}

// checkout opens an online gift: an order, and the provider's checkout URL
// (the local sandbox here).
func (s *Server) checkout(c *fiber.Ctx) error {
	var in struct {
		Ledger    string `json:"ledger"`
		NeedID    string `json:"need_id"`
		AmountFen int64  `json:"amount_fen"`
		Anonymous bool   `json:"anonymous"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	me := auth.UserFromContext(c.UserContext())
	var v tongban.Validation
	v.Check(in.Ledger != "", "ledger", "is required: a campaign ID or \"general\"")
	v.Check(in.AmountFen >= 100 && in.AmountFen <= 50_000_000, "amount_fen", "must be 1 to 500,000 yuan, in fen")
	if err := v.Err(); err != nil {
		return err
	}
	if in.Ledger != donations.GeneralFund {
		if _, err := s.deps.Money.Donations.FindCampaign(c.UserContext(), in.Ledger); err != nil {
			return err
		}
	}
	if s.deps.Money.Sandbox == nil {
		return tongban.Errorf(tongban.ECONFLICT, "Online giving is not configured on this server.")
	}
	o := &mongodb.PaymentOrder{ID: "TB" + tongban.NewID(), Ledger: in.Ledger, NeedID: in.NeedID, DonorID: me.UserID, Anonymous: in.Anonymous,
		AmountFen: in.AmountFen, Provider: "sandbox", CreatedAt: time.Now().UTC()}
	if err := s.deps.Money.Orders.CreateOrder(c.UserContext(), o); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"order_id": o.ID, "checkout_url": "/sandbox/checkout/" + o.ID})
}

// recordNotification verifies a provider notification and records the
// gift once; it is what the notify endpoint and the sandbox both call.
func (s *Server) recordNotification(ctx context.Context, h http.Header, body []byte) (string, error) {
	n, err := s.deps.Money.Verifier.Verify(h, body)
	if err != nil {
		return "", err
	}
	if !n.Succeeded {
		return "", nil
	}
	o, err := s.deps.Money.Orders.FindOrder(ctx, n.OrderID)
	if err != nil {
		return "", err
	}
	if o.AmountFen != n.AmountFen {
		return "", tongban.Errorf(tongban.ECONFLICT, "The paid amount differs from the order.")
	}
	e, _, err := s.deps.Money.Donations.RecordOnlineDonation(ctx, donations.OnlineDonation{Provider: o.Provider, ProviderRef: n.ProviderRef,
		Ledger: o.Ledger, NeedID: o.NeedID, DonorID: o.DonorID, Anonymous: o.Anonymous, AmountFen: n.AmountFen})
	if err != nil {
		return "", err
	}
	if err := s.deps.Money.Orders.MarkPaid(ctx, o.ID, e.ID); err != nil {
		return "", err
	}
	return e.ID, nil
}

// paymentNotify is the provider's notification endpoint (WeChat Pay API v3
// protocol). A bad signature is 401 and nothing is written; a repeated
// notification is recorded once.
func (s *Server) paymentNotify(c *fiber.Ctx) error {
	h := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	if _, err := s.recordNotification(c.UserContext(), h, bytes.Clone(c.Body())); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"code": "SUCCESS", "message": "成功"})
}

func (s *Server) sandboxPage(c *fiber.Ctx) error {
	o, err := s.deps.Money.Orders.FindOrder(c.UserContext(), strings.Clone(c.Params("order")))
	if err != nil {
		return err
	}
	page := `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>支付沙箱 Payment sandbox</title><style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
.amount{font-size:2.5rem;font-weight:700;margin:1rem 0}button{background:#0b5d6b;color:#fff;border:0;border-radius:6px;padding:.8rem 1.6rem;font-size:1.1rem}
.note{color:#4b5563;font-size:.9rem}</style></head><body><h1>支付沙箱 · Payment sandbox</h1>
<p class="note">本页模拟微信支付，不会扣款。This page stands in for WeChat Pay; no money moves.</p>
<p>订单 Order <code>` + html.EscapeString(o.ID) + `</code></p><p class="amount">¥` + yuan(o.AmountFen) + `</p>`
	if o.DonationID != "" {
		page += `<p>已支付 Paid. <a href="/donor">返回 Back</a></p>`
	} else {
		page += `<form method="post" action="/sandbox/checkout/` + html.EscapeString(o.ID) + `/pay"><button type="submit" id="pay">确认支付 Pay</button></form>`
	}
	page += `</body></html>`
	return c.Type("html").SendString(page)
}

// sandboxPay "pays" the order: the sandbox builds the provider's signed,
// encrypted notification and delivers it to the notify handler — twice, as
// providers do, to show it is recorded once.
func (s *Server) sandboxPay(c *fiber.Ctx) error {
	o, err := s.deps.Money.Orders.FindOrder(c.UserContext(), strings.Clone(c.Params("order")))
	if err != nil {
		return err
	}
	if o.DonationID != "" {
		// Already paid: paying twice must not give twice.
		return c.Redirect("/donor?paid="+o.DonationID, fiber.StatusSeeOther)
	}
	h, body, err := s.deps.Money.Sandbox.Notification(o.ID, payment.NewTransactionID(), o.AmountFen)
	if err != nil {
		return err
	}
	var id string
	for range 2 {
		if id, err = s.recordNotification(c.UserContext(), h, body); err != nil {
			return err
		}
	}
	return c.Redirect("/donor?paid="+id, fiber.StatusSeeOther)
}

func (s *Server) offlineDonation(c *fiber.Ctx) error {
	var in struct {
		Ledger    string            `json:"ledger"`
		NeedID    string            `json:"need_id"`
		DonorID   string            `json:"donor_id"`
		Anonymous bool              `json:"anonymous"`
		AmountFen int64             `json:"amount_fen"`
		Channel   string            `json:"channel"`
		Slip      donations.Receipt `json:"slip"`
		Note      string            `json:"note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	e, created, err := s.deps.Money.Donations.RecordOfflineDonation(c.UserContext(), donations.OfflineDonation{Ledger: in.Ledger, NeedID: in.NeedID,
		DonorID: in.DonorID, Anonymous: in.Anonymous, AmountFen: in.AmountFen, Channel: in.Channel, Slip: in.Slip, Note: in.Note,
		IdempotencyKey: idemKey(c)})
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if !created {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(e)
}

// idemKey scopes the Idempotency-Key header to the caller.
func idemKey(c *fiber.Ctx) string {
	k := strings.TrimSpace(c.Get("Idempotency-Key"))
	if k == "" {
		return ""
	}
	return auth.UserFromContext(c.UserContext()).UserID + ":" + k
}

func (s *Server) myGifts(c *fiber.Ctx) error {
	gifts, err := s.deps.Money.Donations.MyGifts(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": gifts})
}

func (s *Server) myTrace(c *fiber.Ctx) error {
	tr, err := s.deps.Money.Donations.TraceDonor(c.UserContext(), auth.UserFromContext(c.UserContext()).UserID)
	if err != nil {
		return err
	}
	// The published thumbnails of the receipts the gifts paid for.
	thumbs := map[string]string{}
	seen := map[string]bool{}
	for _, g := range tr.Gifts {
		if seen[g.Ledger] {
			continue
		}
		seen[g.Ledger] = true
		m, err := s.publishedThumbnails(c, g.Ledger)
		if err != nil {
			return err
		}
		for k, v := range m {
			thumbs[k] = v
		}
	}
	return c.JSON(struct {
		*donations.DonorTrace
		Thumbnails map[string]string `json:"thumbnails"`
	}{tr, thumbs})
}

// upload stores a receipt, bank slip or photo: type checked by content (PDF,
// JPEG, PNG), size limited, image metadata (EXIF/GPS, XMP) stripped, SHA-256
// returned for the ledger.
func (s *Server) upload(c *fiber.Ctx) error {
	me := auth.UserFromContext(c.UserContext())
	if len(me.Orgs) == 0 && !me.HasRole("donor") {
		return tongban.Errorf(tongban.EFORBIDDEN, "Only staff and donors upload receipts.")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return tongban.Invalid("file", "is required as a multipart form file")
	}
	if fh.Size > int64(s.deps.Money.MaxUpload) {
		return &tongban.Error{Code: tongban.ETOOLARGE, Message: fmt.Sprintf("The file is larger than %d MiB.", s.deps.Money.MaxUpload>>20), Fields: []tongban.FieldError{{Field: "file", Reason: "is too large"}}}
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(s.deps.Money.MaxUpload)+1))
	if err != nil {
		return err
	}
	ct := privacy.DetectContentType(data)
	switch ct {
	case privacy.ContentTypeJPEG, privacy.ContentTypePNG:
		if data, ct, err = privacy.StripImageMetadata(data); err != nil {
			return err
		}
	case privacy.ContentTypePDF:
	default:
		return &tongban.Error{Code: tongban.EUNSUPPORTED, Message: "Upload a PDF, JPEG or PNG file.", Fields: []tongban.FieldError{{Field: "file", Reason: "must be a PDF, JPEG or PNG (checked by content)"}}}
	}
	key := donations.UploadPrefix(me.UserID) + tongban.NewID()
	info, err := s.deps.Money.Blob.Put(c.UserContext(), key, bytes.NewReader(data), int64(len(data)), ct)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"blob_key": info.Key, "sha256": info.SHA256, "content_type": info.ContentType, "size": info.Size})
}

func (s *Server) previewAllocation(c *fiber.Ctx) error {
	var in donations.PreviewInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Money.Donations.PreviewAllocation(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) allocate(c *fiber.Ctx) error {
	var in donations.AllocationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	in.IdempotencyKey = idemKey(c)
	e, err := s.deps.Money.Donations.Allocate(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (s *Server) createExpense(c *fiber.Ctx) error {
	var in donations.ExpenseInput
	if err := decode(c, &in); err != nil {
		return err
	}
	ex, err := s.deps.Money.Donations.CreateExpense(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ex)
}

func (s *Server) listExpenses(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f := donations.ExpenseFilter{Ledger: c.Query("ledger"), NeedID: c.Query("need_id"), Cursor: p.Cursor, Limit: p.Limit}
	if st := c.Query("status"); st != "" {
		f.Status = strings.Split(st, ",")
	}
	items, next, err := s.deps.Money.Donations.ListExpenses(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

func (s *Server) approveExpense(c *fiber.Ctx) error {
	ex, e, err := s.deps.Money.Donations.ApproveExpense(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"expense": ex, "entry": e})
}

func (s *Server) rejectExpense(c *fiber.Ctx) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	ex, err := s.deps.Money.Donations.RejectExpense(c.UserContext(), strings.Clone(c.Params("id")), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(ex)
}

// NotifyPath is the payment provider's notification endpoint; it is exempt
// from CSRF checks because the provider's signature authenticates it.
const NotifyPath = "/api/v1/payments/wechatpay/notify"

// ledgerBalances are a ledger's balances per need, for finance staff
// deciding what to allocate and spend.
func (s *Server) ledgerBalances(c *fiber.Ctx) error {
	b, err := s.deps.Money.Donations.Balances(c.UserContext(), strings.Clone(c.Params("ledger")))
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// expenseFile serves a receipt file of an expense to staff of its
// organisations, after checking the stored bytes are the ones whose hash
// the expense recorded.
func (s *Server) expenseFile(c *fiber.Ctx) error {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 0 {
		return tongban.Invalid("n", "must be the receipt's index, from 0")
	}
	r, err := s.deps.Money.Donations.ExpenseFile(c.UserContext(), strings.Clone(c.Params("id")), n)
	if err != nil {
		return err
	}
	return s.sendStoredFile(c, *r, "The stored file does not match the receipt's SHA-256.", "receipt-"+strconv.Itoa(n+1))
}

// sendStoredFile sends the file a ledger entry or expense recorded, inline
// and never cached, after checking the stored bytes are the ones whose hash
// was recorded (mismatch is ENOTFOUND with that message).
func (s *Server) sendStoredFile(c *fiber.Ctx, r donations.Receipt, mismatch, name string) error {
	rc, info, err := s.deps.Money.Blob.Get(c.UserContext(), r.BlobKey)
	if err != nil {
		return err
	}
	if info.SHA256 != r.SHA256 {
		rc.Close()
		return tongban.Errorf(tongban.ENOTFOUND, "%s", mismatch)
	}
	data, err := io.ReadAll(io.LimitReader(rc, int64(s.deps.Money.MaxUpload)+1))
	rc.Close()
	if err != nil {
		return err
	}
	ext := map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[info.ContentType]
	c.Set(fiber.HeaderContentType, info.ContentType)
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+name+ext+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(data)
}

// auditLookup appends a donor look-up to the audit log; a failure is
// logged, not returned: the look-up itself has happened.
func (s *Server) auditLookup(c *fiber.Ctx, kind, actor, subject, detail string) {
	a := s.deps.Accounts.Audit
	if a == nil {
		return
	}
	ev := &accounts.AuditEvent{ID: tongban.NewID(), At: time.Now().UTC(), Kind: kind, ActorID: actor, Subject: subject, IP: clientIP(c), Detail: detail}
	if err := a.AppendAudit(c.UserContext(), ev); err != nil {
		s.logger.Error("audit append failed", "kind", kind, "err", err)
	}
}

// donationSlip serves the scanned bank slip or cash receipt of an offline
// gift to finance staff of its ledger's organisations, after checking the
// stored bytes are the ones whose hash the ledger entry recorded. Anyone
// else signed in is refused (403); the ledger itself is public, so the
// gift's existence is no secret, but the slip is.
func (s *Server) donationSlip(c *fiber.Ctx) error {
	me := auth.UserFromContext(c.UserContext())
	id := strings.Clone(c.Params("id"))
	ledger, _, ok := donations.ParseEntryID(id)
	if !ok {
		return tongban.Invalid("id", "must be a donation ID (ledger-seq)")
	}
	orgs := s.deps.Money.Donations.GeneralFundOrgs
	if ledger != donations.GeneralFund {
		cp, err := s.deps.Money.Donations.FindCampaign(c.UserContext(), ledger)
		if err != nil {
			return err
		}
		orgs = cp.OrgIDs
	}
	finance := false
	for _, o := range orgs {
		finance = finance || (o != "" && me.OrgRole(o) == accounts.OrgFinance)
	}
	if !finance {
		return tongban.Errorf(tongban.EFORBIDDEN, "Only finance staff of the organisation can see bank slips.")
	}
	e, err := s.deps.Money.Donations.FindDonation(c.UserContext(), id)
	if err != nil {
		return err
	}
	if len(e.Links.Receipts) == 0 || e.Links.Receipts[0].BlobKey == "" {
		return tongban.Errorf(tongban.ENOTFOUND, "This gift has no slip: it was not recorded offline.")
	}
	return s.sendStoredFile(c, e.Links.Receipts[0], "The stored file does not match the slip's SHA-256.", "slip-"+strconv.FormatInt(e.Seq, 10))
}
