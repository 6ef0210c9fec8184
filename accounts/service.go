package accounts

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/auth"
)

// OrgIndex is the name of the public organisation directory index.
const OrgIndex = "orgs"

// OutboxWriter records changed documents for the search indexes.
type OutboxWriter interface {
	Enqueue(ctx context.Context, index string, ids ...string) error
	Notify()
}

// Login throttling defaults.
const (
	MaxLoginFailures = 5
	LockDuration     = 15 * time.Minute
	SessionLifetime  = 14 * 24 * time.Hour
)

// Service implements the account rules over its stores.
type Service struct {
	Users    UserStore
	Orgs     OrgStore
	Sessions SessionStore
	Audit    AuditStore
	// Counties resolves a 6-digit county code to its name; unknown codes are
	// invalid.
	Counties func(code string) (string, bool)
	// Outbox hears about changed organisations before they are written, so
	// the public directory index follows the database.
	Outbox OutboxWriter
	// Erasure hooks run when a user deletes their account.
	Erasure []ErasureHook
	// Exporters add the user's data held by other parts of the service to
	// their export, by section name.
	Exporters map[string]func(ctx context.Context, userID string) (any, error)
	Now       func() time.Time
	Logger    *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// audit appends a security event; failures are logged, never fatal to the
// caller's action, because the action has already happened.
func (s *Service) audit(ctx context.Context, kind, actor, subject, ip, detail string) {
	err := s.Audit.AppendAudit(ctx, &AuditEvent{ID: tongban.NewID(), At: s.now(), Kind: kind, ActorID: actor, Subject: subject, IP: ip, Detail: detail})
	if err != nil && s.Logger != nil {
		s.Logger.Error("audit append failed", "kind", kind, "err", err)
	}
}

// SignupInput is a self-service registration.
type SignupInput struct {
	Login       string   `json:"login"`
	Password    string   `json:"password"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
}

// Signup creates a volunteer and/or donor account. Returns EINVALID for bad
// input and ECONFLICT when the login is taken.
func (s *Service) Signup(ctx context.Context, in SignupInput, ip string) (*User, error) {
	var v tongban.Validation
	login, kind, ok := NormalizeLogin(in.Login)
	v.Check(ok, "login", "must be an e-mail address or a mainland mobile number")
	validPassword(&v, "password", in.Password)
	validDisplayName(&v, in.DisplayName)
	v.Check(len(in.Roles) >= 1, "roles", "must name at least one of volunteer, donor")
	for _, r := range in.Roles {
		v.Check(r == RoleVolunteer || r == RoleDonor, "roles", "may only contain volunteer and donor")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	roles := slices.Compact(slices.Sorted(slices.Values(in.Roles)))
	u, err := s.newUser(login, kind, in.Password, in.DisplayName, roles)
	if err != nil {
		return nil, err
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if tongban.ErrorCode(err) == tongban.ECONFLICT {
			return nil, &tongban.Error{Code: tongban.ECONFLICT, Message: "An account with this login already exists.", Fields: []tongban.FieldError{{Field: "login", Reason: "is already registered"}}}
		}
		return nil, err
	}
	s.audit(ctx, "account.signup", u.ID, u.ID, ip, strings.Join(roles, ","))
	return u, nil
}

func (s *Service) newUser(login, kind, password, name string, roles []string) (*User, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: tongban.NewID(), DisplayName: strings.TrimSpace(name), PasswordHash: hash, Roles: roles,
		Memberships: []Membership{}, CreatedAt: now, UpdatedAt: now, Version: 1}
	u.Login = login
	if kind == "email" {
		u.Email = login
	} else {
		u.Phone = login
	}
	return u, nil
}

// CreateUser creates an account with any roles (admin CLI and demo seed).
func (s *Service) CreateUser(ctx context.Context, login, password, name string, roles []string) (*User, error) {
	var v tongban.Validation
	l, kind, ok := NormalizeLogin(login)
	v.Check(ok, "login", "must be an e-mail address or a mainland mobile number")
	validPassword(&v, "password", password)
	validDisplayName(&v, name)
	for _, r := range roles {
		v.Check(r == RoleVolunteer || r == RoleDonor || r == RoleAdmin, "roles", "may only contain volunteer, donor and admin")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	u, err := s.newUser(l, kind, password, name, slices.Compact(slices.Sorted(slices.Values(roles))))
	if err != nil {
		return nil, err
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.audit(ctx, "account.create", "", u.ID, "", strings.Join(u.Roles, ","))
	return u, nil
}

// Login checks credentials and opens a session. It returns the session
// secret for the cookie. Bad credentials are EUNAUTHORIZED with one message
// whether or not the account exists; a locked account is ETOOMANY.
func (s *Service) Login(ctx context.Context, login, password, ip string) (*User, string, error) {
	var v tongban.Validation
	l, _, ok := NormalizeLogin(login)
	v.Check(ok, "login", "must be an e-mail address or a mainland mobile number")
	v.Check(password != "" && utf8.RuneCountInString(password) <= 128, "password", "is required")
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	bad := tongban.Errorf(tongban.EUNAUTHORIZED, "Wrong login or password.")
	u, err := s.Users.FindUserByLogin(ctx, l)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		auth.CheckDummy(password)
		s.audit(ctx, "login.failed", "", "", ip, "unknown account")
		return nil, "", bad
	} else if err != nil {
		return nil, "", err
	}
	now := s.now()
	if u.LockedUntil.After(now) {
		s.audit(ctx, "login.locked", "", u.ID, ip, "")
		return nil, "", tongban.Errorf(tongban.ETOOMANY, "Too many failed logins. Try again after %s.", u.LockedUntil.In(shanghai).Format("15:04"))
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		if err := s.Users.RecordLoginFailure(ctx, u.ID, MaxLoginFailures, now.Add(LockDuration)); err != nil {
			return nil, "", err
		}
		s.audit(ctx, "login.failed", "", u.ID, ip, "wrong password")
		return nil, "", bad
	}
	if u.FailedLogins > 0 {
		if err := s.Users.ResetLoginFailures(ctx, u.ID); err != nil {
			return nil, "", err
		}
	}
	secret := auth.NewSecret("s_")
	if err := s.Sessions.CreateSession(ctx, &Session{ID: auth.HashSecret(secret), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}); err != nil {
		return nil, "", err
	}
	s.audit(ctx, "login.ok", u.ID, u.ID, ip, "")
	return u, secret, nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// Identify returns the identity for a session secret or bearer token. Unknown
// or expired credentials are EUNAUTHORIZED.
func (s *Service) Identify(ctx context.Context, secret, via string) (*auth.Identity, *User, error) {
	unauth := tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	var userID string
	switch via {
	case "session":
		sess, err := s.Sessions.FindSession(ctx, auth.HashSecret(secret))
		if tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return nil, nil, unauth
		} else if err != nil {
			return nil, nil, err
		}
		if !sess.ExpiresAt.After(s.now()) {
			_ = s.Sessions.DeleteSession(ctx, sess.ID)
			return nil, nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Your session has expired. Please log in again.")
		}
		userID = sess.UserID
	case "token":
		t, err := s.Sessions.FindTokenByHash(ctx, auth.HashSecret(secret))
		if tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return nil, nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Invalid API token.")
		} else if err != nil {
			return nil, nil, err
		}
		if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
			_ = s.Sessions.TouchToken(ctx, t.ID, s.now())
		}
		userID = t.UserID
	default:
		return nil, nil, unauth
	}
	u, err := s.Users.FindUserByID(ctx, userID)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, nil, unauth
	} else if err != nil {
		return nil, nil, err
	}
	return IdentityOf(u, via), u, nil
}

// IdentityOf builds the authorisation identity of a user.
func IdentityOf(u *User, via string) *auth.Identity {
	id := &auth.Identity{UserID: u.ID, Roles: slices.Clone(u.Roles), Orgs: map[string]string{}, Via: via}
	for _, m := range u.Memberships {
		id.Orgs[m.OrgID] = m.Role
	}
	if len(u.Memberships) > 0 {
		id.Roles = append(id.Roles, RoleStaff)
	}
	return id
}

// Logout ends the session with this secret.
func (s *Service) Logout(ctx context.Context, secret, ip string) error {
	id := auth.HashSecret(secret)
	sess, err := s.Sessions.FindSession(ctx, id)
	if err != nil {
		if tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return nil
		}
		return err
	}
	if err := s.Sessions.DeleteSession(ctx, id); err != nil {
		return err
	}
	s.audit(ctx, "logout", sess.UserID, sess.UserID, ip, "")
	return nil
}

// ChangePassword checks the current password, stores the new hash and ends
// every other session of the user.
func (s *Service) ChangePassword(ctx context.Context, current, next, keepSessionSecret, ip string) error {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	var v tongban.Validation
	v.Check(current != "", "current_password", "is required")
	validPassword(&v, "new_password", next)
	if err := v.Err(); err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(ctx, me.UserID)
	if err != nil {
		return err
	}
	if !auth.CheckPassword(u.PasswordHash, current) {
		s.audit(ctx, "password.change_failed", u.ID, u.ID, ip, "")
		return &tongban.Error{Code: tongban.EINVALID, Message: "The current password is wrong.", Fields: []tongban.FieldError{{Field: "current_password", Reason: "is wrong"}}}
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if _, err := s.Users.UpdateUser(ctx, u.ID, u.Version, UserUpdate{PasswordHash: &hash}); err != nil {
		return err
	}
	keep := ""
	if keepSessionSecret != "" {
		keep = auth.HashSecret(keepSessionSecret)
	}
	if err := s.Sessions.DeleteUserSessions(ctx, u.ID, keep); err != nil {
		return err
	}
	s.audit(ctx, "password.changed", u.ID, u.ID, ip, "")
	return nil
}

// UpdateProfile changes the caller's display name if version is current.
func (s *Service) UpdateProfile(ctx context.Context, version int64, displayName *string) (*User, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	var v tongban.Validation
	if displayName != nil {
		validDisplayName(&v, *displayName)
		t := strings.TrimSpace(*displayName)
		displayName = &t
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.Users.UpdateUser(ctx, me.UserID, version, UserUpdate{DisplayName: displayName})
}

// CreateToken issues an API token for the caller and returns its secret once.
func (s *Service) CreateToken(ctx context.Context, name, ip string) (*APIToken, string, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, "", tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 60 {
		return nil, "", tongban.Invalid("name", "must be 1 to 60 characters")
	}
	existing, err := s.Sessions.FindTokens(ctx, me.UserID)
	if err != nil {
		return nil, "", err
	}
	if len(existing) >= 20 {
		return nil, "", tongban.Errorf(tongban.ECONFLICT, "You already have 20 API tokens; revoke one first.")
	}
	secret := auth.NewSecret("tb_")
	t := &APIToken{ID: tongban.NewID(), UserID: me.UserID, Name: name, Prefix: secret[:7], Hash: auth.HashSecret(secret), CreatedAt: s.now()}
	if err := s.Sessions.CreateToken(ctx, t); err != nil {
		return nil, "", err
	}
	s.audit(ctx, "token.created", me.UserID, t.ID, ip, name)
	return t, secret, nil
}

// Tokens lists the caller's API tokens.
func (s *Service) Tokens(ctx context.Context) ([]*APIToken, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	return s.Sessions.FindTokens(ctx, me.UserID)
}

// RevokeToken deletes one of the caller's tokens (ENOTFOUND for others').
func (s *Service) RevokeToken(ctx context.Context, id, ip string) error {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	if err := s.Sessions.DeleteToken(ctx, me.UserID, id); err != nil {
		return err
	}
	s.audit(ctx, "token.revoked", me.UserID, id, ip, "")
	return nil
}

// OrgInput describes a new organisation.
type OrgInput struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	CountyCode string `json:"county_code"`
}

// CreateOrg creates an organisation (admins only).
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (*Organisation, error) {
	me := auth.UserFromContext(ctx)
	if !me.IsAdmin() {
		return nil, forbidden(me)
	}
	return s.createOrg(ctx, in, me.UserID)
}

// CreateOrgUnchecked creates an organisation without a caller (seed, CLI).
func (s *Service) CreateOrgUnchecked(ctx context.Context, in OrgInput) (*Organisation, error) {
	return s.createOrg(ctx, in, "")
}

func (s *Service) createOrg(ctx context.Context, in OrgInput, actor string) (*Organisation, error) {
	var v tongban.Validation
	name := strings.TrimSpace(in.Name)
	n := utf8.RuneCountInString(name)
	v.Check(n >= 2 && n <= 60, "name", "must be 2 to 60 characters")
	_, okType := OrgTypes[in.Type]
	v.Check(okType, "type", "must be one of youth_league, womens_federation, civil_affairs, education, school, ngo")
	county, okCounty := "", false
	if s.Counties != nil {
		county, okCounty = s.Counties(in.CountyCode)
	}
	v.Check(okCounty, "county_code", "must be a known 6-digit county code")
	if err := v.Err(); err != nil {
		return nil, err
	}
	o := &Organisation{ID: tongban.NewID(), Name: name, Type: in.Type, CountyCode: in.CountyCode, CountyName: county, CreatedAt: s.now()}
	if s.Outbox != nil {
		if err := s.Outbox.Enqueue(ctx, OrgIndex, o.ID); err != nil {
			return nil, err
		}
		defer s.Outbox.Notify()
	}
	if err := s.Orgs.CreateOrg(ctx, o); err != nil {
		if tongban.ErrorCode(err) == tongban.ECONFLICT {
			return nil, &tongban.Error{Code: tongban.ECONFLICT, Message: "An organisation with this name already exists.", Fields: []tongban.FieldError{{Field: "name", Reason: "is taken"}}}
		}
		return nil, err
	}
	s.audit(ctx, "org.created", actor, o.ID, "", o.Name)
	return o, nil
}

// AddMember gives a user a role in an organisation. Admins and the
// organisation's coordinators may do it.
func (s *Service) AddMember(ctx context.Context, orgID, userID, role string) (*User, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	if !me.IsAdmin() && me.OrgRole(orgID) != OrgCoordinator {
		return nil, forbidden(me)
	}
	return s.addMember(ctx, orgID, userID, role, me.UserID)
}

// Member is a staff member of an organisation as colleagues see them: a
// name and a role, no contact data.
type Member struct {
	UserID      string `json:"user_id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
}

// OrgMembers lists an organisation's staff to its own staff and to
// administrators (so that approvals, histories and logs can name people).
func (s *Service) OrgMembers(ctx context.Context, orgID string) ([]Member, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	if !me.IsAdmin() && me.OrgRole(orgID) == "" {
		return nil, forbidden(me)
	}
	users, err := s.Users.FindOrgMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := []Member{}
	for _, u := range users {
		for _, m := range u.Memberships {
			if m.OrgID == orgID {
				out = append(out, Member{UserID: u.ID, DisplayName: u.DisplayName, Role: m.Role})
			}
		}
	}
	return out, nil
}

// AddMemberUnchecked is AddMember without a caller (seed, CLI).
func (s *Service) AddMemberUnchecked(ctx context.Context, orgID, userID, role string) (*User, error) {
	return s.addMember(ctx, orgID, userID, role, "")
}

func (s *Service) addMember(ctx context.Context, orgID, userID, role, actor string) (*User, error) {
	if role != OrgCoordinator && role != OrgFinance && role != OrgReviewer {
		return nil, tongban.Invalid("role", "must be coordinator, finance or reviewer")
	}
	o, err := s.Orgs.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	u, err := s.Users.AddMembership(ctx, userID, Membership{OrgID: o.ID, OrgName: o.Name, OrgType: o.Type, CountyCode: o.CountyCode, Role: role})
	if err != nil {
		return nil, err
	}
	s.audit(ctx, "org.member_added", actor, userID, "", o.ID+":"+role)
	return u, nil
}

// ListUsers returns a page of users (admins only).
func (s *Service) ListUsers(ctx context.Context, p Page) ([]*User, string, error) {
	me := auth.UserFromContext(ctx)
	if !me.IsAdmin() {
		return nil, "", forbidden(me)
	}
	return s.Users.FindUsers(ctx, p)
}

// ListAudit returns a page of the audit log (admins only).
func (s *Service) ListAudit(ctx context.Context, p Page) ([]*AuditEvent, string, error) {
	me := auth.UserFromContext(ctx)
	if !me.IsAdmin() {
		return nil, "", forbidden(me)
	}
	return s.Audit.FindAudit(ctx, p)
}

// Export is everything the service holds about the caller (PIPL access).
type Export struct {
	ExportedAt time.Time     `json:"exported_at"`
	User       *User         `json:"user"`
	Tokens     []*APIToken   `json:"api_tokens"`
	Security   []*AuditEvent `json:"security_events"`
	// Sections holds the data of other parts of the service (volunteer
	// profile, pairings, …).
	Sections map[string]any `json:"sections"`
}

// ExportMine returns the caller's own data.
func (s *Service) ExportMine(ctx context.Context) (*Export, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	u, err := s.Users.FindUserByID(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	toks, err := s.Sessions.FindTokens(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	ev, err := s.Audit.FindAuditByActor(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	sections := map[string]any{}
	for name, fn := range s.Exporters {
		v, err := fn(ctx, me.UserID)
		if err != nil {
			return nil, err
		}
		sections[name] = v
	}
	s.audit(ctx, "account.exported", me.UserID, me.UserID, "", "")
	return &Export{ExportedAt: s.now(), User: u, Tokens: toks, Security: ev, Sections: sections}, nil
}

func forbidden(me *auth.Identity) error {
	if me == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	return tongban.Errorf(tongban.EFORBIDDEN, "You are not allowed to do this.")
}

// ErasureHook removes a user's data held by another part of the service
// (volunteer profile, …) when the user asks for deletion.
type ErasureHook func(ctx context.Context, userID string) error

// DeleteMine erases the caller's account on request (PIPL): the password
// must be confirmed; contact data, name and credentials are replaced by
// placeholders, sessions and tokens are deleted, and every registered hook
// removes the user's other personal data. Records that must stay (audit
// events, ledger entries, confirmed hours) keep only the opaque user ID.
func (s *Service) DeleteMine(ctx context.Context, password, ip string) error {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	u, err := s.Users.FindUserByID(ctx, me.UserID)
	if err != nil {
		return err
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		return &tongban.Error{Code: tongban.EINVALID, Message: "The password is wrong.", Fields: []tongban.FieldError{{Field: "password", Reason: "is wrong"}}}
	}
	for _, hook := range s.Erasure {
		if err := hook(ctx, u.ID); err != nil {
			return err
		}
	}
	if err := s.Sessions.DeleteUserData(ctx, u.ID); err != nil {
		return err
	}
	if err := s.Users.AnonymiseUser(ctx, u.ID); err != nil {
		return err
	}
	s.audit(ctx, "account.erased", u.ID, u.ID, ip, "")
	return nil
}
