package matching

import (
	"context"
	"slices"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/auth"
)

// VolunteerService implements volunteer profiles, verification and
// recommendations.
type VolunteerService struct {
	Store VolunteerStore
	Needs NeedStore
	// DisplayName returns a user's display name.
	DisplayName func(ctx context.Context, userID string) (string, error)
	TownshipOK  func(county, township string) bool
	Scorer      *Scorer
	Now         func() time.Time
}

func (s *VolunteerService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Today is the current date in Asia/Shanghai (verification expiry).
func (s *VolunteerService) today() string {
	return s.now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
}

func (s *VolunteerService) scorer() *Scorer {
	sc := *s.Scorer
	sc.Today, sc.Now = s.today(), s.now()
	return &sc
}

// ProfileView is a profile with its verification status.
type ProfileView struct {
	*Volunteer
	Verification VerificationStatus `json:"verification"`
}

func (s *VolunteerService) view(v *Volunteer) *ProfileView {
	return &ProfileView{Volunteer: v, Verification: v.Verification(s.today())}
}

func emptyProfile(id, name string) *Volunteer {
	return &Volunteer{ID: id, DisplayName: name, Gender: "unspecified", Subjects: []string{}, Skills: []string{}, Languages: []string{"zh"},
		Availability: []Slot{}, Modes: []string{ModeOnline}, Capacity: 1, PreferredKinds: []string{}, Checks: map[string]Check{}, Orgs: []string{}, TravelKm: 10}
}

func requireVolunteer(ctx context.Context) (*auth.Identity, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !me.HasRole("volunteer") {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only volunteers have a volunteer profile.")
	}
	return me, nil
}

// MyProfile returns the caller's profile (an unsaved default with version 0
// when they have none yet).
func (s *VolunteerService) MyProfile(ctx context.Context) (*ProfileView, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.Store.FindVolunteer(ctx, me.UserID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		name, nerr := s.DisplayName(ctx, me.UserID)
		if nerr != nil {
			return nil, nerr
		}
		return s.view(emptyProfile(me.UserID, name)), nil
	} else if err != nil {
		return nil, err
	}
	return s.view(v), nil
}

// UpdateMyProfile edits the caller's profile; version must be current (0
// for the first save).
func (s *VolunteerService) UpdateMyProfile(ctx context.Context, version int64, in ProfileInput) (*ProfileView, error) {
	cur, err := s.MyProfile(ctx)
	if err != nil {
		return nil, err
	}
	if cur.Version != version {
		return nil, tongban.Errorf(tongban.EPRECONDITION, "The profile was changed meanwhile; reload and try again.")
	}
	v := *cur.Volunteer
	in.Apply(&v)
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.now()
	}
	v.UpdatedAt = s.now()
	v.SlotsLeft = max(0, v.Capacity-v.ActivePairings)
	if err := v.Validate(s.TownshipOK); err != nil {
		return nil, err
	}
	saved, err := s.Store.SaveVolunteer(ctx, &v, version)
	if err != nil {
		return nil, err
	}
	return s.view(saved), nil
}

// RecordCheck records a verification check for a volunteer. The caller must
// be a coordinator or reviewer of in.OrgID.
func (s *VolunteerService) RecordCheck(ctx context.Context, volunteerID string, in RecordCheckInput) (*ProfileView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if r := me.OrgRole(in.OrgID); r != "coordinator" && r != "reviewer" {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can record checks.")
	}
	v, err := s.Store.FindVolunteer(ctx, volunteerID)
	if err != nil {
		return nil, err
	}
	if v.Checks == nil {
		v.Checks = map[string]Check{}
	}
	v.Checks[in.Kind] = Check{Passed: in.Passed, Date: in.Date, Expires: in.Expires, ReviewerID: me.UserID, OrgID: in.OrgID, Note: in.Note, RecordedAt: s.now()}
	if !slices.Contains(v.Orgs, in.OrgID) {
		v.Orgs = append(v.Orgs, in.OrgID)
	}
	v.UpdatedAt = s.now()
	saved, err := s.Store.SaveVolunteer(ctx, v, v.Version)
	if err != nil {
		return nil, err
	}
	return s.view(saved), nil
}

// QueueItem is a volunteer awaiting verification, as staff see it.
type QueueItem struct {
	Volunteer    PublicVolunteer    `json:"volunteer"`
	Verification VerificationStatus `json:"verification"`
}

// VerificationQueue lists volunteers with missing, failed or expired checks
// (staff only). Contact data is never part of it.
func (s *VolunteerService) VerificationQueue(ctx context.Context, cursor string, limit int) ([]QueueItem, string, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(me.Orgs) == 0 && !me.IsAdmin() {
		return nil, "", tongban.Errorf(tongban.EFORBIDDEN, "Only staff can see the verification queue.")
	}
	vols, next, err := s.Store.FindVolunteers(ctx, VolunteerFilter{Cursor: cursor, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	items := []QueueItem{}
	for _, v := range vols {
		st := v.Verification(s.today())
		if st.Verified {
			continue
		}
		items = append(items, QueueItem{Volunteer: PublicVolunteer{ID: v.ID, DisplayName: v.DisplayName, CountyCode: v.CountyCode, Subjects: v.Subjects, Skills: v.Skills, Verification: st}, Verification: st})
	}
	return items, next, nil
}

// MaxCandidates bounds how many needs or volunteers one recommendation
// request scores.
const MaxCandidates = 2000

// RecommendNeeds returns the caller's top k published pairing needs with
// explanations.
func (s *VolunteerService) RecommendNeeds(ctx context.Context, k int) ([]Recommendation, *ProfileView, error) {
	pv, err := s.MyProfile(ctx)
	if err != nil {
		return nil, nil, err
	}
	needs, _, err := s.Needs.FindNeeds(ctx, NeedFilter{Status: []string{StatusPublished, StatusPartiallyFulfilled}, Kinds: []string{KindPairing}, Limit: 100})
	if err != nil {
		return nil, nil, err
	}
	recs := s.scorer().TopNeeds(pv.Volunteer, needs, nil, k)
	if recs == nil {
		recs = []Recommendation{}
	}
	return recs, pv, nil
}

// RecommendVolunteers returns the top k eligible volunteers for a need, for
// its organisation's staff.
func (s *VolunteerService) RecommendVolunteers(ctx context.Context, needID string, k int) ([]Recommendation, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Needs.FindNeedByID(ctx, needID)
	if err != nil {
		return nil, err
	}
	if !canManage(me, n.OrgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can see candidates for its needs.")
	}
	if n.Kind != KindPairing {
		return nil, tongban.Invalid("need", "must be a pairing need")
	}
	var all []*Volunteer
	cursor := ""
	for len(all) < MaxCandidates {
		page, next, err := s.Store.FindVolunteers(ctx, VolunteerFilter{Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	recs := s.scorer().TopVolunteers(n, all, nil, k)
	if recs == nil {
		recs = []Recommendation{}
	}
	return recs, nil
}

// Erase deletes a volunteer's profile on their request. Active pairings must
// end first, so that no child is left without notice; logged sessions and
// hours stay under the opaque user ID.
func (s *VolunteerService) Erase(ctx context.Context, userID string) error {
	v, err := s.Store.FindVolunteer(ctx, userID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if v.ActivePairings > 0 {
		return tongban.Errorf(tongban.ECONFLICT, "You still have %d active pairing(s): ask your coordinator to end them before deleting your account.", v.ActivePairings)
	}
	return s.Store.DeleteVolunteer(ctx, userID)
}

// Export returns what the service holds about a volunteer: profile and
// pairings with their session logs.
func (s *VolunteerService) Export(ctx context.Context, userID string, pairings PairingStore) (any, error) {
	out := map[string]any{}
	v, err := s.Store.FindVolunteer(ctx, userID)
	if err == nil {
		out["profile"] = v
	} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
		return nil, err
	}
	ps, err := pairings.FindPairings(ctx, PairingFilter{VolunteerID: userID})
	if err != nil {
		return nil, err
	}
	type withLogs struct {
		*Pairing
		Logs []*SessionLog `json:"logs"`
	}
	var list []withLogs
	for _, p := range ps {
		logs, err := pairings.FindLogs(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		list = append(list, withLogs{p, logs})
	}
	out["pairings"] = list
	return out, nil
}
