package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

// seedVolunteerProfiles gives every demo volunteer a matching profile; most
// are verified by the demo reviewer, some wait in the verification queue.
func seedVolunteerProfiles(ctx context.Context, m *Main, r *rand.Rand, users []*accounts.User, orgID, reviewerID string) error {
	counties := geo.SortedCounties()
	now := time.Now().UTC()
	today := now.Format("2006-01-02")
	expires := now.AddDate(1, 0, 0).Format("2006-01-02")
	var vols []*matching.Volunteer
	for i, u := range users {
		if !u.HasRole(accounts.RoleVolunteer) {
			continue
		}
		county := counties[r.IntN(len(counties))]
		subjects := []string{[]string{"math", "chinese", "english", "physics", "science"}[r.IntN(5)]}
		if r.IntN(2) == 0 {
			subjects = append(subjects, "english")
		}
		g := 1 + r.IntN(6)
		day := 1 + r.IntN(7)
		start := 8 + r.IntN(11)
		v := &matching.Volunteer{ID: u.ID, DisplayName: u.DisplayName, Gender: []string{"female", "male", "female", "unspecified"}[r.IntN(4)],
			Subjects: subjects, Grades: &matching.Band{Min: g, Max: min(12, g+5)}, Skills: []string{}, Languages: []string{"zh"},
			Availability: []matching.Slot{{Day: day, Start: fmt.Sprintf("%02d:00", start), End: fmt.Sprintf("%02d:00", start+3)}, {Day: 6, Start: "09:00", End: "12:00"}},
			CountyCode:   county.Code, TownshipCode: county.Townships[r.IntN(len(county.Townships))].Code, TravelKm: 10 + r.IntN(30),
			Modes: [][]string{{"online"}, {"in_person"}, {"online", "in_person"}}[r.IntN(3)], Capacity: 1 + r.IntN(2),
			PreferredKinds: []string{[]string{"tutoring", "companionship", "psychological"}[r.IntN(3)]},
			Checks:         map[string]matching.Check{}, Orgs: []string{}, CreatedAt: now, UpdatedAt: now, Version: 1}
		if r.IntN(4) == 0 {
			v.Skills = append(v.Skills, "counselling")
		}
		if r.IntN(6) == 0 {
			v.Languages = append(v.Languages, "zh-hunan")
		}
		v.SlotsLeft = v.Capacity
		// Every fifth volunteer still waits for checks (the queue has work).
		if i%5 != 4 {
			for _, k := range matching.CheckKinds {
				c := matching.Check{Passed: true, Date: today, ReviewerID: reviewerID, OrgID: orgID, RecordedAt: now}
				if k == matching.CheckBackground {
					c.Expires = expires
				}
				v.Checks[k] = c
			}
			v.Orgs = []string{orgID}
		}
		vols = append(vols, v)
	}
	return mongodb.NewVolunteerStore(m.DB).CreateVolunteers(ctx, vols)
}
