package matching

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// Skills a volunteer may declare besides subjects.
var Skills = []string{"counselling", "first_aid", "sign_language", "arts", "sport", "music", "reading", "it"}

// Verification check kinds, all required before any contact with a child.
const (
	CheckIdentity   = "identity"
	CheckBackground = "background"
	CheckTraining   = "training"
)

// CheckKinds lists the required verification checks.
var CheckKinds = []string{CheckIdentity, CheckBackground, CheckTraining}

// Check is one verification step recorded by staff.
type Check struct {
	Passed     bool      `bson:"passed" json:"passed"`
	Date       string    `bson:"date" json:"date"`
	Expires    string    `bson:"expires,omitempty" json:"expires,omitempty"`
	ReviewerID string    `bson:"reviewer_id" json:"reviewer_id"`
	OrgID      string    `bson:"org_id" json:"org_id"`
	Note       string    `bson:"note,omitempty" json:"note,omitempty"`
	RecordedAt time.Time `bson:"recorded_at" json:"recorded_at"`
}

// Volunteer is a volunteer's matching profile. Its ID is the user's ID. The
// location is a township centroid, never an address.
type Volunteer struct {
	ID             string           `bson:"_id" json:"id"`
	DisplayName    string           `bson:"display_name" json:"display_name"`
	Gender         string           `bson:"gender" json:"gender"`
	Subjects       []string         `bson:"subjects" json:"subjects"`
	Grades         *Band            `bson:"grades,omitempty" json:"grades,omitempty"`
	Skills         []string         `bson:"skills" json:"skills"`
	Languages      []string         `bson:"languages" json:"languages"`
	Availability   []Slot           `bson:"availability" json:"availability"`
	CountyCode     string           `bson:"county_code" json:"county_code"`
	TownshipCode   string           `bson:"township_code" json:"township_code"`
	TravelKm       int              `bson:"travel_km" json:"travel_km"`
	Modes          []string         `bson:"modes" json:"modes"`
	Capacity       int              `bson:"capacity" json:"capacity"`
	PreferredKinds []string         `bson:"preferred_kinds" json:"preferred_kinds"`
	Checks         map[string]Check `bson:"checks" json:"checks"`
	ActivePairings int              `bson:"active_pairings" json:"active_pairings"`
	// SlotsLeft is Capacity − ActivePairings, kept in the document so that
	// taking a slot is one guarded atomic update.
	SlotsLeft int `bson:"slots_left" json:"-"`
	// Orgs lists the organisations the volunteer has worked with (continuity).
	Orgs      []string  `bson:"orgs" json:"orgs"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
	Version   int64     `bson:"version" json:"version"`
}

// ProfileInput is what a volunteer edits on their own profile.
type ProfileInput struct {
	Gender         *string   `json:"gender"`
	Subjects       *[]string `json:"subjects"`
	Grades         *Band     `json:"grades"`
	Skills         *[]string `json:"skills"`
	Languages      *[]string `json:"languages"`
	Availability   *[]Slot   `json:"availability"`
	CountyCode     *string   `json:"county_code"`
	TownshipCode   *string   `json:"township_code"`
	TravelKm       *int      `json:"travel_km"`
	Modes          *[]string `json:"modes"`
	Capacity       *int      `json:"capacity"`
	PreferredKinds *[]string `json:"preferred_kinds"`
}

// Apply copies the set fields of in onto v.
func (in ProfileInput) Apply(v *Volunteer) {
	cp := func(dst *[]string, src *[]string) {
		if src != nil {
			*dst = slices.Clone(*src)
		}
	}
	if in.Gender != nil {
		v.Gender = *in.Gender
	}
	cp(&v.Subjects, in.Subjects)
	if in.Grades != nil {
		g := *in.Grades
		v.Grades = &g
	}
	cp(&v.Skills, in.Skills)
	cp(&v.Languages, in.Languages)
	if in.Availability != nil {
		v.Availability = slices.Clone(*in.Availability)
	}
	if in.CountyCode != nil {
		v.CountyCode = *in.CountyCode
	}
	if in.TownshipCode != nil {
		v.TownshipCode = *in.TownshipCode
	}
	if in.TravelKm != nil {
		v.TravelKm = *in.TravelKm
	}
	cp(&v.Modes, in.Modes)
	if in.Capacity != nil {
		v.Capacity = *in.Capacity
	}
	cp(&v.PreferredKinds, in.PreferredKinds)
}

// Validate checks a profile.
func (v *Volunteer) Validate(townshipOK func(county, township string) bool) error {
	var val tongban.Validation
	val.Check(v.Gender == "female" || v.Gender == "male" || v.Gender == "unspecified", "gender", "must be female, male or unspecified")
	for i, s := range v.Subjects {
		val.Check(slices.Contains(Subjects, s), fmt.Sprintf("subjects[%d]", i), "must be one of "+strings.Join(Subjects, ", "))
	}
	if v.Grades != nil {
		val.Check(v.Grades.Min >= 1 && v.Grades.Max <= 12 && v.Grades.Min <= v.Grades.Max, "grades", "must be within grades 1 to 12")
	}
	for i, s := range v.Skills {
		val.Check(slices.Contains(Skills, s), fmt.Sprintf("skills[%d]", i), "must be one of "+strings.Join(Skills, ", "))
	}
	for i, l := range v.Languages {
		val.Check(langRE.MatchString(l), fmt.Sprintf("languages[%d]", i), "must be a language tag such as zh, zh-yue, en")
	}
	val.Check(len(v.Availability) <= 42, "availability", "must have at most 42 slots")
	for i, s := range v.Availability {
		f := fmt.Sprintf("availability[%d]", i)
		val.Check(s.Day >= 1 && s.Day <= 7, f+".day", "must be 1 (Monday) to 7 (Sunday)")
		ok := hhmmRE.MatchString(s.Start) && hhmmRE.MatchString(s.End) && s.Start < s.End &&
			(strings.HasSuffix(s.Start, ":00") || strings.HasSuffix(s.Start, ":30")) && (strings.HasSuffix(s.End, ":00") || strings.HasSuffix(s.End, ":30"))
		val.Check(ok, f, "must start and end on the hour or half hour, start before end")
	}
	val.Check(v.TownshipCode == "" || townshipOK(v.CountyCode, v.TownshipCode), "township_code", "must be a township of the county")
	val.Check(v.TravelKm >= 0 && v.TravelKm <= 200, "travel_km", "must be 0 to 200")
	for i, m := range v.Modes {
		val.Check(m == ModeOnline || m == ModeInPerson, fmt.Sprintf("modes[%d]", i), "must be online or in_person")
	}
	val.Check(v.Capacity >= 0 && v.Capacity <= 5, "capacity", "must be 0 to 5 active pairings")
	for i, k := range v.PreferredKinds {
		val.Check(slices.Contains(Categories[KindPairing], k), fmt.Sprintf("preferred_kinds[%d]", i), "must be tutoring, companionship or psychological")
	}
	return val.Err()
}

// VerificationStatus says whether a volunteer may meet children, and why not.
type VerificationStatus struct {
	Verified bool     `json:"verified"`
	Missing  []string `json:"missing"`
	Expired  []string `json:"expired"`
	Failed   []string `json:"failed"`
	// ExpiresOn is the earliest expiry of a passed check, if any.
	ExpiresOn string `json:"expires_on,omitempty"`
}

// Verification evaluates the checks on the given day (YYYY-MM-DD).
func (v *Volunteer) Verification(today string) VerificationStatus {
	st := VerificationStatus{Missing: []string{}, Expired: []string{}, Failed: []string{}}
	for _, k := range CheckKinds {
		c, ok := v.Checks[k]
		switch {
		case !ok:
			st.Missing = append(st.Missing, k)
		case !c.Passed:
			st.Failed = append(st.Failed, k)
		case c.Expires != "" && c.Expires < today:
			st.Expired = append(st.Expired, k)
		default:
			if c.Expires != "" && (st.ExpiresOn == "" || c.Expires < st.ExpiresOn) {
				st.ExpiresOn = c.Expires
			}
		}
	}
	st.Verified = len(st.Missing)+len(st.Expired)+len(st.Failed) == 0
	return st
}

// RecordCheckInput is a staff member's record of one check.
type RecordCheckInput struct {
	Kind    string `json:"kind"`
	Passed  bool   `json:"passed"`
	Date    string `json:"date"`
	Expires string `json:"expires"`
	OrgID   string `json:"org_id"`
	Note    string `json:"note"`
}

// Validate checks the input; background checks need an expiry date.
func (in RecordCheckInput) Validate() error {
	var v tongban.Validation
	v.Check(slices.Contains(CheckKinds, in.Kind), "kind", "must be identity, background or training")
	_, err := time.Parse("2006-01-02", in.Date)
	v.Check(err == nil, "date", "must be a date YYYY-MM-DD")
	if in.Kind == CheckBackground && in.Passed {
		_, err := time.Parse("2006-01-02", in.Expires)
		v.Check(err == nil && in.Expires > in.Date, "expires", "is required for a passed background check and must be after date")
	} else if in.Expires != "" {
		_, err := time.Parse("2006-01-02", in.Expires)
		v.Check(err == nil && in.Expires > in.Date, "expires", "must be a date after date")
	}
	v.Check(in.OrgID != "", "org_id", "is required: the organisation on whose behalf the check is recorded")
	v.Check(utf8.RuneCountInString(in.Note) <= 200, "note", "must be at most 200 characters")
	return v.Err()
}

// VolunteerStore persists volunteer profiles.
type VolunteerStore interface {
	FindVolunteer(ctx context.Context, id string) (*Volunteer, error)
	// SaveVolunteer inserts v (version 0) or replaces it when the stored
	// version equals version; EPRECONDITION when stale.
	SaveVolunteer(ctx context.Context, v *Volunteer, version int64) (*Volunteer, error)
	// FindVolunteers returns profiles matching the filter (nil = all).
	FindVolunteers(ctx context.Context, f VolunteerFilter) ([]*Volunteer, string, error)
	DeleteVolunteer(ctx context.Context, id string) error
}

// VolunteerFilter selects volunteers.
type VolunteerFilter struct {
	CountyCodes []string
	// Unverified selects profiles missing at least one check.
	Unverified bool
	Cursor     string
	Limit      int
}
