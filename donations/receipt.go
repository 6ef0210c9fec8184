package donations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/auth"
)

// A donation receipt (捐赠收据) is the donor's proof of one gift: a PDF with
// a serial number and a QR code to a public verification page. It is issued
// once per donation on the donor's first request; its content is fixed at
// issue and its SHA-256 recorded, so the PDF can be re-downloaded byte for
// byte and the verification page can tell a receipt that no longer matches
// its ledger entry. It is not the official 公益事业捐赠统一票据 that finance
// departments print; the PDF says so.

// ReceiptContent is everything a receipt states.
type ReceiptContent struct {
	Serial    string `bson:"serial" json:"serial"`
	DonorName string `bson:"donor_name" json:"donor_name"`
	// Anonymous is whether the donor gave anonymously in public: the
	// receipt still names them (it is theirs), the verification page not.
	Anonymous   bool   `bson:"anonymous" json:"anonymous"`
	AmountFen   int64  `bson:"amount_fen" json:"amount_fen"`
	AmountWords string `bson:"amount_words" json:"amount_words"`
	Ledger      string `bson:"ledger" json:"ledger"`
	// Designation is what the gift was for: a campaign title, the general
	// fund, and the need's title when the gift was designated to one.
	Designation string   `bson:"designation" json:"designation"`
	OrgNames    []string `bson:"org_names" json:"org_names"`
	Channel     string   `bson:"channel" json:"channel"`
	// GiftAt and IssuedAt are RFC 3339 in Asia/Shanghai.
	GiftAt    string `bson:"gift_at" json:"gift_at"`
	EntryID   string `bson:"entry_id" json:"entry_id"`
	EntryHash string `bson:"entry_hash" json:"entry_hash"`
	IssuedAt  string `bson:"issued_at" json:"issued_at"`
	VerifyURL string `bson:"verify_url" json:"verify_url"`
}

// Hash is the SHA-256 of the content's JSON encoding.
func (c *ReceiptContent) Hash() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain strings and numbers always encode
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// DonationReceipt is an issued receipt.
type DonationReceipt struct {
	Serial        string         `bson:"_id" json:"serial"`
	EntryID       string         `bson:"entry_id" json:"entry_id"`
	DonorID       string         `bson:"donor_id" json:"-"`
	Content       ReceiptContent `bson:"content" json:"content"`
	ContentSHA256 string         `bson:"content_sha256" json:"content_sha256"`
	IssuedAt      time.Time      `bson:"issued_at" json:"issued_at"`
}

// ReceiptStore keeps issued receipts: at most one per ledger entry.
type ReceiptStore interface {
	// CreateReceipt stores r; another receipt of the same entry is
	// ECONFLICT.
	CreateReceipt(ctx context.Context, r *DonationReceipt) error
	FindReceipt(ctx context.Context, serial string) (*DonationReceipt, error)
	FindReceiptByEntry(ctx context.Context, entryID string) (*DonationReceipt, error)
}

// Receipts issues and verifies donation receipts.
type Receipts struct {
	Money *Service
	Store ReceiptStore
	Users interface {
		FindUserByID(ctx context.Context, id string) (*accounts.User, error)
	}
	Orgs interface {
		FindOrgByID(ctx context.Context, id string) (*accounts.Organisation, error)
	}
	// PublicURL is the site's address for the QR code; when empty, the
	// address the request came in on is used.
	PublicURL string
	Now       func() time.Time
}

// Receipt serials: DR-<year>-<10 Crockford base-32 characters>.
var receiptSerialRE = regexp.MustCompile(`^DR-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{10}$`)

// ValidReceiptSerial reports whether s has the form of a receipt serial.
func ValidReceiptSerial(s string) bool { return receiptSerialRE.MatchString(s) }

func newReceiptSerial(now time.Time) string { return tongban.Serial("DR", now.In(shanghai).Year()) }

// ReceiptVerifyPath is the public web page that verifies a receipt.
func ReceiptVerifyPath(serial string) string { return "/receipts/" + serial }

// Channel names on receipts.
var channelZH = map[string]string{"online": "在线支付", "bank_transfer": "银行转账", "cash": "现金"}

func (r *Receipts) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Issue returns the receipt of a donation, issuing it on the first call
// (created true). Only the donor whose account the gift was recorded to may
// ask; for anyone else the donation does not exist. requestBase is the site
// address the request came in on (used when PublicURL is empty).
func (r *Receipts) Issue(ctx context.Context, entryID, requestBase string) (rec *DonationReceipt, created bool, err error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, false, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	notFound := tongban.Errorf(tongban.ENOTFOUND, "Donation not found.")
	if _, _, ok := ParseEntryID(entryID); !ok {
		return nil, false, notFound
	}
	e, err := r.Money.Ledger.FindEntryByID(ctx, entryID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, false, notFound
	} else if err != nil {
		return nil, false, err
	}
	if e.Kind != KindDonation || e.Links.DonorID == "" || e.Links.DonorID != me.UserID {
		return nil, false, notFound
	}
	if got, err := r.Store.FindReceiptByEntry(ctx, e.ID); err == nil {
		return got, false, nil
	} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
		return nil, false, err
	}
	content, err := r.content(ctx, e, requestBase)
	if err != nil {
		return nil, false, err
	}
	rec = &DonationReceipt{Serial: content.Serial, EntryID: e.ID, DonorID: me.UserID, Content: *content, ContentSHA256: content.Hash()}
	rec.IssuedAt, _ = time.Parse(time.RFC3339, content.IssuedAt)
	if err := r.Store.CreateReceipt(ctx, rec); tongban.ErrorCode(err) == tongban.ECONFLICT {
		// Two first requests raced: the stored one is the receipt.
		got, err := r.Store.FindReceiptByEntry(ctx, e.ID)
		return got, false, err
	} else if err != nil {
		return nil, false, err
	}
	return rec, true, nil
}

// content writes down what the receipt of donation e states.
func (r *Receipts) content(ctx context.Context, e *Entry, requestBase string) (*ReceiptContent, error) {
	u, err := r.Users.FindUserByID(ctx, e.Links.DonorID)
	if err != nil {
		return nil, err
	}
	now := r.now().Truncate(time.Second)
	serial := newReceiptSerial(now)
	base := strings.TrimRight(r.PublicURL, "/")
	if base == "" {
		base = strings.TrimRight(requestBase, "/")
	}
	amount := e.DebitFen()
	c := &ReceiptContent{Serial: serial, DonorName: strings.TrimSpace(u.DisplayName), Anonymous: e.Links.Anonymous,
		AmountFen: amount, AmountWords: AmountInWords(amount), Ledger: e.Ledger, Channel: e.Links.Channel,
		GiftAt: e.At.In(shanghai).Format(time.RFC3339), EntryID: e.ID, EntryHash: e.Hash,
		IssuedAt: now.In(shanghai).Format(time.RFC3339), VerifyURL: base + ReceiptVerifyPath(serial), OrgNames: []string{}}
	orgIDs, cp, err := r.Money.ledgerOrgs(ctx, e.Ledger)
	if err != nil {
		return nil, err
	}
	if cp != nil {
		c.Designation = cp.Title
	} else {
		c.Designation = "童伴通用基金（用于最需要的地方） General fund"
	}
	if len(e.Links.NeedIDs) == 1 {
		if n, err := r.Money.Needs.FindNeedByID(ctx, e.Links.NeedIDs[0]); err == nil {
			c.Designation += " · " + n.Title
		}
	}
	for _, id := range orgIDs {
		if o, err := r.Orgs.FindOrgByID(ctx, id); err == nil {
			c.OrgNames = append(c.OrgNames, o.Name)
		}
	}
	return c, nil
}

// PDF renders a receipt the caller may see: its donor's, or any for an
// administrator.
func (r *Receipts) PDF(ctx context.Context, serial string) (*DonationReceipt, []byte, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	notFound := tongban.Errorf(tongban.ENOTFOUND, "Receipt not found.")
	if !ValidReceiptSerial(serial) {
		return nil, nil, notFound
	}
	rec, err := r.Store.FindReceipt(ctx, serial)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	if rec.DonorID != me.UserID && !me.IsAdmin() {
		return nil, nil, notFound
	}
	b, err := RenderReceipt(&rec.Content, rec.ContentSHA256)
	if err != nil {
		return nil, nil, err
	}
	return rec, b, nil
}

// Receipt verification states.
const (
	ReceiptValid             = "valid"
	ReceiptPartiallyRefunded = "partially_refunded"
	ReceiptRefunded          = "refunded"
	// ReceiptMismatch: the receipt's content or its ledger entry changed
	// since issue. It should never happen; it means tampering.
	ReceiptMismatch = "mismatch"
)

// PublicReceipt is what anyone may see of a receipt: no donor identity
// beyond a masked name, and none at all for anonymous gifts.
type PublicReceipt struct {
	Serial        string   `json:"serial"`
	Donor         string   `json:"donor"`
	Anonymous     bool     `json:"anonymous"`
	AmountFen     int64    `json:"amount_fen"`
	RefundedFen   int64    `json:"refunded_fen"`
	Designation   string   `json:"designation"`
	OrgNames      []string `json:"org_names"`
	GiftAt        string   `json:"gift_at"`
	IssuedAt      string   `json:"issued_at"`
	EntryID       string   `json:"entry_id"`
	Status        string   `json:"status"`
	ContentSHA256 string   `json:"content_sha256"`
}

// Verify returns a receipt's public facts to anyone, with whether it still
// matches the ledger and how much of the gift was refunded since.
func (r *Receipts) Verify(ctx context.Context, serial string) (*PublicReceipt, error) {
	notFound := tongban.Errorf(tongban.ENOTFOUND, "Receipt not found.")
	if !ValidReceiptSerial(serial) {
		return nil, notFound
	}
	rec, err := r.Store.FindReceipt(ctx, serial)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	c := rec.Content
	p := &PublicReceipt{Serial: rec.Serial, Anonymous: c.Anonymous, AmountFen: c.AmountFen, Designation: c.Designation,
		OrgNames: c.OrgNames, GiftAt: c.GiftAt, IssuedAt: c.IssuedAt, EntryID: c.EntryID, ContentSHA256: rec.ContentSHA256, Status: ReceiptValid}
	if p.OrgNames == nil {
		p.OrgNames = []string{}
	}
	if c.Anonymous {
		p.Donor = "匿名爱心人士"
	} else {
		p.Donor = accounts.MaskName(c.DonorName)
	}
	e, err := r.Money.Ledger.FindEntryByID(ctx, c.EntryID)
	switch {
	case tongban.ErrorCode(err) == tongban.ENOTFOUND:
		p.Status = ReceiptMismatch
		return p, nil
	case err != nil:
		return nil, err
	}
	if c.Hash() != rec.ContentSHA256 || e.Hash != c.EntryHash || e.ComputeHash() != e.Hash || e.DebitFen() != c.AmountFen {
		p.Status = ReceiptMismatch
		return p, nil
	}
	es, err := r.Money.Ledger.FindEntriesByDonor(ctx, rec.DonorID)
	if err != nil {
		return nil, err
	}
	for _, x := range es {
		if x.Kind == KindRefund && x.Links.RefundOf == e.ID {
			p.RefundedFen += x.DebitFen()
		}
	}
	switch {
	case p.RefundedFen >= p.AmountFen:
		p.Status = ReceiptRefunded
	case p.RefundedFen > 0:
		p.Status = ReceiptPartiallyRefunded
	}
	return p, nil
}

// AmountInWords writes an amount of fen in the capital numerals of Chinese
// financial documents (人民币大写): 123456 fen → "壹仟贰佰叁拾肆元伍角陆分".
func AmountInWords(fen int64) string {
	if fen < 0 {
		return "负" + AmountInWords(-fen)
	}
	digits := []rune("零壹贰叁肆伍陆柒捌玖")
	yuan, jiao, f := fen/100, fen/10%10, fen%10
	var b strings.Builder
	if yuan > 0 {
		sections := []string{"", "万", "亿", "万亿"}
		var groups []int64
		for y := yuan; y > 0; y /= 10000 {
			groups = append(groups, y%10000)
		}
		pendingZero := false
		for i := len(groups) - 1; i >= 0; i-- {
			g := groups[i]
			if g == 0 {
				pendingZero = b.Len() > 0
				continue
			}
			if b.Len() > 0 && (pendingZero || g < 1000) {
				b.WriteRune(digits[0])
			}
			pendingZero = false
			// zero: a 0 digit follows a written digit of this group (zeros
			// at a group's start were written above, at its end are silent).
			zero, wrote := false, false
			for p, unit := range []string{"仟", "佰", "拾", ""} {
				d := g / []int64{1000, 100, 10, 1}[p] % 10
				if d == 0 {
					zero = zero || wrote
					continue
				}
				if zero {
					b.WriteRune(digits[0])
					zero = false
				}
				b.WriteRune(digits[d])
				b.WriteString(unit)
				wrote = true
			}
			b.WriteString(sections[i])
		}
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && f == 0:
		if yuan == 0 {
			b.WriteString("零元")
		}
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteRune(digits[0])
		}
		b.WriteRune(digits[f])
		b.WriteString("分")
	default:
		b.WriteRune(digits[jiao])
		b.WriteString("角")
		if f > 0 {
			b.WriteRune(digits[f])
			b.WriteString("分")
		} else {
			b.WriteString("整")
		}
	}
	return b.String()
}
