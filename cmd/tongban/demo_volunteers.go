package main

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

// demoVolunteerCounties weights where demo volunteers live: most in 隆安县,
// where the demo organisations work, many in the city district 青山区
// (students and office workers who mostly help online).
var demoVolunteerCounties = []string{"439921", "439921", "439921", "439921", "439921", "439902", "439902", "439902", "439922", "439922", "439923", "439924"}

// demoVolunteerProfiles are the hand-written profiles of the named demo
// volunteers: both live in 隆安县 and help in person and online.
var demoVolunteerProfiles = map[string]matching.Volunteer{
	"volunteer@tongban.example": {Gender: "female", Subjects: []string{"chinese", "math"}, Grades: &matching.Band{Min: 1, Max: 6},
		Availability: []matching.Slot{{Day: 3, Start: "19:00", End: "21:00"}, {Day: 6, Start: "09:00", End: "12:00"}},
		CountyCode:   "439921", TownshipCode: "439921101", TravelKm: 20, Modes: []string{"online", "in_person"}, Capacity: 2,
		PreferredKinds: []string{"companionship"}},
	"both@tongban.example": {Gender: "male", Subjects: []string{"math", "physics"}, Grades: &matching.Band{Min: 7, Max: 9},
		Availability: []matching.Slot{{Day: 5, Start: "16:00", End: "18:30"}, {Day: 6, Start: "09:00", End: "12:00"}},
		CountyCode:   "439921", TownshipCode: "439921100", TravelKm: 30, Modes: []string{"online", "in_person"}, Capacity: 1,
		PreferredKinds: []string{"tutoring"}},
}

// seedVolunteerProfiles gives every demo volunteer a matching profile; most
// are verified by the demo reviewer, some wait in the verification queue.
// A profile fits together: subjects are taught at its grades, counselling
// comes with a preference for psychological support, volunteers in the
// city district mostly help online and those who only meet in person
// travel further.
func seedVolunteerProfiles(ctx context.Context, m *Main, r *rand.Rand, users []*accounts.User, orgID, reviewerID string) error {
	now := time.Now().UTC()
	today := now.Format("2006-01-02")
	expires := now.AddDate(1, 0, 0).Format("2006-01-02")
	var vols []*matching.Volunteer
	for i, u := range users {
		if !u.HasRole(accounts.RoleVolunteer) {
			continue
		}
		county := geo.Counties[demoVolunteerCounties[r.IntN(len(demoVolunteerCounties))]]
		// Primary-school helpers teach 1–6, secondary ones 7–12.
		var subjects []string
		var grades *matching.Band
		if r.IntN(3) < 2 {
			g := 1 + r.IntN(3)
			grades = &matching.Band{Min: g, Max: g + 3}
			subjects = []string{[]string{"chinese", "math", "math", "science"}[r.IntN(4)]}
			if g >= 2 && r.IntN(2) == 0 {
				subjects = append(subjects, "english")
			}
		} else {
			g := 7 + r.IntN(3)
			grades = &matching.Band{Min: g, Max: g + 3}
			subjects = []string{[]string{"math", "physics", "english", "chinese"}[r.IntN(4)]}
			if subjects[0] == "math" && r.IntN(2) == 0 {
				subjects = append(subjects, "physics")
			}
		}
		modes := [][]string{{"online"}, {"in_person"}, {"online", "in_person"}, {"online", "in_person"}}[r.IntN(4)]
		if county.Code == "439902" && r.IntN(3) > 0 {
			modes = []string{"online"}
		}
		travel := 10 + 5*r.IntN(4)
		if len(modes) == 1 && modes[0] == "in_person" {
			travel += 20
		}
		// A weekday evening or Sunday afternoon, and Saturday morning.
		slot := []matching.Slot{{Day: 1 + r.IntN(5), Start: "19:00", End: "21:00"}, {Day: 7, Start: "14:00", End: "17:00"}, {Day: 5, Start: "16:00", End: "18:30"}}[r.IntN(3)]
		kinds := []string{[]string{"tutoring", "tutoring", "companionship"}[r.IntN(3)]}
		skills := []string{}
		if r.IntN(4) == 0 {
			skills = append(skills, "counselling")
			kinds = []string{"psychological"}
		}
		v := &matching.Volunteer{ID: u.ID, DisplayName: u.DisplayName, Gender: []string{"female", "male", "female", "unspecified"}[r.IntN(4)],
			Subjects: subjects, Grades: grades, Skills: skills, Languages: []string{"zh"},
			Availability: []matching.Slot{slot, {Day: 6, Start: "09:00", End: "12:00"}},
			CountyCode:   county.Code, TownshipCode: county.Townships[r.IntN(len(county.Townships))].Code, TravelKm: travel,
			Modes: modes, Capacity: 1 + r.IntN(2), PreferredKinds: kinds,
			Checks: map[string]matching.Check{}, Orgs: []string{}, CreatedAt: now, UpdatedAt: now, Version: 1}
		if county.Code != "439902" && r.IntN(3) == 0 {
			v.Languages = append(v.Languages, "zh-hunan") // local dialect
		}
		if p, ok := demoVolunteerProfiles[u.Login]; ok {
			v.Gender, v.Subjects, v.Grades, v.Availability = p.Gender, p.Subjects, p.Grades, p.Availability
			v.CountyCode, v.TownshipCode, v.TravelKm, v.Modes, v.Capacity = p.CountyCode, p.TownshipCode, p.TravelKm, p.Modes, p.Capacity
			v.PreferredKinds, v.Skills, v.Languages = p.PreferredKinds, []string{}, []string{"zh", "zh-hunan"}
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
