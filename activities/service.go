package activities

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/auth"
)

// DefaultOfferWindow is how long a waitlisted volunteer has to accept a
// freed place before it passes to the next in line.
const DefaultOfferWindow = 24 * time.Hour

// Service implements activities, sign-ups, attendance, hours, calendars and
// certificates, with their access rules. The caller is taken from the
// context (auth.UserFromContext).
type Service struct {
	Store      Store
	Volunteers VolunteerFinder
	// DisplayName returns a user's display name.
	DisplayName func(ctx context.Context, userID string) (string, error)
	// OrgName returns an organisation's name, or ENOTFOUND.
	OrgName func(ctx context.Context, orgID string) (string, error)
	// County resolves a county code to its name.
	County func(code string) (string, bool)
	// Screen is the PII screen: nil, or EUNPROCESSABLE naming each finding.
	Screen func(fields map[string]string) error
	// PairingLogs returns a volunteer's staff-confirmed pairing session logs
	// (nil: hours records show activity sessions only).
	PairingLogs func(ctx context.Context, volunteerID string) ([]PairingLog, error)
	// OfferWindow is how long an offered place is held (DefaultOfferWindow
	// when zero).
	OfferWindow time.Duration
	// CodeSecret keys the rotating check-in codes. Every server of a
	// deployment needs the same secret; when empty a random one is made at
	// first use (codes then change on restart).
	CodeSecret []byte
	// PublicURL is the site's base URL printed in certificates and QR codes
	// (e.g. https://tongban.example); when empty the caller supplies it.
	PublicURL string
	// MaxConcurrentSignups bounds the sign-ups this process runs at once
	// (DefaultMaxConcurrentSignups when zero); more wait their turn.
	MaxConcurrentSignups int
	Now                  func() time.Time

	secretOnce sync.Once
	secret     []byte
	pdfs       pdfCache
	admitOnce  sync.Once
	slots      chan struct{}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) today() string { return s.now().In(Shanghai).Format("2006-01-02") }

func (s *Service) offerWindow() time.Duration {
	if s.OfferWindow > 0 {
		return s.OfferWindow
	}
	return DefaultOfferWindow
}

func (s *Service) codeSecret() []byte {
	s.secretOnce.Do(func() {
		if len(s.CodeSecret) > 0 {
			s.secret = s.CodeSecret
			return
		}
		s.secret = make([]byte, 32)
		if _, err := rand.Read(s.secret); err != nil {
			panic(err)
		}
	})
	return s.secret
}

func caller(ctx context.Context) (*auth.Identity, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	return me, nil
}

func requireVolunteer(ctx context.Context) (*auth.Identity, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !me.HasRole("volunteer") {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only volunteers can do this.")
	}
	return me, nil
}

// canManage: coordinators and reviewers of the organisation run its
// sessions (codes, attendance, hours).
func canManage(me *auth.Identity, orgID string) bool {
	r := me.OrgRole(orgID)
	return r == "coordinator" || r == "reviewer"
}

// canView: any member of the organisation, and administrators, see its
// sign-up lists.
func canView(me *auth.Identity, orgID string) bool {
	return me.IsAdmin() || me.OrgRole(orgID) != ""
}

// ActivityView is an activity with its sessions, as anyone sees it.
type ActivityView struct {
	*Activity
	Sessions []*SessionView `json:"sessions"`
}

// SessionView is a session with its waitlist lengths and, for a logged-in
// volunteer, their own sign-up.
type SessionView struct {
	*Session
	TimeZone string `json:"time_zone"`
	// Waitlisted counts the volunteers in line per role.
	Waitlisted map[string]int `json:"waitlisted"`
	// Open says whether sign-ups are still taken.
	Open bool `json:"open"`
	// MySignup is the caller's sign-up, if any.
	MySignup *SignupView `json:"my_signup,omitempty"`
}

// CreateActivity creates an open activity with its sessions for orgID. Only
// a coordinator of the organisation may; texts pass the PII screen.
func (s *Service) CreateActivity(ctx context.Context, orgID string, in ActivityInput) (*ActivityView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if me.OrgRole(orgID) != "coordinator" {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator of the organisation can create its activities.")
	}
	now := s.now()
	var v tongban.Validation
	in.Validate(&v)
	type times struct{ start, end, deadline time.Time }
	parsed := make([]times, len(in.Sessions))
	for i, si := range in.Sessions {
		if i >= MaxSessions {
			break
		}
		st, en, dl := ValidateSession(&v, fmt.Sprintf("sessions[%d]", i), si, now, s.County)
		parsed[i] = times{st, en, dl}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	fields := map[string]string{"title": in.Title, "description": in.Description}
	for i, si := range in.Sessions {
		fields[fmt.Sprintf("sessions[%d].venue_name", i)] = si.VenueName
	}
	if err := s.screen(fields); err != nil {
		return nil, err
	}
	orgName, err := s.OrgName(ctx, orgID)
	if err != nil {
		return nil, err
	}
	a := &Activity{ID: tongban.NewID(), OrgID: orgID, OrgName: orgName, Title: strings.TrimSpace(in.Title),
		Description: strings.TrimSpace(in.Description), RequireVerified: in.RequireVerified == nil || *in.RequireVerified,
		Qualification: in.Qualification, Status: ActivityOpen, CreatedBy: me.UserID, CreatedAt: now, UpdatedAt: now}
	sessions := make([]*Session, len(in.Sessions))
	for i, si := range in.Sessions {
		county, _ := s.County(si.CountyCode)
		sessions[i] = newSession(a, si, parsed[i].start, parsed[i].end, parsed[i].deadline, county, now)
	}
	if err := s.Store.CreateActivity(ctx, a); err != nil {
		return nil, err
	}
	if err := s.Store.CreateSessions(ctx, sessions); err != nil {
		return nil, err
	}
	return s.view(ctx, me, a, sessions)
}

// AddSession adds a session to an activity (a coordinator of its
// organisation).
func (s *Service) AddSession(ctx context.Context, activityID string, in SessionInput) (*SessionView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.FindActivity(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if me.OrgRole(a.OrgID) != "coordinator" {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator of the organisation can add sessions.")
	}
	existing, _, err := s.Store.FindSessions(ctx, SessionFilter{ActivityID: a.ID, Limit: MaxSessions})
	if err != nil {
		return nil, err
	}
	if len(existing) >= MaxSessions {
		return nil, tongban.Errorf(tongban.ECONFLICT, "An activity has at most %d sessions; create another activity.", MaxSessions)
	}
	now := s.now()
	var v tongban.Validation
	start, end, deadline := ValidateSession(&v, "", in, now, s.County)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.screen(map[string]string{"venue_name": in.VenueName}); err != nil {
		return nil, err
	}
	county, _ := s.County(in.CountyCode)
	sess := newSession(a, in, start, end, deadline, county, now)
	if err := s.Store.CreateSessions(ctx, []*Session{sess}); err != nil {
		return nil, err
	}
	return s.sessionView(ctx, me, sess)
}

func (s *Service) screen(fields map[string]string) error {
	if s.Screen == nil {
		return nil
	}
	return s.Screen(fields)
}

// Activity returns an activity with its sessions to anyone (public data
// only; a logged-in volunteer also sees their own sign-ups). Expired
// offers of its sessions are passed on first.
func (s *Service) Activity(ctx context.Context, id string) (*ActivityView, error) {
	a, err := s.Store.FindActivity(ctx, id)
	if err != nil {
		return nil, err
	}
	sessions, _, err := s.Store.FindSessions(ctx, SessionFilter{ActivityID: a.ID, Limit: MaxSessions})
	if err != nil {
		return nil, err
	}
	for i, sess := range sessions {
		if sessions[i], err = s.fresh(ctx, sess); err != nil {
			return nil, err
		}
	}
	return s.view(ctx, auth.UserFromContext(ctx), a, sessions)
}

func (s *Service) view(ctx context.Context, me *auth.Identity, a *Activity, sessions []*Session) (*ActivityView, error) {
	out := &ActivityView{Activity: a, Sessions: make([]*SessionView, 0, len(sessions))}
	for _, sess := range sessions {
		sv, err := s.sessionView(ctx, me, sess)
		if err != nil {
			return nil, err
		}
		out.Sessions = append(out.Sessions, sv)
	}
	return out, nil
}

func (s *Service) sessionView(ctx context.Context, me *auth.Identity, sess *Session) (*SessionView, error) {
	sv := &SessionView{Session: sess, TimeZone: TimeZone, Waitlisted: map[string]int{}, Open: s.now().Before(sess.SignupDeadline)}
	for _, r := range Roles {
		if sess.Capacity[r] > 0 {
			sv.Waitlisted[r] = len(sess.Waitlist[r])
		}
	}
	if me != nil {
		su, err := s.Store.FindSignup(ctx, SignupID(sess.ID, me.UserID))
		if err == nil {
			if sv.MySignup, err = s.viewWith(ctx, su, sess); err != nil {
				return nil, err
			}
		} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
			return nil, err
		}
	}
	return sv, nil
}

// SearchInput filters the public session list.
type SearchInput struct {
	CountyCode string
	// From and To are dates (YYYY-MM-DD, Asia/Shanghai), both inclusive.
	From, To string
	Role     string
	OrgID    string
	Cursor   string
	Limit    int
}

// SearchSessions lists upcoming sessions for anyone, earliest first.
// Without From it lists from today on.
func (s *Service) SearchSessions(ctx context.Context, in SearchInput) ([]*SessionView, string, error) {
	var v tongban.Validation
	f := SessionFilter{CountyCode: in.CountyCode, Role: in.Role, OrgID: in.OrgID, Cursor: in.Cursor, Limit: in.Limit}
	if in.CountyCode != "" {
		_, ok := s.County(in.CountyCode)
		v.Check(ok, "county_code", "must be a known county code")
	}
	v.Check(in.Role == "" || in.Role == RoleTutor || in.Role == RoleCompanion || in.Role == RoleLogistics, "role", "must be tutor, companion or logistics")
	v.Check(in.Limit >= 1 && in.Limit <= 100, "limit", "must be an integer from 1 to 100")
	if in.From != "" {
		d, err := time.ParseInLocation("2006-01-02", in.From, Shanghai)
		v.Check(err == nil, "from", "must be a date YYYY-MM-DD")
		f.From = d.UTC()
	} else {
		d, _ := time.ParseInLocation("2006-01-02", s.today(), Shanghai)
		f.From = d.UTC()
	}
	if in.To != "" {
		d, err := time.ParseInLocation("2006-01-02", in.To, Shanghai)
		v.Check(err == nil && !d.Before(f.From), "to", "must be a date YYYY-MM-DD not before from")
		v.Check(err != nil || d.Sub(f.From) <= 366*24*time.Hour, "to", "must be at most a year after from")
		f.To = d.AddDate(0, 0, 1).UTC()
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	sessions, next, err := s.Store.FindSessions(ctx, f)
	if err != nil {
		return nil, "", err
	}
	me := auth.UserFromContext(ctx)
	out := make([]*SessionView, 0, len(sessions))
	for _, sess := range sessions {
		sv, err := s.sessionView(ctx, me, sess)
		if err != nil {
			return nil, "", err
		}
		out = append(out, sv)
	}
	return out, next, nil
}

// OrgActivities lists an organisation's activities for its staff.
func (s *Service) OrgActivities(ctx context.Context, orgID string) ([]*Activity, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !canView(me, orgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can list its activities.")
	}
	return s.Store.FindActivities(ctx, orgID)
}

// Session returns one session to anyone (a logged-in volunteer also sees
// their own sign-up), passing on expired offers first.
func (s *Service) Session(ctx context.Context, id string) (*SessionView, error) {
	sess, err := s.Store.FindSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess, err = s.fresh(ctx, sess); err != nil {
		return nil, err
	}
	return s.sessionView(ctx, auth.UserFromContext(ctx), sess)
}

// Export returns what the service holds about a volunteer: sign-ups with
// attendance, certificates, and whether a calendar feed exists.
func (s *Service) Export(ctx context.Context, userID string) (any, error) {
	sus, err := s.Store.FindSignups(ctx, SignupFilter{VolunteerID: userID})
	if err != nil {
		return nil, err
	}
	certs, err := s.Store.FindCertificates(ctx, userID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"signups": sus, "certificates": certs}, nil
}

// Erase removes a volunteer's personal data on their request: places in
// sessions not yet begun are cancelled (and passed on to the waitlist),
// their name is removed from sign-ups, certificates (which state the name)
// are deleted, and the schedule and calendar feed go. Confirmed hours stay
// under the opaque user ID.
func (s *Service) Erase(ctx context.Context, userID string) error {
	sus, err := s.Store.FindSignups(ctx, SignupFilter{VolunteerID: userID, Status: ActiveStatuses})
	if err != nil {
		return err
	}
	now := s.now()
	for _, su := range sus {
		if !now.Before(su.Start) {
			continue
		}
		from := su.Status
		owned := from == SignupConfirmed
		if from == SignupOffered {
			if owned, err = s.Store.ClearOffer(ctx, su.SessionID, su.ID); err != nil {
				return err
			}
		}
		if _, err := s.updateSignup(ctx, su.ID, func(x *Signup) error {
			x.History = append(x.History, Transition{From: x.Status, To: SignupCancelled, By: userID, At: now, Note: "account deleted"})
			x.Status, x.UpdatedAt, x.OfferExpires = SignupCancelled, now, nil
			return nil
		}); err != nil {
			return err
		}
		if from == SignupWaitlisted {
			err = s.Store.LeaveWaitlist(ctx, su.SessionID, su.Role, su.ID)
		} else if owned {
			err = s.passPlace(ctx, su.SessionID, su.Role)
		}
		if err != nil {
			return err
		}
	}
	return s.Store.EraseVolunteer(ctx, userID)
}
