package donations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// ExpenseCategories are the categories of spending; each has an
// expense:<category> account.
var ExpenseCategories = []string{"clothing", "school_supplies", "books", "tuition", "living_allowance", "medical", "food", "transport", "activities", "other"}

// Expense statuses.
const (
	ExpensePending  = "pending"
	ExpenseApproved = "approved"
	ExpenseRejected = "rejected"
)

// Expense is money spent from a need's allocation in one ledger. It is
// recorded by a finance user and waits, pending, for a second finance user
// to approve it (which posts the ledger entry) or reject it.
type Expense struct {
	ID     string `bson:"_id" json:"id"`
	Ledger string `bson:"ledger" json:"ledger"`
	NeedID string `bson:"need_id" json:"need_id"`
	// OrgID is the organisation of the need.
	OrgID       string    `bson:"org_id" json:"org_id"`
	Vendor      string    `bson:"vendor" json:"vendor"`
	Description string    `bson:"description" json:"description"`
	Category    string    `bson:"category" json:"category"`
	AmountFen   int64     `bson:"amount_fen" json:"amount_fen"`
	Receipts    []Receipt `bson:"receipts" json:"receipts"`
	Status      string    `bson:"status" json:"status"`
	CreatedBy   string    `bson:"created_by" json:"created_by"`
	CreatedAt   time.Time `bson:"created_at" json:"created_at"`
	// DecidedBy and DecidedAt record the approval or rejection.
	DecidedBy    string     `bson:"decided_by,omitempty" json:"decided_by,omitempty"`
	DecidedAt    *time.Time `bson:"decided_at,omitempty" json:"decided_at,omitempty"`
	RejectReason string     `bson:"reject_reason,omitempty" json:"reject_reason,omitempty"`
	// EntryID is the ledger entry of an approved expense.
	EntryID string `bson:"entry_id,omitempty" json:"entry_id,omitempty"`
	Version int64  `bson:"version" json:"version"`
}

// IdemKey is the idempotency key of the expense's ledger entry: an expense
// is posted at most once.
func (x *Expense) IdemKey() string { return "expense:" + x.ID }

// ExpenseInput records an expense.
type ExpenseInput struct {
	Ledger      string    `json:"ledger"`
	NeedID      string    `json:"need_id"`
	Vendor      string    `json:"vendor"`
	Description string    `json:"description"`
	Category    string    `json:"category"`
	AmountFen   int64     `json:"amount_fen"`
	Receipts    []Receipt `json:"receipts"`
}

// validReceipts checks receipts given under field: at least min, at most
// 10, each with a SHA-256, an accepted content type and a known kind.
func validReceipts(v *tongban.Validation, field string, rs []Receipt, kinds []string, least int) {
	v.Check(len(rs) >= least && len(rs) <= 10, field, fmt.Sprintf("must list %d to 10 files", least))
	for i, r := range rs {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.Check(ValidSHA256(r.SHA256), f+".sha256", "must be the lowercase hex SHA-256 of the file")
		v.Check(slices.Contains(ReceiptContentTypes, r.ContentType), f+".content_type", "must be application/pdf, image/jpeg or image/png")
		v.Check(slices.Contains(kinds, r.Kind), f+".kind", "must be one of "+strings.Join(kinds, ", "))
		v.Check(utf8.RuneCountInString(r.BlobKey) <= 300, f+".blob_key", "must be at most 300 characters")
	}
}

// validate checks the input rules that need no other data.
func (in *ExpenseInput) validate() error {
	var v tongban.Validation
	v.Check(ValidLedger(in.Ledger), "ledger", "must be a campaign ID or general")
	v.Check(validID(in.NeedID), "need_id", "must be a need ID")
	n := utf8.RuneCountInString(in.Vendor)
	v.Check(n >= 2 && n <= 100, "vendor", "must be 2 to 100 characters")
	n = utf8.RuneCountInString(in.Description)
	v.Check(n >= 4 && n <= 500, "description", "must be 4 to 500 characters")
	v.Check(slices.Contains(ExpenseCategories, in.Category), "category", "must be one of "+strings.Join(ExpenseCategories, ", "))
	v.Check(in.AmountFen >= 1 && in.AmountFen <= MaxFen, "amount_fen", "must be 1 fen to 1,000,000,000 yuan")
	validReceipts(&v, "receipts", in.Receipts, []string{ReceiptInvoice, ReceiptTransferSlip}, 1)
	return v.Err()
}

// ExpenseFilter selects expenses. Empty fields select all.
type ExpenseFilter struct {
	Ledger string
	NeedID string
	Status []string
	Cursor string
	Limit  int
}

// ExpenseDecision is the outcome written onto an expense.
type ExpenseDecision struct {
	Status       string
	DecidedBy    string
	DecidedAt    time.Time
	RejectReason string
	EntryID      string
}

// ExpenseStore persists expenses. Missing documents are ENOTFOUND.
type ExpenseStore interface {
	CreateExpense(ctx context.Context, x *Expense) error
	FindExpenseByID(ctx context.Context, id string) (*Expense, error)
	// FindExpenses returns a page of expenses, newest first, and the
	// cursor of the next page ("" at the end).
	FindExpenses(ctx context.Context, f ExpenseFilter) ([]*Expense, string, error)
	// DecideExpense writes d onto the expense when its status is one of
	// from, incrementing its version, in one single-document update, and
	// returns the result. Another status is ECONFLICT.
	DecideExpense(ctx context.Context, id string, from []string, d ExpenseDecision) (*Expense, error)
}
