package mongodb

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/matching"
)

const (
	colActivities     = "activities"
	colActSessions    = "activity_sessions"
	colActSignups     = "activity_signups"
	colSchedules      = "volunteer_schedules"
	colCalendarTokens = "calendar_tokens"
	colCertificates   = "certificates"
)

// maxActivitySignups caps one sign-up query.
const maxActivitySignups = 2000

func init() {
	indexes = append(indexes,
		indexSpec{colActivities, bson.D{{Key: "org_id", Value: 1}}, false, "org"},
		indexSpec{colActSessions, bson.D{{Key: "start", Value: 1}, {Key: "_id", Value: 1}}, false, "start"},
		indexSpec{colActSessions, bson.D{{Key: "activity_id", Value: 1}}, false, "activity"},
		indexSpec{colActSessions, bson.D{{Key: "county_code", Value: 1}, {Key: "start", Value: 1}}, false, "county_start"},
		// One sign-up per volunteer and session.
		indexSpec{colActSignups, bson.D{{Key: "key", Value: 1}}, true, "session_volunteer_unique"},
		indexSpec{colActSignups, bson.D{{Key: "session_id", Value: 1}, {Key: "seq", Value: 1}}, false, "session_seq"},
		indexSpec{colActSignups, bson.D{{Key: "volunteer_id", Value: 1}}, false, "volunteer"},
		indexSpec{colActSignups, bson.D{{Key: "status", Value: 1}, {Key: "offer_expires", Value: 1}}, false, "offers"},
		indexSpec{colCalendarTokens, bson.D{{Key: "hash", Value: 1}}, true, "hash_unique"},
		indexSpec{colCertificates, bson.D{{Key: "volunteer_id", Value: 1}}, false, "volunteer"},
	)
}

// ActivityStore implements activities.Store.
type ActivityStore struct{ db *DB }

// NewActivityStore returns the activities store over db.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

var _ activities.Store = (*ActivityStore)(nil)

func actID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// CreateActivity inserts a.
func (s *ActivityStore) CreateActivity(ctx context.Context, a *activities.Activity) error {
	_, err := s.db.Collection(colActivities).InsertOne(ctx, a)
	return translate(err, "activity")
}

// FindActivity returns the activity or ENOTFOUND.
func (s *ActivityStore) FindActivity(ctx context.Context, id string) (*activities.Activity, error) {
	var a activities.Activity
	if err := s.db.Collection(colActivities).FindOne(ctx, actID(id)).Decode(&a); err != nil {
		return nil, translate(err, "activity")
	}
	return &a, nil
}

// FindActivities returns an organisation's activities, newest first (at
// most 500).
func (s *ActivityStore) FindActivities(ctx context.Context, orgID string) ([]*activities.Activity, error) {
	cur, err := s.db.Collection(colActivities).Find(ctx, bson.D{{Key: "org_id", Value: orgID}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(500))
	if err != nil {
		return nil, translate(err, "activities")
	}
	out := []*activities.Activity{}
	return out, translate(cur.All(ctx, &out), "activities")
}

// CreateSessions inserts sessions.
func (s *ActivityStore) CreateSessions(ctx context.Context, ss []*activities.Session) error {
	docs := make([]any, len(ss))
	for i, x := range ss {
		docs[i] = x
	}
	_, err := s.db.Collection(colActSessions).InsertMany(ctx, docs)
	return translate(err, "sessions")
}

// FindSession returns the session or ENOTFOUND.
func (s *ActivityStore) FindSession(ctx context.Context, id string) (*activities.Session, error) {
	var x activities.Session
	if err := s.db.Collection(colActSessions).FindOne(ctx, actID(id)).Decode(&x); err != nil {
		return nil, translate(err, "session")
	}
	return &x, nil
}

// sessionCursor encodes the position after a session: start and ID.
func sessionCursor(x *activities.Session) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(x.Start.UnixMilli(), 10) + ":" + x.ID))
}

func parseSessionCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ms, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", false
	}
	return time.UnixMilli(n).UTC(), id, true
}

// FindSessions returns sessions ordered by start, then ID, a page at a time.
func (s *ActivityStore) FindSessions(ctx context.Context, f activities.SessionFilter) ([]*activities.Session, string, error) {
	filter := bson.D{}
	if f.IDs != nil {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: f.IDs}}})
	}
	if f.ActivityID != "" {
		filter = append(filter, bson.E{Key: "activity_id", Value: f.ActivityID})
	}
	if f.OrgID != "" {
		filter = append(filter, bson.E{Key: "org_id", Value: f.OrgID})
	}
	if f.CountyCode != "" {
		filter = append(filter, bson.E{Key: "county_code", Value: f.CountyCode})
	}
	if f.Role != "" {
		filter = append(filter, bson.E{Key: "capacity." + f.Role, Value: bson.D{{Key: "$gt", Value: 0}}})
	}
	start := bson.D{}
	if !f.From.IsZero() {
		start = append(start, bson.E{Key: "$gte", Value: f.From})
	}
	if !f.To.IsZero() {
		start = append(start, bson.E{Key: "$lt", Value: f.To})
	}
	if len(start) > 0 {
		filter = append(filter, bson.E{Key: "start", Value: start})
	}
	if f.Cursor != "" {
		t, id, ok := parseSessionCursor(f.Cursor)
		if !ok {
			return nil, "", tongban.Invalid("cursor", "is malformed")
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "start", Value: bson.D{{Key: "$gt", Value: t}}}},
			bson.D{{Key: "start", Value: t}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: id}}}},
		}})
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	cur, err := s.db.Collection(colActSessions).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "start", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", translate(err, "sessions")
	}
	out := []*activities.Session{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", translate(err, "sessions")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = sessionCursor(out[limit-1])
	}
	return out, next, nil
}

// TakePlace takes a place of role and an arrival number in one guarded
// update: it matches only while places_left.<role> is above zero.
func (s *ActivityStore) TakePlace(ctx context.Context, sessionID, role string) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection(colActSessions).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: sessionID}, {Key: "places_left." + role, Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "places_left." + role, Value: -1}, {Key: "seq", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&doc)
	if err == mongo.ErrNoDocuments {
		return 0, tongban.Errorf(tongban.ECONFLICT, "No %s place is left in this session.", role)
	}
	return doc.Seq, translate(err, "session")
}

// NextSeq hands out the session's next arrival number.
func (s *ActivityStore) NextSeq(ctx context.Context, sessionID string) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection(colActSessions).FindOneAndUpdate(ctx, actID(sessionID),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&doc)
	return doc.Seq, translate(err, "session")
}

// ReleasePlace gives one place of role back.
func (s *ActivityStore) ReleasePlace(ctx context.Context, sessionID, role string) error {
	_, err := s.db.Collection(colActSessions).UpdateOne(ctx, actID(sessionID),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "places_left." + role, Value: 1}}}})
	return translate(err, "session")
}

// JoinWaitlist appends signupID to role's waitlist and takes an arrival
// number in one atomic update.
func (s *ActivityStore) JoinWaitlist(ctx context.Context, sessionID, role, signupID string) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := s.db.Collection(colActSessions).FindOneAndUpdate(ctx, actID(sessionID),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: 1}}}, {Key: "$push", Value: bson.D{{Key: "waitlist." + role, Value: signupID}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&doc)
	return doc.Seq, translate(err, "session")
}

// LeaveWaitlist removes signupID from role's waitlist (no error when it is
// not there).
func (s *ActivityStore) LeaveWaitlist(ctx context.Context, sessionID, role, signupID string) error {
	_, err := s.db.Collection(colActSessions).UpdateOne(ctx, actID(sessionID),
		bson.D{{Key: "$pull", Value: bson.D{{Key: "waitlist." + role, Value: signupID}}}})
	return translate(err, "session")
}

// OfferPlace moves signupID from the waitlist to the offers in one update
// that matches only while it is in the waitlist.
func (s *ActivityStore) OfferPlace(ctx context.Context, sessionID, role, signupID string, expires time.Time) error {
	res, err := s.db.Collection(colActSessions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: sessionID}, {Key: "waitlist." + role, Value: signupID}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "waitlist." + role, Value: signupID}}},
			{Key: "$set", Value: bson.D{{Key: "offers." + signupID, Value: activities.Offer{Role: role, Expires: expires}}}}})
	if err != nil {
		return translate(err, "session")
	}
	if res.MatchedCount == 0 {
		return tongban.Errorf(tongban.ECONFLICT, "The sign-up is no longer waiting.")
	}
	return nil
}

// ClearOffer removes the offer of signupID; true when this call removed it.
func (s *ActivityStore) ClearOffer(ctx context.Context, sessionID, signupID string) (bool, error) {
	res, err := s.db.Collection(colActSessions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: sessionID}, {Key: "offers." + signupID, Value: bson.D{{Key: "$exists", Value: true}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "offers." + signupID, Value: ""}}}})
	if err != nil {
		return false, translate(err, "session")
	}
	return res.ModifiedCount == 1, nil
}

// CloseSession records children served and the confirmation time.
func (s *ActivityStore) CloseSession(ctx context.Context, id string, childrenServed int, at time.Time) error {
	res, err := s.db.Collection(colActSessions).UpdateOne(ctx, actID(id),
		bson.D{{Key: "$set", Value: bson.D{{Key: "children_served", Value: childrenServed}, {Key: "hours_confirmed_at", Value: at}}}})
	if err == nil && res.MatchedCount == 0 {
		err = mongo.ErrNoDocuments
	}
	return translate(err, "session")
}

// CreateSignup inserts a sign-up; a second one of the same volunteer for
// the same session is ECONFLICT (unique key).
func (s *ActivityStore) CreateSignup(ctx context.Context, x *activities.Signup) error {
	_, err := s.db.Collection(colActSignups).InsertOne(ctx, x)
	return translate(err, "sign-up")
}

// FindSignup returns the sign-up or ENOTFOUND.
func (s *ActivityStore) FindSignup(ctx context.Context, id string) (*activities.Signup, error) {
	var x activities.Signup
	if err := s.db.Collection(colActSignups).FindOne(ctx, actID(id)).Decode(&x); err != nil {
		return nil, translate(err, "sign-up")
	}
	return &x, nil
}

func signupFilter(f activities.SignupFilter) bson.D {
	filter := bson.D{}
	add := func(k string, v any) { filter = append(filter, bson.E{Key: k, Value: v}) }
	if f.SessionID != "" {
		add("session_id", f.SessionID)
	}
	if f.VolunteerID != "" {
		add("volunteer_id", f.VolunteerID)
	}
	if f.Role != "" {
		add("role", f.Role)
	}
	if len(f.Status) > 0 {
		add("status", bson.D{{Key: "$in", Value: f.Status}})
	}
	if !f.OfferExpiredBy.IsZero() {
		add("offer_expires", bson.D{{Key: "$lte", Value: f.OfferExpiredBy}})
	}
	if f.HoursConfirmed {
		add("hours_confirmed", true)
	}
	return filter
}

// FindSignups returns sign-ups by session start, then arrival.
func (s *ActivityStore) FindSignups(ctx context.Context, f activities.SignupFilter) ([]*activities.Signup, error) {
	limit := f.Limit
	if limit <= 0 || limit > maxActivitySignups {
		limit = maxActivitySignups
	}
	cur, err := s.db.Collection(colActSignups).Find(ctx, signupFilter(f),
		options.Find().SetSort(bson.D{{Key: "start", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate(err, "sign-ups")
	}
	out := []*activities.Signup{}
	return out, translate(cur.All(ctx, &out), "sign-ups")
}

// ReplaceSignup stores x when the stored version equals version.
func (s *ActivityStore) ReplaceSignup(ctx context.Context, x *activities.Signup, version int64) (*activities.Signup, error) {
	next := *x
	next.Version = version + 1
	res, err := s.db.Collection(colActSignups).ReplaceOne(ctx, bson.D{{Key: "_id", Value: x.ID}, {Key: "version", Value: version}}, &next)
	if err != nil {
		return nil, translate(err, "sign-up")
	}
	if res.MatchedCount == 0 {
		if _, err := s.FindSignup(ctx, x.ID); err != nil {
			return nil, err
		}
		return nil, tongban.Errorf(tongban.EPRECONDITION, "The sign-up was changed meanwhile; reload and try again.")
	}
	return &next, nil
}

// FindSchedule returns a volunteer's schedule, empty at version 0 when none.
func (s *ActivityStore) FindSchedule(ctx context.Context, volunteerID string) (*activities.Schedule, error) {
	var sc activities.Schedule
	err := s.db.Collection(colSchedules).FindOne(ctx, actID(volunteerID)).Decode(&sc)
	if err == mongo.ErrNoDocuments {
		return &activities.Schedule{VolunteerID: volunteerID, Bookings: []activities.Booking{}}, nil
	} else if err != nil {
		return nil, translate(err, "schedule")
	}
	if sc.Bookings == nil {
		sc.Bookings = []activities.Booking{}
	}
	return &sc, nil
}

// SaveSchedule inserts (version 0) or replaces the schedule at version.
func (s *ActivityStore) SaveSchedule(ctx context.Context, sc *activities.Schedule, version int64) error {
	next := *sc
	next.Version = version + 1
	c := s.db.Collection(colSchedules)
	stale := tongban.Errorf(tongban.EPRECONDITION, "The schedule was changed meanwhile.")
	if version == 0 {
		_, err := c.InsertOne(ctx, &next)
		if mongo.IsDuplicateKeyError(err) {
			return stale
		}
		return translate(err, "schedule")
	}
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: sc.VolunteerID}, {Key: "version", Value: version}}, &next)
	if err != nil {
		return translate(err, "schedule")
	}
	if res.MatchedCount == 0 {
		return stale
	}
	return nil
}

// SetCalendarToken stores the volunteer's token hash, replacing any other.
func (s *ActivityStore) SetCalendarToken(ctx context.Context, volunteerID, hash string, at time.Time) error {
	_, err := s.db.Collection(colCalendarTokens).ReplaceOne(ctx, actID(volunteerID),
		bson.D{{Key: "_id", Value: volunteerID}, {Key: "hash", Value: hash}, {Key: "created_at", Value: at}},
		options.Replace().SetUpsert(true))
	return translate(err, "calendar token")
}

// DeleteCalendarToken removes the volunteer's token (no error when none).
func (s *ActivityStore) DeleteCalendarToken(ctx context.Context, volunteerID string) error {
	_, err := s.db.Collection(colCalendarTokens).DeleteOne(ctx, actID(volunteerID))
	return translate(err, "calendar token")
}

// FindCalendarToken returns the volunteer owning a token hash or ENOTFOUND.
func (s *ActivityStore) FindCalendarToken(ctx context.Context, hash string) (string, error) {
	var doc struct {
		ID string `bson:"_id"`
	}
	if err := s.db.Collection(colCalendarTokens).FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(&doc); err != nil {
		return "", translate(err, "calendar")
	}
	return doc.ID, nil
}

// CreateCertificate inserts c; ECONFLICT when the serial exists.
func (s *ActivityStore) CreateCertificate(ctx context.Context, c *activities.Certificate) error {
	_, err := s.db.Collection(colCertificates).InsertOne(ctx, c)
	return translate(err, "certificate")
}

// FindCertificate returns the certificate or ENOTFOUND.
func (s *ActivityStore) FindCertificate(ctx context.Context, serial string) (*activities.Certificate, error) {
	var c activities.Certificate
	if err := s.db.Collection(colCertificates).FindOne(ctx, actID(serial)).Decode(&c); err != nil {
		return nil, translate(err, "certificate")
	}
	return &c, nil
}

// FindCertificates returns a volunteer's certificates, newest first.
func (s *ActivityStore) FindCertificates(ctx context.Context, volunteerID string) ([]*activities.Certificate, error) {
	cur, err := s.db.Collection(colCertificates).Find(ctx, bson.D{{Key: "volunteer_id", Value: volunteerID}},
		options.Find().SetSort(bson.D{{Key: "issued_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(500))
	if err != nil {
		return nil, translate(err, "certificates")
	}
	out := []*activities.Certificate{}
	return out, translate(cur.All(ctx, &out), "certificates")
}

// SupersedeCertificates marks the volunteer's other valid certificates of
// orgID as superseded by serial.
func (s *ActivityStore) SupersedeCertificates(ctx context.Context, volunteerID, orgID, serial string) error {
	_, err := s.db.Collection(colCertificates).UpdateMany(ctx,
		bson.D{{Key: "volunteer_id", Value: volunteerID}, {Key: "org_id", Value: orgID},
			{Key: "status", Value: activities.CertificateValid}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: serial}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: activities.CertificateSuperseded}, {Key: "superseded_by", Value: serial}}}})
	return translate(err, "certificates")
}

// EraseVolunteer removes the volunteer's name from sign-ups and deletes
// their certificates, schedule and calendar token. Each step is idempotent,
// so a failed erasure can simply be repeated.
func (s *ActivityStore) EraseVolunteer(ctx context.Context, volunteerID string) error {
	vol := bson.D{{Key: "volunteer_id", Value: volunteerID}}
	if _, err := s.db.Collection(colActSignups).UpdateMany(ctx, vol, bson.D{{Key: "$set", Value: bson.D{{Key: "volunteer_name", Value: ""}}}}); err != nil {
		return translate(err, "sign-ups")
	}
	if _, err := s.db.Collection(colCertificates).DeleteMany(ctx, vol); err != nil {
		return translate(err, "certificates")
	}
	if _, err := s.db.Collection(colSchedules).DeleteOne(ctx, actID(volunteerID)); err != nil {
		return translate(err, "schedule")
	}
	_, err := s.db.Collection(colCalendarTokens).DeleteOne(ctx, actID(volunteerID))
	return translate(err, "calendar token")
}

// ConfirmedPairingLogs returns a volunteer's confirmed pairing session
// logs with their pairing's organisation and need title (hours records).
func (s *ActivityStore) ConfirmedPairingLogs(ctx context.Context, volunteerID string) ([]activities.PairingLog, error) {
	cur, err := s.db.Collection(colLogs).Find(ctx, bson.D{{Key: "volunteer_id", Value: volunteerID}, {Key: "confirmed", Value: true}},
		options.Find().SetSort(bson.D{{Key: "date", Value: 1}}).SetLimit(maxActivitySignups))
	if err != nil {
		return nil, translate(err, "session logs")
	}
	var logs []*matching.SessionLog
	if err := cur.All(ctx, &logs); err != nil {
		return nil, translate(err, "session logs")
	}
	out := []activities.PairingLog{}
	if len(logs) == 0 {
		return out, nil
	}
	ids := []string{}
	for _, l := range logs {
		ids = append(ids, l.PairingID)
	}
	pcur, err := s.db.Collection(colPairings).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, translate(err, "pairings")
	}
	var ps []*matching.Pairing
	if err := pcur.All(ctx, &ps); err != nil {
		return nil, translate(err, "pairings")
	}
	pairings := map[string]*matching.Pairing{}
	for _, p := range ps {
		pairings[p.ID] = p
	}
	for _, l := range logs {
		p, ok := pairings[l.PairingID]
		if !ok {
			continue
		}
		out = append(out, activities.PairingLog{ID: l.ID, PairingID: p.ID, OrgID: p.OrgID, Title: p.NeedTitle, Date: l.Date, Minutes: l.Minutes})
	}
	return out, nil
}
