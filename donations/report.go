package donations

import (
	"cmp"
	"slices"
	"time"
)

// Report is the public transparency report of one ledger, computed in Go
// from its entries. The totals satisfy:
//
//	RaisedFen - RefundedFen = UnallocatedFen + AllocatedFen
//	AllocatedFen = HeldByNeedsFen + SpentFen
//	BalanceFen = UnallocatedFen + HeldByNeedsFen = RaisedFen - RefundedFen - SpentFen
type Report struct {
	Ledger  string `json:"ledger"`
	AsOfSeq int64  `json:"as_of_seq"`
	// Donations counts gifts; Donors counts distinct donor accounts, with
	// gifts recorded without an account counted one each.
	Donations int   `json:"donations"`
	Donors    int   `json:"donors"`
	RaisedFen int64 `json:"raised_fen"`
	// RefundedFen is what was returned to donors.
	RefundedFen int64 `json:"refunded_fen"`
	// AllocatedFen is what was moved to needs (allocations and gifts
	// designated to a need), less refunds taken back from needs.
	AllocatedFen   int64 `json:"allocated_fen"`
	SpentFen       int64 `json:"spent_fen"`
	UnallocatedFen int64 `json:"unallocated_fen"`
	HeldByNeedsFen int64 `json:"held_by_needs_fen"`
	BalanceFen     int64 `json:"balance_fen"`
	// ByCategory is spending per expense category, by category.
	ByCategory []CategoryAmount `json:"by_category"`
	// ByMonth is activity per calendar month (Asia/Shanghai), by month.
	ByMonth []MonthTotals `json:"by_month"`
	// ByNeed is each need's money from this ledger, by need ID.
	ByNeed []NeedTotals `json:"by_need"`
	// Flows are the edges of the Sankey chart: donors → pool → needs →
	// expense categories (and refunds), summed, sorted by From then To.
	Flows []Flow `json:"flows"`
}

// CategoryAmount is the money spent in one expense category.
type CategoryAmount struct {
	Category  string `json:"category"`
	AmountFen int64  `json:"amount_fen"`
}

// MonthTotals is one month's activity of a ledger.
type MonthTotals struct {
	Month        string `json:"month"` // "2026-01"
	RaisedFen    int64  `json:"raised_fen"`
	RefundedFen  int64  `json:"refunded_fen"`
	AllocatedFen int64  `json:"allocated_fen"`
	SpentFen     int64  `json:"spent_fen"`
}

// NeedTotals is the money a need got and spent: from one ledger in a
// Report, from all ledgers in Service.NeedTotals. RaisedFen is what was
// allocated or designated to it less refunds taken back from it;
// BalanceFen = RaisedFen - SpentFen.
type NeedTotals struct {
	NeedID     string `json:"need_id"`
	RaisedFen  int64  `json:"raised_fen"`
	SpentFen   int64  `json:"spent_fen"`
	BalanceFen int64  `json:"balance_fen"`
}

// Flow is money that went from one account (or "donors") to another.
type Flow struct {
	From      string `json:"from"`
	To        string `json:"to"`
	AmountFen int64  `json:"amount_fen"`
}

// FlowDonors is the From of flows out of donors' gifts.
const FlowDonors = "donors"

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// needDeltas returns, per need the entry touches, how it changes the need's
// raised and spent fen.
func needDeltas(e *Entry) map[string]NeedTotals {
	out := map[string]NeedTotals{}
	for _, p := range e.Postings {
		need, ok := NeedOf(p.Account)
		if !ok {
			continue
		}
		t := out[need]
		t.NeedID = need
		if e.Kind == KindExpense {
			t.SpentFen += p.CreditFen
		} else {
			t.RaisedFen += p.DebitFen - p.CreditFen
		}
		t.BalanceFen = t.RaisedFen - t.SpentFen
		out[need] = t
	}
	return out
}

// flowsOf returns the money movements of an entry as flows: each credit is
// matched to the debits in posting order.
func flowsOf(e *Entry) []Flow {
	type part struct {
		account string
		fen     int64
	}
	var from []part
	for _, p := range e.Postings {
		if p.CreditFen > 0 {
			a := p.Account
			if IsDonorAccount(a) {
				a = FlowDonors
			}
			from = append(from, part{a, p.CreditFen})
		}
	}
	var out []Flow
	for _, p := range e.Postings {
		need := p.DebitFen
		for need > 0 && len(from) > 0 {
			n := min(need, from[0].fen)
			out = append(out, Flow{From: from[0].account, To: p.Account, AmountFen: n})
			from[0].fen -= n
			need -= n
			if from[0].fen == 0 {
				from = from[1:]
			}
		}
	}
	return out
}

// reporter folds entries into a Report.
type reporter struct {
	r      Report
	donors map[string]bool
	months map[string]*MonthTotals
	cats   map[string]int64
	needs  map[string]*NeedTotals
	flows  map[[2]string]int64
}

func newReporter(ledger string) *reporter {
	return &reporter{r: Report{Ledger: ledger}, donors: map[string]bool{}, months: map[string]*MonthTotals{},
		cats: map[string]int64{}, needs: map[string]*NeedTotals{}, flows: map[[2]string]int64{}}
}

func (rp *reporter) add(e *Entry) {
	r := &rp.r
	r.AsOfSeq = e.Seq
	month := e.At.In(shanghai).Format("2006-01")
	m, ok := rp.months[month]
	if !ok {
		m = &MonthTotals{Month: month}
		rp.months[month] = m
	}
	amount := e.DebitFen()
	for need, d := range needDeltas(e) {
		t, ok := rp.needs[need]
		if !ok {
			t = &NeedTotals{NeedID: need}
			rp.needs[need] = t
		}
		t.RaisedFen += d.RaisedFen
		t.SpentFen += d.SpentFen
		t.BalanceFen = t.RaisedFen - t.SpentFen
		if e.Kind != KindExpense {
			r.AllocatedFen += d.RaisedFen
			m.AllocatedFen += d.RaisedFen
		}
	}
	switch e.Kind {
	case KindDonation:
		r.Donations++
		if e.Links.DonorID == "" {
			r.Donors++
		} else if !rp.donors[e.Links.DonorID] {
			rp.donors[e.Links.DonorID] = true
			r.Donors++
		}
		r.RaisedFen += amount
		m.RaisedFen += amount
	case KindExpense:
		r.SpentFen += amount
		m.SpentFen += amount
		for _, p := range e.Postings {
			if cat, ok := CategoryOf(p.Account); ok {
				rp.cats[cat] += p.DebitFen
			}
		}
	case KindRefund:
		r.RefundedFen += amount
		m.RefundedFen += amount
	}
	for _, f := range flowsOf(e) {
		rp.flows[[2]string{f.From, f.To}] += f.AmountFen
	}
}

func (rp *reporter) report() *Report {
	r := rp.r
	r.HeldByNeedsFen = r.AllocatedFen - r.SpentFen
	r.UnallocatedFen = r.RaisedFen - r.RefundedFen - r.AllocatedFen
	r.BalanceFen = r.UnallocatedFen + r.HeldByNeedsFen
	r.ByCategory = []CategoryAmount{}
	for c, n := range rp.cats {
		r.ByCategory = append(r.ByCategory, CategoryAmount{Category: c, AmountFen: n})
	}
	slices.SortFunc(r.ByCategory, func(a, b CategoryAmount) int { return cmp.Compare(a.Category, b.Category) })
	r.ByMonth = []MonthTotals{}
	for _, m := range rp.months {
		r.ByMonth = append(r.ByMonth, *m)
	}
	slices.SortFunc(r.ByMonth, func(a, b MonthTotals) int { return cmp.Compare(a.Month, b.Month) })
	r.ByNeed = []NeedTotals{}
	for _, t := range rp.needs {
		r.ByNeed = append(r.ByNeed, *t)
	}
	slices.SortFunc(r.ByNeed, func(a, b NeedTotals) int { return cmp.Compare(a.NeedID, b.NeedID) })
	r.Flows = []Flow{}
	for k, n := range rp.flows {
		r.Flows = append(r.Flows, Flow{From: k[0], To: k[1], AmountFen: n})
	}
	slices.SortFunc(r.Flows, func(a, b Flow) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
	return &r
}

// BuildReport computes the transparency report of a ledger from its
// entries in seq order.
func BuildReport(ledger string, entries []*Entry) *Report {
	rp := newReporter(ledger)
	for _, e := range entries {
		rp.add(e)
	}
	return rp.report()
}
