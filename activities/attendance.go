package activities

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/tongban/tongban"
)

// Check-in rules.
const (
	// CodeWindow is how long one check-in code is shown; the code of the
	// previous window is still accepted (scanning across a rotation).
	CodeWindow = 60 * time.Second
	// MaxCodeFailures wrong codes lock self check-in for a sign-up; staff
	// then record attendance by hand.
	MaxCodeFailures = 10
	// CheckInEarly is how long before the start volunteers may check in.
	CheckInEarly = time.Hour
	// CheckOutLate is how long after the end volunteers may check out.
	CheckOutLate = 3 * time.Hour
)

// CodeAt returns the 6-digit check-in code of a session for the window
// containing t: an HMAC-SHA256 over the session ID and the window number,
// truncated as in RFC 4226.
func CodeAt(secret []byte, sessionID string, t time.Time) string {
	return codeFor(secret, sessionID, t.Unix()/int64(CodeWindow/time.Second))
}

func codeFor(secret []byte, sessionID string, window int64) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "tongban-checkin|%s|%d", sessionID, window)
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1_000_000)
}

// CodeValid reports whether code is the session's code of the window of t
// or of the one before, in constant time.
func CodeValid(secret []byte, sessionID, code string, t time.Time) bool {
	w := t.Unix() / int64(CodeWindow/time.Second)
	ok := 0
	for _, win := range []int64{w, w - 1} {
		ok |= subtle.ConstantTimeCompare([]byte(codeFor(secret, sessionID, win)), []byte(code))
	}
	return ok == 1
}

// AttendedMinutes returns the whole minutes between check-in and check-out
// clamped to the session [start, end].
func AttendedMinutes(start, end, in, out time.Time) int {
	if in.Before(start) {
		in = start
	}
	if out.After(end) {
		out = end
	}
	if !out.After(in) {
		return 0
	}
	return int(out.Sub(in) / time.Minute)
}

// CheckinCode is what staff show at the venue: the current code and the
// page that a phone opens from the QR code.
type CheckinCode struct {
	SessionID string `json:"session_id"`
	Code      string `json:"code"`
	// URL opens the volunteer's check-in page with the code filled in; it
	// is the QR code's payload.
	URL           string    `json:"url"`
	ExpiresAt     time.Time `json:"expires_at"`
	WindowSeconds int       `json:"window_seconds"`
}

// CheckinPath is the web page a check-in QR code opens.
func CheckinPath(sessionID, code string) string {
	return "/checkin/" + sessionID + "?code=" + code
}

// baseURL returns the configured public URL or else the caller's.
func (s *Service) baseURL(requestBase string) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	return strings.TrimRight(requestBase, "/")
}

// CheckinCode returns a session's current check-in code to a coordinator
// or reviewer of its organisation. requestBase is the site URL as the
// request reached it (used when PublicURL is not configured).
func (s *Service) CheckinCode(ctx context.Context, sessionID, requestBase string) (*CheckinCode, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := s.Store.FindSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !canManage(me, sess.OrgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can show the check-in code.")
	}
	now := s.now()
	w := now.Unix() / int64(CodeWindow/time.Second)
	code := codeFor(s.codeSecret(), sess.ID, w)
	return &CheckinCode{SessionID: sess.ID, Code: code, URL: s.baseURL(requestBase) + CheckinPath(sess.ID, code),
		ExpiresAt: time.Unix((w+1)*int64(CodeWindow/time.Second), 0).UTC(), WindowSeconds: int(CodeWindow / time.Second)}, nil
}

// QRPNG renders text as a QR code PNG of size×size pixels (medium error
// correction).
func QRPNG(text string, size int) ([]byte, error) {
	return qrcode.Encode(text, qrcode.Medium, size)
}

func validCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CheckIn records the calling volunteer's arrival (out = false) or
// departure (out = true) with the code shown at the venue. The volunteer
// needs a confirmed place; check-in opens an hour before the start.
func (s *Service) CheckIn(ctx context.Context, sessionID, code string, out bool) (*SignupView, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if !validCode(code) {
		return nil, tongban.Invalid("code", "must be the 6-digit code shown by staff")
	}
	sess, err := s.Store.FindSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	su, err := s.Store.FindSignup(ctx, SignupID(sess.ID, me.UserID))
	if tongban.ErrorCode(err) == tongban.ENOTFOUND || err == nil && su.Status != SignupConfirmed {
		return nil, tongban.Errorf(tongban.ECONFLICT, "You have no confirmed place in this session.")
	} else if err != nil {
		return nil, err
	}
	if su.HoursConfirmed || su.Attendance == AttendanceNoShow {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Staff have already recorded your attendance for this session.")
	}
	if su.CodeFailures >= MaxCodeFailures {
		return nil, tongban.Errorf(tongban.ETOOMANY, "Too many wrong codes: ask staff to record your attendance.")
	}
	now := s.now()
	switch {
	case !out && now.Before(sess.Start.Add(-CheckInEarly)):
		return nil, tongban.Errorf(tongban.ECONFLICT, "Check-in opens an hour before the session starts.")
	case !out && !now.Before(sess.End):
		return nil, tongban.Errorf(tongban.ECONFLICT, "The session has ended; ask staff to record your attendance.")
	case !out && su.CheckIn != nil:
		return nil, tongban.Errorf(tongban.ECONFLICT, "You have already checked in.")
	case out && su.CheckIn == nil:
		return nil, tongban.Errorf(tongban.ECONFLICT, "Check in first.")
	case out && su.CheckOut != nil:
		return nil, tongban.Errorf(tongban.ECONFLICT, "You have already checked out.")
	case out && now.After(sess.End.Add(CheckOutLate)):
		return nil, tongban.Errorf(tongban.ECONFLICT, "Check-out closed three hours after the session; ask staff to record it.")
	}
	version := su.Version
	if !CodeValid(s.codeSecret(), sess.ID, code, now) {
		su.CodeFailures++
		if _, err := s.Store.ReplaceSignup(ctx, su, version); err != nil && tongban.ErrorCode(err) != tongban.EPRECONDITION {
			return nil, err
		}
		return nil, tongban.Invalid("code", "is wrong or has expired; scan the code shown now")
	}
	t := now
	if out {
		su.CheckOut = &t
		su.Minutes = AttendedMinutes(sess.Start, sess.End, *su.CheckIn, t)
	} else {
		su.CheckIn = &t
	}
	su.Attendance, su.AttendanceBy, su.UpdatedAt = AttendanceAttended, "code", now
	saved, err := s.Store.ReplaceSignup(ctx, su, version)
	if tongban.ErrorCode(err) == tongban.EPRECONDITION {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Your sign-up changed meanwhile; try again.")
	} else if err != nil {
		return nil, err
	}
	return s.signupView(ctx, saved)
}

// AttendanceInput is staff's record of one volunteer's attendance: either
// attended with check-in (and optionally check-out) times, or no_show.
type AttendanceInput struct {
	Attendance string `json:"attendance"`
	CheckIn    string `json:"check_in"`
	CheckOut   string `json:"check_out"`
}

// MarkAttendance lets a coordinator or reviewer record attendance by hand
// (no phone, lost code, forgotten check-out) until the hours are confirmed.
func (s *Service) MarkAttendance(ctx context.Context, signupID string, in AttendanceInput) (*SignupView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	su, err := s.Store.FindSignup(ctx, signupID)
	if err != nil {
		return nil, err
	}
	if !canManage(me, su.OrgID) {
		if canView(me, su.OrgID) || su.VolunteerID == me.UserID {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can record attendance.")
		}
		return nil, tongban.Errorf(tongban.ENOTFOUND, "sign-up not found.")
	}
	var v tongban.Validation
	var in1, out1 time.Time
	switch in.Attendance {
	case AttendanceAttended:
		var ok bool
		if in.CheckIn != "" {
			in1, ok = ParseTime(in.CheckIn)
			v.Check(ok && !in1.Before(su.Start.Add(-CheckInEarly)) && in1.Before(su.End), "check_in", "must be a time from an hour before the start until the end")
		} else {
			v.Check(su.CheckIn != nil, "check_in", "is required")
			if su.CheckIn != nil {
				in1 = *su.CheckIn
			}
		}
		if in.CheckOut != "" {
			out1, ok = ParseTime(in.CheckOut)
			v.Check(ok && out1.After(in1) && !out1.After(su.End.Add(CheckOutLate)), "check_out", "must be a time after check_in, at most three hours after the end")
		}
	case AttendanceNoShow:
		v.Check(in.CheckIn == "" && in.CheckOut == "", "check_in", "must be empty for a no-show")
	default:
		v.Add("attendance", "must be attended or no_show")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if su.Status != SignupConfirmed {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Attendance is recorded for confirmed places only; this sign-up is %s.", su.Status)
	}
	if su.HoursConfirmed {
		return nil, tongban.Errorf(tongban.ECONFLICT, "The hours of this sign-up are already confirmed.")
	}
	now := s.now()
	if now.Before(su.Start.Add(-CheckInEarly)) {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Attendance can be recorded from an hour before the session starts.")
	}
	version := su.Version
	su.Attendance, su.AttendanceBy, su.UpdatedAt = in.Attendance, me.UserID, now
	if in.Attendance == AttendanceNoShow {
		su.CheckIn, su.CheckOut, su.Minutes = nil, nil, 0
	} else {
		su.CheckIn = &in1
		if in.CheckOut != "" {
			su.CheckOut = &out1
		}
		if su.CheckOut != nil && !su.CheckOut.After(in1) {
			return nil, tongban.Invalid("check_out", "must be after check_in")
		}
		su.Minutes = 0
		if su.CheckOut != nil {
			su.Minutes = AttendedMinutes(su.Start, su.End, in1, *su.CheckOut)
		}
	}
	saved, err := s.Store.ReplaceSignup(ctx, su, version)
	if tongban.ErrorCode(err) == tongban.EPRECONDITION {
		return nil, tongban.Errorf(tongban.ECONFLICT, "The sign-up changed meanwhile; reload and try again.")
	} else if err != nil {
		return nil, err
	}
	return s.signupView(ctx, saved)
}

// HoursConfirmation is the result of confirming a session's hours.
type HoursConfirmation struct {
	Session   *SessionView  `json:"session"`
	Confirmed int           `json:"confirmed"`
	NoShows   int           `json:"no_shows"`
	Signups   []*SignupView `json:"signups"`
}

// MaxChildrenServed bounds the children-served count of one session.
const MaxChildrenServed = 10000

// ConfirmHours confirms, after the session ended, the hours of every
// confirmed sign-up that checked in and out, records those who never
// checked in as no-shows, and records the children served (a count). A
// coordinator or reviewer of the organisation confirms; sign-ups still
// checked in without a check-out must be completed by hand first. It can be
// repeated: earlier confirmations stay as they are.
func (s *Service) ConfirmHours(ctx context.Context, sessionID string, childrenServed int) (*HoursConfirmation, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := s.Store.FindSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !canManage(me, sess.OrgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can confirm hours.")
	}
	if childrenServed < 0 || childrenServed > MaxChildrenServed {
		return nil, tongban.Invalid("children_served", fmt.Sprintf("must be a number from 0 to %d", MaxChildrenServed))
	}
	now := s.now()
	if now.Before(sess.End) {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Hours are confirmed after the session ends (%s).", sess.End.In(Shanghai).Format("2006-01-02 15:04"))
	}
	list, err := s.Store.FindSignups(ctx, SignupFilter{SessionID: sess.ID, Status: []string{SignupConfirmed}})
	if err != nil {
		return nil, err
	}
	var open []map[string]string
	for _, su := range list {
		if !su.HoursConfirmed && su.Attendance == AttendanceAttended && su.CheckOut == nil {
			open = append(open, map[string]string{"signup_id": su.ID, "volunteer_name": su.VolunteerName})
		}
	}
	if len(open) > 0 {
		return nil, &tongban.Error{Code: tongban.ECONFLICT, Message: fmt.Sprintf("%d volunteer(s) checked in without checking out; record their check-out first.", len(open)), Details: open}
	}
	res := &HoursConfirmation{}
	for _, su := range list {
		if su.HoursConfirmed {
			res.Confirmed++
			continue
		}
		version := su.Version
		su.UpdatedAt = now
		if su.Attendance == AttendanceAttended {
			su.Minutes = AttendedMinutes(sess.Start, sess.End, *su.CheckIn, *su.CheckOut)
			su.HoursConfirmed, su.HoursConfirmedBy, su.HoursConfirmedAt = true, me.UserID, &now
			res.Confirmed++
		} else {
			if su.Attendance == AttendanceNoShow {
				res.NoShows++
				continue
			}
			su.Attendance, su.AttendanceBy, su.Minutes = AttendanceNoShow, me.UserID, 0
			res.NoShows++
		}
		if _, err := s.Store.ReplaceSignup(ctx, su, version); tongban.ErrorCode(err) == tongban.EPRECONDITION {
			return nil, tongban.Errorf(tongban.ECONFLICT, "A sign-up changed meanwhile; confirm again.")
		} else if err != nil {
			return nil, err
		}
	}
	if err := s.Store.CloseSession(ctx, sess.ID, childrenServed, now); err != nil {
		return nil, err
	}
	if sess, err = s.Store.FindSession(ctx, sess.ID); err != nil {
		return nil, err
	}
	if res.Session, err = s.sessionView(ctx, me, sess); err != nil {
		return nil, err
	}
	all, err := s.Store.FindSignups(ctx, SignupFilter{SessionID: sess.ID})
	if err != nil {
		return nil, err
	}
	if res.Signups, err = s.views(ctx, all, sess); err != nil {
		return nil, err
	}
	return res, nil
}
