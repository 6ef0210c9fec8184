package matching_test

import (
	"testing"

	"github.com/tongban/tongban/matching"
)

func TestFulfilmentStatus(t *testing.T) {
	coats := []matching.Item{{Type: "winter_coat", Size: "130", Count: 3}, {Type: "winter_coat", Size: "140", Count: 2}}
	tests := []struct {
		name string
		n    matching.Need
		want string
	}{
		{"funding, nothing yet", matching.Need{Kind: matching.KindFunding, Status: matching.StatusPublished, TargetFen: 1000}, matching.StatusPublished},
		{"funding, some", matching.Need{Kind: matching.KindFunding, Status: matching.StatusPublished, TargetFen: 1000, Progress: matching.Progress{RaisedFen: 1}}, matching.StatusPartiallyFulfilled},
		{"funding, all", matching.Need{Kind: matching.KindFunding, Status: matching.StatusPartiallyFulfilled, TargetFen: 1000, Progress: matching.Progress{RaisedFen: 1000}}, matching.StatusFulfilled},
		{"funding, refunded below target", matching.Need{Kind: matching.KindFunding, Status: matching.StatusFulfilled, TargetFen: 1000, Progress: matching.Progress{RaisedFen: 999}}, matching.StatusPartiallyFulfilled},
		{"pairing, one of two", matching.Need{Kind: matching.KindPairing, Status: matching.StatusPublished, VolunteersWanted: 2, Progress: matching.Progress{PairingsMade: 1}}, matching.StatusPartiallyFulfilled},
		{"pairing, two of two", matching.Need{Kind: matching.KindPairing, Status: matching.StatusPublished, VolunteersWanted: 2, Progress: matching.Progress{PairingsMade: 2}}, matching.StatusFulfilled},
		{"in kind, pledged only", matching.Need{Kind: matching.KindInKind, Status: matching.StatusPublished, Items: coats, Progress: matching.Progress{ItemsPledged: 5}}, matching.StatusPartiallyFulfilled},
		{"in kind, 4 of 5 delivered", matching.Need{Kind: matching.KindInKind, Status: matching.StatusPublished, Items: coats, Progress: matching.Progress{ItemsPledged: 5, ItemsDelivered: 4}}, matching.StatusPartiallyFulfilled},
		{"in kind, all delivered", matching.Need{Kind: matching.KindInKind, Status: matching.StatusPartiallyFulfilled, Items: coats, Progress: matching.Progress{ItemsPledged: 5, ItemsDelivered: 5}}, matching.StatusFulfilled},
		{"draft", matching.Need{Kind: matching.KindFunding, Status: matching.StatusDraft, TargetFen: 1000, Progress: matching.Progress{RaisedFen: 1000}}, ""},
		{"withdrawn", matching.Need{Kind: matching.KindFunding, Status: matching.StatusWithdrawn, TargetFen: 1000}, ""},
		{"closed", matching.Need{Kind: matching.KindFunding, Status: matching.StatusClosed, TargetFen: 1000}, ""},
	}
	for _, tt := range tests {
		if got := tt.n.FulfilmentStatus(); got != tt.want {
			t.Errorf("%s: FulfilmentStatus() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
