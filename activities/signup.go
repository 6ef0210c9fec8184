package activities

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// retries bounds the optimistic retry loops (schedule and sign-up updates,
// walking the waitlist).
const retries = 20

// SignupView is a sign-up with its place in line.
type SignupView struct {
	*Signup
	// Position is the 1-based place in the waitlist (0 unless waitlisted).
	Position int `json:"position"`
}

// viewWith returns su's view given its session (nil: not needed or not
// known; the session is read when su waits in line).
func (s *Service) viewWith(ctx context.Context, su *Signup, sess *Session) (*SignupView, error) {
	v := &SignupView{Signup: su}
	if su.Status != SignupWaitlisted {
		return v, nil
	}
	if sess == nil {
		var err error
		if sess, err = s.Store.FindSession(ctx, su.SessionID); err != nil {
			return nil, err
		}
	}
	v.Position = slices.Index(sess.Waitlist[su.Role], su.ID) + 1
	return v, nil
}

func (s *Service) signupView(ctx context.Context, su *Signup) (*SignupView, error) {
	return s.viewWith(ctx, su, nil)
}

// errStop aborts an updateSignup without an error for the caller.
var errStop = errors.New("stop")

// updateSignup reads a sign-up, applies edit and stores it at the version
// read, retrying when it changed meanwhile. edit may return an error to
// abort (returned as is).
func (s *Service) updateSignup(ctx context.Context, id string, edit func(*Signup) error) (*Signup, error) {
	for range retries {
		su, err := s.Store.FindSignup(ctx, id)
		if err != nil {
			return nil, err
		}
		version := su.Version
		if err := edit(su); err != nil {
			return nil, err
		}
		saved, err := s.Store.ReplaceSignup(ctx, su, version)
		if tongban.ErrorCode(err) != tongban.EPRECONDITION {
			return saved, err
		}
	}
	return nil, tongban.Errorf(tongban.ECONFLICT, "The sign-up is being changed elsewhere; try again.")
}

// SignUp signs the calling volunteer up for a role of a session: confirmed
// while places are left, else waitlisted in arrival order. Sign-ups close
// at the deadline; activities may require verification and a skill; a
// volunteer cannot hold two overlapping confirmed sessions.
//
// Every database operation on this path addresses one document by ID (the
// embedded database filters by _id only; anything else scans).
func (s *Service) SignUp(ctx context.Context, sessionID, role string) (*SignupView, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Roles, role) {
		return nil, tongban.Invalid("role", "must be tutor, companion or logistics")
	}
	release, err := s.admit(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	sess, err := s.Store.FindSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(sess.SignupDeadline) {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Sign-ups for this session closed at %s.", sess.SignupDeadline.In(Shanghai).Format("2006-01-02 15:04"))
	}
	if sess.Capacity[role] <= 0 {
		return nil, &tongban.Error{Code: tongban.EINVALID, Message: "This session has no " + role + " places.", Fields: []tongban.FieldError{{Field: "role", Reason: "is not offered by this session"}}}
	}
	if err := s.checkRequirements(ctx, me.UserID, sess); err != nil {
		return nil, err
	}
	id := SignupID(sess.ID, me.UserID)
	existing, err := s.Store.FindSignup(ctx, id)
	switch {
	case err == nil && slices.Contains(ActiveStatuses, existing.Status):
		return nil, tongban.Errorf(tongban.ECONFLICT, "You are already signed up for this session (%s).", existing.Status)
	case err != nil && tongban.ErrorCode(err) != tongban.ENOTFOUND:
		return nil, err
	case err != nil:
		existing = nil
	}
	// Checked before taking a place, so that a clash costs nobody a place;
	// bookFrom checks again against the then current schedule.
	sc, err := s.Store.FindSchedule(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	if b := sc.clash(sess.Start, sess.End, ""); b != nil {
		return nil, overlapError(b)
	}
	name, err := s.DisplayName(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	su := &Signup{ID: id, SessionID: sess.ID, ActivityID: sess.ActivityID, OrgID: sess.OrgID, VolunteerID: me.UserID,
		VolunteerName: name, Role: role, Key: sess.ID + "/" + me.UserID, Title: sess.Title, VenueName: sess.VenueName,
		CountyName: sess.CountyName, Start: sess.Start, End: sess.End, Attendance: AttendanceUnknown, History: []Transition{}, CreatedAt: now, UpdatedAt: now}
	prev := ""
	if existing != nil {
		su.CreatedAt, su.History, prev = existing.CreatedAt, existing.History, existing.Status
	}
	seq, err := s.Store.TakePlace(ctx, sess.ID, role)
	took := err == nil
	if tongban.ErrorCode(err) == tongban.ECONFLICT {
		// Full: pass on offers that ran out, then join the line.
		if err := s.expireSession(ctx, sess); err != nil {
			return nil, err
		}
		seq, err = s.Store.JoinWaitlist(ctx, sess.ID, role, su.ID)
	}
	if err != nil {
		return nil, err
	}
	su.Seq, su.Status = seq, SignupWaitlisted
	if took {
		su.Status = SignupConfirmed
		if err := s.bookFrom(ctx, su, sc); err != nil {
			return nil, firstErr(err, s.passPlace(ctx, sess.ID, role))
		}
	}
	su.History = append(su.History, Transition{From: prev, To: su.Status, By: me.UserID, At: now})
	if existing == nil {
		su.Version = 1
		err = s.Store.CreateSignup(ctx, su)
	} else {
		var saved *Signup
		if saved, err = s.Store.ReplaceSignup(ctx, su, existing.Version); err == nil {
			su = saved
		}
	}
	if err != nil {
		if took {
			err = firstErr(err, s.unbook(ctx, me.UserID, su.ID), s.passPlace(ctx, sess.ID, role))
		} else {
			err = firstErr(err, s.Store.LeaveWaitlist(ctx, sess.ID, role, su.ID))
		}
		if c := tongban.ErrorCode(err); c == tongban.ECONFLICT || c == tongban.EPRECONDITION {
			return nil, tongban.Errorf(tongban.ECONFLICT, "You are already signed up for this session.")
		}
		return nil, err
	}
	if took {
		return s.viewWith(ctx, su, nil)
	}
	// A place released between our attempt and joining the line goes to
	// the first in line rather than staying empty.
	filled, err := s.fillFreePlaces(ctx, sess.ID, role)
	if err != nil {
		return nil, err
	}
	if filled {
		if su, err = s.Store.FindSignup(ctx, su.ID); err != nil {
			return nil, err
		}
	}
	return s.signupView(ctx, su)
}

// DefaultMaxConcurrentSignups bounds the sign-ups one process runs at once.
const DefaultMaxConcurrentSignups = 8

// admit waits for a sign-up slot. A burst of sign-ups (a popular activity
// opening) then queues here instead of crowding the database connection
// pool, which is a single connection on the embedded database.
func (s *Service) admit(ctx context.Context) (func(), error) {
	s.admitOnce.Do(func() {
		n := s.MaxConcurrentSignups
		if n <= 0 {
			n = DefaultMaxConcurrentSignups
		}
		s.slots = make(chan struct{}, n)
	})
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// firstErr returns first when set (what the caller must see), else the
// first error of the undo steps.
func firstErr(first error, undo ...error) error {
	if first != nil {
		return first
	}
	for _, e := range undo {
		if e != nil {
			return e
		}
	}
	return nil
}

func overlapError(b *Booking) error {
	return &tongban.Error{Code: tongban.ECONFLICT, Message: "You already hold an overlapping session: " + b.Title + " " +
		b.Start.In(Shanghai).Format("2006-01-02 15:04") + "–" + b.End.In(Shanghai).Format("15:04") + ".",
		Details: map[string]string{"signup_id": b.SignupID, "session_id": b.SessionID}}
}

// checkRequirements applies the activity's verification and skill rules.
func (s *Service) checkRequirements(ctx context.Context, volunteerID string, sess *Session) error {
	if !sess.RequireVerified && sess.Qualification == "" {
		return nil
	}
	v, err := s.Volunteers.FindVolunteer(ctx, volunteerID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return tongban.Errorf(tongban.ECONFLICT, "This activity requires a volunteer profile with verification; complete yours first.")
	} else if err != nil {
		return err
	}
	if sess.RequireVerified {
		if st := v.Verification(s.today()); !st.Verified {
			return &tongban.Error{Code: tongban.ECONFLICT, Message: "This activity accepts verified volunteers only; your verification is missing or expired.", Details: st}
		}
	}
	if sess.Qualification != "" && !slices.Contains(v.Skills, sess.Qualification) {
		return tongban.Errorf(tongban.ECONFLICT, "This activity requires the qualification %q.", sess.Qualification)
	}
	return nil
}

// book adds a confirmed sign-up to the volunteer's schedule unless it
// overlaps another confirmed session (ECONFLICT). The schedule document is
// replaced only at its current version, so concurrent bookings retry.
func (s *Service) book(ctx context.Context, su *Signup) error {
	return s.bookFrom(ctx, su, nil)
}

// bookFrom is book starting from a schedule already read (nil: read it).
func (s *Service) bookFrom(ctx context.Context, su *Signup, sc *Schedule) error {
	cutoff := s.now().Add(-24 * time.Hour)
	for range retries {
		if sc == nil {
			var err error
			if sc, err = s.Store.FindSchedule(ctx, su.VolunteerID); err != nil {
				return err
			}
		}
		if b := sc.clash(su.Start, su.End, su.ID); b != nil {
			return overlapError(b)
		}
		version := sc.Version
		kept := sc.Bookings[:0:0]
		for _, b := range sc.Bookings {
			if b.End.After(cutoff) && b.SignupID != su.ID {
				kept = append(kept, b)
			}
		}
		sc.Bookings = append(kept, Booking{SignupID: su.ID, SessionID: su.SessionID, Title: su.Title, Start: su.Start, End: su.End})
		err := s.Store.SaveSchedule(ctx, sc, version)
		if tongban.ErrorCode(err) != tongban.EPRECONDITION {
			return err
		}
		sc = nil
	}
	return tongban.Errorf(tongban.ECONFLICT, "Your schedule is being changed elsewhere; try again.")
}

// unbook removes a sign-up from the volunteer's schedule.
func (s *Service) unbook(ctx context.Context, volunteerID, signupID string) error {
	for range retries {
		sc, err := s.Store.FindSchedule(ctx, volunteerID)
		if err != nil {
			return err
		}
		version := sc.Version
		i := slices.IndexFunc(sc.Bookings, func(b Booking) bool { return b.SignupID == signupID })
		if i < 0 {
			return nil
		}
		sc.Bookings = slices.Delete(sc.Bookings, i, i+1)
		err = s.Store.SaveSchedule(ctx, sc, version)
		if tongban.ErrorCode(err) != tongban.EPRECONDITION {
			return err
		}
	}
	return tongban.Errorf(tongban.ECONFLICT, "The schedule is being changed elsewhere; try again.")
}

// passPlace hands a place that a sign-up gave up to the first in line as
// an offer, or back to the session when nobody waits or it has begun.
//
// Places move between documents without a transaction, so the order of the
// steps matters: whoever removes an offer (ClearOffer) owns its place, and
// a crash can at worst leave a place unused, never give it twice.
func (s *Service) passPlace(ctx context.Context, sessionID, role string) error {
	_, err := s.offerPlace(ctx, sessionID, role)
	return err
}

// errNotWaiting: the head of the line left while being offered a place.
var errNotWaiting = errors.New("no longer waiting")

// offerPlace is passPlace reporting whether the place was offered (false:
// it went back to the session).
func (s *Service) offerPlace(ctx context.Context, sessionID, role string) (bool, error) {
	for range retries {
		sess, err := s.Store.FindSession(ctx, sessionID)
		if err != nil {
			return false, err
		}
		now := s.now()
		if !now.Before(sess.Start) {
			break
		}
		var head *Signup
		for _, id := range sess.Waitlist[role] {
			su, err := s.Store.FindSignup(ctx, id)
			if tongban.ErrorCode(err) == tongban.ENOTFOUND {
				continue // still joining: its sign-up is being written
			} else if err != nil {
				return false, err
			}
			if su.Status != SignupWaitlisted {
				// Left the line without being removed from it (interrupted).
				if err := s.Store.LeaveWaitlist(ctx, sessionID, role, id); err != nil {
					return false, err
				}
				continue
			}
			head = su
			break
		}
		if head == nil {
			break
		}
		expires := now.Add(s.offerWindow())
		if expires.After(sess.Start) {
			expires = sess.Start
		}
		if err := s.Store.OfferPlace(ctx, sessionID, role, head.ID, expires); tongban.ErrorCode(err) == tongban.ECONFLICT {
			continue // they left or were offered meanwhile: look again
		} else if err != nil {
			return false, err
		}
		_, err = s.updateSignup(ctx, head.ID, func(su *Signup) error {
			if su.Status != SignupWaitlisted {
				return errNotWaiting
			}
			su.Status, su.OfferExpires, su.UpdatedAt = SignupOffered, &expires, now
			su.History = append(su.History, Transition{From: SignupWaitlisted, To: SignupOffered, By: "system", At: now,
				Note: "place freed; accept by " + expires.In(Shanghai).Format("2006-01-02 15:04")})
			return nil
		})
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, errNotWaiting) {
			return false, err
		}
		// They cancelled between: take the offer back and try the next.
		if owned, err := s.Store.ClearOffer(ctx, sessionID, head.ID); err != nil || !owned {
			return false, err
		}
	}
	return false, s.Store.ReleasePlace(ctx, sessionID, role)
}

// fillFreePlaces offers free places of role to waitlisted volunteers (a
// place can be released while someone is joining the line) and reports
// whether it offered any.
func (s *Service) fillFreePlaces(ctx context.Context, sessionID, role string) (bool, error) {
	filled := false
	for range retries {
		if _, err := s.Store.TakePlace(ctx, sessionID, role); tongban.ErrorCode(err) == tongban.ECONFLICT {
			return filled, nil
		} else if err != nil {
			return filled, err
		}
		offered, err := s.offerPlace(ctx, sessionID, role)
		if err != nil || !offered {
			return filled, err
		}
		filled = true
	}
	return filled, nil
}

// expireSession passes every offer of sess past its window on to the next
// in line and reports how many expired. Without due offers it does no I/O.
func (s *Service) expireSession(ctx context.Context, sess *Session) error {
	_, err := s.expireDue(ctx, sess)
	return err
}

func (s *Service) expireDue(ctx context.Context, sess *Session) (int, error) {
	now := s.now()
	n := 0
	for id, o := range sess.Offers {
		if o.Expires.After(now) {
			continue
		}
		owned, err := s.Store.ClearOffer(ctx, sess.ID, id)
		if err != nil {
			return n, err
		}
		if !owned {
			continue // accepted, declined or expired by someone else
		}
		_, err = s.updateSignup(ctx, id, func(su *Signup) error {
			if su.Status != SignupOffered {
				return errStop
			}
			su.Status, su.UpdatedAt = SignupExpired, now
			su.History = append(su.History, Transition{From: SignupOffered, To: SignupExpired, By: "system", At: now, Note: "offer not accepted in time"})
			return nil
		})
		if err != nil && !errors.Is(err, errStop) && tongban.ErrorCode(err) != tongban.ENOTFOUND {
			return n, err
		}
		n++
		if err := s.passPlace(ctx, sess.ID, o.Role); err != nil {
			return n, err
		}
	}
	return n, nil
}

// hasDueOffers reports whether an offer of sess is past its window.
func (s *Service) hasDueOffers(sess *Session) bool {
	now := s.now()
	for _, o := range sess.Offers {
		if !o.Expires.After(now) {
			return true
		}
	}
	return false
}

// fresh returns sess with its due offers passed on (re-read if any were).
func (s *Service) fresh(ctx context.Context, sess *Session) (*Session, error) {
	if !s.hasDueOffers(sess) {
		return sess, nil
	}
	if err := s.expireSession(ctx, sess); err != nil {
		return nil, err
	}
	return s.Store.FindSession(ctx, sess.ID)
}

// ExpireOffers passes every offer past its confirmation window on to the
// next in line and returns how many expired. Reads and writes do this
// lazily for the sessions they touch; call it periodically as well.
func (s *Service) ExpireOffers(ctx context.Context) (int, error) {
	due, err := s.Store.FindSignups(ctx, SignupFilter{Status: []string{SignupOffered}, OfferExpiredBy: s.now()})
	if err != nil {
		return 0, err
	}
	n := 0
	seen := map[string]bool{}
	for _, su := range due {
		if seen[su.SessionID] {
			continue
		}
		seen[su.SessionID] = true
		sess, err := s.Store.FindSession(ctx, su.SessionID)
		if err != nil {
			return n, err
		}
		k, err := s.expireDue(ctx, sess)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Sign-up actions.
const (
	ActionCancel  = "cancel"
	ActionAccept  = "accept"
	ActionDecline = "decline"
)

// Act applies an action to a sign-up: cancel (the volunteer, or a
// coordinator or reviewer of the organisation, before the session starts),
// accept or decline an offered place (the volunteer).
func (s *Service) Act(ctx context.Context, signupID, action, reason string) (*SignupView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	su, err := s.Store.FindSignup(ctx, signupID)
	if err != nil {
		return nil, err
	}
	owner := su.VolunteerID == me.UserID
	if !owner && !canView(me, su.OrgID) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "sign-up not found.")
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 300 {
		return nil, tongban.Invalid("reason", "must be at most 300 characters")
	}
	switch action {
	case ActionCancel:
		if !owner && !canManage(me, su.OrgID) {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only the volunteer or a coordinator or reviewer of the organisation can cancel a sign-up.")
		}
	case ActionAccept, ActionDecline:
		if !owner {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only the volunteer can accept or decline an offered place.")
		}
	default:
		return nil, tongban.Invalid("action", "must be cancel, accept or decline")
	}
	if reason != "" {
		if err := s.screen(map[string]string{"reason": reason}); err != nil {
			return nil, err
		}
	}
	sess, err := s.Store.FindSession(ctx, su.SessionID)
	if err != nil {
		return nil, err
	}
	if err := s.expireSession(ctx, sess); err != nil {
		return nil, err
	}
	if su, err = s.Store.FindSignup(ctx, signupID); err != nil {
		return nil, err
	}
	now := s.now()
	from := su.Status
	to := ""
	switch {
	case action == ActionCancel && !now.Before(su.Start):
		return nil, tongban.Errorf(tongban.ECONFLICT, "The session has begun; staff record attendance instead.")
	case action == ActionCancel && (from == SignupConfirmed || from == SignupWaitlisted):
		to = SignupCancelled
	case (action == ActionCancel || action == ActionDecline) && from == SignupOffered:
		to = SignupDeclined
	case action == ActionAccept && from == SignupOffered:
		to = SignupConfirmed
	case action == ActionCancel:
		return nil, tongban.Errorf(tongban.ECONFLICT, "This sign-up is already %s.", from)
	default:
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only an offered place can be accepted or declined; this sign-up is %s.", from)
	}
	if from == SignupOffered {
		if to == SignupConfirmed {
			if err := s.book(ctx, su); err != nil {
				return nil, err
			}
		}
		// Removing the offer makes this call the owner of the place.
		owned, err := s.Store.ClearOffer(ctx, su.SessionID, su.ID)
		if err == nil && !owned {
			err = tongban.Errorf(tongban.ECONFLICT, "The offer has just expired.")
		}
		if err != nil {
			if to == SignupConfirmed {
				err = firstErr(err, s.unbook(ctx, su.VolunteerID, su.ID))
			}
			return nil, err
		}
	}
	saved, err := s.updateSignup(ctx, su.ID, func(x *Signup) error {
		if x.Status != from {
			return tongban.Errorf(tongban.ECONFLICT, "The sign-up changed meanwhile; reload and try again.")
		}
		x.History = append(x.History, Transition{From: from, To: to, By: me.UserID, At: now, Note: reason})
		x.Status, x.UpdatedAt = to, now
		if from == SignupOffered {
			x.OfferExpires = nil
		}
		return nil
	})
	if err != nil {
		// An owned offer must not be lost: pass the place on.
		if from == SignupOffered {
			err = firstErr(err, s.passPlace(ctx, su.SessionID, su.Role))
			if to == SignupConfirmed {
				err = firstErr(err, s.unbook(ctx, su.VolunteerID, su.ID))
			}
		}
		return nil, err
	}
	switch {
	case from == SignupConfirmed:
		if err := firstErr(s.unbook(ctx, su.VolunteerID, su.ID), s.passPlace(ctx, su.SessionID, su.Role)); err != nil {
			return nil, err
		}
	case from == SignupWaitlisted:
		if err := s.Store.LeaveWaitlist(ctx, su.SessionID, su.Role, su.ID); err != nil {
			return nil, err
		}
	case to == SignupDeclined:
		if err := s.passPlace(ctx, su.SessionID, su.Role); err != nil {
			return nil, err
		}
	}
	return s.signupView(ctx, saved)
}

// MySignups lists the calling volunteer's sign-ups, soonest first; offers
// past their window are passed on first.
func (s *Service) MySignups(ctx context.Context) ([]*SignupView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.FindSignups(ctx, SignupFilter{VolunteerID: me.UserID})
	if err != nil {
		return nil, err
	}
	now := s.now()
	expired := false
	for _, su := range list {
		if su.Status == SignupOffered && su.OfferExpires != nil && !su.OfferExpires.After(now) {
			sess, err := s.Store.FindSession(ctx, su.SessionID)
			if err != nil {
				return nil, err
			}
			if err := s.expireSession(ctx, sess); err != nil {
				return nil, err
			}
			expired = true
		}
	}
	if expired {
		if list, err = s.Store.FindSignups(ctx, SignupFilter{VolunteerID: me.UserID}); err != nil {
			return nil, err
		}
	}
	return s.views(ctx, list, nil)
}

// views returns the views of list; sess is their common session, if any.
func (s *Service) views(ctx context.Context, list []*Signup, sess *Session) ([]*SignupView, error) {
	out := make([]*SignupView, 0, len(list))
	sessions := map[string]*Session{}
	if sess != nil {
		sessions[sess.ID] = sess
	}
	for _, su := range list {
		if su.Status == SignupWaitlisted && sessions[su.SessionID] == nil {
			x, err := s.Store.FindSession(ctx, su.SessionID)
			if err != nil {
				return nil, err
			}
			sessions[x.ID] = x
		}
		v, err := s.viewWith(ctx, su, sessions[su.SessionID])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SessionSignups lists a session's sign-ups (arrival order) for staff of
// its organisation.
func (s *Service) SessionSignups(ctx context.Context, sessionID string) ([]*SignupView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := s.Store.FindSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !canView(me, sess.OrgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can see who signed up.")
	}
	if sess, err = s.fresh(ctx, sess); err != nil {
		return nil, err
	}
	list, err := s.Store.FindSignups(ctx, SignupFilter{SessionID: sess.ID})
	if err != nil {
		return nil, err
	}
	return s.views(ctx, list, sess)
}
