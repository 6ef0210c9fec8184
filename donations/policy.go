package donations

import (
	"cmp"
	"math/big"
	"slices"
)

// PolicyGapUrgency names the default allocation policy: in proportion to
// remaining gap × urgency, capped at the gap, largest-remainder rounding
// (see the package documentation).
const PolicyGapUrgency = "gap_x_urgency"

// Candidate is a need that undesignated money may go to.
type Candidate struct {
	NeedID  string `json:"need_id"`
	GapFen  int64  `json:"gap_fen"`
	Urgency int    `json:"urgency"`
}

// Split is the amount proposed or allocated for one need.
type Split struct {
	NeedID    string `json:"need_id"`
	AmountFen int64  `json:"amount_fen"`
}

// SplitByPolicy divides amountFen among the candidates by the default policy
// and returns the splits (only positive ones, in candidate order) and what
// is left over because every gap is filled. Candidates without a positive
// gap get nothing; urgency is clamped to 1–5. The splits plus the leftover
// add up to amountFen exactly, and no split exceeds its gap.
func SplitByPolicy(amountFen int64, candidates []Candidate) (splits []Split, leftoverFen int64) {
	type active struct {
		i      int
		gap    int64
		weight *big.Int
	}
	var act []active
	var totalGap int64
	for i, c := range candidates {
		if c.GapFen <= 0 {
			continue
		}
		u := int64(min(max(c.Urgency, 1), 5))
		act = append(act, active{i, c.GapFen, big.NewInt(c.GapFen * u)})
		totalGap += c.GapFen
	}
	amounts := make([]int64, len(candidates))
	remaining := max(amountFen, 0)
	if remaining >= totalGap {
		// Everything fits: each need gets its gap.
		for _, a := range act {
			amounts[a.i] = a.gap
		}
		remaining -= totalGap
		act = nil
	}
	// Water-filling: a need whose exact share reaches its gap gets its gap
	// and leaves; the rest is shared again among the others.
	for len(act) > 0 {
		w := new(big.Int)
		for _, a := range act {
			w.Add(w, a.weight)
		}
		amt := big.NewInt(remaining)
		capped := false
		kept := act[:0:0]
		for _, a := range act {
			// share >= gap  ⇔  remaining·weight >= gap·W
			lhs := new(big.Int).Mul(amt, a.weight)
			rhs := new(big.Int).Mul(big.NewInt(a.gap), w)
			if lhs.Cmp(rhs) >= 0 {
				amounts[a.i] = a.gap
				remaining -= a.gap
				capped = true
			} else {
				kept = append(kept, a)
			}
		}
		act = kept
		if capped {
			continue
		}
		// No share reaches its gap: floors, then the largest remainders.
		type rem struct {
			a active
			r *big.Int
		}
		rems := make([]rem, len(act))
		var given int64
		for k, a := range act {
			q, r := new(big.Int).QuoRem(new(big.Int).Mul(amt, a.weight), w, new(big.Int))
			amounts[a.i] = q.Int64()
			given += q.Int64()
			rems[k] = rem{a, r}
		}
		slices.SortStableFunc(rems, func(x, y rem) int {
			return cmp.Or(-x.r.Cmp(y.r), -x.a.weight.Cmp(y.a.weight), cmp.Compare(candidates[x.a.i].NeedID, candidates[y.a.i].NeedID))
		})
		for k := int64(0); k < remaining-given; k++ {
			amounts[rems[k].a.i]++
		}
		remaining = 0
		act = nil
	}
	for i, c := range candidates {
		if amounts[i] > 0 {
			splits = append(splits, Split{NeedID: c.NeedID, AmountFen: amounts[i]})
		}
	}
	return splits, remaining
}
