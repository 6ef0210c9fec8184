package donations

import (
	"cmp"
	"slices"
	"time"

	"github.com/tongban/tongban"
)

// GiftTrace is where one gift went, by FIFO attribution (see the package
// documentation). AmountFen = SpentFen + RefundedFen + HeldByNeedsFen +
// UnallocatedFen, to the fen.
type GiftTrace struct {
	DonationID string    `json:"donation_id"`
	Ledger     string    `json:"ledger"`
	DonorID    string    `json:"donor_id,omitempty"`
	Anonymous  bool      `json:"anonymous"`
	Channel    string    `json:"channel"`
	NeedID     string    `json:"need_id,omitempty"`
	AmountFen  int64     `json:"amount_fen"`
	At         time.Time `json:"at"`
	// Allocations lists the money of this gift moved to needs, including a
	// gift designated to a need (Designated).
	Allocations []TracedAllocation `json:"allocations"`
	Expenses    []TracedExpense    `json:"expenses"`
	Refunds     []TracedRefund     `json:"refunds"`
	// HeldByNeeds is what needs hold of this gift, allocated but not spent.
	HeldByNeeds    []NeedAmount `json:"held_by_needs"`
	SpentFen       int64        `json:"spent_fen"`
	RefundedFen    int64        `json:"refunded_fen"`
	HeldByNeedsFen int64        `json:"held_by_needs_fen"`
	UnallocatedFen int64        `json:"unallocated_fen"`
}

// TracedAllocation is part of a gift moved to a need by one entry.
type TracedAllocation struct {
	EntryID    string    `json:"entry_id"`
	At         time.Time `json:"at"`
	NeedID     string    `json:"need_id"`
	AmountFen  int64     `json:"amount_fen"`
	Designated bool      `json:"designated"`
}

// TracedExpense is part of a gift spent by one approved expense.
type TracedExpense struct {
	EntryID   string    `json:"entry_id"`
	At        time.Time `json:"at"`
	ExpenseID string    `json:"expense_id"`
	NeedID    string    `json:"need_id"`
	Category  string    `json:"category"`
	Why       string    `json:"why"`
	AmountFen int64     `json:"amount_fen"`
	Receipts  []Receipt `json:"receipts"`
}

// TracedRefund is part of a gift returned to its donor.
type TracedRefund struct {
	EntryID   string    `json:"entry_id"`
	At        time.Time `json:"at"`
	AmountFen int64     `json:"amount_fen"`
}

// NeedAmount is an amount of money of or for one need.
type NeedAmount struct {
	NeedID    string `json:"need_id"`
	AmountFen int64  `json:"amount_fen"`
}

// lot is the part of one gift held by an account.
type lot struct {
	donation string
	fen      int64
}

// queue is a FIFO of lots.
type queue struct {
	lots []lot
	head int
}

func (q *queue) push(l lot) {
	if n := len(q.lots); n > q.head && q.lots[n-1].donation == l.donation {
		q.lots[n-1].fen += l.fen
		return
	}
	q.lots = append(q.lots, l)
}

// take removes fen from the front of the queue and returns the lots taken,
// or false when the queue holds less.
func (q *queue) take(fen int64) ([]lot, bool) {
	var out []lot
	for fen > 0 {
		if q.head == len(q.lots) {
			return out, false
		}
		l := &q.lots[q.head]
		n := min(l.fen, fen)
		out = append(out, lot{l.donation, n})
		l.fen -= n
		fen -= n
		if l.fen == 0 {
			q.head++
		}
	}
	if q.head > 64 && q.head*2 > len(q.lots) {
		q.lots = append([]lot(nil), q.lots[q.head:]...)
		q.head = 0
	}
	return out, true
}

// takeOf removes up to fen of one donation's lots and returns how much it
// removed.
func (q *queue) takeOf(donation string, fen int64) int64 {
	var got int64
	for i := q.head; i < len(q.lots) && got < fen; i++ {
		if q.lots[i].donation == donation {
			n := min(q.lots[i].fen, fen-got)
			q.lots[i].fen -= n
			got += n
		}
	}
	q.lots = slices.DeleteFunc(q.lots[q.head:], func(l lot) bool { return l.fen == 0 })
	q.head = 0
	return got
}

// held returns what the queue holds of each donation.
func (q *queue) held() []lot { return q.lots[q.head:] }

// Replay folds the entries of one ledger, in seq order, into the FIFO
// attribution of every gift.
type Replay struct {
	ledger string
	seq    int64
	queues map[string]*queue
	gifts  map[string]*GiftTrace
}

// NewReplay starts the replay of a ledger.
func NewReplay(ledger string) *Replay {
	return &Replay{ledger: ledger, queues: map[string]*queue{}, gifts: map[string]*GiftTrace{}}
}

func (r *Replay) queue(account string) *queue {
	q, ok := r.queues[account]
	if !ok {
		q = &queue{}
		r.queues[account] = q
	}
	return q
}

// untraceable is the error for an entry the FIFO replay cannot follow.
func untraceable(e *Entry, why string) error {
	return tongban.Errorf(tongban.EINTERNAL, "Ledger %s cannot be traced at seq %d (%s); run tongban ledger verify.", e.Ledger, e.Seq, why)
}

// Apply folds the next entry in.
func (r *Replay) Apply(e *Entry) error {
	if e.Ledger != r.ledger || e.Seq != r.seq+1 {
		return untraceable(e, "out of order")
	}
	r.seq = e.Seq
	switch e.Kind {
	case KindDonation:
		g := &GiftTrace{DonationID: e.ID, Ledger: e.Ledger, DonorID: e.Links.DonorID, Anonymous: e.Links.Anonymous,
			Channel: e.Links.Channel, AmountFen: e.DebitFen(), At: e.At}
		r.gifts[e.ID] = g
		for _, p := range e.Postings {
			if p.DebitFen == 0 {
				continue
			}
			r.queue(p.Account).push(lot{e.ID, p.DebitFen})
			if need, ok := NeedOf(p.Account); ok {
				g.NeedID = need
				g.Allocations = append(g.Allocations, TracedAllocation{EntryID: e.ID, At: e.At, NeedID: need, AmountFen: p.DebitFen, Designated: true})
			}
		}
	case KindAllocation, KindExpense:
		var moving []lot
		for _, p := range e.Postings {
			if p.CreditFen > 0 {
				taken, ok := r.queue(p.Account).take(p.CreditFen)
				if !ok {
					return untraceable(e, p.Account+" holds less than it gives")
				}
				moving = append(moving, taken...)
			}
		}
		for _, p := range e.Postings {
			if p.DebitFen == 0 {
				continue
			}
			pieces := takeLots(&moving, p.DebitFen)
			for _, l := range pieces {
				g := r.gifts[l.donation]
				if need, ok := NeedOf(p.Account); ok {
					r.queue(p.Account).push(l)
					g.Allocations = append(g.Allocations, TracedAllocation{EntryID: e.ID, At: e.At, NeedID: need, AmountFen: l.fen})
				} else {
					cat, _ := CategoryOf(p.Account)
					need := ""
					if len(e.Links.NeedIDs) > 0 {
						need = e.Links.NeedIDs[0]
					}
					g.Expenses = append(g.Expenses, TracedExpense{EntryID: e.ID, At: e.At, ExpenseID: e.Links.ExpenseID, NeedID: need,
						Category: cat, Why: e.Why, AmountFen: l.fen, Receipts: e.Links.Receipts})
					g.SpentFen += l.fen
				}
			}
		}
	case KindRefund:
		g, ok := r.gifts[e.Links.RefundOf]
		if !ok {
			return untraceable(e, "refund of an unknown donation")
		}
		for _, p := range e.Postings {
			if p.CreditFen > 0 && r.queue(p.Account).takeOf(g.DonationID, p.CreditFen) != p.CreditFen {
				return untraceable(e, p.Account+" holds less of the donation than is refunded")
			}
		}
		g.Refunds = append(g.Refunds, TracedRefund{EntryID: e.ID, At: e.At, AmountFen: e.DebitFen()})
		g.RefundedFen += e.DebitFen()
	default:
		return untraceable(e, "unknown kind")
	}
	return nil
}

// takeLots removes fen from the front of the moving lots, merging pieces of
// the same gift.
func takeLots(moving *[]lot, fen int64) []lot {
	var out []lot
	for fen > 0 && len(*moving) > 0 {
		l := &(*moving)[0]
		n := min(l.fen, fen)
		if k := len(out); k > 0 && out[k-1].donation == l.donation {
			out[k-1].fen += n
		} else {
			out = append(out, lot{l.donation, n})
		}
		l.fen -= n
		fen -= n
		if l.fen == 0 {
			*moving = (*moving)[1:]
		}
	}
	return out
}

// Gift returns the trace of one gift of the ledger so far, or nil.
func (r *Replay) Gift(donationID string) *GiftTrace {
	if _, ok := r.gifts[donationID]; !ok {
		return nil
	}
	return r.traces(map[string]bool{donationID: true})[0]
}

// Gifts returns the traces of the ledger's gifts so far, by seq: all of
// them, or those whose donation IDs are listed.
func (r *Replay) Gifts(donationIDs ...string) []*GiftTrace {
	want := map[string]bool{}
	for _, id := range donationIDs {
		if _, ok := r.gifts[id]; ok {
			want[id] = true
		}
	}
	if len(donationIDs) == 0 {
		for id := range r.gifts {
			want[id] = true
		}
	}
	return r.traces(want)
}

// traces completes the traces of the wanted gifts with what the ledger
// still holds of them, in one pass over the queues.
func (r *Replay) traces(want map[string]bool) []*GiftTrace {
	out := make(map[string]*GiftTrace, len(want))
	held := map[string]map[string]int64{}
	for id := range want {
		g := *r.gifts[id]
		g.Allocations = slices.Clone(g.Allocations)
		g.Expenses = slices.Clone(g.Expenses)
		g.Refunds = slices.Clone(g.Refunds)
		g.HeldByNeeds = []NeedAmount{}
		out[id] = &g
	}
	for account, q := range r.queues {
		need, isNeed := NeedOf(account)
		for _, l := range q.held() {
			g, ok := out[l.donation]
			if !ok {
				continue
			}
			if !isNeed {
				g.UnallocatedFen += l.fen
				continue
			}
			if held[l.donation] == nil {
				held[l.donation] = map[string]int64{}
			}
			held[l.donation][need] += l.fen
			g.HeldByNeedsFen += l.fen
		}
	}
	list := make([]*GiftTrace, 0, len(out))
	for id, g := range out {
		for need, fen := range held[id] {
			g.HeldByNeeds = append(g.HeldByNeeds, NeedAmount{NeedID: need, AmountFen: fen})
		}
		slices.SortFunc(g.HeldByNeeds, func(a, b NeedAmount) int { return cmp.Compare(a.NeedID, b.NeedID) })
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *GiftTrace) int {
		_, sa, _ := ParseEntryID(a.DonationID)
		_, sb, _ := ParseEntryID(b.DonationID)
		return cmp.Compare(sa, sb)
	})
	return list
}

// refundable returns, per account in refund order (pool first, then needs
// by name), what the ledger still holds of a donation.
func (r *Replay) refundable(donationID string) []Posting {
	var out []Posting
	for account, q := range r.queues {
		var n int64
		for _, l := range q.held() {
			if l.donation == donationID {
				n += l.fen
			}
		}
		if n > 0 {
			out = append(out, Posting{Account: account, CreditFen: n})
		}
	}
	slices.SortFunc(out, func(a, b Posting) int {
		_, na := NeedOf(a.Account)
		_, nb := NeedOf(b.Account)
		if na != nb {
			if na {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Account, b.Account)
	})
	return out
}
