package donations_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/matching"
)

func TestTrueCounters(t *testing.T) {
	need := &matching.Need{ID: "n1", Items: []matching.Item{{Type: "winter_coat", Size: "130", Count: 10}, {Type: "shoes", Size: "34", Count: 5}}}
	pledge := func(status string, lines ...donations.PledgeLine) *donations.Pledge {
		return &donations.Pledge{NeedID: "n1", Status: status, Lines: lines}
	}
	tests := []struct {
		name    string
		totals  donations.NeedTotals
		pledges []*donations.Pledge
		want    donations.NeedCounters
	}{
		{"nothing", donations.NeedTotals{}, nil,
			donations.NeedCounters{Lines: []donations.LineCounters{{}, {}}}},
		{"money from the ledger", donations.NeedTotals{RaisedFen: 5000, SpentFen: 1200}, nil,
			donations.NeedCounters{RaisedFen: 5000, SpentFen: 1200, Lines: []donations.LineCounters{{}, {}}}},
		{"pledged and received hold their count", donations.NeedTotals{}, []*donations.Pledge{
			pledge(donations.PledgePledged, donations.PledgeLine{Item: 0, Count: 3}),
			pledge(donations.PledgeReceived, donations.PledgeLine{Item: 0, Count: 2}, donations.PledgeLine{Item: 1, Count: 4}),
		}, donations.NeedCounters{ItemsPledged: 9, Lines: []donations.LineCounters{{Pledged: 5}, {Pledged: 4}}}},
		{"delivered holds what it delivered; cancelled nothing", donations.NeedTotals{}, []*donations.Pledge{
			pledge(donations.PledgeDelivered, donations.PledgeLine{Item: 0, Count: 3, Delivered: 2}, donations.PledgeLine{Item: 1, Count: 1}),
			pledge(donations.PledgeCancelled, donations.PledgeLine{Item: 1, Count: 5}),
		}, donations.NeedCounters{ItemsPledged: 2, ItemsDelivered: 2, Lines: []donations.LineCounters{{Pledged: 2, Delivered: 2}, {}}}},
		{"other needs and unknown lines are left out", donations.NeedTotals{}, []*donations.Pledge{
			{NeedID: "n2", Status: donations.PledgePledged, Lines: []donations.PledgeLine{{Item: 0, Count: 7}}},
			pledge(donations.PledgePledged, donations.PledgeLine{Item: 2, Count: 1}, donations.PledgeLine{Item: 1, Count: 1}),
		}, donations.NeedCounters{ItemsPledged: 1, Lines: []donations.LineCounters{{}, {Pledged: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := donations.TrueCounters(need, tt.totals, tt.pledges)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TrueCounters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCounterChanges(t *testing.T) {
	base := donations.NeedCounters{RaisedFen: 100, SpentFen: 50, ItemsPledged: 3, ItemsDelivered: 1,
		Lines: []donations.LineCounters{{Pledged: 2, Delivered: 1}, {Pledged: 1}}}
	tests := []struct {
		name string
		have func(c *donations.NeedCounters)
		want []donations.CounterChange
	}{
		{"equal", func(*donations.NeedCounters) {}, nil},
		{"money", func(c *donations.NeedCounters) { c.RaisedFen, c.SpentFen = 0, 70 }, []donations.CounterChange{
			{Field: "progress.raised_fen", Before: 0, After: 100}, {Field: "progress.spent_fen", Before: 70, After: 50}}},
		{"a line and the total", func(c *donations.NeedCounters) { c.Lines[1].Pledged, c.ItemsPledged = 4, 6 }, []donations.CounterChange{
			{Field: "progress.items_pledged", Before: 6, After: 3}, {Field: "items.1.pledged", Before: 4, After: 1}}},
		{"delivered", func(c *donations.NeedCounters) { c.Lines[0].Delivered, c.ItemsDelivered = 0, 0 }, []donations.CounterChange{
			{Field: "progress.items_delivered", Before: 0, After: 1}, {Field: "items.0.delivered", Before: 0, After: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have := base
			have.Lines = append([]donations.LineCounters(nil), base.Lines...)
			tt.have(&have)
			if diff := cmp.Diff(tt.want, donations.CounterChanges(have, base)); diff != "" {
				t.Errorf("CounterChanges (-want +got):\n%s", diff)
			}
		})
	}
}
