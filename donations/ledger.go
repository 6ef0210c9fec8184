package donations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tongban/tongban"
)

// GeneralFund is the ledger ID of the general fund ("where most needed").
const GeneralFund = "general"

// Entry kinds.
const (
	KindDonation   = "donation"
	KindAllocation = "allocation"
	KindExpense    = "expense"
	KindRefund     = "refund"
)

// Account names and prefixes of the chart of accounts (see the package
// documentation).
const (
	AccountRefund    = "refund"
	AccountAnonymous = "donations:anonymous"
	prefixDonor      = "donations:"
	prefixNeed       = "need:"
	prefixExpense    = "expense:"
	prefixCampaign   = "campaign:"
	accountGeneral   = "fund:general"
)

// MaxFen bounds any single amount: 1,000,000,000 yuan. With it no sum of a
// ledger can overflow int64.
const MaxFen int64 = 100_000_000_000

// Posting is one side of a money movement: a debit or a credit to one
// account. Exactly one of DebitFen and CreditFen is positive.
type Posting struct {
	Account   string `bson:"account" json:"account"`
	DebitFen  int64  `bson:"debit_fen" json:"debit_fen"`
	CreditFen int64  `bson:"credit_fen" json:"credit_fen"`
}

// Balance is the balance of an account right after an entry, in the
// account's normal direction (never negative).
type Balance struct {
	Account    string `bson:"account" json:"account"`
	BalanceFen int64  `bson:"balance_fen" json:"balance_fen"`
}

// Receipt is a file proving a money movement: an invoice (发票), a transfer
// slip, a bank slip or a cash receipt, stored in object storage under
// BlobKey. SHA256 is the lowercase hex digest of its content.
type Receipt struct {
	SHA256      string `bson:"sha256" json:"sha256"`
	BlobKey     string `bson:"blob_key" json:"blob_key,omitempty"`
	ContentType string `bson:"content_type" json:"content_type"`
	Kind        string `bson:"kind" json:"kind"`
}

// Receipt kinds.
const (
	ReceiptInvoice      = "invoice"
	ReceiptTransferSlip = "transfer_slip"
	ReceiptBankSlip     = "bank_slip"
	ReceiptCash         = "cash_receipt"
)

// ReceiptContentTypes are the accepted receipt file types.
var ReceiptContentTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// Links tie an entry to the things it concerns.
type Links struct {
	// DonorID is the donor's user ID on donations and refunds; empty for a
	// gift recorded without a donor account.
	DonorID   string `bson:"donor_id,omitempty" json:"donor_id,omitempty"`
	Anonymous bool   `bson:"anonymous,omitempty" json:"anonymous,omitempty"`
	// Channel is online, bank_transfer or cash on donations.
	Channel     string `bson:"channel,omitempty" json:"channel,omitempty"`
	Provider    string `bson:"provider,omitempty" json:"provider,omitempty"`
	ProviderRef string `bson:"provider_ref,omitempty" json:"provider_ref,omitempty"`
	// NeedIDs lists the needs whose accounts the entry touches, sorted.
	NeedIDs   []string `bson:"need_ids,omitempty" json:"need_ids,omitempty"`
	ExpenseID string   `bson:"expense_id,omitempty" json:"expense_id,omitempty"`
	// RefundOf is the donation a refund returns money of.
	RefundOf string `bson:"refund_of,omitempty" json:"refund_of,omitempty"`
	// Policy names the allocation policy that proposed an allocation.
	Policy   string    `bson:"policy,omitempty" json:"policy,omitempty"`
	Receipts []Receipt `bson:"receipts,omitempty" json:"receipts,omitempty"`
}

// Entry is one append-only ledger entry. See the package documentation for
// the chart of accounts and the canonical encoding behind Hash.
type Entry struct {
	ID       string    `bson:"_id" json:"id"`
	Ledger   string    `bson:"ledger" json:"ledger"`
	Seq      int64     `bson:"seq" json:"seq"`
	Kind     string    `bson:"kind" json:"kind"`
	At       time.Time `bson:"at" json:"at"`
	By       string    `bson:"by" json:"by"`
	Why      string    `bson:"why" json:"why"`
	IdemKey  string    `bson:"idem_key" json:"-"`
	ExtRef   string    `bson:"ext_ref" json:"-"`
	Links    Links     `bson:"links" json:"links"`
	Postings []Posting `bson:"postings" json:"postings"`
	Balances []Balance `bson:"balances" json:"balances"`
	PrevHash string    `bson:"prev_hash" json:"prev_hash"`
	Hash     string    `bson:"hash" json:"hash"`
}

// EntryID returns the ID of entry seq of ledger: "<ledger>-<seq>".
func EntryID(ledger string, seq int64) string {
	return ledger + "-" + strconv.FormatInt(seq, 10)
}

// ParseEntryID splits an entry ID into its ledger and seq.
func ParseEntryID(id string) (ledger string, seq int64, ok bool) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != id[i+1:] || !ValidLedger(id[:i]) {
		return "", 0, false
	}
	return id[:i], n, true
}

// DebitFen returns the sum of the entry's debits (which equals its credits
// in a valid entry): the amount it moves.
func (e *Entry) DebitFen() int64 {
	var n int64
	for _, p := range e.Postings {
		n += p.DebitFen
	}
	return n
}

// BalanceOf returns the balance of account recorded by the entry and
// whether the entry touched it.
func (e *Entry) BalanceOf(account string) (int64, bool) {
	for _, b := range e.Balances {
		if b.Account == account {
			return b.BalanceFen, true
		}
	}
	return 0, false
}

// Public returns the copy of e that anyone may see: an anonymous donor's
// account and ID are hidden, receipts show only their hash and type, and
// the idempotency key and provider reference are dropped.
func (e *Entry) Public() *Entry {
	p := *e
	p.IdemKey, p.ExtRef = "", ""
	p.Links.ProviderRef = ""
	p.Links.NeedIDs = slices.Clone(e.Links.NeedIDs)
	p.Postings = slices.Clone(e.Postings)
	p.Balances = slices.Clone(e.Balances)
	p.Links.Receipts = nil
	for _, r := range e.Links.Receipts {
		p.Links.Receipts = append(p.Links.Receipts, Receipt{SHA256: r.SHA256, ContentType: r.ContentType, Kind: r.Kind})
	}
	if e.Links.Anonymous && e.Links.DonorID != "" {
		hidden := DonorAccount(e.Links.DonorID)
		p.Links.DonorID = ""
		for i := range p.Postings {
			if p.Postings[i].Account == hidden {
				p.Postings[i].Account = AccountAnonymous
			}
		}
		// The donor's own running total would identify them across gifts.
		p.Balances = slices.DeleteFunc(p.Balances, func(b Balance) bool { return b.Account == hidden })
	}
	return &p
}

// PoolAccount returns the pool account of a ledger.
func PoolAccount(ledger string) string {
	if ledger == GeneralFund {
		return accountGeneral
	}
	return prefixCampaign + ledger
}

// DonorAccount returns the source account of a donor ("" = anonymous).
func DonorAccount(donorID string) string {
	if donorID == "" {
		return AccountAnonymous
	}
	return prefixDonor + donorID
}

// NeedAccount returns the allocation account of a need.
func NeedAccount(needID string) string { return prefixNeed + needID }

// ExpenseAccount returns the expense account of a category.
func ExpenseAccount(category string) string { return prefixExpense + category }

// NeedOf returns the need ID of a need account.
func NeedOf(account string) (string, bool) { return strings.CutPrefix(account, prefixNeed) }

// CategoryOf returns the category of an expense account.
func CategoryOf(account string) (string, bool) { return strings.CutPrefix(account, prefixExpense) }

// IsDonorAccount reports whether account is a source (donations:*) account.
func IsDonorAccount(account string) bool { return strings.HasPrefix(account, prefixDonor) }

var (
	idRE     = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidLedger reports whether id can name a ledger: the general fund or a
// campaign ID.
func ValidLedger(id string) bool { return id == GeneralFund || idRE.MatchString(id) }

// validID reports whether id is a safe opaque identifier (user, need,
// expense IDs): letters, digits and underscores.
func validID(id string) bool { return idRE.MatchString(id) }

// ValidSHA256 reports whether s is a lowercase hex SHA-256 digest.
func ValidSHA256(s string) bool { return sha256RE.MatchString(s) }

// accountRole classifies an account of ledger: "source", "pool", "need",
// "expense", "refund", or "" when the name is not in the chart.
func accountRole(ledger, account string) string {
	switch {
	case account == AccountRefund:
		return "refund"
	case account == PoolAccount(ledger):
		return "pool"
	case account == AccountAnonymous:
		return "source"
	}
	if id, ok := strings.CutPrefix(account, prefixDonor); ok && validID(id) {
		return "source"
	}
	if id, ok := NeedOf(account); ok && validID(id) {
		return "need"
	}
	if c, ok := CategoryOf(account); ok && slices.Contains(ExpenseCategories, c) {
		return "expense"
	}
	return ""
}

// shapes lists, per kind, the account roles credits and debits may use.
var shapes = map[string]struct{ credit, debit []string }{
	KindDonation:   {[]string{"source"}, []string{"pool", "need"}},
	KindAllocation: {[]string{"pool"}, []string{"need"}},
	KindExpense:    {[]string{"need"}, []string{"expense"}},
	KindRefund:     {[]string{"pool", "need"}, []string{"refund"}},
}

// checkPostings returns what is wrong with the postings of an entry of kind
// in ledger: unknown accounts, accounts the kind may not touch, postings
// that are not exactly one positive side, amounts out of range, and
// unbalanced totals.
func checkPostings(ledger, kind string, ps []Posting) []string {
	var problems []string
	shape, ok := shapes[kind]
	if !ok {
		return []string{fmt.Sprintf("unknown kind %q", kind)}
	}
	if len(ps) < 2 {
		problems = append(problems, "fewer than two postings")
	}
	var debits, credits int64
	var debitNeeds, creditNeeds, expenses, donors, pools int
	for i, p := range ps {
		role := accountRole(ledger, p.Account)
		if role == "" {
			problems = append(problems, fmt.Sprintf("posting %d: account %q is not in the chart of ledger %s", i, p.Account, ledger))
			continue
		}
		switch {
		case p.DebitFen < 0 || p.CreditFen < 0 || (p.DebitFen > 0) == (p.CreditFen > 0):
			problems = append(problems, fmt.Sprintf("posting %d: must have exactly one positive side", i))
			continue
		case p.DebitFen > MaxFen || p.CreditFen > MaxFen:
			problems = append(problems, fmt.Sprintf("posting %d: amount above the maximum", i))
			continue
		}
		allowed := shape.debit
		if p.CreditFen > 0 {
			allowed = shape.credit
		}
		if !slices.Contains(allowed, role) {
			problems = append(problems, fmt.Sprintf("posting %d: a %s may not %s account %s", i, kind, map[bool]string{true: "credit", false: "debit"}[p.CreditFen > 0], p.Account))
		}
		debits += p.DebitFen
		credits += p.CreditFen
		switch {
		case role == "need" && p.DebitFen > 0:
			debitNeeds++
		case role == "need":
			creditNeeds++
		case role == "expense":
			expenses++
		case role == "source":
			donors++
		case role == "pool" && p.DebitFen > 0:
			pools++
		}
	}
	if debits != credits {
		problems = append(problems, fmt.Sprintf("debits %d fen do not equal credits %d fen", debits, credits))
	}
	switch kind {
	case KindDonation:
		if donors != 1 || debitNeeds+pools != 1 {
			problems = append(problems, "a donation credits one donor and debits the pool or one need")
		}
	case KindExpense:
		if creditNeeds != 1 || expenses != 1 {
			problems = append(problems, "an expense credits one need and debits one expense account")
		}
	}
	return problems
}

// normal returns the change a posting makes to its account's balance in
// the account's normal direction.
func normal(p Posting) int64 {
	if IsDonorAccount(p.Account) {
		return p.CreditFen - p.DebitFen
	}
	return p.DebitFen - p.CreditFen
}

// ComputeHash returns the entry's hash: the lowercase hex SHA-256 of its canonical
// encoding (see the package documentation). The stored Hash and ID fields
// are not part of it.
func (e *Entry) ComputeHash() string {
	sum := sha256.Sum256(e.AppendCanonical(make([]byte, 0, 1024)))
	return hex.EncodeToString(sum[:])
}

// canonicalTime is the layout of times in the canonical encoding.
const canonicalTime = "2006-01-02T15:04:05.000Z"

// AppendCanonical appends the canonical encoding of e to b.
func (e *Entry) AppendCanonical(b []byte) []byte {
	raw := func(v []byte) {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
		b = append(b, '\n')
	}
	str := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, '\n')
	}
	var tmp [32]byte
	num := func(n int64) { raw(strconv.AppendInt(tmp[:0], n, 10)) }
	b = append(b, "tongban-ledger-v1\n"...)
	str(e.Ledger)
	num(e.Seq)
	str(e.Kind)
	raw(e.At.UTC().AppendFormat(tmp[:0], canonicalTime))
	str(e.By)
	str(e.Why)
	str(e.IdemKey)
	str(e.ExtRef)
	l := &e.Links
	str(l.DonorID)
	str(strconv.FormatBool(l.Anonymous))
	str(l.Channel)
	str(l.Provider)
	str(l.ProviderRef)
	num(int64(len(l.NeedIDs)))
	for _, id := range l.NeedIDs {
		str(id)
	}
	str(l.ExpenseID)
	str(l.RefundOf)
	str(l.Policy)
	num(int64(len(l.Receipts)))
	for _, r := range l.Receipts {
		str(r.SHA256)
		str(r.BlobKey)
		str(r.ContentType)
		str(r.Kind)
	}
	num(int64(len(e.Postings)))
	for _, p := range e.Postings {
		str(p.Account)
		num(p.DebitFen)
		num(p.CreditFen)
	}
	num(int64(len(e.Balances)))
	for _, bal := range e.Balances {
		str(bal.Account)
		num(bal.BalanceFen)
	}
	str(e.PrevHash)
	return b
}

// Draft is what a writer asks to append; the Book fills in the position,
// the balances and the hashes.
type Draft struct {
	Kind     string
	At       time.Time
	By       string
	Why      string
	IdemKey  string
	ExtRef   string
	Links    Links
	Postings []Posting
}

// Chain is the state of one ledger as of its head: seq, hash and the
// balance of every account. The zero balance is implied for accounts never
// touched.
type Chain struct {
	Ledger   string
	Seq      int64
	Hash     string
	balances map[string]int64
}

// NewChain returns the state of an empty ledger.
func NewChain(ledger string) *Chain {
	return &Chain{Ledger: ledger, balances: map[string]int64{}}
}

// Balance returns the current balance of account.
func (c *Chain) Balance(account string) int64 { return c.balances[account] }

// Accounts returns every account that has been touched, sorted.
func (c *Chain) Accounts() []string {
	out := make([]string, 0, len(c.balances))
	for a := range c.balances {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// InsufficientFunds is the Details of the ECONFLICT error returned when an
// entry would take an account below zero.
type InsufficientFunds struct {
	Account     string `json:"account"`
	BalanceFen  int64  `json:"balance_fen"`
	RequiredFen int64  `json:"required_fen"`
}

// Next builds entry seq+1 from d without changing the chain. It returns
// EINVALID when the postings break the chart of accounts or do not balance,
// and ECONFLICT (Details *InsufficientFunds) when a balance would go below
// zero.
func (c *Chain) Next(d Draft) (*Entry, error) {
	if problems := checkPostings(c.Ledger, d.Kind, d.Postings); len(problems) > 0 {
		return nil, tongban.Errorf(tongban.EINVALID, "Invalid ledger entry: %s.", strings.Join(problems, "; "))
	}
	if d.IdemKey == "" {
		return nil, tongban.Invalid("idempotency_key", "is required")
	}
	touched := map[string]int64{}
	var order []string
	for _, p := range d.Postings {
		if _, ok := touched[p.Account]; !ok {
			touched[p.Account] = c.balances[p.Account]
			order = append(order, p.Account)
		}
		touched[p.Account] += normal(p)
	}
	balances := make([]Balance, 0, len(order))
	for _, a := range order {
		if touched[a] < 0 {
			return nil, &tongban.Error{Code: tongban.ECONFLICT,
				Message: fmt.Sprintf("Not enough money in %s: the balance is %s, %s more would be needed.", a, Yuan(c.balances[a]), Yuan(-touched[a])),
				Details: &InsufficientFunds{Account: a, BalanceFen: c.balances[a], RequiredFen: c.balances[a] - touched[a]}}
		}
		balances = append(balances, Balance{Account: a, BalanceFen: touched[a]})
	}
	slices.SortFunc(balances, func(a, b Balance) int { return strings.Compare(a.Account, b.Account) })
	seq := c.Seq + 1
	e := &Entry{
		ID: EntryID(c.Ledger, seq), Ledger: c.Ledger, Seq: seq, Kind: d.Kind,
		At: d.At.UTC().Truncate(time.Millisecond), By: d.By, Why: d.Why,
		IdemKey: d.IdemKey, ExtRef: d.ExtRef, Links: d.Links,
		Postings: slices.Clone(d.Postings), Balances: balances, PrevHash: c.Hash,
	}
	if e.ExtRef == "" {
		e.ExtRef = e.ID
	}
	e.Links.NeedIDs = slices.Clone(e.Links.NeedIDs)
	e.Hash = e.ComputeHash()
	return e, nil
}

// Apply advances the chain by e, which must be its next entry: right seq
// and prev_hash, a hash that matches its content, valid postings and the
// balances they lead to. Anything else is an EINTERNAL error naming the
// entry, and the chain is unchanged.
func (c *Chain) Apply(e *Entry) error {
	problems := c.check(e)
	if len(problems) > 0 {
		return tongban.Errorf(tongban.EINTERNAL, "Ledger %s fails verification at seq %d (%s); run tongban ledger verify.", e.Ledger, e.Seq, strings.Join(problems, "; "))
	}
	for _, b := range e.Balances {
		c.balances[b.Account] = b.BalanceFen
	}
	c.Seq, c.Hash = e.Seq, e.Hash
	return nil
}

// check returns what is wrong with e as the next entry of c.
func (c *Chain) check(e *Entry) []string {
	var problems []string
	if e.Ledger != c.Ledger {
		problems = append(problems, fmt.Sprintf("belongs to ledger %s", e.Ledger))
	}
	if e.Seq != c.Seq+1 {
		problems = append(problems, fmt.Sprintf("seq %d follows seq %d", e.Seq, c.Seq))
	}
	if e.PrevHash != c.Hash {
		problems = append(problems, "prev_hash does not match the previous entry's hash")
	}
	problems = append(problems, checkEntry(e, c.Balance)...)
	return problems
}

// checkEntry returns what is wrong with e on its own and against the
// balances before it: its ID, hash, postings, and recorded balances.
func checkEntry(e *Entry, before func(string) int64) []string {
	var problems []string
	if e.ID != EntryID(e.Ledger, e.Seq) {
		problems = append(problems, fmt.Sprintf("id %q does not match ledger and seq", e.ID))
	}
	if h := e.ComputeHash(); h != e.Hash {
		problems = append(problems, "hash does not match the entry's content")
	}
	problems = append(problems, checkPostings(e.Ledger, e.Kind, e.Postings)...)
	want := map[string]int64{}
	for _, p := range e.Postings {
		if _, ok := want[p.Account]; !ok {
			want[p.Account] = before(p.Account)
		}
		want[p.Account] += normal(p)
	}
	seen := map[string]bool{}
	for _, b := range e.Balances {
		w, ok := want[b.Account]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("records a balance for untouched account %s", b.Account))
		case seen[b.Account]:
			problems = append(problems, fmt.Sprintf("records account %s twice", b.Account))
		case b.BalanceFen != w:
			problems = append(problems, fmt.Sprintf("balance of %s is %d fen, recomputed %d fen", b.Account, b.BalanceFen, w))
		}
		seen[b.Account] = true
	}
	var missing []string
	for a, w := range want {
		if !seen[a] {
			missing = append(missing, fmt.Sprintf("does not record the balance of %s", a))
		}
		if w < 0 {
			missing = append(missing, fmt.Sprintf("takes %s below zero (%d fen)", a, w))
		}
	}
	slices.Sort(missing)
	return append(problems, missing...)
}

// Yuan formats fen as yuan with two decimals: 12345 → "¥123.45".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}

// LedgerStore persists ledger entries. It is append-only: there is no update
// or delete. Implementations keep unique indexes on (ledger, seq), on the
// idempotency key and on the external reference.
type LedgerStore interface {
	// InsertEntry appends e. A taken (ledger, seq), idempotency key or
	// external reference is ECONFLICT, and nothing is written.
	InsertEntry(ctx context.Context, e *Entry) error
	// EntriesAfter returns the entries of ledger with seq > after in seq
	// order, at most limit of them (limit <= 0: all).
	EntriesAfter(ctx context.Context, ledger string, after int64, limit int) ([]*Entry, error)
	// FindEntryByID returns the entry with this ID, or ENOTFOUND.
	FindEntryByID(ctx context.Context, id string) (*Entry, error)
	// FindEntryByIdemKey returns the entry with this idempotency key, or ENOTFOUND.
	FindEntryByIdemKey(ctx context.Context, key string) (*Entry, error)
	// FindEntryByExtRef returns the entry with this external reference, or ENOTFOUND.
	FindEntryByExtRef(ctx context.Context, ref string) (*Entry, error)
	// FindEntriesByDonor returns the donations and refunds of a donor, in
	// no particular order.
	FindEntriesByDonor(ctx context.Context, donorID string) ([]*Entry, error)
	// FindEntriesByNeed returns every entry touching a need's account, in
	// no particular order.
	FindEntriesByNeed(ctx context.Context, needID string) ([]*Entry, error)
	// ScanEntries calls fn with every entry of every ledger. Entries of one
	// ledger should come in seq order where the backend can do that
	// cheaply; callers must cope with any order. An error from fn stops the
	// scan and is returned.
	ScanEntries(ctx context.Context, fn func(*Entry) error) error
}
