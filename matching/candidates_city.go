package matching

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tongban/tongban/geo"
)

// PeopleConfig sizes a synthetic population for GeneratePeople.
type PeopleConfig struct {
	Volunteers int
	Needs      int    // 0 means Volunteers/5
	Orgs       int    // organisations owning the needs; 0 means 8
	Seed       uint64 // same seed, same people
}

// People is a generated population: real Need and Volunteer values and the
// Scorer (with the geo register) to match them with.
type People struct {
	Needs      []*Need
	Volunteers []*Volunteer
	Scorer     *Scorer
}

// PeopleNow is the fixed "now" of generated people (so that waiting times
// and check expiries are deterministic).
var PeopleNow = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// GeneratePeople builds, deterministically from cfg.Seed, the needs and
// volunteer profiles of a city the size of cfg, as the service stores them,
// for the end-to-end matching benchmark and tests:
//
//   - Places are township centroids of the geo register (5 counties, 17
//     townships); 55 % of volunteers live in the urban district, most
//     needs are in the rural counties.
//   - Volunteers: 1–3 of the 14 subjects (maths, Chinese and English most
//     often), a grade band, weekday evenings (19:00–21:00 or 18:30–20:30
//     on 2–4 days) and/or a weekend half day, online (35 %), in person
//     (25 %) or both, a travel radius of 5–40 km, capacity 1–3, 15 %
//     counsellors, a quarter speaking the local dialect, 85 % with all
//     checks passed, some with earlier work for an organisation.
//   - Needs: tutoring (70 %, 1–2 subjects and a grade band),
//     companionship or psychological support, after-school times on 2–5
//     weekdays and sometimes a weekend block, online / in person / either,
//     1–3 volunteers wanted, urgency 1–5, published up to a year ago, 30 %
//     asking for the dialect, 10 % for a female volunteer.
func GeneratePeople(cfg PeopleConfig) People {
	nv := max(cfg.Volunteers, 0)
	nn := cfg.Needs
	if nn <= 0 {
		nn = nv / 5
	}
	norgs := cfg.Orgs
	if norgs <= 0 {
		norgs = 8
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x7a3b_1d2c_5e4f_6a7b))
	counties := geo.SortedCounties()
	type town struct{ county, code string }
	var urban, rural []town
	for _, c := range counties {
		for i, t := range c.Townships {
			if c.Code == "439902" || i == 0 {
				urban = append(urban, town{c.Code, t.Code})
			} else {
				rural = append(rural, town{c.Code, t.Code})
			}
		}
	}
	pickTown := func(urbanShare float64) town {
		if rng.Float64() < urbanShare {
			return urban[rng.IntN(len(urban))]
		}
		return rural[rng.IntN(len(rural))]
	}
	subjWeights := []float64{5, 6, 5, 1.5, 1, 0.8, 0.6, 0.6, 0.4, 1.5, 1.5, 1.2, 1, 1.2} // order of Subjects
	subjCum := cityCumulative(len(subjWeights), func(i int) float64 { return subjWeights[i] })
	subjects := func(n int) []string {
		var out []string
		for len(out) < n {
			s := Subjects[cityPick(rng, subjCum)]
			if !containsString(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	orgID := func(k int) string { return fmt.Sprintf("org-%02d", k) }
	today := PeopleNow.Format("2006-01-02")
	expires := PeopleNow.AddDate(1, 0, 0).Format("2006-01-02")

	vols := make([]*Volunteer, nv)
	for j := range vols {
		t := pickTown(0.7)
		g := 1 + rng.IntN(9)
		v := &Volunteer{
			ID: fmt.Sprintf("vol-%06d", j), DisplayName: fmt.Sprintf("志愿者%d", j),
			Gender:   []string{"female", "female", "male", "unspecified"}[rng.IntN(4)],
			Subjects: subjects(1 + rng.IntN(3)), Grades: &Band{Min: g, Max: min(12, g+2+rng.IntN(4))},
			Skills: []string{}, Languages: []string{"zh"}, CountyCode: t.county, TownshipCode: t.code,
			TravelKm: 5 + rng.IntN(36), Capacity: 1 + min(2, rng.IntN(10)/6), Orgs: []string{},
			PreferredKinds: []string{[]string{"tutoring", "companionship", "psychological"}[rng.IntN(3)]},
			Checks:         map[string]Check{},
		}
		switch x := rng.Float64(); {
		case x < 0.35:
			v.Modes = []string{ModeOnline}
		case x < 0.6:
			v.Modes = []string{ModeInPerson}
		default:
			v.Modes = []string{ModeOnline, ModeInPerson}
		}
		if rng.Float64() < 0.15 {
			v.Skills = append(v.Skills, "counselling")
		}
		if rng.Float64() < 0.25 {
			v.Languages = append(v.Languages, "zh-hsn")
		}
		if rng.Float64() < 0.75 {
			start := []string{"19:00", "18:30"}[rng.IntN(2)]
			end := map[string]string{"19:00": "21:00", "18:30": "20:30"}[start]
			days := rng.Perm(5)[:2+rng.IntN(3)]
			for d := 1; d <= 5; d++ {
				if containsInt(days, d-1) {
					v.Availability = append(v.Availability, Slot{Day: d, Start: start, End: end})
				}
			}
		}
		if len(v.Availability) == 0 || rng.Float64() < 0.6 {
			b := [][2]string{{"09:00", "12:00"}, {"14:00", "17:00"}, {"09:00", "17:00"}}[rng.IntN(3)]
			v.Availability = append(v.Availability, Slot{Day: 6 + rng.IntN(2), Start: b[0], End: b[1]})
		}
		if v.Capacity > 1 && rng.Float64() < 0.2 {
			v.ActivePairings = 1
		}
		v.SlotsLeft = v.Capacity - v.ActivePairings
		if rng.Float64() < 0.85 {
			for _, k := range CheckKinds {
				c := Check{Passed: true, Date: today, ReviewerID: "reviewer", OrgID: orgID(0)}
				if k == CheckBackground {
					c.Expires = expires
				}
				v.Checks[k] = c
			}
			if rng.Float64() < 0.3 {
				v.Orgs = append(v.Orgs, orgID(rng.IntN(norgs)))
			}
		} else {
			v.Checks[CheckIdentity] = Check{Passed: true, Date: today}
		}
		vols[j] = v
	}

	needs := make([]*Need, nn)
	for i := range needs {
		t := pickTown(0.25)
		county, _ := geo.LookupCounty(t.county)
		org := rng.IntN(norgs)
		n := &Need{
			ID: fmt.Sprintf("need-%06d", i), OrgID: orgID(org), OrgName: fmt.Sprintf("机构%d", org), Kind: KindPairing,
			Title: fmt.Sprintf("结对需求 %d", i), CountyCode: t.county, CountyName: county, TownshipCode: t.code,
			Children: 1, Subjects: []string{}, Languages: []string{}, Urgency: 1 + rng.IntN(5),
			VolunteersWanted: 1, Status: StatusPublished,
		}
		switch x := rng.Float64(); {
		case x < 0.7:
			n.Category = "tutoring"
			n.Subjects = subjects(1 + rng.IntN(2))
			g := 1 + rng.IntN(11)
			n.GradeBand = &Band{Min: g, Max: g + rng.IntN(2)}
		case x < 0.9:
			n.Category = "companionship"
		default:
			n.Category = "psychological"
		}
		n.Mode = []string{ModeOnline, ModeOnline, ModeInPerson, ModeEither, ModeEither}[rng.IntN(5)]
		if x := rng.Float64(); x > 0.7 {
			n.VolunteersWanted = 2
			if x > 0.9 {
				n.VolunteersWanted = 3
			}
		}
		start := []string{"18:30", "19:00"}[rng.IntN(2)]
		end := map[string]string{"19:00": "20:30", "18:30": "20:30"}[start]
		days := rng.Perm(5)[:2+rng.IntN(4)]
		for d := 1; d <= 5; d++ {
			if containsInt(days, d-1) {
				n.Schedule = append(n.Schedule, Slot{Day: d, Start: start, End: end})
			}
		}
		if rng.Float64() < 0.5 {
			b := [][2]string{{"09:00", "11:00"}, {"14:00", "16:00"}}[rng.IntN(2)]
			n.Schedule = append(n.Schedule, Slot{Day: 6 + rng.IntN(2), Start: b[0], End: b[1]})
		}
		if rng.Float64() < 0.3 {
			n.Languages = []string{"zh-hsn"}
		}
		n.Safeguarding.FemaleVolunteer = rng.Float64() < 0.1
		pub := PeopleNow.Add(-time.Duration(rng.IntN(365*24)) * time.Hour)
		n.PublishedAt = &pub
		needs[i] = n
	}
	sc := &Scorer{Weights: DefaultWeights, Place: geo.Centroid, Distance: geo.DistanceKm, Today: today, Now: PeopleNow}
	return People{Needs: needs, Volunteers: vols, Scorer: sc}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
