package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

const (
	colPairings = "pairings"
	colLogs     = "session_logs"
)

func init() {
	indexes = append(indexes,
		indexSpec{colPairings, bson.D{{Key: "key", Value: 1}}, true, "need_volunteer_unique"},
		indexSpec{colPairings, bson.D{{Key: "volunteer_id", Value: 1}}, false, "volunteer"},
		indexSpec{colPairings, bson.D{{Key: "org_id", Value: 1}}, false, "org"},
		indexSpec{colLogs, bson.D{{Key: "pairing_id", Value: 1}}, false, "pairing"},
	)
}

// PairingStore implements matching.PairingStore.
type PairingStore struct{ db *DB }

// NewPairingStore returns the pairing store over db.
func NewPairingStore(db *DB) *PairingStore { return &PairingStore{db: db} }

var _ matching.PairingStore = (*PairingStore)(nil)

// CreatePairing inserts p; a second pairing of the same volunteer and need
// is ECONFLICT (unique key).
func (s *PairingStore) CreatePairing(ctx context.Context, p *matching.Pairing) error {
	_, err := s.db.Collection(colPairings).InsertOne(ctx, p)
	return translate(err, "pairing")
}

// FindPairing returns the pairing or ENOTFOUND.
func (s *PairingStore) FindPairing(ctx context.Context, id string) (*matching.Pairing, error) {
	var p matching.Pairing
	if err := s.db.Collection(colPairings).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
		return nil, translate(err, "pairing")
	}
	return &p, nil
}

// FindPairings returns pairings matching f, newest first (at most 500).
func (s *PairingStore) FindPairings(ctx context.Context, f matching.PairingFilter) ([]*matching.Pairing, error) {
	filter := bson.D{}
	if f.VolunteerID != "" {
		filter = append(filter, bson.E{Key: "volunteer_id", Value: f.VolunteerID})
	}
	if f.OrgIDs != nil {
		filter = append(filter, bson.E{Key: "org_id", Value: bson.D{{Key: "$in", Value: f.OrgIDs}}})
	}
	if f.NeedID != "" {
		filter = append(filter, bson.E{Key: "need_id", Value: f.NeedID})
	}
	if len(f.Status) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Status}}})
	}
	cur, err := s.db.Collection(colPairings).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(500))
	if err != nil {
		return nil, translate(err, "pairings")
	}
	out := []*matching.Pairing{}
	return out, translate(cur.All(ctx, &out), "pairings")
}

// ReplacePairing stores p if the stored version equals version.
func (s *PairingStore) ReplacePairing(ctx context.Context, p *matching.Pairing, version int64) (*matching.Pairing, error) {
	next := *p
	next.Version = version + 1
	if err := replaceVersioned(ctx, s.db.Collection(colPairings), p.ID, version, &next, "pairing"); err != nil {
		return nil, err
	}
	return &next, nil
}

// TakeSlot takes one of the volunteer's free pairing slots in one guarded
// update (it also bumps the profile version, so a concurrent stale profile
// save fails instead of overwriting the count).
func (s *PairingStore) TakeSlot(ctx context.Context, volunteerID string) error {
	err := s.db.Collection(colVolunteers).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: volunteerID}, {Key: "slots_left", Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "slots_left", Value: -1}, {Key: "active_pairings", Value: 1}, {Key: "version", Value: 1}}}}).Err()
	if err == mongo.ErrNoDocuments {
		return tongban.Errorf(tongban.ECONFLICT, "The volunteer has no pairing capacity left.")
	}
	return translate(err, "volunteer profile")
}

// ReleaseSlot gives a slot back when an active pairing ends.
func (s *PairingStore) ReleaseSlot(ctx context.Context, volunteerID string) error {
	_, err := s.db.Collection(colVolunteers).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: volunteerID}, {Key: "active_pairings", Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "slots_left", Value: 1}, {Key: "active_pairings", Value: -1}, {Key: "version", Value: 1}}}})
	return translate(err, "volunteer profile")
}

// CountPairingsMade increments the need's progress.pairings_made (and
// settles its fulfilment status).
func (s *PairingStore) CountPairingsMade(ctx context.Context, needID string) error {
	_, err := s.db.Collection(colNeeds).UpdateOne(ctx, bson.D{{Key: "_id", Value: needID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "progress.pairings_made", Value: 1}, {Key: "version", Value: int64(1)}}}})
	if err != nil {
		return translate(err, "need")
	}
	return settleStatus(ctx, s.db, needID)
}

// CreateLog inserts a session log.
func (s *PairingStore) CreateLog(ctx context.Context, l *matching.SessionLog) error {
	_, err := s.db.Collection(colLogs).InsertOne(ctx, l)
	return translate(err, "session log")
}

// NoteLogDate raises the pairing's last_log_date.
func (s *PairingStore) NoteLogDate(ctx context.Context, pairingID, date string) error {
	_, err := s.db.Collection(colPairings).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: pairingID}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "last_log_date", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "last_log_date", Value: bson.D{{Key: "$lt", Value: date}}}},
		}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_log_date", Value: date}}}})
	return translate(err, "pairing")
}

// FindLogs returns a pairing's logs, oldest first.
func (s *PairingStore) FindLogs(ctx context.Context, pairingID string) ([]*matching.SessionLog, error) {
	cur, err := s.db.Collection(colLogs).Find(ctx, bson.D{{Key: "pairing_id", Value: pairingID}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "session logs")
	}
	out := []*matching.SessionLog{}
	return out, translate(cur.All(ctx, &out), "session logs")
}

// AddComment appends a staff comment to a log.
func (s *PairingStore) AddComment(ctx context.Context, logID string, c matching.StaffComment) (*matching.SessionLog, error) {
	var l matching.SessionLog
	err := s.db.Collection(colLogs).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: logID}},
		bson.D{{Key: "$push", Value: bson.D{{Key: "comments", Value: c}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&l)
	if err != nil {
		return nil, translate(err, "session log")
	}
	return &l, nil
}

// ConfirmLog sets a log's confirmed flag with who and when, only while it
// is unconfirmed (one guarded update, so the first confirmation stays); a
// log already confirmed is returned as stored. ENOTFOUND when the pairing
// has no such log.
func (s *PairingStore) ConfirmLog(ctx context.Context, pairingID, logID, by string, at time.Time) (*matching.SessionLog, error) {
	col := s.db.Collection(colLogs)
	var l matching.SessionLog
	err := col.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: logID}, {Key: "pairing_id", Value: pairingID}, {Key: "confirmed", Value: bson.D{{Key: "$ne", Value: true}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "confirmed", Value: true}, {Key: "confirmed_by", Value: by}, {Key: "confirmed_at", Value: at}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&l)
	if err == nil {
		return &l, nil
	}
	if err != mongo.ErrNoDocuments {
		return nil, translate(err, "session log")
	}
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: logID}, {Key: "pairing_id", Value: pairingID}}).Decode(&l); err != nil {
		return nil, translate(err, "session log")
	}
	return &l, nil
}
