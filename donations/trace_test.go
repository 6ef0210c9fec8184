package donations_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
)

// traceLedger is a small history of campaign c1 whose FIFO attribution is
// worked out by hand in TestReplayFIFO.
func traceLedger(t *testing.T) []*donations.Entry {
	t.Helper()
	c := donations.NewChain("c1")
	rc := donations.Receipt{SHA256: "aa", ContentType: "application/pdf", Kind: "invoice"}
	drafts := []donations.Draft{
		donation("d1", 1000, "campaign:c1"), // c1-1
		donation("d2", 500, "campaign:c1"),  // c1-2
		donation("d3", 300, "need:n2"),      // c1-3, designated
		{Kind: donations.KindAllocation, IdemKey: "a4", Links: donations.Links{NeedIDs: []string{"n1"}}, Postings: []donations.Posting{ // c1-4
			{Account: "campaign:c1", CreditFen: 1200}, {Account: "need:n1", DebitFen: 1200}}},
		{Kind: donations.KindExpense, IdemKey: "x5", Why: "棉衣", Links: donations.Links{NeedIDs: []string{"n1"}, ExpenseID: "x5", Receipts: []donations.Receipt{rc}}, Postings: []donations.Posting{ // c1-5
			{Account: "expense:clothing", DebitFen: 1100}, {Account: "need:n1", CreditFen: 1100}}},
		{Kind: donations.KindRefund, IdemKey: "r6", Links: donations.Links{DonorID: "d2", RefundOf: "c1-2"}, Postings: []donations.Posting{ // c1-6
			{Account: "campaign:c1", CreditFen: 200}, {Account: "refund", DebitFen: 200}}},
		{Kind: donations.KindExpense, IdemKey: "x7", Why: "午餐", Links: donations.Links{NeedIDs: []string{"n2"}, ExpenseID: "x7"}, Postings: []donations.Posting{ // c1-7
			{Account: "expense:food", DebitFen: 100}, {Account: "need:n2", CreditFen: 100}}},
		{Kind: donations.KindRefund, IdemKey: "r8", Links: donations.Links{DonorID: "d2", RefundOf: "c1-2", NeedIDs: []string{"n1"}}, Postings: []donations.Posting{ // c1-8
			{Account: "campaign:c1", CreditFen: 100}, {Account: "need:n1", CreditFen: 100}, {Account: "refund", DebitFen: 200}}},
	}
	var out []*donations.Entry
	for _, d := range drafts {
		d.At = t0
		e, err := c.Next(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestReplayFIFO(t *testing.T) {
	es := traceLedger(t)
	r := donations.NewReplay("c1")
	for _, e := range es {
		if err := r.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	rc := []donations.Receipt{{SHA256: "aa", ContentType: "application/pdf", Kind: "invoice"}}
	want := []*donations.GiftTrace{
		{DonationID: "c1-1", Ledger: "c1", DonorID: "d1", Channel: "online", AmountFen: 1000, At: t0,
			Allocations: []donations.TracedAllocation{{EntryID: "c1-4", At: t0, NeedID: "n1", AmountFen: 1000}},
			Expenses:    []donations.TracedExpense{{EntryID: "c1-5", At: t0, ExpenseID: "x5", NeedID: "n1", Category: "clothing", Why: "棉衣", AmountFen: 1000, Receipts: rc}},
			HeldByNeeds: []donations.NeedAmount{}, SpentFen: 1000},
		{DonationID: "c1-2", Ledger: "c1", DonorID: "d2", Channel: "online", AmountFen: 500, At: t0,
			Allocations: []donations.TracedAllocation{{EntryID: "c1-4", At: t0, NeedID: "n1", AmountFen: 200}},
			Expenses:    []donations.TracedExpense{{EntryID: "c1-5", At: t0, ExpenseID: "x5", NeedID: "n1", Category: "clothing", Why: "棉衣", AmountFen: 100, Receipts: rc}},
			Refunds:     []donations.TracedRefund{{EntryID: "c1-6", At: t0, AmountFen: 200}, {EntryID: "c1-8", At: t0, AmountFen: 200}},
			HeldByNeeds: []donations.NeedAmount{}, SpentFen: 100, RefundedFen: 400},
		{DonationID: "c1-3", Ledger: "c1", DonorID: "d3", Channel: "online", NeedID: "n2", AmountFen: 300, At: t0,
			Allocations: []donations.TracedAllocation{{EntryID: "c1-3", At: t0, NeedID: "n2", AmountFen: 300, Designated: true}},
			Expenses:    []donations.TracedExpense{{EntryID: "c1-7", At: t0, ExpenseID: "x7", NeedID: "n2", Category: "food", Why: "午餐", AmountFen: 100}},
			HeldByNeeds: []donations.NeedAmount{{NeedID: "n2", AmountFen: 200}}, SpentFen: 100, HeldByNeedsFen: 200},
	}
	got := r.Gifts()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("traces (-want +got):\n%s", diff)
	}
	for _, g := range got {
		if sum := g.SpentFen + g.RefundedFen + g.HeldByNeedsFen + g.UnallocatedFen; sum != g.AmountFen {
			t.Errorf("%s: spent+refunded+held+unallocated = %d, want %d", g.DonationID, sum, g.AmountFen)
		}
	}
	// Midway, d2's money is partly still in the pool.
	mid := donations.NewReplay("c1")
	for _, e := range es[:5] {
		if err := mid.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	g := mid.Gift("c1-2")
	if got, want := [4]int64{g.SpentFen, g.HeldByNeedsFen, g.UnallocatedFen, g.RefundedFen}, [4]int64{100, 100, 300, 0}; got != want {
		t.Errorf("d2 after the first expense: spent, held, unallocated, refunded = %v, want %v", got, want)
	}
	if mid.Gift("c1-9") != nil {
		t.Errorf("Gift of an unknown donation is not nil")
	}
}

func TestReplayRefusesImpossibleEntries(t *testing.T) {
	es := traceLedger(t)
	tests := []struct {
		name   string
		change func(e *donations.Entry)
	}{
		{"refund of more than the gift holds", func(e *donations.Entry) { e.Postings[0].CreditFen = 400 }},
		{"refund of an unknown gift", func(e *donations.Entry) { e.Links.RefundOf = "c1-99" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := donations.NewReplay("c1")
			for _, e := range es[:5] {
				if err := r.Apply(e); err != nil {
					t.Fatal(err)
				}
			}
			bad := *es[5]
			bad.Postings = append([]donations.Posting(nil), bad.Postings...)
			tt.change(&bad)
			if got := tongban.ErrorCode(r.Apply(&bad)); got != tongban.EINTERNAL {
				t.Errorf("code = %q, want %q", got, tongban.EINTERNAL)
			}
		})
	}
	r := donations.NewReplay("c1")
	if got := tongban.ErrorCode(r.Apply(es[1])); got != tongban.EINTERNAL {
		t.Errorf("out of order: code = %q, want %q", got, tongban.EINTERNAL)
	}
}

func TestBuildReport(t *testing.T) {
	got := donations.BuildReport("c1", traceLedger(t))
	want := &donations.Report{
		Ledger: "c1", AsOfSeq: 8, Donations: 3, Donors: 3,
		RaisedFen: 1800, RefundedFen: 400, AllocatedFen: 1400, SpentFen: 1200, UnallocatedFen: 0, HeldByNeedsFen: 200, BalanceFen: 200,
		ByCategory: []donations.CategoryAmount{{Category: "clothing", AmountFen: 1100}, {Category: "food", AmountFen: 100}},
		ByMonth:    []donations.MonthTotals{{Month: "2026-01", RaisedFen: 1800, RefundedFen: 400, AllocatedFen: 1400, SpentFen: 1200}},
		ByNeed: []donations.NeedTotals{
			{NeedID: "n1", RaisedFen: 1100, SpentFen: 1100, BalanceFen: 0},
			{NeedID: "n2", RaisedFen: 300, SpentFen: 100, BalanceFen: 200}},
		Flows: []donations.Flow{
			{From: "campaign:c1", To: "need:n1", AmountFen: 1200},
			{From: "campaign:c1", To: "refund", AmountFen: 300},
			{From: "donors", To: "campaign:c1", AmountFen: 1500},
			{From: "donors", To: "need:n2", AmountFen: 300},
			{From: "need:n1", To: "expense:clothing", AmountFen: 1100},
			{From: "need:n1", To: "refund", AmountFen: 100},
			{From: "need:n2", To: "expense:food", AmountFen: 100},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}
