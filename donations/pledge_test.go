package donations_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/donations"
)

func TestTraceOf(t *testing.T) {
	coats := donations.PledgeLine{Item: 0, Type: "winter_coat", Size: "130", Count: 3}
	tests := []struct {
		name string
		p    donations.Pledge
		want donations.Trace
	}{
		{"pledged", donations.Pledge{Status: donations.PledgePledged, Lines: []donations.PledgeLine{coats}},
			donations.Trace{ZH: "3 件 130 码棉衣已认捐", EN: "3 winter coats, size 130: pledged"}},
		{"received, two lines", donations.Pledge{Status: donations.PledgeReceived, Lines: []donations.PledgeLine{coats, {Type: "school_bag", Count: 1}}},
			donations.Trace{ZH: "3 件 130 码棉衣、1 个书包已由机构收到", EN: "3 winter coats, size 130; 1 school bag: received by the organisation"}},
		{"delivered", donations.Pledge{Status: donations.PledgeDelivered, Lines: []donations.PledgeLine{{Type: "winter_coat", Size: "130", Count: 3, Delivered: 3}},
			Delivery: &donations.Delivery{Date: "2026-11-20", Count: 3}},
			donations.Trace{ZH: "3 件 130 码棉衣已送达（2026-11-20）", EN: "3 winter coats, size 130: delivered on 2026-11-20"}},
		{"delivered short names what arrived", donations.Pledge{Status: donations.PledgeDelivered,
			Lines:    []donations.PledgeLine{{Type: "shoes", Size: "34", Count: 2, Delivered: 2}, {Type: "books", Count: 5}},
			Delivery: &donations.Delivery{Date: "2026-11-21", Count: 2}},
			donations.Trace{ZH: "2 双 34 码鞋已送达（2026-11-21）", EN: "2 pairs of shoes, size 34: delivered on 2026-11-21"}},
		{"cancelled", donations.Pledge{Status: donations.PledgeCancelled, Lines: []donations.PledgeLine{{Type: "quilt", Count: 1}}},
			donations.Trace{ZH: "1 床棉被已取消", EN: "1 quilt: cancelled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, donations.TraceOf(&tt.p)); diff != "" {
				t.Errorf("TraceOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pledge := func(id, need string, item int, status string, count int, at time.Duration) *donations.Pledge {
		return &donations.Pledge{ID: id, NeedID: need, Status: status, CreatedAt: t0.Add(at),
			Lines: []donations.PledgeLine{{Item: item, Type: "winter_coat", Size: "130", Count: count}}}
	}
	line := func(need string, item, open, urgency int, deadline string) donations.SuggestLine {
		return donations.SuggestLine{NeedID: need, Item: item, Type: "winter_coat", Size: "130", Open: open, Urgency: urgency, Deadline: deadline}
	}
	tests := []struct {
		name    string
		pledges []*donations.Pledge
		lines   []donations.SuggestLine
		want    donations.Suggestion
	}{
		{"most urgent line first, even if pledged elsewhere",
			[]*donations.Pledge{pledge("p1", "low", 0, donations.PledgeReceived, 4, 0)},
			[]donations.SuggestLine{line("low", 0, 4, 2, ""), line("high", 0, 3, 5, "")},
			donations.Suggestion{
				Assignments: []donations.Assignment{
					{PledgeID: "p1", NeedID: "high", Type: "winter_coat", Size: "130", Count: 3, Moves: true},
					{PledgeID: "p1", NeedID: "low", Type: "winter_coat", Size: "130", Count: 1},
				},
				Unfilled: []donations.SuggestLine{line("low", 0, 3, 2, "")},
			}},
		{"own pledges first, then received before pledged, older first",
			[]*donations.Pledge{
				pledge("new", "b", 0, donations.PledgePledged, 2, 2*time.Hour),
				pledge("old", "b", 0, donations.PledgePledged, 2, time.Hour),
				pledge("got", "b", 0, donations.PledgeReceived, 2, 3*time.Hour),
				pledge("mine", "a", 0, donations.PledgePledged, 1, 4*time.Hour),
				pledge("done", "a", 0, donations.PledgeDelivered, 9, 0),
			},
			[]donations.SuggestLine{line("a", 0, 4, 3, "")},
			donations.Suggestion{
				Assignments: []donations.Assignment{
					{PledgeID: "mine", NeedID: "a", Type: "winter_coat", Size: "130", Count: 1},
					{PledgeID: "got", NeedID: "a", Type: "winter_coat", Size: "130", Count: 2, Moves: true},
					{PledgeID: "old", NeedID: "a", Type: "winter_coat", Size: "130", Count: 1, Moves: true},
				},
				Unfilled: []donations.SuggestLine{},
			}},
		{"equal urgency: earlier deadline first, no deadline last; other sizes untouched",
			[]*donations.Pledge{pledge("p", "x", 0, donations.PledgePledged, 2, 0)},
			[]donations.SuggestLine{line("none", 0, 2, 4, ""), line("late", 0, 1, 4, "2027-01-10"), line("soon", 0, 1, 4, "2026-12-01"),
				{NeedID: "big", Type: "winter_coat", Size: "160", Open: 1, Urgency: 5}},
			donations.Suggestion{
				Assignments: []donations.Assignment{
					{PledgeID: "p", NeedID: "soon", Type: "winter_coat", Size: "130", Count: 1, Moves: true},
					{PledgeID: "p", NeedID: "late", Type: "winter_coat", Size: "130", Count: 1, Moves: true},
				},
				Unfilled: []donations.SuggestLine{{NeedID: "big", Type: "winter_coat", Size: "160", Open: 1, Urgency: 5}, line("none", 0, 2, 4, "")},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, donations.Suggest(tt.pledges, tt.lines)); diff != "" {
				t.Errorf("Suggest (-want +got):\n%s", diff)
			}
		})
	}
}
