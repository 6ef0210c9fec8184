package matching

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/auth"
)

// Pairing statuses.
const (
	PairingProposed = "proposed"
	PairingAccepted = "accepted"
	PairingActive   = "active"
	PairingEnded    = "ended"
	PairingDeclined = "declined"
)

// Pairing links one volunteer to one pairing need.
type Pairing struct {
	ID          string `bson:"_id" json:"id"`
	NeedID      string `bson:"need_id" json:"need_id"`
	NeedTitle   string `bson:"need_title" json:"need_title"`
	OrgID       string `bson:"org_id" json:"org_id"`
	VolunteerID string `bson:"volunteer_id" json:"volunteer_id"`
	Volunteer   string `bson:"volunteer_name" json:"volunteer_name"`
	Status      string `bson:"status" json:"status"`
	Source      string `bson:"source" json:"source"` // "signup", "matching", "staff"
	Score       *Score `bson:"score,omitempty" json:"score,omitempty"`
	// Override is the reason staff gave for pairing against the proposal.
	Override  string `bson:"override,omitempty" json:"override,omitempty"`
	EndReason string `bson:"end_reason,omitempty" json:"end_reason,omitempty"`
	// LastLogDate is the date of the latest logged session.
	LastLogDate string       `bson:"last_log_date,omitempty" json:"last_log_date,omitempty"`
	History     []Transition `bson:"history" json:"history"`
	// Key makes (need, volunteer) unique: no volunteer is paired twice to
	// the same need.
	Key       string    `bson:"key" json:"-"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
	Version   int64     `bson:"version" json:"version"`
}

// SessionLog is one logged session of an active pairing.
type SessionLog struct {
	ID          string         `bson:"_id" json:"id"`
	PairingID   string         `bson:"pairing_id" json:"pairing_id"`
	VolunteerID string         `bson:"volunteer_id" json:"volunteer_id"`
	Date        string         `bson:"date" json:"date"`
	Minutes     int            `bson:"minutes" json:"minutes"`
	Kind        string         `bson:"kind" json:"kind"`
	Mode        string         `bson:"mode" json:"mode"`
	Note        string         `bson:"note" json:"note"`
	Comments    []StaffComment `bson:"comments" json:"comments"`
	// Confirmed: staff of the pairing's organisation confirmed the
	// session, so it counts in the volunteer's hours record.
	Confirmed bool `bson:"confirmed" json:"confirmed"`
	// ConfirmedBy and ConfirmedAt record who confirmed it and when.
	ConfirmedBy string     `bson:"confirmed_by,omitempty" json:"confirmed_by,omitempty"`
	ConfirmedAt *time.Time `bson:"confirmed_at,omitempty" json:"confirmed_at,omitempty"`
	CreatedAt   time.Time  `bson:"created_at" json:"created_at"`
}

// StaffComment is a supervisor's comment on a session log.
type StaffComment struct {
	By   string    `bson:"by" json:"by"`
	At   time.Time `bson:"at" json:"at"`
	Text string    `bson:"text" json:"text"`
}

// PairingStore persists pairings and logs. TakeSlot and ReleaseSlot change a
// volunteer's active-pairing count atomically within one document.
type PairingStore interface {
	CreatePairing(ctx context.Context, p *Pairing) error
	FindPairing(ctx context.Context, id string) (*Pairing, error)
	FindPairings(ctx context.Context, f PairingFilter) ([]*Pairing, error)
	ReplacePairing(ctx context.Context, p *Pairing, version int64) (*Pairing, error)
	// TakeSlot increments the volunteer's active pairings only while it is
	// below capacity; ECONFLICT when full.
	TakeSlot(ctx context.Context, volunteerID string) error
	ReleaseSlot(ctx context.Context, volunteerID string) error
	CreateLog(ctx context.Context, l *SessionLog) error
	// NoteLogDate raises the pairing's LastLogDate to date.
	NoteLogDate(ctx context.Context, pairingID, date string) error
	FindLogs(ctx context.Context, pairingID string) ([]*SessionLog, error)
	AddComment(ctx context.Context, logID string, c StaffComment) (*SessionLog, error)
	// ConfirmLog marks a log of the pairing confirmed by a staff member in
	// one atomic update; a log already confirmed is returned unchanged.
	// ENOTFOUND when the pairing has no such log.
	ConfirmLog(ctx context.Context, pairingID, logID, by string, at time.Time) (*SessionLog, error)
	// CountPairingsMade records on the need that one more pairing became
	// active (Need.Progress.PairingsMade), in one atomic update.
	CountPairingsMade(ctx context.Context, needID string) error
}

// PairingFilter selects pairings.
type PairingFilter struct {
	VolunteerID string
	OrgIDs      []string
	NeedID      string
	Status      []string
}

// PairingService implements the pairing lifecycle.
type PairingService struct {
	Store      PairingStore
	Needs      NeedStore
	Volunteers VolunteerStore
	Scorer     *Scorer
	Screen     func(fields map[string]string) error
	// Outbox hears about needs whose public progress changed.
	Outbox OutboxWriter
	Now    func() time.Time
}

func (s *PairingService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *PairingService) today() string {
	return s.now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
}

// SignUp proposes the caller for a pairing need; they must be eligible.
func (s *PairingService) SignUp(ctx context.Context, needID string) (*Pairing, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	return s.propose(ctx, needID, me.UserID, "signup", "", me.UserID)
}

// Propose lets staff of the need's organisation propose a volunteer. The
// top candidate (the best-scoring eligible volunteer not yet paired with or
// proposed for the need) needs no reason; anyone else needs an override
// reason (EINVALID on override otherwise), which is recorded on the pairing
// (source "staff").
func (s *PairingService) Propose(ctx context.Context, needID, volunteerID, override string) (*Pairing, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Needs.FindNeedByID(ctx, needID)
	if err != nil {
		return nil, err
	}
	if r := me.OrgRole(n.OrgID); r != "coordinator" && r != "reviewer" {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can propose pairings.")
	}
	override = strings.TrimSpace(override)
	if utf8.RuneCountInString(override) > 300 {
		return nil, tongban.Invalid("override", "must be at most 300 characters")
	}
	source := "matching"
	if override != "" {
		source = "staff"
	} else {
		top, err := s.isTopCandidate(ctx, n, volunteerID)
		if err != nil {
			return nil, err
		}
		if !top {
			return nil, tongban.Invalid("override", "is required: give the reason for proposing a volunteer who is not the top candidate")
		}
	}
	return s.propose(ctx, needID, volunteerID, source, override, me.UserID)
}

// isTopCandidate reports whether the volunteer scores at least as high for
// n as every other eligible volunteer not yet paired with or proposed for
// it. It answers true when the proposal will fail anyway (no profile, not
// eligible, not an open pairing need), so that propose reports why.
func (s *PairingService) isTopCandidate(ctx context.Context, n *Need, volunteerID string) (bool, error) {
	if n.Kind != KindPairing || !n.IsPublic() {
		return true, nil
	}
	v, err := s.Volunteers.FindVolunteer(ctx, volunteerID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return true, nil
	} else if err != nil {
		return false, err
	}
	sc := *s.Scorer
	sc.Today, sc.Now = s.today(), s.now()
	existing, err := s.Store.FindPairings(ctx, PairingFilter{NeedID: n.ID})
	if err != nil {
		return false, err
	}
	paired := map[string]bool{}
	for _, p := range existing {
		paired[p.VolunteerID] = true
	}
	if len(sc.Ineligible(v, n, paired[v.ID])) > 0 {
		return true, nil
	}
	mine := sc.Score(v, n).Total
	cursor, seen := "", 0
	for seen < MaxCandidates {
		page, next, err := s.Volunteers.FindVolunteers(ctx, VolunteerFilter{Cursor: cursor, Limit: 100})
		if err != nil {
			return false, err
		}
		for _, o := range page {
			if o.ID != v.ID && len(sc.Ineligible(o, n, paired[o.ID])) == 0 && sc.Score(o, n).Total > mine+1e-9 {
				return false, nil
			}
		}
		seen += len(page)
		if next == "" {
			break
		}
		cursor = next
	}
	return true, nil
}

func (s *PairingService) propose(ctx context.Context, needID, volunteerID, source, override, by string) (*Pairing, error) {
	n, err := s.Needs.FindNeedByID(ctx, needID)
	if err != nil {
		return nil, err
	}
	if n.Kind != KindPairing || !n.IsPublic() {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only published pairing needs take sign-ups.")
	}
	v, err := s.Volunteers.FindVolunteer(ctx, volunteerID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, tongban.Errorf(tongban.ECONFLICT, "The volunteer has no profile yet.")
	} else if err != nil {
		return nil, err
	}
	sc := *s.Scorer
	sc.Today, sc.Now = s.today(), s.now()
	if reasons := sc.Ineligible(v, n, false); len(reasons) > 0 {
		return nil, &tongban.Error{Code: tongban.ECONFLICT, Message: "The volunteer cannot take this need: " + strings.Join(reasons, ", ") + ".", Details: reasons}
	}
	score := sc.Score(v, n)
	now := s.now()
	p := &Pairing{ID: tongban.NewID(), NeedID: n.ID, NeedTitle: n.Title, OrgID: n.OrgID, VolunteerID: v.ID, Volunteer: v.DisplayName,
		Status: PairingProposed, Source: source, Score: &score, Override: override, Key: n.ID + "/" + v.ID,
		History: []Transition{{To: PairingProposed, By: by, At: now}}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if source == "signup" {
		p.Status = PairingAccepted
		p.History = append(p.History, Transition{From: PairingProposed, To: PairingAccepted, By: by, At: now})
	}
	if err := s.Store.CreatePairing(ctx, p); err != nil {
		if tongban.ErrorCode(err) == tongban.ECONFLICT {
			return nil, tongban.Errorf(tongban.ECONFLICT, "This volunteer is already paired with or proposed for this need.")
		}
		return nil, err
	}
	return p, nil
}

// Act applies a pairing action: accept/decline (the volunteer), approve
// (staff: takes a capacity slot atomically and activates), end (staff or
// the volunteer, with a reason).
func (s *PairingService) Act(ctx context.Context, id string, version int64, action, reason string) (*Pairing, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPairing(ctx, id)
	if err != nil {
		return nil, err
	}
	isVol := p.VolunteerID == me.UserID
	role := me.OrgRole(p.OrgID)
	isStaff := role == "coordinator" || role == "reviewer"
	if !isVol && role == "" && !me.IsAdmin() {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "pairing not found.")
	}
	if utf8.RuneCountInString(reason) > 300 {
		return nil, tongban.Invalid("reason", "must be at most 300 characters")
	}
	var to string
	switch action {
	case "accept", "decline":
		if !isVol {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only the volunteer can accept or decline a proposal.")
		}
		if p.Status != PairingProposed {
			return nil, tongban.Errorf(tongban.ECONFLICT, "Only a proposal can be accepted or declined; this pairing is %s.", p.Status)
		}
		to = PairingAccepted
		if action == "decline" {
			to = PairingDeclined
		}
	case "approve":
		if !isStaff {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can approve pairings.")
		}
		if p.Status != PairingAccepted {
			return nil, tongban.Errorf(tongban.ECONFLICT, "Only a pairing the volunteer accepted can be approved; this one is %s.", p.Status)
		}
		v, err := s.Volunteers.FindVolunteer(ctx, p.VolunteerID)
		if err != nil {
			return nil, err
		}
		if !v.Verification(s.today()).Verified {
			return nil, tongban.Errorf(tongban.ECONFLICT, "The volunteer's verification is missing or expired.")
		}
		if err := s.Store.TakeSlot(ctx, p.VolunteerID); err != nil {
			return nil, err
		}
		to = PairingActive
	case "end":
		if !isStaff && !isVol && !me.IsAdmin() {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation or the volunteer can end a pairing.")
		}
		if p.Status == PairingEnded || p.Status == PairingDeclined {
			return nil, tongban.Errorf(tongban.ECONFLICT, "This pairing is already %s.", p.Status)
		}
		if strings.TrimSpace(reason) == "" {
			return nil, tongban.Invalid("reason", "is required to end a pairing")
		}
		to = PairingEnded
	default:
		return nil, tongban.Invalid("action", "must be accept, decline, approve or end")
	}
	wasActive := p.Status == PairingActive
	now := s.now()
	p.History = append(p.History, Transition{From: p.Status, To: to, By: me.UserID, At: now, Note: strings.TrimSpace(reason)})
	p.Status, p.UpdatedAt = to, now
	if to == PairingEnded {
		p.EndReason = strings.TrimSpace(reason)
	}
	out, err := s.Store.ReplacePairing(ctx, p, version)
	if err != nil {
		if to == PairingActive {
			_ = s.Store.ReleaseSlot(ctx, p.VolunteerID)
		}
		return nil, err
	}
	if to == PairingActive {
		if err := s.Store.CountPairingsMade(ctx, p.NeedID); err != nil {
			return nil, err
		}
		if s.Outbox != nil {
			if err := s.Outbox.Enqueue(ctx, NeedIndex, p.NeedID); err != nil {
				return nil, err
			}
			s.Outbox.Notify()
		}
	}
	if wasActive && to == PairingEnded {
		if err := s.Store.ReleaseSlot(ctx, p.VolunteerID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MyPairings lists the caller's pairings as a volunteer.
func (s *PairingService) MyPairings(ctx context.Context) ([]*Pairing, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.FindPairings(ctx, PairingFilter{VolunteerID: me.UserID})
}

// OverdueDays is how long an active pairing may go without a logged
// session before staff are alerted.
const OverdueDays = 14

// PairingView is a pairing as staff follow it: alerts included.
type PairingView struct {
	*Pairing
	// Overdue: active, and no session logged for OverdueDays.
	Overdue bool `json:"overdue"`
	// VolunteerVerified is false when a check of the volunteer is missing or
	// expired: staff must act on the active pairing.
	VolunteerVerified bool `json:"volunteer_verified"`
}

// OrgPairings lists an organisation's pairings for its staff, with alerts.
func (s *PairingService) OrgPairings(ctx context.Context, orgID string, status []string) ([]*PairingView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !canManage(me, orgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can list its pairings.")
	}
	ps, err := s.Store.FindPairings(ctx, PairingFilter{OrgIDs: []string{orgID}, Status: status})
	if err != nil {
		return nil, err
	}
	cutoff := s.now().AddDate(0, 0, -OverdueDays).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	verified := map[string]bool{}
	out := make([]*PairingView, 0, len(ps))
	for _, p := range ps {
		pv := &PairingView{Pairing: p, VolunteerVerified: true}
		if p.Status == PairingActive {
			last := p.LastLogDate
			if last == "" {
				last = p.UpdatedAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
			}
			pv.Overdue = last < cutoff
			ok, seen := verified[p.VolunteerID]
			if !seen {
				v, err := s.Volunteers.FindVolunteer(ctx, p.VolunteerID)
				ok = err == nil && v.Verification(s.today()).Verified
				verified[p.VolunteerID] = ok
			}
			pv.VolunteerVerified = ok
		}
		out = append(out, pv)
	}
	return out, nil
}

// LogInput is a session log entry.
type LogInput struct {
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
	Kind    string `json:"kind"`
	Mode    string `json:"mode"`
	Note    string `json:"note"`
}

// canSeeLogs: the pairing's current volunteer while it is active, and
// the organisation's staff. A volunteer loses access when the pairing ends.
func canSeeLogs(me *auth.Identity, p *Pairing) bool {
	if me.IsAdmin() || me.OrgRole(p.OrgID) != "" {
		return true
	}
	return p.VolunteerID == me.UserID && p.Status == PairingActive
}

// AddLog records a session of an active pairing (its volunteer only). The
// note passes the PII screen.
func (s *PairingService) AddLog(ctx context.Context, pairingID string, in LogInput) (*SessionLog, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPairing(ctx, pairingID)
	if err != nil {
		return nil, err
	}
	if p.VolunteerID != me.UserID {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only the paired volunteer logs sessions.")
	}
	if p.Status != PairingActive {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Sessions can be logged only on an active pairing.")
	}
	var v tongban.Validation
	d, derr := time.Parse("2006-01-02", in.Date)
	v.Check(derr == nil && in.Date <= s.today() && !d.Before(p.CreatedAt.AddDate(0, 0, -1)), "date", "must be a date YYYY-MM-DD since the pairing began, not in the future")
	v.Check(in.Minutes >= 10 && in.Minutes <= 480, "minutes", "must be 10 to 480")
	v.Check(slices.Contains([]string{"tutoring", "companionship", "support"}, in.Kind), "kind", "must be tutoring, companionship or support")
	v.Check(in.Mode == ModeOnline || in.Mode == ModeInPerson, "mode", "must be online or in_person")
	n := utf8.RuneCountInString(strings.TrimSpace(in.Note))
	v.Check(n >= 5 && n <= 1000, "note", "must be 5 to 1000 characters")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.Screen != nil {
		if err := s.Screen(map[string]string{"note": in.Note}); err != nil {
			return nil, err
		}
	}
	l := &SessionLog{ID: tongban.NewID(), PairingID: p.ID, VolunteerID: me.UserID, Date: in.Date, Minutes: in.Minutes, Kind: in.Kind,
		Mode: in.Mode, Note: strings.TrimSpace(in.Note), Comments: []StaffComment{}, CreatedAt: s.now()}
	if err := s.Store.CreateLog(ctx, l); err != nil {
		return nil, err
	}
	if in.Date > p.LastLogDate {
		if err := s.Store.NoteLogDate(ctx, p.ID, in.Date); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Logs returns a pairing's session logs to those who may see them.
func (s *PairingService) Logs(ctx context.Context, pairingID string) ([]*SessionLog, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPairing(ctx, pairingID)
	if err != nil {
		return nil, err
	}
	if !canSeeLogs(me, p) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "You no longer have access to this pairing's logs.")
	}
	return s.Store.FindLogs(ctx, pairingID)
}

// Comment adds a supervisor's comment to a session log (staff only).
func (s *PairingService) Comment(ctx context.Context, pairingID, logID, text string) (*SessionLog, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPairing(ctx, pairingID)
	if err != nil {
		return nil, err
	}
	if me.OrgRole(p.OrgID) == "" {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can comment on session logs.")
	}
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	if n < 1 || n > 500 {
		return nil, tongban.Invalid("text", "must be 1 to 500 characters")
	}
	if s.Screen != nil {
		if err := s.Screen(map[string]string{"text": text}); err != nil {
			return nil, err
		}
	}
	logs, err := s.Store.FindLogs(ctx, pairingID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, l := range logs {
		found = found || l.ID == logID
	}
	if !found {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "session log not found.")
	}
	return s.Store.AddComment(ctx, logID, StaffComment{By: me.UserID, At: s.now(), Text: strings.TrimSpace(text)})
}

// ConfirmLog confirms a session log on behalf of the pairing's
// organisation (a coordinator or reviewer; not the volunteer who logged
// it), so that it counts in the volunteer's hours record. Who confirmed it
// and when are recorded on the log. Confirming a log again is harmless: the
// log comes back unchanged with its first confirmation.
func (s *PairingService) ConfirmLog(ctx context.Context, pairingID, logID string) (*SessionLog, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPairing(ctx, pairingID)
	if err != nil {
		return nil, err
	}
	role := me.OrgRole(p.OrgID)
	if p.VolunteerID == me.UserID {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Volunteers cannot confirm their own sessions.")
	}
	if role != "coordinator" && role != "reviewer" {
		if role == "" && !me.IsAdmin() {
			return nil, tongban.Errorf(tongban.ENOTFOUND, "pairing not found.")
		}
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can confirm sessions.")
	}
	return s.Store.ConfirmLog(ctx, p.ID, logID, me.UserID, s.now())
}
