package donations

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

// NeedBalance is what one need holds in one ledger: what was allocated to
// it, what approved expenses spent, what it still holds, and what pending
// expenses would take from that.
type NeedBalance struct {
	NeedID       string `json:"need_id"`
	Title        string `json:"title"`
	OrgID        string `json:"org_id"`
	Status       string `json:"status"`
	TargetFen    int64  `json:"target_fen"`
	AllocatedFen int64  `json:"allocated_fen"`
	SpentFen     int64  `json:"spent_fen"`
	BalanceFen   int64  `json:"balance_fen"`
	PendingFen   int64  `json:"pending_fen"`
	// AvailableFen is BalanceFen minus PendingFen: what a new expense may
	// still take without an approval failing.
	AvailableFen int64 `json:"available_fen"`
}

// LedgerBalances are the figures finance staff spend from: the ledger's
// totals, the pool not yet allocated, and each need's allocation.
type LedgerBalances struct {
	Ledger  string        `json:"ledger"`
	AsOfSeq int64         `json:"as_of_seq"`
	Totals  *Totals       `json:"totals"`
	PoolFen int64         `json:"pool_fen"`
	Needs   []NeedBalance `json:"needs"`
}

// Balances returns a ledger's balances per need, to finance staff of the
// ledger's organisations and administrators (EFORBIDDEN for other users).
// The needs listed are those holding or having held money in the ledger,
// the campaign's linked needs, and — for the general fund — the published
// funding needs of the caller's finance organisations among the fund's.
func (s *Service) Balances(ctx context.Context, ledger string) (*LedgerBalances, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	orgs, c, err := s.ledgerOrgs(ctx, ledger)
	if err != nil {
		return nil, err
	}
	if !me.IsAdmin() && !isFinance(me, orgs...) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only finance staff of the organisation can see its balances.")
	}
	t, err := s.Totals(ctx, ledger)
	if err != nil {
		return nil, err
	}
	out := &LedgerBalances{Ledger: ledger, Totals: t, Needs: []NeedBalance{}}
	es, err := s.Ledger.EntriesAfter(ctx, ledger, 0, 0)
	if err != nil {
		return nil, err
	}
	byNeed := map[string]*NeedBalance{}
	var order []string
	line := func(id string) *NeedBalance {
		if b, ok := byNeed[id]; ok {
			return b
		}
		b := &NeedBalance{NeedID: id}
		byNeed[id] = b
		order = append(order, id)
		return b
	}
	pool := PoolAccount(ledger)
	for _, e := range es {
		if e.Seq > out.AsOfSeq {
			out.AsOfSeq = e.Seq
		}
		for _, p := range e.Postings {
			if p.Account == pool {
				out.PoolFen += p.DebitFen - p.CreditFen
				continue
			}
			id, ok := NeedOf(p.Account)
			if !ok {
				continue
			}
			b := line(id)
			b.BalanceFen += p.DebitFen - p.CreditFen
			switch e.Kind {
			case KindExpense:
				b.SpentFen += p.CreditFen - p.DebitFen
			default:
				b.AllocatedFen += p.DebitFen - p.CreditFen
			}
		}
	}
	if c != nil {
		for _, id := range c.NeedIDs {
			line(id)
		}
	} else {
		var mine []string
		for _, o := range orgs {
			if isFinance(me, o) {
				mine = append(mine, o)
			}
		}
		if len(mine) > 0 {
			ns, _, err := s.Needs.FindNeeds(ctx, matching.NeedFilter{OrgIDs: mine, Kinds: []string{matching.KindFunding},
				Status: []string{matching.StatusPublished, matching.StatusPartiallyFulfilled}, Limit: 100})
			if err != nil {
				return nil, err
			}
			for _, n := range ns {
				line(n.ID)
			}
		}
	}
	cursor := ""
	for {
		xs, next, err := s.Expenses.FindExpenses(ctx, ExpenseFilter{Ledger: ledger, Status: []string{ExpensePending}, Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, x := range xs {
			line(x.NeedID).PendingFen += x.AmountFen
		}
		if next == "" || len(xs) == 0 {
			break
		}
		cursor = next
	}
	for _, id := range order {
		b := byNeed[id]
		n, err := s.Needs.FindNeedByID(ctx, id)
		if err == nil {
			b.Title, b.OrgID, b.Status, b.TargetFen = n.Title, n.OrgID, n.Status, n.TargetFen
		} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
			return nil, err
		}
		b.AvailableFen = b.BalanceFen - b.PendingFen
		out.Needs = append(out.Needs, *b)
	}
	slices.SortStableFunc(out.Needs, func(a, b NeedBalance) int { return strings.Compare(a.Title+a.NeedID, b.Title+b.NeedID) })
	return out, nil
}

// ExpenseFile returns receipt i (0-based) of an expense, to staff of its
// ledger's or need's organisation and administrators; ENOTFOUND for
// others and for a receipt that does not exist or has no stored file.
func (s *Service) ExpenseFile(ctx context.Context, id string, i int) (*Receipt, error) {
	x, err := s.FindExpense(ctx, id)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(x.Receipts) || x.Receipts[i].BlobKey == "" {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "Receipt %s of the expense not found.", strconv.Itoa(i))
	}
	r := x.Receipts[i]
	return &r, nil
}
