package matching_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/matching"
)

func verified() map[string]matching.Check {
	return map[string]matching.Check{
		"identity":   {Passed: true, Date: "2026-01-01"},
		"background": {Passed: true, Date: "2026-01-01", Expires: "2027-01-01"},
		"training":   {Passed: true, Date: "2026-01-01"},
	}
}

func baseVolunteer() *matching.Volunteer {
	return &matching.Volunteer{ID: "v", Gender: "female", Subjects: []string{"math"}, Grades: &matching.Band{Min: 1, Max: 6},
		Languages: []string{"zh"}, Availability: []matching.Slot{{Day: 6, Start: "08:00", End: "12:00"}},
		CountyCode: "439921", TownshipCode: "439921100", TravelKm: 15, Modes: []string{"in_person"}, Capacity: 1, Checks: verified()}
}

func baseNeed() *matching.Need {
	pub := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return &matching.Need{ID: "n", OrgID: "o", OrgName: "共青团隆安县委员会", Kind: "pairing", Category: "tutoring", Subjects: []string{"math"},
		GradeBand: &matching.Band{Min: 3, Max: 5}, CountyCode: "439921", TownshipCode: "439921100", Mode: "in_person",
		Schedule: []matching.Slot{{Day: 6, Start: "09:00", End: "11:00"}}, Urgency: 5, PublishedAt: &pub}
}

func scorer() *matching.Scorer {
	return &matching.Scorer{Weights: matching.DefaultWeights, Place: geo.Centroid, Distance: geo.DistanceKm,
		Today: "2026-11-29", Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)}
}

func TestIneligible(t *testing.T) {
	tests := []struct {
		name   string
		vol    func(*matching.Volunteer)
		need   func(*matching.Need)
		paired bool
		want   []string
	}{
		{"eligible", nil, nil, false, nil},
		{"background expired", func(v *matching.Volunteer) {
			c := v.Checks["background"]
			c.Expires = "2026-11-01"
			v.Checks["background"] = c
		}, nil, false, []string{"not_verified"}},
		{"missing training", func(v *matching.Volunteer) { delete(v.Checks, "training") }, nil, false, []string{"not_verified"}},
		{"full", func(v *matching.Volunteer) { v.ActivePairings = 1 }, nil, false, []string{"no_capacity"}},
		{"online need, in-person volunteer", nil, func(n *matching.Need) { n.Mode = "online" }, false, []string{"mode"}},
		{"too far", func(v *matching.Volunteer) { v.CountyCode, v.TownshipCode = "439924", "439924101" }, nil, false, []string{"too_far"}},
		{"psychological without counselling", nil, func(n *matching.Need) { n.Category = "psychological" }, false, []string{"needs_counselling"}},
		{"female wish, male volunteer", func(v *matching.Volunteer) { v.Gender = "male" }, func(n *matching.Need) { n.Safeguarding.FemaleVolunteer = true }, false, []string{"safeguarding_female"}},
		{"already paired", nil, nil, true, []string{"already_paired"}},
		{"teaches none of the subjects", func(v *matching.Volunteer) { v.Subjects = []string{"english"} }, nil, false, []string{"no_subject"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n := baseVolunteer(), baseNeed()
			if tt.vol != nil {
				tt.vol(v)
			}
			if tt.need != nil {
				tt.need(n)
			}
			if diff := cmp.Diff(tt.want, scorer().Ineligible(v, n, tt.paired)); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreExplains(t *testing.T) {
	s := scorer().Score(baseVolunteer(), baseNeed())
	got := map[string]string{}
	total := 0.0
	for _, c := range s.Components {
		got[c.Name] = c.ZH + " | " + c.EN
		total += c.Points
	}
	want := map[string]string{
		"schedule": "每周可共同安排 2 小时：周六 9:00–11:00 | 2 h a week in common: Sat 9:00–11:00",
		"subject":  "可辅导数学（1/1 科） | teaches Chinese (1 of 1 subjects)",
		"urgency":  "紧急程度 5/5 | urgency 5 of 5",
		"waiting":  "已等待 28 天 | waiting for 28 days",
	}
	want["subject"] = strings.Replace(want["subject"], "Chinese", "math", 1)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if d := total - s.Total; d > 0.05 || d < -0.05 {
		t.Errorf("total %.2f is not the sum of the components %.2f", s.Total, total)
	}
	// A worse schedule overlap scores lower.
	v := baseVolunteer()
	v.Availability = []matching.Slot{{Day: 6, Start: "10:30", End: "12:00"}}
	if worse := scorer().Score(v, baseNeed()); worse.Total >= s.Total {
		t.Errorf("30 shared minutes scored %.2f, not below 120 minutes' %.2f", worse.Total, s.Total)
	}
}

func TestTopNeedsOrdersAndFilters(t *testing.T) {
	urgent, calm, far := baseNeed(), baseNeed(), baseNeed()
	urgent.ID, calm.ID, far.ID = "urgent", "calm", "far"
	calm.Urgency = 1
	far.CountyCode, far.TownshipCode = "439924", "439924101"
	recs := scorer().TopNeeds(baseVolunteer(), []*matching.Need{calm, far, urgent}, nil, 10)
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Need.ID)
	}
	if diff := cmp.Diff([]string{"urgent", "calm"}, ids); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
