package mongodb

import (
	"context"
	"encoding/base64"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
)

// Collection names.
const (
	colUsers    = "users"
	colOrgs     = "organisations"
	colSessions = "sessions"
	colTokens   = "api_tokens"
	colAudit    = "audit_log"
	colOutbox   = "outbox"
)

// AccountStore implements the accounts stores.
type AccountStore struct{ db *DB }

// NewAccountStore returns the accounts stores over db.
func NewAccountStore(db *DB) *AccountStore { return &AccountStore{db: db} }

var (
	_ accounts.UserStore    = (*AccountStore)(nil)
	_ accounts.OrgStore     = (*AccountStore)(nil)
	_ accounts.SessionStore = (*AccountStore)(nil)
	_ accounts.AuditStore   = (*AccountStore)(nil)
)

// EncodeCursor makes an opaque cursor from the last item's ID.
func EncodeCursor(id string) string {
	if id == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(id))
}

// DecodeCursor reverses EncodeCursor; a malformed cursor is EINVALID.
func DecodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 64 {
		return "", tongban.Invalid("cursor", "is malformed")
	}
	return string(b), nil
}

// findPage reads up to p.Limit documents ordered by _id after the cursor.
func findPage[T any](ctx context.Context, c *mongo.Collection, filter bson.D, p accounts.Page, desc bool, idOf func(*T) string, what string) ([]*T, string, error) {
	after, err := DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := p.Limit
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	op, dir := "$gt", 1
	if desc {
		op, dir = "$lt", -1
	}
	if after != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: op, Value: after}}})
	}
	cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: dir}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", translate(err, what)
	}
	var out []*T
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", translate(err, what)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = EncodeCursor(idOf(out[limit-1]))
	}
	if out == nil {
		out = []*T{}
	}
	return out, next, nil
}

// CreateUser inserts u; a taken login is ECONFLICT.
func (s *AccountStore) CreateUser(ctx context.Context, u *accounts.User) error {
	_, err := s.db.Collection(colUsers).InsertOne(ctx, u)
	return translate(err, "user")
}

// CreateUsers inserts many users in batches (demo seeding).
func (s *AccountStore) CreateUsers(ctx context.Context, users []*accounts.User) error {
	for i := 0; i < len(users); i += 1000 {
		batch := make([]any, 0, 1000)
		for _, u := range users[i:min(i+1000, len(users))] {
			batch = append(batch, u)
		}
		if _, err := s.db.Collection(colUsers).InsertMany(ctx, batch); err != nil {
			return translate(err, "users")
		}
	}
	return nil
}

// FindUserByID returns the user or ENOTFOUND.
func (s *AccountStore) FindUserByID(ctx context.Context, id string) (*accounts.User, error) {
	var u accounts.User
	err := s.db.Collection(colUsers).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&u)
	return &u, translate(err, "user")
}

// FindUserByLogin returns the user with this normalised login or ENOTFOUND.
func (s *AccountStore) FindUserByLogin(ctx context.Context, login string) (*accounts.User, error) {
	var u accounts.User
	err := s.db.Collection(colUsers).FindOne(ctx, bson.D{{Key: "login", Value: login}}).Decode(&u)
	return &u, translate(err, "user")
}

// FindUsers returns a page of users in creation order.
func (s *AccountStore) FindUsers(ctx context.Context, p accounts.Page) ([]*accounts.User, string, error) {
	return findPage(ctx, s.db.Collection(colUsers), bson.D{}, p, false, func(u *accounts.User) string { return u.ID }, "users")
}

// FindOrgMembers returns the users with a membership of the organisation,
// by display name.
func (s *AccountStore) FindOrgMembers(ctx context.Context, orgID string) ([]*accounts.User, error) {
	cur, err := s.db.Collection(colUsers).Find(ctx, bson.D{{Key: "memberships.org_id", Value: orgID}},
		options.Find().SetSort(bson.D{{Key: "display_name", Value: 1}}).SetLimit(500))
	if err != nil {
		return nil, translate(err, "users")
	}
	out := []*accounts.User{}
	return out, translate(cur.All(ctx, &out), "users")
}

// CountUsersWithRole counts users holding role ("staff" counts members).
func (s *AccountStore) CountUsersWithRole(ctx context.Context, role string) (int, error) {
	f := bson.D{{Key: "roles", Value: role}}
	if role == accounts.RoleStaff {
		f = bson.D{{Key: "memberships.0", Value: bson.D{{Key: "$exists", Value: true}}}}
	}
	n, err := s.db.Collection(colUsers).CountDocuments(ctx, f)
	return int(n), translate(err, "users")
}

// UpdateUser applies set if version is current (EPRECONDITION otherwise).
func (s *AccountStore) UpdateUser(ctx context.Context, id string, version int64, set accounts.UserUpdate) (*accounts.User, error) {
	fields := bson.D{{Key: "updated_at", Value: s.db.Now().UTC()}}
	if set.DisplayName != nil {
		fields = append(fields, bson.E{Key: "display_name", Value: *set.DisplayName})
	}
	if set.PasswordHash != nil {
		fields = append(fields, bson.E{Key: "password_hash", Value: *set.PasswordHash})
	}
	if set.Roles != nil {
		fields = append(fields, bson.E{Key: "roles", Value: *set.Roles})
	}
	var u accounts.User
	err := s.db.Collection(colUsers).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}},
		bson.D{{Key: "$set", Value: fields}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&u)
	if err == mongo.ErrNoDocuments {
		if _, ferr := s.FindUserByID(ctx, id); ferr != nil {
			return nil, ferr
		}
		return nil, tongban.Errorf(tongban.EPRECONDITION, "The account was changed meanwhile; reload and try again.")
	}
	if err != nil {
		return nil, translate(err, "user")
	}
	return &u, nil
}

// RecordLoginFailure counts a failure and locks the account at max failures.
func (s *AccountStore) RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) error {
	var u accounts.User
	c := s.db.Collection(colUsers)
	err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failed_logins", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&u)
	if err != nil {
		return translate(err, "user")
	}
	if u.FailedLogins >= max {
		_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "locked_until", Value: lockUntil}, {Key: "failed_logins", Value: 0}}}})
	}
	return translate(err, "user")
}

// ResetLoginFailures clears the failure count after a good login.
func (s *AccountStore) ResetLoginFailures(ctx context.Context, id string) error {
	_, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "failed_logins", Value: 0}}}})
	return translate(err, "user")
}

// AddMembership adds or replaces the user's membership in m.OrgID.
func (s *AccountStore) AddMembership(ctx context.Context, userID string, m accounts.Membership) (*accounts.User, error) {
	c := s.db.Collection(colUsers)
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "memberships", Value: bson.D{{Key: "org_id", Value: m.OrgID}}}}}}); err != nil {
		return nil, translate(err, "user")
	}
	var u accounts.User
	err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "memberships", Value: m}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&u)
	if err != nil {
		return nil, translate(err, "user")
	}
	return &u, nil
}

// AnonymiseUser replaces personal data with placeholders.
func (s *AccountStore) AnonymiseUser(ctx context.Context, id string) error {
	res, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "login", Value: "erased:" + id}, {Key: "display_name", Value: "已注销用户"},
			{Key: "password_hash", Value: ""}, {Key: "roles", Value: bson.A{}}, {Key: "memberships", Value: bson.A{}},
			{Key: "updated_at", Value: s.db.Now().UTC()}}},
		{Key: "$unset", Value: bson.D{{Key: "email", Value: ""}, {Key: "phone", Value: ""}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	})
	if err != nil {
		return translate(err, "user")
	}
	if res.MatchedCount == 0 {
		return tongban.Errorf(tongban.ENOTFOUND, "user not found.")
	}
	return nil
}

// DeleteUserData removes all sessions and API tokens of a user.
func (s *AccountStore) DeleteUserData(ctx context.Context, userID string) error {
	if _, err := s.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}}); err != nil {
		return translate(err, "sessions")
	}
	_, err := s.db.Collection(colTokens).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return translate(err, "API tokens")
}

// CreateOrg inserts o; a taken name is ECONFLICT.
func (s *AccountStore) CreateOrg(ctx context.Context, o *accounts.Organisation) error {
	_, err := s.db.Collection(colOrgs).InsertOne(ctx, o)
	return translate(err, "organisation")
}

// FindOrgByID returns the organisation or ENOTFOUND.
func (s *AccountStore) FindOrgByID(ctx context.Context, id string) (*accounts.Organisation, error) {
	var o accounts.Organisation
	err := s.db.Collection(colOrgs).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&o)
	return &o, translate(err, "organisation")
}

// FindOrgByName returns the organisation with exactly this name or ENOTFOUND.
func (s *AccountStore) FindOrgByName(ctx context.Context, name string) (*accounts.Organisation, error) {
	var o accounts.Organisation
	err := s.db.Collection(colOrgs).FindOne(ctx, bson.D{{Key: "name", Value: name}}).Decode(&o)
	return &o, translate(err, "organisation")
}

// FindOrgsByIDs returns the organisations with these IDs (missing ones are skipped).
func (s *AccountStore) FindOrgsByIDs(ctx context.Context, ids []string) ([]*accounts.Organisation, error) {
	cur, err := s.db.Collection(colOrgs).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, translate(err, "organisations")
	}
	var out []*accounts.Organisation
	return out, translate(cur.All(ctx, &out), "organisations")
}

// FindOrgs returns a page of organisations.
func (s *AccountStore) FindOrgs(ctx context.Context, p accounts.Page) ([]*accounts.Organisation, string, error) {
	return findPage(ctx, s.db.Collection(colOrgs), bson.D{}, p, false, func(o *accounts.Organisation) string { return o.ID }, "organisations")
}

// CountOrgs counts organisations.
func (s *AccountStore) CountOrgs(ctx context.Context) (int, error) {
	n, err := s.db.Collection(colOrgs).CountDocuments(ctx, bson.D{})
	return int(n), translate(err, "organisations")
}

// DistinctOrgCounties counts the distinct counties organisations work in.
func (s *AccountStore) DistinctOrgCounties(ctx context.Context) (int, error) {
	res := s.db.Collection(colOrgs).Distinct(ctx, "county_code", bson.D{})
	var vals []string
	if err := res.Decode(&vals); err != nil {
		return 0, translate(err, "organisations")
	}
	return len(vals), nil
}

// CreateSession stores a session.
func (s *AccountStore) CreateSession(ctx context.Context, sess *accounts.Session) error {
	_, err := s.db.Collection(colSessions).InsertOne(ctx, sess)
	return translate(err, "session")
}

// FindSession returns the session with this hashed ID or ENOTFOUND.
func (s *AccountStore) FindSession(ctx context.Context, id string) (*accounts.Session, error) {
	var sess accounts.Session
	err := s.db.Collection(colSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sess)
	return &sess, translate(err, "session")
}

// DeleteSession removes one session.
func (s *AccountStore) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.Collection(colSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return translate(err, "session")
}

// DeleteUserSessions removes all of a user's sessions except one.
func (s *AccountStore) DeleteUserSessions(ctx context.Context, userID, except string) error {
	_, err := s.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: except}}}})
	return translate(err, "sessions")
}

// DeleteExpiredSessions removes sessions that expired before now (there are
// no TTL indexes on FerretDB, so a janitor calls this).
func (s *AccountStore) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	r, err := s.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
	if err != nil {
		return 0, translate(err, "sessions")
	}
	return int(r.DeletedCount), nil
}

// CreateToken stores an API token.
func (s *AccountStore) CreateToken(ctx context.Context, t *accounts.APIToken) error {
	_, err := s.db.Collection(colTokens).InsertOne(ctx, t)
	return translate(err, "API token")
}

// FindTokenByHash returns the token with this secret hash or ENOTFOUND.
func (s *AccountStore) FindTokenByHash(ctx context.Context, hash string) (*accounts.APIToken, error) {
	var t accounts.APIToken
	err := s.db.Collection(colTokens).FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(&t)
	return &t, translate(err, "API token")
}

// FindTokens lists a user's tokens, oldest first.
func (s *AccountStore) FindTokens(ctx context.Context, userID string) ([]*accounts.APIToken, error) {
	cur, err := s.db.Collection(colTokens).Find(ctx, bson.D{{Key: "user_id", Value: userID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "API tokens")
	}
	out := []*accounts.APIToken{}
	return out, translate(cur.All(ctx, &out), "API tokens")
}

// TouchToken records when a token was last used.
func (s *AccountStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.Collection(colTokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "last_used_at", Value: at}}}})
	return translate(err, "API token")
}

// DeleteToken removes the user's token id; ENOTFOUND if the user has none such.
func (s *AccountStore) DeleteToken(ctx context.Context, userID, id string) error {
	r, err := s.db.Collection(colTokens).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}})
	if err != nil {
		return translate(err, "API token")
	}
	if r.DeletedCount == 0 {
		return tongban.Errorf(tongban.ENOTFOUND, "API token not found.")
	}
	return nil
}

// AppendAudit appends one event. The store offers no update or delete.
func (s *AccountStore) AppendAudit(ctx context.Context, e *accounts.AuditEvent) error {
	_, err := s.db.Collection(colAudit).InsertOne(ctx, e)
	return translate(err, "audit event")
}

// FindAudit returns a page of events, newest first.
func (s *AccountStore) FindAudit(ctx context.Context, p accounts.Page) ([]*accounts.AuditEvent, string, error) {
	return findPage(ctx, s.db.Collection(colAudit), bson.D{}, p, true, func(e *accounts.AuditEvent) string { return e.ID }, "audit log")
}

// FindAuditByActor returns the events a user caused or was subject of.
func (s *AccountStore) FindAuditByActor(ctx context.Context, actorID string) ([]*accounts.AuditEvent, error) {
	cur, err := s.db.Collection(colAudit).Find(ctx, bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "actor_id", Value: actorID}}, bson.D{{Key: "subject", Value: actorID}}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(1000))
	if err != nil {
		return nil, translate(err, "audit log")
	}
	out := []*accounts.AuditEvent{}
	return out, translate(cur.All(ctx, &out), "audit log")
}
