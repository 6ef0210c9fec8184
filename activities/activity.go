// Package activities implements volunteer activities and their sessions:
// sign-ups per role with capacity that is never exceeded, waitlists with
// time-limited offers, rotating check-in codes, attendance and hours,
// iCalendar feeds and verifiable volunteer-service certificates.
//
// Capacity is kept as per-role counters in the session document and taken
// with one guarded atomic update ({places_left.<role>: {$gt: 0}} + $inc),
// which also hands out the arrival number; each role's waitlist and the
// places held for offers live in the same document, so joining the line and
// turning a waiting volunteer into an offer are single atomic updates too.
// A volunteer's confirmed sessions are kept in one schedule document
// replaced at its version, so two overlapping confirmations cannot both
// succeed. A sign-up's ID is derived from (session, volunteer), which a
// unique index also guards. Nothing needs a transaction, and the sign-up
// path addresses every document by _id (the embedded FerretDB pushes down
// no other filter).
package activities

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

// Volunteer roles in a session.
const (
	RoleTutor     = "tutor"
	RoleCompanion = "companion"
	RoleLogistics = "logistics"
)

// Roles lists the roles a session can offer places for.
var Roles = []string{RoleTutor, RoleCompanion, RoleLogistics}

// Activity statuses.
const (
	ActivityOpen = "open"
)

// Shanghai is the time zone of every session (China Standard Time).
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// TimeZone is the IANA name of Shanghai, shown with each session.
const TimeZone = "Asia/Shanghai"

// Activity is an organisation's volunteer activity with one or more
// sessions. Texts are public and passed the PII screen.
type Activity struct {
	ID          string `bson:"_id" json:"id"`
	OrgID       string `bson:"org_id" json:"org_id"`
	OrgName     string `bson:"org_name" json:"org_name"`
	Title       string `bson:"title" json:"title"`
	Description string `bson:"description" json:"description"`
	// RequireVerified admits only volunteers whose checks are all valid.
	RequireVerified bool `bson:"require_verified" json:"require_verified"`
	// Qualification is a skill every volunteer must declare ("" = none).
	Qualification string    `bson:"qualification" json:"qualification"`
	Status        string    `bson:"status" json:"status"`
	CreatedBy     string    `bson:"created_by" json:"-"`
	CreatedAt     time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt     time.Time `bson:"updated_at" json:"updated_at"`
}

// Session is one dated occurrence of an activity at a public venue. The
// per-role counters PlacesLeft and the arrival counter Seq live in this
// document so that taking a place is one guarded atomic update.
type Session struct {
	ID         string `bson:"_id" json:"id"`
	ActivityID string `bson:"activity_id" json:"activity_id"`
	OrgID      string `bson:"org_id" json:"org_id"`
	OrgName    string `bson:"org_name" json:"org_name"`
	// Title is the activity's title (copied for lists and calendars).
	Title           string    `bson:"title" json:"title"`
	RequireVerified bool      `bson:"require_verified" json:"require_verified"`
	Qualification   string    `bson:"qualification" json:"qualification"`
	Start           time.Time `bson:"start" json:"start"`
	End             time.Time `bson:"end" json:"end"`
	// VenueName is a public place (童伴之家, school hall); never a home.
	VenueName      string         `bson:"venue_name" json:"venue_name"`
	CountyCode     string         `bson:"county_code" json:"county_code"`
	CountyName     string         `bson:"county_name" json:"county_name"`
	Capacity       map[string]int `bson:"capacity" json:"capacity"`
	PlacesLeft     map[string]int `bson:"places_left" json:"places_left"`
	SignupDeadline time.Time      `bson:"signup_deadline" json:"signup_deadline"`
	// ChildrenExpected and ChildrenServed are counts only.
	ChildrenExpected int  `bson:"children_expected" json:"children_expected"`
	ChildrenServed   *int `bson:"children_served,omitempty" json:"children_served,omitempty"`
	// Seq is the last arrival number handed out for this session.
	Seq int64 `bson:"seq" json:"-"`
	// Waitlist lists each role's waiting sign-ups in arrival order; the
	// head is offered the next place freed.
	Waitlist map[string][]string `bson:"waitlist" json:"-"`
	// Offers are the places held for offered sign-ups, by sign-up ID.
	Offers map[string]Offer `bson:"offers" json:"-"`
	// HoursConfirmedAt is when staff last confirmed the session's hours.
	HoursConfirmedAt *time.Time `bson:"hours_confirmed_at,omitempty" json:"hours_confirmed_at,omitempty"`
	CreatedAt        time.Time  `bson:"created_at" json:"created_at"`
}

// Offer is a place held for a waitlisted volunteer until Expires.
type Offer struct {
	Role    string    `bson:"role"`
	Expires time.Time `bson:"expires"`
}

// SignupID is the ID of a volunteer's sign-up for a session: one per pair,
// so that it is found by ID alone.
func SignupID(sessionID, volunteerID string) string { return sessionID + "-" + volunteerID }

// ActivityInput is what a coordinator submits to create an activity.
type ActivityInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	// RequireVerified defaults to true: activities meet children.
	RequireVerified *bool          `json:"require_verified"`
	Qualification   string         `json:"qualification"`
	Sessions        []SessionInput `json:"sessions"`
}

// SessionInput describes one session. Times are RFC 3339 with an offset,
// or "2006-01-02T15:04" read in Asia/Shanghai.
type SessionInput struct {
	Start            string         `json:"start"`
	End              string         `json:"end"`
	VenueName        string         `json:"venue_name"`
	CountyCode       string         `json:"county_code"`
	Capacity         map[string]int `json:"capacity"`
	SignupDeadline   string         `json:"signup_deadline"`
	ChildrenExpected int            `json:"children_expected"`
}

// Limits of an activity.
const (
	MaxSessions      = 50
	MaxPlacesPerRole = 500
	MaxSessionHours  = 12
)

// ParseTime reads an RFC 3339 time or a minute-precision local time in
// Asia/Shanghai ("2026-03-07T09:00").
func ParseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, Shanghai); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// Validate checks the activity's own fields (sessions are checked by
// ValidateSession). Field names are those of the JSON input.
func (in *ActivityInput) Validate(v *tongban.Validation) {
	n := utf8.RuneCountInString(strings.TrimSpace(in.Title))
	v.Check(n >= 4 && n <= 60, "title", "must be 4 to 60 characters")
	n = utf8.RuneCountInString(strings.TrimSpace(in.Description))
	v.Check(n >= 10 && n <= 2000, "description", "must be 10 to 2000 characters")
	v.Check(in.Qualification == "" || slices.Contains(matching.Skills, in.Qualification), "qualification", "must be empty or one of "+strings.Join(matching.Skills, ", "))
	v.Check(len(in.Sessions) >= 1 && len(in.Sessions) <= MaxSessions, "sessions", fmt.Sprintf("must list 1 to %d sessions", MaxSessions))
}

// ValidateSession checks one session input against now; prefix names the
// field (e.g. "sessions[0]"). county reports whether a county code exists.
// It returns the parsed times when they are valid.
func ValidateSession(v *tongban.Validation, prefix string, in SessionInput, now time.Time, county func(string) (string, bool)) (start, end, deadline time.Time) {
	f := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	start, okS := ParseTime(in.Start)
	end, okE := ParseTime(in.End)
	okS = okS && start.After(now)
	v.Check(okS, f("start"), "must be a future time such as 2026-03-07T09:00:00+08:00")
	v.Check(okE, f("end"), "must be a time such as 2026-03-07T11:30:00+08:00")
	if okS && okE {
		d := end.Sub(start)
		v.Check(d >= 15*time.Minute && d <= MaxSessionHours*time.Hour, f("end"), fmt.Sprintf("must be 15 minutes to %d hours after start", MaxSessionHours))
	}
	if in.SignupDeadline == "" {
		deadline = start
	} else {
		var ok bool
		deadline, ok = ParseTime(in.SignupDeadline)
		v.Check(ok && (!okS || !deadline.After(start)) && deadline.After(now), f("signup_deadline"), "must be a future time no later than start")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(in.VenueName))
	v.Check(n >= 2 && n <= 60, f("venue_name"), "must be 2 to 60 characters: a public venue, never a home address")
	_, ok := county(in.CountyCode)
	v.Check(ok, f("county_code"), "must be a known county code")
	total := 0
	for role, c := range in.Capacity {
		if !slices.Contains(Roles, role) {
			v.Add(f("capacity."+role), "is not a role: use tutor, companion or logistics")
			continue
		}
		v.Check(c >= 0 && c <= MaxPlacesPerRole, f("capacity."+role), fmt.Sprintf("must be 0 to %d", MaxPlacesPerRole))
		total += max(c, 0)
	}
	v.Check(total > 0, f("capacity"), "must offer at least one place (tutor, companion or logistics)")
	v.Check(in.ChildrenExpected >= 0 && in.ChildrenExpected <= 10000, f("children_expected"), "must be a number from 0 to 10000")
	return start, end, deadline
}

// newSession builds a session of a from a validated input.
func newSession(a *Activity, in SessionInput, start, end, deadline time.Time, countyName string, now time.Time) *Session {
	capacity := map[string]int{}
	waitlist := map[string][]string{}
	for _, r := range Roles {
		capacity[r] = max(in.Capacity[r], 0)
		waitlist[r] = []string{}
	}
	return &Session{ID: tongban.NewID(), ActivityID: a.ID, OrgID: a.OrgID, OrgName: a.OrgName, Title: a.Title,
		RequireVerified: a.RequireVerified, Qualification: a.Qualification, Start: start, End: end,
		VenueName: strings.TrimSpace(in.VenueName), CountyCode: in.CountyCode, CountyName: countyName,
		Capacity: capacity, PlacesLeft: maps.Clone(capacity), Waitlist: waitlist, Offers: map[string]Offer{}, SignupDeadline: deadline, ChildrenExpected: in.ChildrenExpected, CreatedAt: now}
}

// Overlaps reports whether [aStart, aEnd) and [bStart, bEnd) intersect.
func Overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}
