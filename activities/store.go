package activities

import (
	"context"
	"time"

	"github.com/tongban/tongban/matching"
)

// Sign-up statuses. Confirmed, waitlisted and offered sign-ups are active;
// the others are final until the volunteer signs up again.
const (
	SignupConfirmed  = "confirmed"
	SignupWaitlisted = "waitlisted"
	// SignupOffered holds a place freed by a cancellation until the volunteer
	// accepts, declines or the offer expires.
	SignupOffered   = "offered"
	SignupCancelled = "cancelled"
	SignupDeclined  = "declined"
	SignupExpired   = "expired"
)

// ActiveStatuses are the statuses of a sign-up that still counts.
var ActiveStatuses = []string{SignupConfirmed, SignupWaitlisted, SignupOffered}

// Attendance values of a confirmed sign-up.
const (
	AttendanceUnknown  = ""
	AttendanceAttended = "attended"
	AttendanceNoShow   = "no_show"
)

// Transition is one status change of a sign-up.
type Transition struct {
	From string    `bson:"from,omitempty" json:"from,omitempty"`
	To   string    `bson:"to" json:"to"`
	By   string    `bson:"by" json:"by"`
	At   time.Time `bson:"at" json:"at"`
	Note string    `bson:"note,omitempty" json:"note,omitempty"`
}

// Signup is one volunteer's place (or place in line) in one session role.
// Key makes (session, volunteer) unique.
type Signup struct {
	ID            string `bson:"_id" json:"id"`
	SessionID     string `bson:"session_id" json:"session_id"`
	ActivityID    string `bson:"activity_id" json:"activity_id"`
	OrgID         string `bson:"org_id" json:"org_id"`
	VolunteerID   string `bson:"volunteer_id" json:"volunteer_id"`
	VolunteerName string `bson:"volunteer_name" json:"volunteer_name"`
	Role          string `bson:"role" json:"role"`
	Status        string `bson:"status" json:"status"`
	// Seq is the arrival number the session handed out: the waitlist order.
	Seq int64  `bson:"seq" json:"seq"`
	Key string `bson:"key" json:"-"`
	// Session facts copied for lists, overlap checks and calendars.
	Title      string    `bson:"title" json:"title"`
	VenueName  string    `bson:"venue_name" json:"venue_name"`
	CountyName string    `bson:"county_name" json:"county_name"`
	Start      time.Time `bson:"start" json:"start"`
	End        time.Time `bson:"end" json:"end"`
	// OfferExpires is when an offered place passes to the next in line.
	OfferExpires *time.Time `bson:"offer_expires,omitempty" json:"offer_expires,omitempty"`
	CheckIn      *time.Time `bson:"check_in,omitempty" json:"check_in,omitempty"`
	CheckOut     *time.Time `bson:"check_out,omitempty" json:"check_out,omitempty"`
	// Attendance is "", attended or no_show.
	Attendance string `bson:"attendance" json:"attendance"`
	// AttendanceBy is "code" for self check-in, else the staff member's ID.
	AttendanceBy string `bson:"attendance_by,omitempty" json:"attendance_by,omitempty"`
	// Minutes are the attended minutes clamped to the session.
	Minutes          int        `bson:"minutes" json:"minutes"`
	HoursConfirmed   bool       `bson:"hours_confirmed" json:"hours_confirmed"`
	HoursConfirmedBy string     `bson:"hours_confirmed_by,omitempty" json:"-"`
	HoursConfirmedAt *time.Time `bson:"hours_confirmed_at,omitempty" json:"hours_confirmed_at,omitempty"`
	// CodeFailures counts wrong check-in codes (locked after MaxCodeFailures).
	CodeFailures int          `bson:"code_failures" json:"-"`
	History      []Transition `bson:"history" json:"history"`
	CreatedAt    time.Time    `bson:"created_at" json:"created_at"`
	UpdatedAt    time.Time    `bson:"updated_at" json:"updated_at"`
	Version      int64        `bson:"version" json:"version"`
}

// Booking is one confirmed session in a volunteer's schedule.
type Booking struct {
	SignupID  string    `bson:"signup_id" json:"signup_id"`
	SessionID string    `bson:"session_id" json:"session_id"`
	Title     string    `bson:"title" json:"title"`
	Start     time.Time `bson:"start" json:"start"`
	End       time.Time `bson:"end" json:"end"`
}

// Schedule is a volunteer's confirmed sessions in one document, replaced
// only when its version is current: two overlapping confirmations cannot
// both be written.
type Schedule struct {
	VolunteerID string    `bson:"_id"`
	Bookings    []Booking `bson:"bookings"`
	Version     int64     `bson:"version"`
}

// clash returns the booking overlapping [start, end) other than signupID.
func (sc *Schedule) clash(start, end time.Time, signupID string) *Booking {
	for i, b := range sc.Bookings {
		if b.SignupID != signupID && Overlaps(start, end, b.Start, b.End) {
			return &sc.Bookings[i]
		}
	}
	return nil
}

// SessionFilter selects sessions. Zero fields do not filter.
type SessionFilter struct {
	IDs        []string
	ActivityID string
	OrgID      string
	CountyCode string
	// From and To bound the start time: From <= start < To.
	From, To time.Time
	// Role selects sessions offering at least one place of that role.
	Role   string
	Cursor string
	Limit  int
}

// SignupFilter selects sign-ups. Zero fields do not filter.
type SignupFilter struct {
	SessionID   string
	VolunteerID string
	Role        string
	Status      []string
	// OfferExpiredBy selects offers expiring at or before this time.
	OfferExpiredBy time.Time
	// HoursConfirmed selects sign-ups whose hours staff confirmed.
	HoursConfirmed bool
	// Limit caps the result (0 = the store's maximum of 2000).
	Limit int
}

// Store persists activities, sessions, sign-ups, schedules, calendar
// tokens and certificates. Every write touches one document.
type Store interface {
	CreateActivity(ctx context.Context, a *Activity) error
	// FindActivity returns the activity or ENOTFOUND.
	FindActivity(ctx context.Context, id string) (*Activity, error)
	// FindActivities returns an organisation's activities, newest first.
	FindActivities(ctx context.Context, orgID string) ([]*Activity, error)
	CreateSessions(ctx context.Context, ss []*Session) error
	// FindSession returns the session or ENOTFOUND.
	FindSession(ctx context.Context, id string) (*Session, error)
	// FindSessions returns sessions by start time, then ID, and the cursor
	// of the next page ("" on the last); EINVALID for a bad cursor.
	FindSessions(ctx context.Context, f SessionFilter) ([]*Session, string, error)
	// TakePlace takes one free place of role and an arrival number in one
	// guarded atomic update; ECONFLICT when no place is left.
	TakePlace(ctx context.Context, sessionID, role string) (seq int64, err error)
	// NextSeq hands out the next arrival number of the session.
	NextSeq(ctx context.Context, sessionID string) (int64, error)
	// ReleasePlace gives a place of role back to the session.
	ReleasePlace(ctx context.Context, sessionID, role string) error
	// JoinWaitlist appends signupID to role's waitlist and hands out the
	// next arrival number, in one atomic update.
	JoinWaitlist(ctx context.Context, sessionID, role, signupID string) (seq int64, err error)
	// LeaveWaitlist removes signupID from role's waitlist.
	LeaveWaitlist(ctx context.Context, sessionID, role, signupID string) error
	// OfferPlace moves signupID from role's waitlist to the offers, in one
	// atomic update; ECONFLICT when it is no longer waiting.
	OfferPlace(ctx context.Context, sessionID, role, signupID string, expires time.Time) error
	// ClearOffer removes the offer of signupID and reports whether this
	// call removed it: its caller then owns the place.
	ClearOffer(ctx context.Context, sessionID, signupID string) (bool, error)
	// CloseSession records the children served and when hours were confirmed.
	CloseSession(ctx context.Context, id string, childrenServed int, at time.Time) error

	// CreateSignup inserts s; ECONFLICT when the volunteer already has a
	// sign-up for the session.
	CreateSignup(ctx context.Context, s *Signup) error
	// FindSignup returns the sign-up or ENOTFOUND.
	FindSignup(ctx context.Context, id string) (*Signup, error)
	// FindSignups returns sign-ups by session start, then arrival.
	FindSignups(ctx context.Context, f SignupFilter) ([]*Signup, error)
	// ReplaceSignup stores s when the stored version equals version and
	// returns it with the next version; EPRECONDITION when stale.
	ReplaceSignup(ctx context.Context, s *Signup, version int64) (*Signup, error)

	// FindSchedule returns a volunteer's schedule (version 0 when none).
	FindSchedule(ctx context.Context, volunteerID string) (*Schedule, error)
	// SaveSchedule inserts (version 0) or replaces the schedule when the
	// stored version equals version; EPRECONDITION when stale.
	SaveSchedule(ctx context.Context, sc *Schedule, version int64) error

	// SetCalendarToken stores the hash of a volunteer's calendar token,
	// replacing any earlier one.
	SetCalendarToken(ctx context.Context, volunteerID, hash string, at time.Time) error
	DeleteCalendarToken(ctx context.Context, volunteerID string) error
	// FindCalendarToken returns the volunteer of a token hash or ENOTFOUND.
	FindCalendarToken(ctx context.Context, hash string) (volunteerID string, err error)

	// CreateCertificate inserts c; ECONFLICT when the serial exists.
	CreateCertificate(ctx context.Context, c *Certificate) error
	// FindCertificate returns the certificate or ENOTFOUND.
	FindCertificate(ctx context.Context, serial string) (*Certificate, error)
	// FindCertificates returns a volunteer's certificates, newest first.
	FindCertificates(ctx context.Context, volunteerID string) ([]*Certificate, error)
	// SupersedeCertificates marks the volunteer's other valid certificates
	// for orgID as superseded by serial.
	SupersedeCertificates(ctx context.Context, volunteerID, orgID, serial string) error
	// EraseVolunteer removes a volunteer's name from their sign-ups and
	// deletes their certificates, schedule and calendar token.
	EraseVolunteer(ctx context.Context, volunteerID string) error
}

// VolunteerFinder looks up volunteer profiles (verification, skills).
type VolunteerFinder interface {
	FindVolunteer(ctx context.Context, id string) (*matching.Volunteer, error)
}

// PairingLog is one confirmed session log of a pairing, counted in a
// volunteer's hours.
type PairingLog struct {
	ID        string `json:"id"`
	PairingID string `json:"pairing_id"`
	OrgID     string `json:"org_id"`
	Title     string `json:"title"`
	Date      string `json:"date"`
	Minutes   int    `json:"minutes"`
}
