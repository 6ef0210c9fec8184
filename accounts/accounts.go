// Package accounts is the domain of users, organisations, roles, sessions,
// API tokens and the security audit log.
package accounts

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// Account roles.
const (
	RoleVolunteer = "volunteer"
	RoleDonor     = "donor"
	RoleAdmin     = "admin"
	// RoleStaff is implied by any organisation membership; it is never stored.
	RoleStaff = "staff"
)

// Organisation roles.
const (
	OrgCoordinator = "coordinator"
	OrgFinance     = "finance"
	OrgReviewer    = "reviewer"
)

// OrgTypes lists the organisation types with their Chinese names.
var OrgTypes = map[string]string{
	"youth_league":      "团委",
	"womens_federation": "妇联",
	"civil_affairs":     "民政",
	"education":         "教育局",
	"school":            "学校",
	"ngo":               "社会组织",
}

// Membership is a user's role in one organisation. Organisation facts are
// copied in so that a user document answers authorisation on its own.
type Membership struct {
	OrgID      string `bson:"org_id" json:"org_id"`
	OrgName    string `bson:"org_name" json:"org_name"`
	OrgType    string `bson:"org_type" json:"org_type"`
	CountyCode string `bson:"county_code" json:"county_code"`
	Role       string `bson:"role" json:"role"`
}

// User is an account. Email and Phone are personal data: masked in lists.
type User struct {
	ID           string       `bson:"_id" json:"id"`
	Login        string       `bson:"login" json:"-"`
	Email        string       `bson:"email,omitempty" json:"email,omitempty"`
	Phone        string       `bson:"phone,omitempty" json:"phone,omitempty"`
	DisplayName  string       `bson:"display_name" json:"display_name"`
	PasswordHash string       `bson:"password_hash" json:"-"`
	Roles        []string     `bson:"roles" json:"roles"`
	Memberships  []Membership `bson:"memberships" json:"memberships"`
	CreatedAt    time.Time    `bson:"created_at" json:"created_at"`
	UpdatedAt    time.Time    `bson:"updated_at" json:"updated_at"`
	Version      int64        `bson:"version" json:"version"`
	FailedLogins int          `bson:"failed_logins" json:"-"`
	LockedUntil  time.Time    `bson:"locked_until" json:"-"`
}

// HasRole reports whether u holds the account role.
func (u *User) HasRole(role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Organisation is a youth league, women's federation, bureau, school or NGO.
type Organisation struct {
	ID         string    `bson:"_id" json:"id"`
	Name       string    `bson:"name" json:"name"`
	Type       string    `bson:"type" json:"type"`
	CountyCode string    `bson:"county_code" json:"county_code"`
	CountyName string    `bson:"county_name" json:"county_name"`
	CreatedAt  time.Time `bson:"created_at" json:"created_at"`
}

// Session is a browser login. ID is the SHA-256 of the cookie secret.
type Session struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// APIToken is a bearer token for integrations. Hash is the SHA-256 of the
// secret, which is shown once at creation.
type APIToken struct {
	ID         string     `bson:"_id" json:"id"`
	UserID     string     `bson:"user_id" json:"-"`
	Name       string     `bson:"name" json:"name"`
	Prefix     string     `bson:"prefix" json:"prefix"`
	Hash       string     `bson:"hash" json:"-"`
	CreatedAt  time.Time  `bson:"created_at" json:"created_at"`
	LastUsedAt *time.Time `bson:"last_used_at,omitempty" json:"last_used_at"`
}

// AuditEvent is one entry of the append-only security log.
type AuditEvent struct {
	ID      string    `bson:"_id" json:"id"`
	At      time.Time `bson:"at" json:"at"`
	Kind    string    `bson:"kind" json:"kind"`
	ActorID string    `bson:"actor_id,omitempty" json:"actor_id,omitempty"`
	Subject string    `bson:"subject,omitempty" json:"subject,omitempty"`
	IP      string    `bson:"ip,omitempty" json:"ip,omitempty"`
	Detail  string    `bson:"detail,omitempty" json:"detail,omitempty"`
}

// Page is a cursor page request: items after Cursor, at most Limit.
type Page struct {
	Cursor string
	Limit  int
}

// UserStore persists users. Implementations translate missing documents to
// ENOTFOUND and unique-index violations to ECONFLICT.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id string) (*User, error)
	FindUserByLogin(ctx context.Context, login string) (*User, error)
	FindUsers(ctx context.Context, p Page) ([]*User, string, error)
	// FindOrgMembers returns the users with a membership of the
	// organisation, by display name.
	FindOrgMembers(ctx context.Context, orgID string) ([]*User, error)
	CountUsersWithRole(ctx context.Context, role string) (int, error)
	// UpdateUser applies set when the stored version equals version, and
	// increments the version; a stale version is EPRECONDITION.
	UpdateUser(ctx context.Context, id string, version int64, set UserUpdate) (*User, error)
	// RecordLoginFailure increments the failure count and, when it reaches
	// max, locks the account until lockUntil and resets the count.
	RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) error
	ResetLoginFailures(ctx context.Context, id string) error
	AddMembership(ctx context.Context, userID string, m Membership) (*User, error)
	// AnonymiseUser replaces the user's login, contact data, name and
	// password with placeholders (erasure on request) and drops memberships.
	AnonymiseUser(ctx context.Context, id string) error
}

// UserUpdate lists the fields to change; nil fields stay.
type UserUpdate struct {
	DisplayName  *string
	PasswordHash *string
	Roles        *[]string
}

// OrgStore persists organisations.
type OrgStore interface {
	CreateOrg(ctx context.Context, o *Organisation) error
	FindOrgByID(ctx context.Context, id string) (*Organisation, error)
	FindOrgs(ctx context.Context, p Page) ([]*Organisation, string, error)
	CountOrgs(ctx context.Context) (int, error)
}

// SessionStore persists sessions and API tokens.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, id string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID, except string) error
	CreateToken(ctx context.Context, t *APIToken) error
	FindTokenByHash(ctx context.Context, hash string) (*APIToken, error)
	FindTokens(ctx context.Context, userID string) ([]*APIToken, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	DeleteToken(ctx context.Context, userID, id string) error
	// DeleteUserData removes every session and token of the user.
	DeleteUserData(ctx context.Context, userID string) error
}

// AuditStore appends to and reads the audit log. There is no update or delete.
type AuditStore interface {
	AppendAudit(ctx context.Context, e *AuditEvent) error
	FindAudit(ctx context.Context, p Page) ([]*AuditEvent, string, error)
	FindAuditByActor(ctx context.Context, actorID string) ([]*AuditEvent, error)
}

var (
	emailRe  = regexp.MustCompile(`^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}$`)
	mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
)

// NormalizeLogin turns an email or mainland mobile number into its stored
// form and says which it is ("email" or "phone"). Spaces, dashes and a +86
// prefix are accepted on phone numbers.
func NormalizeLogin(login string) (value, kind string, ok bool) {
	s := strings.TrimSpace(login)
	if strings.Contains(s, "@") {
		s = strings.ToLower(s)
		return s, "email", emailRe.MatchString(s)
	}
	s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	s = strings.TrimPrefix(s, "+86")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s, "phone", mobileRe.MatchString(s)
}

func validPassword(v *tongban.Validation, field, pw string) {
	n := utf8.RuneCountInString(pw)
	v.Check(n >= 10, field, "must be at least 10 characters")
	v.Check(n <= 128, field, "must be at most 128 characters")
}

func validDisplayName(v *tongban.Validation, name string) {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	v.Check(n >= 1 && n <= 40, "display_name", "must be 1 to 40 characters")
}

// MaskEmail shows the first character and the domain: "z***@example.com".
func MaskEmail(s string) string {
	at := strings.IndexByte(s, '@')
	if at <= 0 {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + "***" + s[at:]
}

// MaskName keeps the first character of a name and masks the rest: "张**".
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) <= 1 {
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// MaskPhone keeps the first 3 and last 4 digits: "138****5678".
func MaskPhone(s string) string {
	if len(s) < 7 {
		return ""
	}
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}
