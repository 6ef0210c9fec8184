package matching

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Weights are the weights of the score components; they sum to 1 by
// default and live in configuration.
type Weights struct {
	Subject    float64 `json:"subject"`
	Schedule   float64 `json:"schedule"`
	Distance   float64 `json:"distance"`
	Language   float64 `json:"language"`
	Continuity float64 `json:"continuity"`
	Urgency    float64 `json:"urgency"`
	Waiting    float64 `json:"waiting"`
}

// DefaultWeights favour what makes a pairing last: subject fit and shared
// time first, then distance, then the need's urgency and waiting time.
var DefaultWeights = Weights{Subject: 0.25, Schedule: 0.25, Distance: 0.15, Language: 0.05, Continuity: 0.05, Urgency: 0.15, Waiting: 0.10}

// Component is one part of a score with a sentence in each language.
type Component struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Weight float64 `json:"weight"`
	Points float64 `json:"points"`
	ZH     string  `json:"zh"`
	EN     string  `json:"en"`
}

// Score is a volunteer–need score (0–100) with its explanation.
type Score struct {
	Total      float64     `json:"total"`
	Components []Component `json:"components"`
}

// Place locates a volunteer or need by township centroid.
type Place func(county, township string) (lat, lng float64, ok bool)

// Distance returns kilometres between two centroids.
type Distance func(lat1, lng1, lat2, lng2 float64) float64

// Scorer evaluates hard constraints and scores.
type Scorer struct {
	Weights  Weights
	Place    Place
	Distance Distance
	// Today is the date used for verification expiry (YYYY-MM-DD).
	Today string
	Now   time.Time
}

var dayZH = []string{"", "周一", "周二", "周三", "周四", "周五", "周六", "周日"}
var dayEN = []string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func minutes(hhmm string) int {
	// Fast path for the stored form H:MM or HH:MM, which fmt.Sscanf reads
	// the same way; anything else goes through Sscanf as before.
	if n := len(hhmm); (n == 4 || n == 5) && hhmm[n-3] == ':' && allDigits(hhmm[:n-3]) && allDigits(hhmm[n-2:]) {
		h, m := 0, 0
		for _, c := range hhmm[:n-3] {
			h = h*10 + int(c-'0')
		}
		for _, c := range hhmm[n-2:] {
			m = m*10 + int(c-'0')
		}
		return h*60 + m
	}
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	return h*60 + m
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hhmm(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }

// overlap returns the weekly minutes two slot lists share and the shared
// windows.
func overlap(a, b []Slot) (int, []Slot) {
	total := 0
	var shared []Slot
	for _, x := range a {
		for _, y := range b {
			if x.Day != y.Day {
				continue
			}
			s, e := max(minutes(x.Start), minutes(y.Start)), min(minutes(x.End), minutes(y.End))
			if e > s {
				total += e - s
				shared = append(shared, Slot{Day: x.Day, Start: hhmm(s), End: hhmm(e)})
			}
		}
	}
	sort.Slice(shared, func(i, j int) bool {
		if shared[i].Day != shared[j].Day {
			return shared[i].Day < shared[j].Day
		}
		return shared[i].Start < shared[j].Start
	})
	return total, shared
}

// Ineligible explains why a volunteer may not take a need; empty means
// eligible. Reasons are stable codes.
func (s *Scorer) Ineligible(v *Volunteer, n *Need, alreadyPaired bool) []string {
	var r []string
	if !v.Verification(s.Today).Verified {
		r = append(r, "not_verified")
	}
	if v.ActivePairings >= v.Capacity {
		r = append(r, "no_capacity")
	}
	online, inPerson := slices.Contains(v.Modes, ModeOnline), slices.Contains(v.Modes, ModeInPerson)
	switch n.Mode {
	case ModeOnline:
		if !online {
			r = append(r, "mode")
		}
	case ModeInPerson:
		if !inPerson {
			r = append(r, "mode")
		} else if d, ok := s.distance(v, n); !ok || d > float64(v.TravelKm) {
			r = append(r, "too_far")
		}
	default:
		if !online && !inPerson {
			r = append(r, "mode")
		} else if !online {
			if d, ok := s.distance(v, n); !ok || d > float64(v.TravelKm) {
				r = append(r, "too_far")
			}
		}
	}
	if n.Category == "tutoring" && len(n.Subjects) > 0 && !slices.ContainsFunc(n.Subjects, func(sub string) bool { return slices.Contains(v.Subjects, sub) }) {
		r = append(r, "no_subject")
	}
	if n.Category == "psychological" && !slices.Contains(v.Skills, "counselling") {
		r = append(r, "needs_counselling")
	}
	if n.Safeguarding.FemaleVolunteer && v.Gender != "female" {
		r = append(r, "safeguarding_female")
	}
	if alreadyPaired {
		r = append(r, "already_paired")
	}
	return r
}

func (s *Scorer) distance(v *Volunteer, n *Need) (float64, bool) {
	vl, vg, ok1 := s.Place(v.CountyCode, v.TownshipCode)
	nl, ng, ok2 := s.Place(n.CountyCode, n.TownshipCode)
	if !ok1 || !ok2 {
		return 0, false
	}
	return s.Distance(vl, vg, nl, ng), true
}

// Score rates an eligible pair. Every component has a value in [0, 1], a
// weight, and a sentence.
func (s *Scorer) Score(v *Volunteer, n *Need) Score {
	w := s.Weights
	var cs []Component
	add := func(name string, value, weight float64, zh, en string) {
		value = math.Max(0, math.Min(1, value))
		cs = append(cs, Component{Name: name, Value: round2(value), Weight: weight, Points: round2(value * weight * 100), ZH: zh, EN: en})
	}
	// Subject and grade fit.
	if n.Category == "tutoring" && len(n.Subjects) > 0 {
		covered := 0
		var names []string
		for _, sub := range n.Subjects {
			if slices.Contains(v.Subjects, sub) {
				covered++
				names = append(names, sub)
			}
		}
		fit := float64(covered) / float64(len(n.Subjects))
		gradeOK := n.GradeBand == nil || (v.Grades != nil && v.Grades.Min <= n.GradeBand.Max && v.Grades.Max >= n.GradeBand.Min)
		if !gradeOK {
			fit /= 2
		}
		zh, en := "不能辅导所需科目", "does not teach the subjects asked for"
		if covered > 0 {
			zh = fmt.Sprintf("可辅导%s（%d/%d 科）", labelsZH(names), covered, len(n.Subjects))
			en = fmt.Sprintf("teaches %s (%d of %d subjects)", labelsEN(names), covered, len(n.Subjects))
			if !gradeOK {
				zh += "，但年级不完全匹配"
				en += ", but not at these grades"
			}
		}
		add("subject", fit, w.Subject, zh, en)
	} else {
		pref := 0.6
		if slices.Contains(v.PreferredKinds, n.Category) {
			pref = 1
		}
		l := Labels[n.Category]
		add("subject", pref, w.Subject, "意向服务类型："+l[0], "preferred kind of help: "+l[1])
	}
	// Shared weekly time.
	mins, shared := overlap(v.Availability, n.Schedule)
	want := 0
	for _, sl := range n.Schedule {
		want += minutes(sl.End) - minutes(sl.Start)
	}
	if want == 0 {
		want = 120
	}
	if len(shared) > 0 {
		var zh, en []string
		for _, sl := range shared[:min(3, len(shared))] {
			zh = append(zh, fmt.Sprintf("%s %s–%s", dayZH[sl.Day], sl.Start, sl.End))
			en = append(en, fmt.Sprintf("%s %s–%s", dayEN[sl.Day], sl.Start, sl.End))
		}
		add("schedule", float64(mins)/float64(want), w.Schedule,
			fmt.Sprintf("每周可共同安排 %s：%s", durZH(mins), strings.Join(zh, "、")),
			fmt.Sprintf("%s a week in common: %s", durEN(mins), strings.Join(en, ", ")))
	} else {
		add("schedule", 0, w.Schedule, "时间安排没有重合", "no time in common")
	}
	// Distance.
	if n.Mode == ModeOnline || (n.Mode == ModeEither && slices.Contains(v.Modes, ModeOnline)) {
		add("distance", 1, w.Distance, "线上进行，不受距离影响", "online, distance does not matter")
	} else if d, ok := s.distance(v, n); ok {
		r := math.Max(float64(v.TravelKm), 1)
		add("distance", 1-d/r, w.Distance, fmt.Sprintf("相距约 %.0f 公里（可出行 %d 公里）", d, v.TravelKm), fmt.Sprintf("about %.0f km away (travels up to %d km)", d, v.TravelKm))
	} else {
		add("distance", 0, w.Distance, "无法估计距离", "distance unknown")
	}
	// Language or dialect.
	var common []string
	for _, l := range n.Languages {
		if slices.Contains(v.Languages, l) {
			common = append(common, l)
		}
	}
	switch {
	case len(n.Languages) == 0:
		add("language", 1, w.Language, "对语言没有特别要求", "no language wish")
	case len(common) > 0:
		zh, en := languageNames(common)
		add("language", float64(len(common))/float64(len(n.Languages)), w.Language, "会说："+zh, "speaks "+en)
	default:
		add("language", 0, w.Language, "不会所需的语言或方言", "does not speak the language or dialect asked for")
	}
	// Continuity with the organisation.
	if slices.Contains(v.Orgs, n.OrgID) {
		add("continuity", 1, w.Continuity, "曾与"+n.OrgName+"合作", "has worked with "+n.OrgName)
	} else {
		add("continuity", 0, w.Continuity, "尚未与该组织合作", "new to this organisation")
	}
	// Urgency and waiting time of the need.
	add("urgency", float64(n.Urgency-1)/4, w.Urgency, fmt.Sprintf("紧急程度 %d/5", n.Urgency), fmt.Sprintf("urgency %d of 5", n.Urgency))
	days := 0
	if n.PublishedAt != nil {
		days = int(s.Now.Sub(*n.PublishedAt).Hours() / 24)
	}
	add("waiting", float64(days)/60, w.Waiting, fmt.Sprintf("已等待 %d 天", days), fmt.Sprintf("waiting for %d days", days))
	total := 0.0
	for _, c := range cs {
		total += c.Points
	}
	return Score{Total: round2(total), Components: cs}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func durZH(m int) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d 小时", m/60)
	}
	return fmt.Sprintf("%.1f 小时", float64(m)/60)
}

func durEN(m int) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%.1f h", float64(m)/60)
}

func labelsZH(keys []string) string {
	var out []string
	for _, k := range keys {
		out = append(out, Labels[k][0])
	}
	return strings.Join(out, "、")
}

func labelsEN(keys []string) string {
	var out []string
	for _, k := range keys {
		out = append(out, strings.Fields(Labels[k][1])[0])
	}
	return strings.Join(out, ", ")
}

// Recommendation is a scored candidate with its explanation.
type Recommendation struct {
	Need      *Need            `json:"need,omitempty"`
	Volunteer *PublicVolunteer `json:"volunteer,omitempty"`
	Score     Score            `json:"score"`
}

// PublicVolunteer is how a volunteer appears to staff in candidate lists:
// no contact data.
type PublicVolunteer struct {
	ID           string             `json:"id"`
	DisplayName  string             `json:"display_name"`
	CountyCode   string             `json:"county_code"`
	Subjects     []string           `json:"subjects"`
	Skills       []string           `json:"skills"`
	Verification VerificationStatus `json:"verification"`
}

// TopNeeds scores needs for a volunteer and returns the best k eligible.
func (s *Scorer) TopNeeds(v *Volunteer, needs []*Need, paired map[string]bool, k int) []Recommendation {
	var out []Recommendation
	for _, n := range needs {
		if len(s.Ineligible(v, n, paired[n.ID])) > 0 {
			continue
		}
		out = append(out, Recommendation{Need: n.Public(), Score: s.Score(v, n)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score.Total > out[j].Score.Total })
	return out[:min(k, len(out))]
}

// TopVolunteers scores volunteers for a need and returns the best k eligible.
func (s *Scorer) TopVolunteers(n *Need, vols []*Volunteer, paired map[string]bool, k int) []Recommendation {
	var out []Recommendation
	for _, v := range vols {
		if len(s.Ineligible(v, n, paired[v.ID])) > 0 {
			continue
		}
		out = append(out, Recommendation{Volunteer: &PublicVolunteer{ID: v.ID, DisplayName: v.DisplayName, CountyCode: v.CountyCode,
			Subjects: v.Subjects, Skills: v.Skills, Verification: v.Verification(s.Today)}, Score: s.Score(v, n)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score.Total > out[j].Score.Total })
	return out[:min(k, len(out))]
}

// languageNamesZHEN names common language and dialect tags.
var languageNamesZHEN = map[string][2]string{
	"zh": {"普通话", "Mandarin"}, "zh-hunan": {"湖南话", "Hunan dialect"}, "zh-yue": {"粤语", "Cantonese"}, "zh-wuu": {"吴语", "Wu"}, "zh-hak": {"客家话", "Hakka"},
	"zh-nan": {"闽南语", "Southern Min"}, "zh-hsn": {"湘语", "Xiang"}, "zh-gan": {"赣语", "Gan"}, "en": {"英语", "English"}, "csl": {"中国手语", "Chinese Sign Language"},
}

func languageNames(tags []string) (zh, en string) {
	var z, e []string
	for _, t := range tags {
		if n, ok := languageNamesZHEN[t]; ok {
			z, e = append(z, n[0]), append(e, n[1])
		} else {
			z, e = append(z, t), append(e, t)
		}
	}
	return strings.Join(z, "、"), strings.Join(e, ", ")
}
