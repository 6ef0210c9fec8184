package donations

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/matching"
)

// NeedFinder reads needs; matching.NeedStore satisfies it.
type NeedFinder interface {
	FindNeedByID(ctx context.Context, id string) (*matching.Need, error)
	FindNeeds(ctx context.Context, f matching.NeedFilter) ([]*matching.Need, string, error)
}

// NeedProgress hears, after each new ledger entry that touches a need, how
// much the entry changed the need's raised and spent fen (raised may go
// down when a refund takes money back from a need). Implementations apply
// it to Need.Progress in one single-document atomic update. It is called
// once per new entry, never for a repeated request; if it fails the entry
// stands, the failure is logged, and Service.NeedTotals gives the exact
// figures to repair from.
type NeedProgress interface {
	AddNeedProgress(ctx context.Context, needID string, raisedFen, spentFen int64) error
}

// Service implements the money rules over the stores, with the caller's
// identity from the context. Money actions need the finance role
// (accounts.OrgFinance) in an organisation of the ledger: a campaign's
// organisations, or GeneralFundOrgs for the general fund. Spending from a
// need's allocation is also open to finance staff of the need's
// organisation. Administrators alone may not move money.
//
// A Service caches each ledger's state (see Book): keep one per process.
type Service struct {
	Ledger    LedgerStore
	Campaigns CampaignStore
	Expenses  ExpenseStore
	Needs     NeedFinder
	// Progress, when set, hears each change to a need's money.
	Progress NeedProgress
	// Screen is the PII screen for texts that can become public: nil, or
	// EUNPROCESSABLE naming each finding.
	Screen func(fields map[string]string) error
	// GeneralFundOrgs are the organisations whose finance staff run the
	// general fund.
	GeneralFundOrgs []string
	// MaxAttempts bounds the insert attempts per entry (see Book).
	MaxAttempts int
	Now         func() time.Time
	Logger      *slog.Logger

	bookOnce sync.Once
	book     *Book
	// open remembers campaigns seen open for gifts (active or closed): a
	// campaign never returns to draft, so this never goes stale.
	open sync.Map
}

// Book returns the service's ledger writer.
func (s *Service) Book() *Book {
	s.bookOnce.Do(func() { s.book = &Book{Store: s.Ledger, MaxAttempts: s.MaxAttempts} })
	return s.book
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func caller(ctx context.Context) (*auth.Identity, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	return me, nil
}

func (s *Service) screen(fields map[string]string) error {
	if s.Screen == nil {
		return nil
	}
	for k, v := range fields {
		if v == "" {
			delete(fields, k)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return s.Screen(fields)
}

// isFinance reports whether the caller has the finance role in one of orgs.
func isFinance(me *auth.Identity, orgs ...string) bool {
	for _, o := range orgs {
		if o != "" && me.OrgRole(o) == accounts.OrgFinance {
			return true
		}
	}
	return false
}

// isStaff reports whether the caller is a member of one of orgs.
func isStaff(me *auth.Identity, orgs ...string) bool {
	for _, o := range orgs {
		if o != "" && me.OrgRole(o) != "" {
			return true
		}
	}
	return false
}

// ledgerOrgs returns the organisations that run a ledger, and its campaign
// (nil for the general fund). An unknown campaign is ENOTFOUND.
func (s *Service) ledgerOrgs(ctx context.Context, ledger string) ([]string, *Campaign, error) {
	if ledger == GeneralFund {
		return s.GeneralFundOrgs, nil, nil
	}
	if !ValidLedger(ledger) {
		return nil, nil, tongban.Errorf(tongban.ENOTFOUND, "Campaign not found.")
	}
	c, err := s.Campaigns.FindCampaignByID(ctx, ledger)
	if err != nil {
		return nil, nil, err
	}
	return c.OrgIDs, c, nil
}

// eligibleNeed returns the need a ledger may move money to: it exists, is
// linked to the campaign (campaign ledgers), and is public when
// mustBePublic. Problems are EINVALID on field.
func (s *Service) eligibleNeed(ctx context.Context, c *Campaign, needID, field string, mustBePublic bool) (*matching.Need, error) {
	if !validID(needID) {
		return nil, tongban.Invalid(field, "must be a need ID")
	}
	n, err := s.Needs.FindNeedByID(ctx, needID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, tongban.Invalid(field, "is not a need")
	} else if err != nil {
		return nil, err
	}
	if c != nil && !slices.Contains(c.NeedIDs, needID) {
		return nil, tongban.Invalid(field, "is not a need of this campaign")
	}
	if mustBePublic && !n.IsPublic() {
		return nil, tongban.Invalid(field, "is not a published need")
	}
	return n, nil
}

// progress tells Progress how a new entry changed its needs.
func (s *Service) progress(ctx context.Context, e *Entry) {
	if s.Progress == nil {
		return
	}
	for need, d := range needDeltas(e) {
		if err := s.Progress.AddNeedProgress(ctx, need, d.RaisedFen, d.SpentFen); err != nil && s.Logger != nil {
			s.Logger.Error("need progress update failed; repair from NeedTotals", "need", need, "entry", e.ID, "err", err)
		}
	}
}

func forbidden(what string) error {
	return tongban.Errorf(tongban.EFORBIDDEN, "Only finance staff of the organisation can %s.", what)
}

// --- Campaigns ---

// CreateCampaign creates a campaign (status draft unless active is asked
// for). Administrators may create one for any organisations; others must
// be coordinator or finance staff of every organisation named. Linked
// needs must belong to those organisations. Title and summary pass the PII
// screen (EUNPROCESSABLE).
func (s *Service) CreateCampaign(ctx context.Context, in CampaignInput) (*Campaign, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &Campaign{ID: tongban.NewID(), Status: CampaignDraft, OrgIDs: []string{}, NeedIDs: []string{},
		CreatedBy: me.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
	in.apply(c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Status == CampaignClosed {
		return nil, tongban.Invalid("status", "must be draft or active for a new campaign")
	}
	if err := s.checkCampaign(ctx, me, c); err != nil {
		return nil, err
	}
	if err := s.Campaigns.CreateCampaign(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkCampaign checks the caller may run c's organisations, its needs and
// its public texts.
func (s *Service) checkCampaign(ctx context.Context, me *auth.Identity, c *Campaign) error {
	if !me.IsAdmin() {
		for _, o := range c.OrgIDs {
			if r := me.OrgRole(o); r != accounts.OrgCoordinator && r != accounts.OrgFinance {
				return tongban.Errorf(tongban.EFORBIDDEN, "Only coordinators or finance staff of every organisation of a campaign can run it.")
			}
		}
	}
	for i, id := range c.NeedIDs {
		n, err := s.eligibleNeed(ctx, nil, id, fmt.Sprintf("need_ids[%d]", i), false)
		if err != nil {
			return err
		}
		if !slices.Contains(c.OrgIDs, n.OrgID) {
			return tongban.Invalid(fmt.Sprintf("need_ids[%d]", i), "belongs to an organisation not in the campaign")
		}
	}
	return s.screen(map[string]string{"title": c.Title, "summary": c.Summary})
}

// UpdateCampaign changes a campaign if version is current (EPRECONDITION
// otherwise). Status moves draft → active → closed only.
func (s *Service) UpdateCampaign(ctx context.Context, id string, version int64, in CampaignInput) (*Campaign, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	old, err := s.Campaigns.FindCampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !me.IsAdmin() && !isStaff(me, old.OrgIDs...) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "Campaign not found.")
	}
	c := *old
	in.apply(&c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !slices.Contains(campaignMoves[old.Status], c.Status) {
		return nil, tongban.Errorf(tongban.ECONFLICT, "A %s campaign cannot become %s.", old.Status, c.Status)
	}
	if err := s.checkCampaign(ctx, me, &c); err != nil {
		return nil, err
	}
	c.UpdatedAt = s.now()
	return s.Campaigns.ReplaceCampaign(ctx, &c, version)
}

// FindCampaign returns a campaign: to anyone once active or closed, and a
// draft only to its organisations' staff and administrators (ENOTFOUND for
// others).
func (s *Service) FindCampaign(ctx context.Context, id string) (*Campaign, error) {
	c, err := s.Campaigns.FindCampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.IsPublic() {
		me := auth.UserFromContext(ctx)
		if me == nil || (!me.IsAdmin() && !isStaff(me, c.OrgIDs...)) {
			return nil, tongban.Errorf(tongban.ENOTFOUND, "Campaign not found.")
		}
	}
	return c, nil
}

// ListCampaigns returns a page of campaigns. Drafts are listed only to
// administrators and to staff filtering by their own organisations.
func (s *Service) ListCampaigns(ctx context.Context, f CampaignFilter) ([]*Campaign, string, error) {
	me := auth.UserFromContext(ctx)
	own := me.IsAdmin() || (len(f.OrgIDs) > 0 && !slices.ContainsFunc(f.OrgIDs, func(o string) bool { return me.OrgRole(o) == "" }))
	if !own {
		public := []string{CampaignActive, CampaignClosed}
		if len(f.Status) == 0 {
			f.Status = public
		} else {
			f.Status = slices.DeleteFunc(slices.Clone(f.Status), func(st string) bool { return !slices.Contains(public, st) })
			if len(f.Status) == 0 {
				return []*Campaign{}, "", nil
			}
		}
	}
	return s.Campaigns.FindCampaigns(ctx, f)
}

// --- Gifts ---

// Donation channels.
const (
	ChannelOnline       = "online"
	ChannelBankTransfer = "bank_transfer"
	ChannelCash         = "cash"
)

var (
	providerRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,19}$`)
	refRE      = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,100}$`)
)

// OnlineDonation is a payment the provider confirmed.
type OnlineDonation struct {
	// Provider names the payment provider ("wechatpay", "sandbox").
	Provider string
	// ProviderRef is the provider's transaction ID: the gift is recorded
	// once per provider and reference.
	ProviderRef string
	// IdempotencyKey defaults to the provider and reference.
	IdempotencyKey string
	// Ledger is a campaign ID or GeneralFund; NeedID optionally designates
	// the gift to a need (of the campaign, for a campaign).
	Ledger string
	NeedID string
	// DonorID is the giver's user ID, or empty when not logged in.
	DonorID   string
	Anonymous bool
	AmountFen int64
}

// RecordOnlineDonation records a gift paid through a payment provider. It
// is called by the payment notification handler after it has verified the
// provider's signature, so it takes no caller identity. A repeated
// notification (same provider reference or idempotency key) returns the
// existing entry with created false; the same reference with a different
// amount is ECONFLICT.
func (s *Service) RecordOnlineDonation(ctx context.Context, in OnlineDonation) (e *Entry, created bool, err error) {
	var v tongban.Validation
	v.Check(providerRE.MatchString(in.Provider), "provider", "must be a provider name")
	v.Check(refRE.MatchString(in.ProviderRef), "provider_ref", "must be the provider's transaction ID")
	v.Check(utf8.RuneCountInString(in.IdempotencyKey) <= 200, "idempotency_key", "must be at most 200 characters")
	v.Check(in.DonorID == "" || validID(in.DonorID), "donor_id", "must be a user ID")
	v.Check(in.AmountFen >= 1 && in.AmountFen <= MaxFen, "amount_fen", "must be 1 fen to 1,000,000,000 yuan")
	v.Check(ValidLedger(in.Ledger), "ledger", "must be a campaign ID or general")
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	if _, ok := s.open.Load(in.Ledger); !ok || in.NeedID != "" {
		_, c, err := s.ledgerOrgs(ctx, in.Ledger)
		if err != nil {
			return nil, false, err
		}
		if c != nil && c.Status == CampaignDraft {
			return nil, false, tongban.Errorf(tongban.ECONFLICT, "The campaign is not open for gifts.")
		}
		s.open.Store(in.Ledger, true)
		if err := s.checkDesignation(ctx, c, in.NeedID); err != nil {
			return nil, false, err
		}
	}
	ref := "pay:" + in.Provider + ":" + in.ProviderRef
	key := in.IdempotencyKey
	if key == "" {
		key = ref
	}
	links := Links{DonorID: in.DonorID, Anonymous: in.Anonymous, Channel: ChannelOnline, Provider: in.Provider, ProviderRef: in.ProviderRef}
	return s.recordGift(ctx, in.Ledger, in.NeedID, in.AmountFen, key, ref, "provider:"+in.Provider, "在线捐赠", links)
}

// checkDesignation checks an online gift's need, if any. The money was
// paid: it is recorded for the need even if the need was closed
// meanwhile; staff may refund it.
func (s *Service) checkDesignation(ctx context.Context, c *Campaign, needID string) error {
	if needID == "" {
		return nil
	}
	_, err := s.eligibleNeed(ctx, c, needID, "need_id", false)
	return err
}

// recordGift posts a donation entry.
func (s *Service) recordGift(ctx context.Context, ledger, needID string, fen int64, key, ref, by, why string, links Links) (*Entry, bool, error) {
	dst := PoolAccount(ledger)
	if needID != "" {
		dst = NeedAccount(needID)
		links.NeedIDs = []string{needID}
	}
	at := s.now()
	e, created, err := s.Book().Post(ctx, ledger, key, ref, func(*Chain) (Draft, error) {
		return Draft{Kind: KindDonation, At: at, By: by, Why: why, Links: links, Postings: []Posting{
			{Account: dst, DebitFen: fen},
			{Account: DonorAccount(links.DonorID), CreditFen: fen},
		}}, nil
	})
	if err != nil {
		return nil, false, err
	}
	if !created {
		if e.DebitFen() != fen || e.Links.DonorID != links.DonorID {
			return nil, false, tongban.Errorf(tongban.ECONFLICT, "This payment reference or idempotency key was already recorded with a different amount or donor.")
		}
		return e, false, nil
	}
	s.progress(ctx, e)
	return e, true, nil
}

// OfflineDonation is a bank transfer or cash gift recorded by finance
// staff with the scanned bank slip or cash receipt.
type OfflineDonation struct {
	Ledger    string
	NeedID    string
	DonorID   string
	Anonymous bool
	AmountFen int64
	// Channel is bank_transfer or cash.
	Channel string
	// Slip is the scanned bank slip (kind bank_slip) or cash receipt (kind
	// cash_receipt); a slip is recorded once (ECONFLICT-free repeat returns
	// the existing entry).
	Slip Receipt
	// Note says what the gift is; it is public and passes the PII screen.
	Note           string
	IdempotencyKey string
}

// RecordOfflineDonation records a bank transfer or cash gift. The caller
// must be finance staff of the ledger's organisations (or, for a gift
// designated to a need, of the need's organisation). The same slip or
// idempotency key again returns the existing entry with created false.
func (s *Service) RecordOfflineDonation(ctx context.Context, in OfflineDonation) (e *Entry, created bool, err error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, false, err
	}
	var v tongban.Validation
	v.Check(ValidLedger(in.Ledger), "ledger", "must be a campaign ID or general")
	v.Check(in.DonorID == "" || validID(in.DonorID), "donor_id", "must be a user ID")
	v.Check(in.AmountFen >= 1 && in.AmountFen <= MaxFen, "amount_fen", "must be 1 fen to 1,000,000,000 yuan")
	v.Check(in.Channel == ChannelBankTransfer || in.Channel == ChannelCash, "channel", "must be bank_transfer or cash")
	validReceipts(&v, "slip", []Receipt{in.Slip}, []string{ReceiptBankSlip, ReceiptCash}, 1)
	v.Check(utf8.RuneCountInString(in.Note) <= 200, "note", "must be at most 200 characters")
	v.Check(utf8.RuneCountInString(in.IdempotencyKey) <= 200, "idempotency_key", "must be at most 200 characters")
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	orgs, c, err := s.ledgerOrgs(ctx, in.Ledger)
	if err != nil {
		return nil, false, err
	}
	needOrg := ""
	if in.NeedID != "" {
		n, err := s.eligibleNeed(ctx, c, in.NeedID, "need_id", true)
		if err != nil {
			return nil, false, err
		}
		needOrg = n.OrgID
	}
	if !isFinance(me, orgs...) && !isFinance(me, needOrg) {
		return nil, false, forbidden("record offline gifts")
	}
	if c != nil && c.Status == CampaignDraft {
		return nil, false, tongban.Errorf(tongban.ECONFLICT, "The campaign is not open for gifts.")
	}
	if err := s.screen(map[string]string{"note": in.Note}); err != nil {
		return nil, false, err
	}
	ref := "slip:" + in.Slip.SHA256
	key := in.IdempotencyKey
	if key == "" {
		key = ref
	}
	why := strings.TrimSpace(in.Note)
	if why == "" {
		why = "offline gift (" + strings.ReplaceAll(in.Channel, "_", " ") + ")"
	}
	links := Links{DonorID: in.DonorID, Anonymous: in.Anonymous, Channel: in.Channel, Receipts: []Receipt{in.Slip}}
	return s.recordGift(ctx, in.Ledger, in.NeedID, in.AmountFen, key, ref, me.UserID, why, links)
}

// FindDonation returns a donation entry to its donor, to finance staff of
// its ledger and to administrators; ENOTFOUND for anyone else.
func (s *Service) FindDonation(ctx context.Context, id string) (*Entry, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	notFound := tongban.Errorf(tongban.ENOTFOUND, "Donation not found.")
	if _, _, ok := ParseEntryID(id); !ok {
		return nil, notFound
	}
	e, err := s.Ledger.FindEntryByID(ctx, id)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND || (err == nil && e.Kind != KindDonation) {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if me.IsAdmin() || (e.Links.DonorID != "" && e.Links.DonorID == me.UserID) {
		return e, nil
	}
	orgs, _, err := s.ledgerOrgs(ctx, e.Ledger)
	if err != nil {
		return nil, err
	}
	if !isFinance(me, orgs...) {
		return nil, notFound
	}
	return e, nil
}

// Gift is one of a donor's gifts as listed on their page.
type Gift struct {
	DonationID  string    `json:"donation_id"`
	Ledger      string    `json:"ledger"`
	NeedID      string    `json:"need_id,omitempty"`
	Channel     string    `json:"channel"`
	Anonymous   bool      `json:"anonymous"`
	AmountFen   int64     `json:"amount_fen"`
	RefundedFen int64     `json:"refunded_fen"`
	At          time.Time `json:"at"`
}

// MyGifts lists the caller's own gifts, newest first.
func (s *Service) MyGifts(ctx context.Context) ([]*Gift, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	es, err := s.Ledger.FindEntriesByDonor(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	gifts := map[string]*Gift{}
	out := []*Gift{}
	for _, e := range es {
		if e.Kind == KindDonation {
			g := &Gift{DonationID: e.ID, Ledger: e.Ledger, Channel: e.Links.Channel, Anonymous: e.Links.Anonymous, AmountFen: e.DebitFen(), At: e.At}
			if len(e.Links.NeedIDs) == 1 {
				g.NeedID = e.Links.NeedIDs[0]
			}
			gifts[e.ID] = g
			out = append(out, g)
		}
	}
	for _, e := range es {
		if g, ok := gifts[e.Links.RefundOf]; ok && e.Kind == KindRefund {
			g.RefundedFen += e.DebitFen()
		}
	}
	slices.SortFunc(out, func(a, b *Gift) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(b.DonationID, a.DonationID)
	})
	return out, nil
}

// --- Allocations ---

// AllocationInput moves money from a ledger's pool to needs.
type AllocationInput struct {
	Ledger string  `json:"ledger"`
	Splits []Split `json:"splits"`
	// Why is public and passes the PII screen.
	Why string `json:"why"`
	// Policy names the policy that proposed the splits, if any.
	Policy string `json:"policy"`
	// IdempotencyKey makes a repeated request return the first entry; a
	// new key is generated when empty.
	IdempotencyKey string `json:"-"`
}

// Allocate moves money from the ledger's pool to needs in one entry. The
// caller must be finance staff of the ledger's organisations; every need
// must be published (and linked, for a campaign). More than the pool holds
// is ECONFLICT (Details *InsufficientFunds), and nothing is written.
func (s *Service) Allocate(ctx context.Context, in AllocationInput) (*Entry, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v tongban.Validation
	v.Check(ValidLedger(in.Ledger), "ledger", "must be a campaign ID or general")
	v.Check(len(in.Splits) >= 1 && len(in.Splits) <= 200, "splits", "must list 1 to 200 needs")
	var total int64
	seen := map[string]bool{}
	for i, sp := range in.Splits {
		f := fmt.Sprintf("splits[%d]", i)
		v.Check(sp.AmountFen >= 1 && sp.AmountFen <= MaxFen, f+".amount_fen", "must be 1 fen to 1,000,000,000 yuan")
		v.Check(!seen[sp.NeedID], f+".need_id", "is listed twice")
		seen[sp.NeedID] = true
		total += min(max(sp.AmountFen, 0), MaxFen)
	}
	v.Check(total <= MaxFen, "splits", "must add up to at most 1,000,000,000 yuan")
	v.Check(utf8.RuneCountInString(in.Why) <= 500, "why", "must be at most 500 characters")
	v.Check(in.Policy == "" || in.Policy == PolicyGapUrgency, "policy", "must be empty or "+PolicyGapUrgency)
	v.Check(utf8.RuneCountInString(in.IdempotencyKey) <= 200, "idempotency_key", "must be at most 200 characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	orgs, c, err := s.ledgerOrgs(ctx, in.Ledger)
	if err != nil {
		return nil, err
	}
	if !isFinance(me, orgs...) {
		return nil, forbidden("allocate this money")
	}
	for i, sp := range in.Splits {
		if _, err := s.eligibleNeed(ctx, c, sp.NeedID, fmt.Sprintf("splits[%d].need_id", i), true); err != nil {
			return nil, err
		}
	}
	if err := s.screen(map[string]string{"why": in.Why}); err != nil {
		return nil, err
	}
	key := in.IdempotencyKey
	if key == "" {
		key = "allocation:" + tongban.NewID()
	}
	why := strings.TrimSpace(in.Why)
	if why == "" {
		why = "allocation"
	}
	postings := []Posting{{Account: PoolAccount(in.Ledger), CreditFen: total}}
	links := Links{Policy: in.Policy}
	for _, sp := range in.Splits {
		postings = append(postings, Posting{Account: NeedAccount(sp.NeedID), DebitFen: sp.AmountFen})
		links.NeedIDs = append(links.NeedIDs, sp.NeedID)
	}
	slices.Sort(links.NeedIDs)
	at := s.now()
	e, created, err := s.Book().Post(ctx, in.Ledger, key, "", func(*Chain) (Draft, error) {
		return Draft{Kind: KindAllocation, At: at, By: me.UserID, Why: why, Links: links, Postings: postings}, nil
	})
	if err != nil {
		return nil, err
	}
	if created {
		s.progress(ctx, e)
	}
	return e, nil
}

// PreviewInput asks for a policy allocation proposal.
type PreviewInput struct {
	Ledger string `json:"ledger"`
	// AmountFen to allocate; 0 means everything not yet allocated.
	AmountFen int64 `json:"amount_fen"`
	// NeedIDs restricts the candidates; empty means every need of the
	// campaign, or every published funding need for the general fund.
	NeedIDs []string `json:"need_ids"`
}

// PreviewLine is one candidate need of a preview.
type PreviewLine struct {
	NeedID    string `json:"need_id"`
	Title     string `json:"title"`
	OrgID     string `json:"org_id"`
	TargetFen int64  `json:"target_fen"`
	RaisedFen int64  `json:"raised_fen"`
	GapFen    int64  `json:"gap_fen"`
	Urgency   int    `json:"urgency"`
	AmountFen int64  `json:"amount_fen"`
}

// AllocationPreview is a proposed policy allocation. The splits add up to
// AllocatedFen, and AllocatedFen + LeftoverFen = AmountFen, to the fen.
type AllocationPreview struct {
	Ledger       string        `json:"ledger"`
	Policy       string        `json:"policy"`
	AvailableFen int64         `json:"available_fen"`
	AmountFen    int64         `json:"amount_fen"`
	AllocatedFen int64         `json:"allocated_fen"`
	LeftoverFen  int64         `json:"leftover_fen"`
	Lines        []PreviewLine `json:"lines"`
	Splits       []Split       `json:"splits"`
	AsOfSeq      int64         `json:"as_of_seq"`
}

// PreviewAllocation proposes how to allocate undesignated money by the
// default policy (proportional to gap × urgency, see the package
// documentation), without writing anything. The gap of a need is its
// target minus Need.Progress.RaisedFen; needs without a target (pairing,
// in-kind) or without a gap get nothing. Finance staff of the ledger only.
func (s *Service) PreviewAllocation(ctx context.Context, in PreviewInput) (*AllocationPreview, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v tongban.Validation
	v.Check(ValidLedger(in.Ledger), "ledger", "must be a campaign ID or general")
	v.Check(in.AmountFen >= 0 && in.AmountFen <= MaxFen, "amount_fen", "must be 0 (all) to 1,000,000,000 yuan")
	v.Check(len(in.NeedIDs) <= 1000, "need_ids", "must list at most 1000 needs")
	if err := v.Err(); err != nil {
		return nil, err
	}
	orgs, c, err := s.ledgerOrgs(ctx, in.Ledger)
	if err != nil {
		return nil, err
	}
	if !isFinance(me, orgs...) {
		return nil, forbidden("allocate this money")
	}
	p := &AllocationPreview{Ledger: in.Ledger, Policy: PolicyGapUrgency, Lines: []PreviewLine{}, Splits: []Split{}}
	err = s.Book().View(ctx, in.Ledger, func(ch *Chain) error {
		p.AvailableFen, p.AsOfSeq = ch.Balance(PoolAccount(in.Ledger)), ch.Seq
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.AmountFen = in.AmountFen
	if p.AmountFen == 0 {
		p.AmountFen = p.AvailableFen
	}
	if p.AmountFen > p.AvailableFen {
		return nil, &tongban.Error{Code: tongban.ECONFLICT, Message: fmt.Sprintf("Only %s is not yet allocated.", Yuan(p.AvailableFen)),
			Details: &InsufficientFunds{Account: PoolAccount(in.Ledger), BalanceFen: p.AvailableFen, RequiredFen: p.AmountFen}}
	}
	needs, err := s.candidates(ctx, c, in.NeedIDs)
	if err != nil {
		return nil, err
	}
	cands := make([]Candidate, 0, len(needs))
	for _, n := range needs {
		gap := max(n.TargetFen-n.Progress.RaisedFen, 0)
		cands = append(cands, Candidate{NeedID: n.ID, GapFen: gap, Urgency: n.Urgency})
		p.Lines = append(p.Lines, PreviewLine{NeedID: n.ID, Title: n.Title, OrgID: n.OrgID, TargetFen: n.TargetFen,
			RaisedFen: n.Progress.RaisedFen, GapFen: gap, Urgency: n.Urgency})
	}
	splits, leftover := SplitByPolicy(p.AmountFen, cands)
	byNeed := map[string]int64{}
	for _, sp := range splits {
		byNeed[sp.NeedID] = sp.AmountFen
		p.AllocatedFen += sp.AmountFen
	}
	for i := range p.Lines {
		p.Lines[i].AmountFen = byNeed[p.Lines[i].NeedID]
	}
	p.Splits = append(p.Splits, splits...)
	p.LeftoverFen = leftover
	return p, nil
}

// candidates returns the published needs with a target that a policy
// allocation may go to.
func (s *Service) candidates(ctx context.Context, c *Campaign, only []string) ([]*matching.Need, error) {
	var ids []string
	switch {
	case c != nil && len(only) > 0:
		for _, id := range only {
			if slices.Contains(c.NeedIDs, id) {
				ids = append(ids, id)
			}
		}
	case c != nil:
		ids = c.NeedIDs
	case len(only) > 0:
		ids = only
	}
	var out []*matching.Need
	keep := func(n *matching.Need) {
		if n.IsPublic() && n.TargetFen > 0 {
			out = append(out, n)
		}
	}
	if c != nil || len(only) > 0 {
		for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			n, err := s.Needs.FindNeedByID(ctx, id)
			if tongban.ErrorCode(err) == tongban.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			keep(n)
		}
		return out, nil
	}
	cursor := ""
	for {
		page, next, err := s.Needs.FindNeeds(ctx, matching.NeedFilter{
			Status: []string{matching.StatusPublished, matching.StatusPartiallyFulfilled}, Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, n := range page {
			keep(n)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(out, func(a, b *matching.Need) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ApplyAllocation allocates the splits of a preview under idemKey, with the
// same rules as Allocate: if the pool no longer holds enough, it is
// ECONFLICT and nothing is written.
func (s *Service) ApplyAllocation(ctx context.Context, p *AllocationPreview, idemKey string) (*Entry, error) {
	if p == nil || len(p.Splits) == 0 {
		return nil, tongban.Invalid("splits", "must list at least one need with an amount")
	}
	return s.Allocate(ctx, AllocationInput{Ledger: p.Ledger, Splits: p.Splits, Policy: PolicyGapUrgency,
		Why: "按政策拨付：剩余缺口 × 紧急程度", IdempotencyKey: idemKey})
}

// --- Expenses ---

// expenseOrgs returns the organisations whose finance staff may handle x.
func (s *Service) expenseOrgs(ctx context.Context, ledger, needOrg string) ([]string, error) {
	orgs, _, err := s.ledgerOrgs(ctx, ledger)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(orgs), needOrg), nil
}

// CreateExpense records a pending expense from a need's allocation in a
// ledger. The caller must be finance staff of the ledger's or the need's
// organisation; vendor and description are public and pass the PII screen
// (EUNPROCESSABLE); at least one receipt (invoice or transfer slip) is
// required. Nothing is spent until a second finance user approves it.
func (s *Service) CreateExpense(ctx context.Context, in ExpenseInput) (*Expense, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in.Vendor, in.Description = strings.TrimSpace(in.Vendor), strings.TrimSpace(in.Description)
	if err := in.validate(); err != nil {
		return nil, err
	}
	n, err := s.Needs.FindNeedByID(ctx, in.NeedID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, tongban.Invalid("need_id", "is not a need")
	} else if err != nil {
		return nil, err
	}
	orgs, err := s.expenseOrgs(ctx, in.Ledger, n.OrgID)
	if err != nil {
		return nil, err
	}
	if !isFinance(me, orgs...) {
		return nil, forbidden("record expenses")
	}
	if err := s.screen(map[string]string{"vendor": in.Vendor, "description": in.Description}); err != nil {
		return nil, err
	}
	x := &Expense{ID: tongban.NewID(), Ledger: in.Ledger, NeedID: in.NeedID, OrgID: n.OrgID, Vendor: in.Vendor,
		Description: in.Description, Category: in.Category, AmountFen: in.AmountFen, Receipts: slices.Clone(in.Receipts),
		Status: ExpensePending, CreatedBy: me.UserID, CreatedAt: s.now(), Version: 1}
	if err := s.Expenses.CreateExpense(ctx, x); err != nil {
		return nil, err
	}
	return x, nil
}

// findExpense returns an expense the caller may handle as finance staff;
// others get ENOTFOUND (staff without the finance role: EFORBIDDEN).
func (s *Service) findExpense(ctx context.Context, me *auth.Identity, id string) (*Expense, error) {
	x, err := s.Expenses.FindExpenseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	orgs, err := s.expenseOrgs(ctx, x.Ledger, x.OrgID)
	if err != nil {
		return nil, err
	}
	if !isFinance(me, orgs...) {
		if isStaff(me, orgs...) || me.IsAdmin() {
			return nil, forbidden("approve or reject expenses")
		}
		return nil, tongban.Errorf(tongban.ENOTFOUND, "Expense not found.")
	}
	return x, nil
}

// ApproveExpense approves a pending expense and posts its ledger entry
// (need → expense:<category>, with its receipts' hashes). Four eyes: the
// approver must be finance staff other than the author (EFORBIDDEN for the
// author). If the need's allocation in the ledger cannot afford it, it is
// ECONFLICT (Details *InsufficientFunds), the expense stays pending and
// nothing is written. Approving an approved expense again returns it.
func (s *Service) ApproveExpense(ctx context.Context, id string) (*Expense, *Entry, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	x, err := s.findExpense(ctx, me, id)
	if err != nil {
		return nil, nil, err
	}
	if x.CreatedBy == me.UserID {
		return nil, nil, tongban.Errorf(tongban.EFORBIDDEN, "An expense must be approved by a second finance user, not by the one who recorded it.")
	}
	switch x.Status {
	case ExpenseRejected:
		return nil, nil, tongban.Errorf(tongban.ECONFLICT, "The expense was rejected.")
	case ExpenseApproved:
		e, err := s.Ledger.FindEntryByID(ctx, x.EntryID)
		return x, e, err
	}
	why := x.Vendor + ": " + x.Description
	at := s.now()
	e, created, err := s.Book().Post(ctx, x.Ledger, x.IdemKey(), "", func(*Chain) (Draft, error) {
		return Draft{Kind: KindExpense, At: at, By: me.UserID, Why: why,
			Links: Links{NeedIDs: []string{x.NeedID}, ExpenseID: x.ID, Receipts: slices.Clone(x.Receipts)},
			Postings: []Posting{
				{Account: ExpenseAccount(x.Category), DebitFen: x.AmountFen},
				{Account: NeedAccount(x.NeedID), CreditFen: x.AmountFen},
			}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if created {
		s.progress(ctx, e)
	}
	// The ledger is the truth: once the entry exists the expense is
	// approved, even over a rejection that raced it.
	out, err := s.Expenses.DecideExpense(ctx, x.ID, []string{ExpensePending, ExpenseRejected},
		ExpenseDecision{Status: ExpenseApproved, DecidedBy: e.By, DecidedAt: e.At, EntryID: e.ID})
	if tongban.ErrorCode(err) == tongban.ECONFLICT {
		out, err = s.Expenses.FindExpenseByID(ctx, x.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	return out, e, nil
}

// RejectExpense rejects a pending expense with a reason. Any finance user
// of the ledger's or need's organisation may, including its author
// (withdrawal). An expense already approved is ECONFLICT.
func (s *Service) RejectExpense(ctx context.Context, id, reason string) (*Expense, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 500 {
		return nil, tongban.Invalid("reason", "must be 2 to 500 characters")
	}
	x, err := s.findExpense(ctx, me, id)
	if err != nil {
		return nil, err
	}
	out, err := s.Expenses.DecideExpense(ctx, x.ID, []string{ExpensePending},
		ExpenseDecision{Status: ExpenseRejected, DecidedBy: me.UserID, DecidedAt: s.now(), RejectReason: reason})
	if tongban.ErrorCode(err) == tongban.ECONFLICT {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only a pending expense can be rejected.")
	} else if err != nil {
		return nil, err
	}
	// An approval may have posted the entry just before: the ledger wins.
	e, err := s.Book().Lookup(ctx, x.Ledger, x.IdemKey())
	if err == nil {
		if _, err := s.Expenses.DecideExpense(ctx, x.ID, []string{ExpenseRejected},
			ExpenseDecision{Status: ExpenseApproved, DecidedBy: e.By, DecidedAt: e.At, EntryID: e.ID}); err != nil {
			return nil, err
		}
		return nil, tongban.Errorf(tongban.ECONFLICT, "The expense was approved meanwhile.")
	} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
		return nil, err
	}
	return out, nil
}

// FindExpense returns an expense to staff of its ledger's or need's
// organisation and administrators; ENOTFOUND for others.
func (s *Service) FindExpense(ctx context.Context, id string) (*Expense, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	x, err := s.Expenses.FindExpenseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	orgs, err := s.expenseOrgs(ctx, x.Ledger, x.OrgID)
	if err != nil {
		return nil, err
	}
	if !me.IsAdmin() && !isStaff(me, orgs...) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "Expense not found.")
	}
	return x, nil
}

// ListExpenses returns a page of a ledger's expenses (the approval queue
// with Status pending). Staff of the ledger's organisations and
// administrators see all; staff of a need's organisation see that need's
// expenses when filtering by NeedID.
func (s *Service) ListExpenses(ctx context.Context, f ExpenseFilter) ([]*Expense, string, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if !ValidLedger(f.Ledger) {
		return nil, "", tongban.Invalid("ledger", "must be a campaign ID or general")
	}
	orgs, _, err := s.ledgerOrgs(ctx, f.Ledger)
	if err != nil {
		return nil, "", err
	}
	if !me.IsAdmin() && !isStaff(me, orgs...) {
		ok := false
		if f.NeedID != "" {
			n, err := s.Needs.FindNeedByID(ctx, f.NeedID)
			if err != nil && tongban.ErrorCode(err) != tongban.ENOTFOUND {
				return nil, "", err
			}
			ok = err == nil && isStaff(me, n.OrgID)
		}
		if !ok {
			return nil, "", tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can see its expenses.")
		}
	}
	return s.Expenses.FindExpenses(ctx, f)
}

// --- Refunds ---

// RefundInput returns (part of) a gift to its donor.
type RefundInput struct {
	DonationID string `json:"donation_id"`
	AmountFen  int64  `json:"amount_fen"`
	// Why is public and passes the PII screen.
	Why string `json:"why"`
	// Provider and ProviderRef name the payment provider's refund, if any;
	// a provider refund is recorded once.
	Provider    string `json:"provider"`
	ProviderRef string `json:"provider_ref"`
	// IdempotencyKey defaults to one refund per donation.
	IdempotencyKey string `json:"-"`
}

// Refund records a refund: a ledger entry, never a deletion. Only what is
// left of the gift can be refunded: its unallocated part first, then what
// needs hold of it (so a refund can take back allocated money, never spent
// money); asking for more is ECONFLICT. Finance staff of the ledger only.
func (s *Service) Refund(ctx context.Context, in RefundInput) (*Entry, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v tongban.Validation
	v.Check(in.AmountFen >= 1 && in.AmountFen <= MaxFen, "amount_fen", "must be 1 fen to 1,000,000,000 yuan")
	n := utf8.RuneCountInString(strings.TrimSpace(in.Why))
	v.Check(n >= 2 && n <= 500, "why", "must be 2 to 500 characters")
	v.Check((in.Provider == "") == (in.ProviderRef == ""), "provider_ref", "must be given with provider")
	v.Check(in.Provider == "" || providerRE.MatchString(in.Provider), "provider", "must be a provider name")
	v.Check(in.ProviderRef == "" || refRE.MatchString(in.ProviderRef), "provider_ref", "must be the provider's refund ID")
	v.Check(utf8.RuneCountInString(in.IdempotencyKey) <= 200, "idempotency_key", "must be at most 200 characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	gift, err := s.Ledger.FindEntryByID(ctx, in.DonationID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND || (err == nil && gift.Kind != KindDonation) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "Donation not found.")
	} else if err != nil {
		return nil, err
	}
	orgs, _, err := s.ledgerOrgs(ctx, gift.Ledger)
	if err != nil {
		return nil, err
	}
	if !isFinance(me, orgs...) {
		return nil, forbidden("refund gifts")
	}
	if err := s.screen(map[string]string{"why": in.Why}); err != nil {
		return nil, err
	}
	key := in.IdempotencyKey
	if key == "" {
		key = "refund:" + gift.ID
	}
	ref := ""
	if in.ProviderRef != "" {
		ref = "refund:" + in.Provider + ":" + in.ProviderRef
	}
	at := s.now()
	why := strings.TrimSpace(in.Why)
	e, created, err := s.Book().Post(ctx, gift.Ledger, key, ref, func(ch *Chain) (Draft, error) {
		r, err := s.replay(ctx, gift.Ledger, ch.Seq)
		if err != nil {
			return Draft{}, err
		}
		left := in.AmountFen
		var postings []Posting
		links := Links{DonorID: gift.Links.DonorID, Anonymous: gift.Links.Anonymous, RefundOf: gift.ID, Provider: in.Provider, ProviderRef: in.ProviderRef}
		var held int64
		for _, p := range r.refundable(gift.ID) {
			held += p.CreditFen
			if left == 0 {
				continue
			}
			n := min(left, p.CreditFen)
			postings = append(postings, Posting{Account: p.Account, CreditFen: n})
			if need, ok := NeedOf(p.Account); ok {
				links.NeedIDs = append(links.NeedIDs, need)
			}
			left -= n
		}
		if left > 0 {
			return Draft{}, tongban.Errorf(tongban.ECONFLICT, "Only %s of this gift is not yet spent or refunded; at most that can be refunded.", Yuan(held))
		}
		slices.Sort(links.NeedIDs)
		postings = append(postings, Posting{Account: AccountRefund, DebitFen: in.AmountFen})
		return Draft{Kind: KindRefund, At: at, By: me.UserID, Why: why, Links: links, Postings: postings}, nil
	})
	if err != nil {
		return nil, err
	}
	if !created && (e.Links.RefundOf != gift.ID || e.DebitFen() != in.AmountFen) {
		return nil, tongban.Errorf(tongban.ECONFLICT, "This idempotency key or refund reference was already used for a different refund.")
	}
	if created {
		s.progress(ctx, e)
	}
	return e, nil
}

// replay reads a ledger up to seq (all of it when seq < 0) into a Replay.
func (s *Service) replay(ctx context.Context, ledger string, seq int64) (*Replay, error) {
	es, err := s.Ledger.EntriesAfter(ctx, ledger, 0, 0)
	if err != nil {
		return nil, err
	}
	r := NewReplay(ledger)
	for _, e := range es {
		if seq >= 0 && e.Seq > seq {
			break
		}
		if err := r.Apply(e); err != nil {
			return nil, err
		}
	}
	if seq >= 0 && r.seq != seq {
		return nil, tongban.Errorf(tongban.EINTERNAL, "Ledger %s has entries missing before seq %d; run tongban ledger verify.", ledger, seq)
	}
	return r, nil
}

// --- Reading and tracing ---

// Totals are a ledger's headline figures as of its latest entry. They obey
// the identities documented on Report.
type Totals struct {
	Ledger         string `json:"ledger"`
	AsOfSeq        int64  `json:"as_of_seq"`
	RaisedFen      int64  `json:"raised_fen"`
	RefundedFen    int64  `json:"refunded_fen"`
	AllocatedFen   int64  `json:"allocated_fen"`
	SpentFen       int64  `json:"spent_fen"`
	UnallocatedFen int64  `json:"unallocated_fen"`
	HeldByNeedsFen int64  `json:"held_by_needs_fen"`
	BalanceFen     int64  `json:"balance_fen"`
}

// readable checks the caller may read a ledger's public figures: the
// general fund and public campaigns for anyone, drafts for their staff.
func (s *Service) readable(ctx context.Context, ledger string) (*auth.Identity, []string, error) {
	me := auth.UserFromContext(ctx)
	if ledger == GeneralFund {
		return me, s.GeneralFundOrgs, nil
	}
	if !ValidLedger(ledger) {
		return nil, nil, tongban.Errorf(tongban.ENOTFOUND, "Campaign not found.")
	}
	c, err := s.FindCampaign(ctx, ledger)
	if err != nil {
		return nil, nil, err
	}
	return me, c.OrgIDs, nil
}

// Totals returns a ledger's headline figures (public for the general fund
// and public campaigns), from the balances of its latest entry.
func (s *Service) Totals(ctx context.Context, ledger string) (*Totals, error) {
	if _, _, err := s.readable(ctx, ledger); err != nil {
		return nil, err
	}
	t := &Totals{Ledger: ledger}
	err := s.Book().View(ctx, ledger, func(ch *Chain) error {
		t.AsOfSeq = ch.Seq
		for _, a := range ch.Accounts() {
			b := ch.Balance(a)
			switch accountRole(ledger, a) {
			case "source":
				t.RaisedFen += b
			case "refund":
				t.RefundedFen += b
			case "expense":
				t.SpentFen += b
			case "pool":
				t.UnallocatedFen += b
			case "need":
				t.HeldByNeedsFen += b
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.AllocatedFen = t.HeldByNeedsFen + t.SpentFen
	t.BalanceFen = t.UnallocatedFen + t.HeldByNeedsFen
	return t, nil
}

// Report returns a ledger's transparency report (public for the general
// fund and public campaigns). It holds no donor identities.
func (s *Service) Report(ctx context.Context, ledger string) (*Report, error) {
	if _, _, err := s.readable(ctx, ledger); err != nil {
		return nil, err
	}
	es, err := s.Ledger.EntriesAfter(ctx, ledger, 0, 0)
	if err != nil {
		return nil, err
	}
	return BuildReport(ledger, es), nil
}

// Entries returns a page of a ledger's entries after seq after (the public
// ledger page): at most limit (1–500, default 50). Finance staff of the
// ledger and administrators get them in full, others the Public view.
func (s *Service) Entries(ctx context.Context, ledger string, after int64, limit int) ([]*Entry, error) {
	me, orgs, err := s.readable(ctx, ledger)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	es, err := s.Ledger.EntriesAfter(ctx, ledger, max(after, 0), limit)
	if err != nil {
		return nil, err
	}
	if me.IsAdmin() || isFinance(me, orgs...) {
		return es, nil
	}
	out := make([]*Entry, len(es))
	for i, e := range es {
		out[i] = e.Public()
	}
	return out, nil
}

// TraceDonation returns where one gift went (FIFO attribution), to its
// donor, finance staff of its ledger and administrators.
func (s *Service) TraceDonation(ctx context.Context, donationID string) (*GiftTrace, error) {
	gift, err := s.FindDonation(ctx, donationID)
	if err != nil {
		return nil, err
	}
	r, err := s.replay(ctx, gift.Ledger, -1)
	if err != nil {
		return nil, err
	}
	return r.Gift(gift.ID), nil
}

// DonorTrace is where all of a donor's gifts went. The totals add up:
// TotalFen = SpentFen + RefundedFen + HeldByNeedsFen + UnallocatedFen.
type DonorTrace struct {
	DonorID        string       `json:"donor_id"`
	Gifts          []*GiftTrace `json:"gifts"`
	TotalFen       int64        `json:"total_fen"`
	SpentFen       int64        `json:"spent_fen"`
	RefundedFen    int64        `json:"refunded_fen"`
	HeldByNeedsFen int64        `json:"held_by_needs_fen"`
	UnallocatedFen int64        `json:"unallocated_fen"`
	// Flows are the edges of the donor's Sankey chart: donors → pools →
	// needs → expense categories and refund, summed.
	Flows []Flow `json:"flows"`
}

// TraceDonor returns where every gift of a donor went, oldest first. Only
// the donor themselves and administrators may ask.
func (s *Service) TraceDonor(ctx context.Context, donorID string) (*DonorTrace, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if me.UserID != donorID && !me.IsAdmin() {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "You can only trace your own gifts.")
	}
	es, err := s.Ledger.FindEntriesByDonor(ctx, donorID)
	if err != nil {
		return nil, err
	}
	byLedger := map[string][]string{}
	for _, e := range es {
		if e.Kind == KindDonation {
			byLedger[e.Ledger] = append(byLedger[e.Ledger], e.ID)
		}
	}
	t := &DonorTrace{DonorID: donorID, Gifts: []*GiftTrace{}}
	flows := map[[2]string]int64{}
	for _, ledger := range slices.Sorted(maps.Keys(byLedger)) {
		r, err := s.replay(ctx, ledger, -1)
		if err != nil {
			return nil, err
		}
		for _, g := range r.Gifts(byLedger[ledger]...) {
			t.Gifts = append(t.Gifts, g)
			t.TotalFen += g.AmountFen
			t.SpentFen += g.SpentFen
			t.RefundedFen += g.RefundedFen
			t.HeldByNeedsFen += g.HeldByNeedsFen
			t.UnallocatedFen += g.UnallocatedFen
			pool := PoolAccount(g.Ledger)
			for _, a := range g.Allocations {
				if a.Designated {
					flows[[2]string{FlowDonors, NeedAccount(a.NeedID)}] += a.AmountFen
				} else {
					flows[[2]string{pool, NeedAccount(a.NeedID)}] += a.AmountFen
				}
			}
			if undesignated := g.AmountFen - designated(g); undesignated > 0 {
				flows[[2]string{FlowDonors, pool}] += undesignated
			}
			for _, x := range g.Expenses {
				flows[[2]string{NeedAccount(x.NeedID), ExpenseAccount(x.Category)}] += x.AmountFen
			}
			if g.RefundedFen > 0 {
				flows[[2]string{pool, AccountRefund}] += g.RefundedFen
			}
		}
	}
	slices.SortFunc(t.Gifts, func(a, b *GiftTrace) int {
		_, sa, _ := ParseEntryID(a.DonationID)
		_, sb, _ := ParseEntryID(b.DonationID)
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.Ledger, b.Ledger), cmp.Compare(sa, sb))
	})
	t.Flows = []Flow{}
	for k, n := range flows {
		t.Flows = append(t.Flows, Flow{From: k[0], To: k[1], AmountFen: n})
	}
	slices.SortFunc(t.Flows, func(a, b Flow) int {
		if c := strings.Compare(a.From, b.From); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
	return t, nil
}

func designated(g *GiftTrace) int64 {
	var n int64
	for _, a := range g.Allocations {
		if a.Designated {
			n += a.AmountFen
		}
	}
	return n
}

// NeedTotals returns what a need got and spent across all ledgers,
// computed from the entries (public: it is the need's progress). Use it to
// repair Need.Progress.
func (s *Service) NeedTotals(ctx context.Context, needID string) (*NeedTotals, error) {
	if !validID(needID) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "Need not found.")
	}
	es, err := s.Ledger.FindEntriesByNeed(ctx, needID)
	if err != nil {
		return nil, err
	}
	t := totalsOf(needID, es)
	return &t, nil
}

// Verify verifies every ledger (see Verify); administrators and finance
// staff only.
func (s *Service) Verify(ctx context.Context) (*VerifyReport, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	finance := false
	for _, r := range me.Orgs {
		finance = finance || r == accounts.OrgFinance
	}
	if !me.IsAdmin() && !finance {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only administrators and finance staff can verify the ledgers.")
	}
	return Verify(ctx, s.Ledger)
}
