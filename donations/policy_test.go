package donations_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/donations"
)

func TestSplitByPolicy(t *testing.T) {
	tests := []struct {
		name     string
		amount   int64
		cands    []donations.Candidate
		want     []donations.Split
		leftover int64
	}{
		{"proportional to gap × urgency", 1000, []donations.Candidate{{"a", 5000, 1}, {"b", 5000, 3}},
			[]donations.Split{{"a", 250}, {"b", 750}}, 0},
		{"largest remainders get the odd fen", 100, []donations.Candidate{{"a", 1000, 1}, {"b", 1000, 1}, {"c", 1000, 1}},
			[]donations.Split{{"a", 34}, {"b", 33}, {"c", 33}}, 0},
		{"ties broken by weight, then ID", 1, []donations.Candidate{{"b", 500, 2}, {"a", 500, 2}, {"c", 1000, 1}},
			[]donations.Split{{"a", 1}}, 0},
		{"a share above its gap is capped and the rest shared again", 1000, []donations.Candidate{{"a", 100, 5}, {"b", 1000, 1}, {"c", 1000, 1}},
			[]donations.Split{{"a", 100}, {"b", 450}, {"c", 450}}, 0},
		{"more than all the gaps", 5000, []donations.Candidate{{"a", 1200, 2}, {"b", 800, 5}},
			[]donations.Split{{"a", 1200}, {"b", 800}}, 3000},
		{"needs without a gap get nothing", 90, []donations.Candidate{{"a", 0, 5}, {"b", -10, 5}, {"c", 300, 1}},
			[]donations.Split{{"c", 90}}, 0},
		{"urgency is clamped to 1–5", 120, []donations.Candidate{{"a", 1000, 0}, {"b", 1000, 9}},
			[]donations.Split{{"a", 20}, {"b", 100}}, 0},
		{"nothing to share", 0, []donations.Candidate{{"a", 1000, 3}}, nil, 0},
		{"no candidates", 700, nil, nil, 700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, leftover := donations.SplitByPolicy(tt.amount, tt.cands)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("splits (-want +got):\n%s", diff)
			}
			if leftover != tt.leftover {
				t.Errorf("leftover = %d, want %d", leftover, tt.leftover)
			}
		})
	}
}

// TestSplitByPolicyAddsUp checks the invariants on many random cases: the
// splits and the leftover add up to the amount exactly, no split exceeds
// its gap, a leftover means every gap is filled, and a need with a larger
// weight that is not capped never gets fewer fen than a smaller one (but
// for the one fen of rounding).
func TestSplitByPolicyAddsUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		n := 1 + rng.IntN(30)
		cands := make([]donations.Candidate, n)
		var totalGap int64
		for j := range cands {
			gap := rng.Int64N(10_000_000) - 100_000
			cands[j] = donations.Candidate{NeedID: fmt.Sprintf("n%02d", j), GapFen: gap, Urgency: rng.IntN(7)}
			totalGap += max(gap, 0)
		}
		amount := rng.Int64N(max(totalGap*3/2, 1))
		if i%10 == 0 {
			amount = donations.MaxFen
		}
		splits, leftover := donations.SplitByPolicy(amount, cands)
		sum := leftover
		got := map[string]int64{}
		for _, s := range splits {
			sum += s.AmountFen
			got[s.NeedID] = s.AmountFen
		}
		if sum != amount {
			t.Fatalf("case %d: splits + leftover = %d, want %d", i, sum, amount)
		}
		for _, c := range cands {
			if got[c.NeedID] > max(c.GapFen, 0) {
				t.Fatalf("case %d: %s got %d above its gap %d", i, c.NeedID, got[c.NeedID], c.GapFen)
			}
			if leftover > 0 && got[c.NeedID] != max(c.GapFen, 0) {
				t.Fatalf("case %d: leftover %d while %s is %d short", i, leftover, c.NeedID, c.GapFen-got[c.NeedID])
			}
		}
		w := func(c donations.Candidate) int64 { return max(c.GapFen, 0) * int64(min(max(c.Urgency, 1), 5)) }
		for _, a := range cands {
			for _, b := range cands {
				if w(a) > w(b) && got[a.NeedID] < a.GapFen && got[b.NeedID] < b.GapFen && got[a.NeedID]+1 < got[b.NeedID] {
					t.Fatalf("case %d: %s (weight %d) got %d, fewer than %s (weight %d) with %d", i, a.NeedID, w(a), got[a.NeedID], b.NeedID, w(b), got[b.NeedID])
				}
			}
		}
	}
}
