package matching_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/matching"
)

// bruteCandidates scans every pair with Ineligible and Score.
func bruteCandidates(s *matching.Scorer, needs []*matching.Need, vols []*matching.Volunteer, opts matching.CandidateOptions) [][]matching.Candidate {
	out := make([][]matching.Candidate, len(needs))
	for i, n := range needs {
		var cs []matching.Candidate
		for j, v := range vols {
			c := v.Capacity - v.ActivePairings
			if opts.RightCap != nil {
				c = opts.RightCap[j]
			}
			paired := opts.Paired != nil && opts.Paired(i, j)
			if c <= 0 || len(s.Ineligible(v, n, paired)) > 0 {
				continue
			}
			sc := s.Score(v, n).Total
			w := int64(math.Round(sc * 1000))
			if opts.Weight != nil {
				w = opts.Weight(i, sc)
			}
			cs = append(cs, matching.Candidate{Vol: int32(j), W: w, Score: sc})
		}
		slices.SortFunc(cs, func(a, b matching.Candidate) int { return cmp.Or(cmp.Compare(b.W, a.W), cmp.Compare(a.Vol, b.Vol)) })
		out[i] = cs[:min(opts.K, len(cs))]
	}
	return out
}

func TestCandidates_BruteForce(t *testing.T) {
	p := matching.GeneratePeople(matching.PeopleConfig{Volunteers: 1500, Needs: 200, Seed: 7})
	rng := rand.New(rand.NewPCG(3, 4))
	paired := map[[2]int]bool{}
	for range 2000 {
		paired[[2]int{rng.IntN(len(p.Needs)), rng.IntN(len(p.Volunteers))}] = true
	}
	rightCap := make([]int, len(p.Volunteers))
	for j, v := range p.Volunteers {
		rightCap[j] = max(0, v.Capacity-v.ActivePairings)
		if j%7 == 0 {
			rightCap[j] = 0
		}
	}
	waiting := func(i int, score float64) int64 {
		f := 1 + math.Min(1, p.Scorer.Now.Sub(*p.Needs[i].PublishedAt).Hours()/24/60)
		return int64(math.Round(score * f * 1000))
	}
	tests := []struct {
		name string
		opts matching.CandidateOptions
	}{
		{"top 50", matching.CandidateOptions{K: 50}},
		{"top 5, paired pairs and capacities", matching.CandidateOptions{K: 5, RightCap: rightCap, Paired: func(i, j int) bool { return paired[[2]int{i, j}] }}},
		{"top 50 weighted by waiting", matching.CandidateOptions{K: 50, Weight: waiting}},
		{"every eligible pair", matching.CandidateOptions{K: 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Scorer.Candidates(p.Needs, p.Volunteers, tt.opts)
			want := bruteCandidates(p.Scorer, p.Needs, p.Volunteers, tt.opts)
			edges := 0
			for i := range want {
				edges += len(want[i])
				if diff := gocmp.Diff(want[i], got[i], cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("need %d (-want +got):\n%s", i, diff)
				}
			}
			if edges < len(p.Needs)*min(tt.opts.K, 5)/2 {
				t.Errorf("only %d candidate pairs: the city is too sparse to test anything", edges)
			}
		})
	}
}

// TestCandidates_ScoreIdentical compares every eligible pair (K larger
// than the population) of deliberately odd profiles — unknown places, no
// grades, overlapping and malformed slots, duplicate subjects and
// languages, modes outside the enum, zero and odd weights — with
// Ineligible and Score, so the fast path must agree bit for bit.
func TestCandidates_ScoreIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	needs, vols := oddPeople(rng, 200, 800)
	scorers := []*matching.Scorer{
		{Weights: matching.DefaultWeights},
		{Weights: matching.Weights{Subject: 0.3, Schedule: 0.17, Distance: 0.13, Language: 0, Continuity: 0.11, Urgency: 0.19, Waiting: 0.1}},
	}
	for k, s := range scorers {
		s.Place, s.Distance, s.Today, s.Now = geo.Centroid, geo.DistanceKm, "2026-03-02", matching.PeopleNow
		t.Run(fmt.Sprint("scorer ", k), func(t *testing.T) {
			opts := matching.CandidateOptions{K: 1 << 20}
			got := s.Candidates(needs, vols, opts)
			want := bruteCandidates(s, needs, vols, opts)
			pairs := 0
			for i := range want {
				pairs += len(want[i])
				if diff := gocmp.Diff(want[i], got[i], cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("need %d %+v (-want +got):\n%s", i, needs[i], diff)
				}
			}
			if pairs < 1500 {
				t.Errorf("only %d eligible pairs", pairs)
			}
		})
	}
}

// TestCandidates_Fallback: more than 64 distinct subjects makes Candidates
// scan every pair; the result is the same.
func TestCandidates_Fallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	needs, vols := oddPeople(rng, 80, 100)
	for i, n := range needs {
		n.Subjects = append(n.Subjects, fmt.Sprintf("subject-%d", i))
	}
	s := &matching.Scorer{Weights: matching.DefaultWeights, Place: geo.Centroid, Distance: geo.DistanceKm, Today: "2026-03-02", Now: matching.PeopleNow}
	opts := matching.CandidateOptions{K: 7}
	if diff := gocmp.Diff(bruteCandidates(s, needs, vols, opts), s.Candidates(needs, vols, opts), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := s.Candidates(needs, vols, matching.CandidateOptions{}); len(got) != len(needs) || len(got[0]) != 0 {
		t.Errorf("K = 0 gave %v", got[:1])
	}
}

func oddPeople(rng *rand.Rand, nn, nv int) ([]*matching.Need, []*matching.Volunteer) {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	some := func(xs ...string) []string {
		var out []string
		for range rng.IntN(4) {
			out = append(out, xs[rng.IntN(len(xs))]) // duplicates on purpose
		}
		return out
	}
	places := [][2]string{{"439902", "439902001"}, {"439902", "439902101"}, {"439921", "439921201"}, {"439921", ""}, {"439923", "439923202"}, {"999999", "x"}, {"439924", "439924101"}}
	slots := func() []matching.Slot {
		var out []matching.Slot
		for range rng.IntN(5) {
			h := 8 + rng.IntN(13)
			out = append(out, matching.Slot{Day: 1 + rng.IntN(7), Start: fmt.Sprintf("%d:%02d", h, 15*rng.IntN(4)), End: fmt.Sprintf("%d:%02d", h+rng.IntN(4)-1, 15*rng.IntN(4))})
		}
		return out
	}
	now := matching.PeopleNow
	needs := make([]*matching.Need, nn)
	for i := range needs {
		pl := places[rng.IntN(len(places))]
		n := &matching.Need{ID: fmt.Sprint("n", i), OrgID: pick("o1", "o2", "o3"), OrgName: "org", Category: pick("tutoring", "tutoring", "companionship", "psychological", "other"),
			CountyCode: pl[0], TownshipCode: pl[1], Subjects: some("math", "chinese", "english", "art"), Schedule: slots(),
			Mode: pick("online", "in_person", "either", "weird"), Languages: some("zh", "zh-hsn", "en"), Urgency: 1 + rng.IntN(5), VolunteersWanted: 1}
		if rng.IntN(3) > 0 {
			n.GradeBand = &matching.Band{Min: 1 + rng.IntN(9), Max: 3 + rng.IntN(9)}
		}
		n.Safeguarding.FemaleVolunteer = rng.IntN(6) == 0
		if rng.IntN(5) > 0 {
			pub := now.Add(-time.Duration(rng.IntN(400*24)) * time.Hour)
			n.PublishedAt = &pub
		}
		needs[i] = n
	}
	vols := make([]*matching.Volunteer, nv)
	for j := range vols {
		pl := places[rng.IntN(len(places))]
		v := &matching.Volunteer{ID: fmt.Sprint("v", j), Gender: pick("female", "male", ""), Subjects: some("math", "chinese", "english", "art", "pe"),
			Skills: some("counselling", "it"), Languages: some("zh", "zh-hsn", "en", "csl"), Availability: slots(),
			CountyCode: pl[0], TownshipCode: pl[1], TravelKm: rng.IntN(60), Modes: some("online", "in_person", "x"),
			Capacity: rng.IntN(3), ActivePairings: rng.IntN(2), Orgs: some("o1", "o2", "o9"), PreferredKinds: some("tutoring", "companionship"),
			Checks: map[string]matching.Check{}}
		if rng.IntN(3) > 0 {
			v.Grades = &matching.Band{Min: 1 + rng.IntN(9), Max: 2 + rng.IntN(11)}
		}
		if rng.IntN(8) > 0 {
			for _, k := range matching.CheckKinds {
				v.Checks[k] = matching.Check{Passed: true, Expires: pick("", "2027-01-01", "2025-01-01")}
			}
		}
		vols[j] = v
	}
	return needs, vols
}

// TestMinutes checks the fast path of the slot time parser against
// fmt.Sscanf, which it replaces for H:MM and HH:MM only.
func TestMinutes(t *testing.T) {
	inputs := []string{"00:00", "7:05", "07:05", "19:30", "23:59", "24:99", "9:5", "1:234", "+7:00", "-1:30", " 7:00", "7:00 ", "7h00", "", ":", "12:", ":30", "123:45", "07:3a", "٣:00"}
	for h := range 25 {
		for m := range 60 {
			inputs = append(inputs, fmt.Sprintf("%d:%02d", h, m), fmt.Sprintf("%02d:%02d", h, m))
		}
	}
	for _, in := range inputs {
		var h, m int
		fmt.Sscanf(in, "%d:%d", &h, &m)
		if got, want := matching.Minutes(in), h*60+m; got != want {
			t.Errorf("minutes(%q) = %d, want %d (Sscanf)", in, got, want)
		}
	}
}
