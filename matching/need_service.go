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

// NeedIndex is the name of the public needs search index.
const NeedIndex = "needs"

// OutboxWriter records changed documents for the search indexes.
type OutboxWriter interface {
	Enqueue(ctx context.Context, index string, ids ...string) error
	Notify()
}

// NeedService implements the need lifecycle and its access rules.
type NeedService struct {
	Store NeedStore
	// Screen is the PII screen: nil, or EUNPROCESSABLE naming each finding.
	Screen func(fields map[string]string) error
	// County resolves a county code to its name.
	County func(code string) (string, bool)
	// TownshipOK reports whether township lies in county.
	TownshipOK func(county, township string) bool
	// OrgName returns the name of an organisation, or ENOTFOUND.
	OrgName func(ctx context.Context, orgID string) (string, error)
	Outbox  OutboxWriter
	// Unindex removes needs from the public index at once (withdrawal must
	// not wait for the outbox).
	Unindex func(ctx context.Context, ids []string) error
	Now     func() time.Time
}

func (s *NeedService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func caller(ctx context.Context) (*auth.Identity, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	return me, nil
}

// canManage reports whether the caller is staff of the need's organisation
// or an administrator.
func canManage(me *auth.Identity, orgID string) bool {
	return me.IsAdmin() || me.OrgRole(orgID) != ""
}

// CreateNeed drafts a need for orgID. The caller must be a member of the
// organisation. Every public text passes the PII screen first.
func (s *NeedService) CreateNeed(ctx context.Context, orgID string, in NeedInput) (*Need, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if me.OrgRole(orgID) == "" {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can draft its needs.")
	}
	orgName, err := s.OrgName(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	n := &Need{ID: tongban.NewID(), OrgID: orgID, OrgName: orgName, Status: StatusDraft, CreatedBy: me.UserID,
		CreatedAt: now, UpdatedAt: now, Version: 1, Subjects: []string{}, Schedule: []Slot{}, Languages: []string{}, Items: []Item{},
		History: []Transition{{From: "", To: StatusDraft, By: me.UserID, At: now}}}
	in.Apply(n)
	if err := s.check(n); err != nil {
		return nil, err
	}
	if err := s.Store.CreateNeed(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

func (s *NeedService) check(n *Need) error {
	if n.Subjects == nil {
		n.Subjects = []string{}
	}
	if n.Schedule == nil {
		n.Schedule = []Slot{}
	}
	if n.Languages == nil {
		n.Languages = []string{}
	}
	if n.Items == nil {
		n.Items = []Item{}
	}
	if err := n.Validate(s.County, s.TownshipOK); err != nil {
		return err
	}
	if s.Screen != nil {
		fields := n.PublicTexts()
		if err := s.Screen(fields); err != nil {
			return err
		}
	}
	return nil
}

// FindNeed returns a need as the caller may see it: in full to its
// organisation's staff and administrators (full is true), the public
// projection to anyone once published, and ENOTFOUND otherwise.
func (s *NeedService) FindNeed(ctx context.Context, id string) (n *Need, full bool, err error) {
	n, err = s.Store.FindNeedByID(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if me := auth.UserFromContext(ctx); me != nil && canManage(me, n.OrgID) {
		return n, true, nil
	}
	if n.IsPublic() {
		return n.Public(), false, nil
	}
	return nil, false, tongban.Errorf(tongban.ENOTFOUND, "need not found.")
}

// UpdateNeed edits a draft. version must be current (If-Match).
func (s *NeedService) UpdateNeed(ctx context.Context, id string, version int64, in NeedInput) (*Need, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.FindNeedByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if me.OrgRole(n.OrgID) == "" {
		if n.IsPublic() || me.IsAdmin() {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can edit its needs.")
		}
		return nil, tongban.Errorf(tongban.ENOTFOUND, "need not found.")
	}
	if n.Status != StatusDraft {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only drafts can be edited; this need is %s.", n.Status)
	}
	if in.Kind != nil && *in.Kind != n.Kind {
		return nil, tongban.Invalid("kind", "cannot change after creation")
	}
	in.Apply(n)
	n.UpdatedAt = s.now()
	if err := s.check(n); err != nil {
		return nil, err
	}
	return s.Store.ReplaceNeed(ctx, n, version)
}

// Transition applies an action (submit, approve, reject, withdraw, close)
// if the caller may and the status allows it (ECONFLICT otherwise).
// Submitting and approving run the PII screen again; approval needs a
// reviewer of the organisation who is not the author.
func (s *NeedService) Transition(ctx context.Context, id string, version int64, action, note string) (*Need, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(note) > 500 {
		return nil, tongban.Invalid("note", "must be at most 500 characters")
	}
	n, err := s.Store.FindNeedByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canManage(me, n.OrgID) {
		if n.IsPublic() {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can change this need.")
		}
		return nil, tongban.Errorf(tongban.ENOTFOUND, "need not found.")
	}
	role := me.OrgRole(n.OrgID)
	switch action {
	case "submit":
		if role == "" {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can submit its needs.")
		}
	case "approve", "reject":
		if role != "reviewer" {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a reviewer of the organisation can review its needs.")
		}
		if action == "approve" && n.CreatedBy == me.UserID {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "The author of a need cannot approve it; another reviewer must.")
		}
	case "withdraw", "close":
		if role != "coordinator" && role != "reviewer" && !me.IsAdmin() {
			return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation, or an administrator, can do this.")
		}
	}
	to, err := NextStatus(n.Status, action)
	if err != nil {
		return nil, err
	}
	if action == "submit" || action == "approve" {
		if err := s.check(n); err != nil {
			return nil, err
		}
	}
	now := s.now()
	from := n.Status
	n.Status = to
	n.UpdatedAt = now
	n.History = append(n.History, Transition{From: from, To: to, By: me.UserID, At: now, Note: strings.TrimSpace(note)})
	if to == StatusPublished && n.PublishedAt == nil {
		n.PublishedAt = &now
	}
	wasPublic := slices.Contains([]string{StatusPublished, StatusPartiallyFulfilled, StatusFulfilled}, from)
	touchesIndex := n.IsPublic() || wasPublic
	if touchesIndex && s.Outbox != nil {
		if err := s.Outbox.Enqueue(ctx, NeedIndex, n.ID); err != nil {
			return nil, err
		}
	}
	out, err := s.Store.ReplaceNeed(ctx, n, version)
	if err != nil {
		return nil, err
	}
	if wasPublic && !out.IsPublic() && s.Unindex != nil {
		if err := s.Unindex(ctx, []string{out.ID}); err != nil {
			return nil, err
		}
	}
	if touchesIndex && s.Outbox != nil {
		s.Outbox.Notify()
	}
	return out, nil
}

// OrgNeeds lists an organisation's needs, any status, for its staff.
func (s *NeedService) OrgNeeds(ctx context.Context, orgID string, status []string, cursor string, limit int) ([]*Need, string, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if !canManage(me, orgID) {
		return nil, "", tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation can list its needs.")
	}
	return s.Store.FindNeeds(ctx, NeedFilter{OrgIDs: []string{orgID}, Status: status, Cursor: cursor, Limit: limit})
}

// ReviewQueue lists the needs in review in the organisations where the
// caller is a reviewer (their own drafts included: they see them, but
// another reviewer must approve).
func (s *NeedService) ReviewQueue(ctx context.Context, cursor string, limit int) ([]*Need, string, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	var orgs []string
	for org, role := range me.Orgs {
		if role == "reviewer" {
			orgs = append(orgs, org)
		}
	}
	if len(orgs) == 0 {
		return nil, "", tongban.Errorf(tongban.EFORBIDDEN, "Only reviewers have a review queue.")
	}
	slices.Sort(orgs)
	return s.Store.FindNeeds(ctx, NeedFilter{OrgIDs: orgs, Status: []string{StatusInReview}, Cursor: cursor, Limit: limit})
}
