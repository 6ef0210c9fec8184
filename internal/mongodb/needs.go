package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/outbox"
	"github.com/tongban/tongban/matching"
)

const colNeeds = "needs"

// NeedStore implements matching.NeedStore.
type NeedStore struct{ db *DB }

// NewNeedStore returns the needs store over db.
func NewNeedStore(db *DB) *NeedStore { return &NeedStore{db: db} }

var _ matching.NeedStore = (*NeedStore)(nil)

// CreateNeed inserts n.
func (s *NeedStore) CreateNeed(ctx context.Context, n *matching.Need) error {
	_, err := s.db.Collection(colNeeds).InsertOne(ctx, n)
	return translate(err, "need")
}

// CreateNeeds inserts many needs in batches (demo seeding, imports).
func (s *NeedStore) CreateNeeds(ctx context.Context, needs []*matching.Need) error {
	for i := 0; i < len(needs); i += 1000 {
		batch := make([]any, 0, 1000)
		for _, n := range needs[i:min(i+1000, len(needs))] {
			batch = append(batch, n)
		}
		if _, err := s.db.Collection(colNeeds).InsertMany(ctx, batch); err != nil {
			return translate(err, "needs")
		}
	}
	return nil
}

// FindNeedByID returns the need or ENOTFOUND.
func (s *NeedStore) FindNeedByID(ctx context.Context, id string) (*matching.Need, error) {
	var n matching.Need
	if err := s.db.Collection(colNeeds).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&n); err != nil {
		return nil, translate(err, "need")
	}
	return &n, nil
}

// FindNeeds returns a page of needs matching f, newest first.
func (s *NeedStore) FindNeeds(ctx context.Context, f matching.NeedFilter) ([]*matching.Need, string, error) {
	filter := bson.D{}
	if f.OrgIDs != nil {
		filter = append(filter, bson.E{Key: "org_id", Value: bson.D{{Key: "$in", Value: f.OrgIDs}}})
	}
	if len(f.Kinds) > 0 {
		filter = append(filter, bson.E{Key: "kind", Value: bson.D{{Key: "$in", Value: f.Kinds}}})
	}
	if len(f.Status) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Status}}})
	}
	return findPage(ctx, s.db.Collection(colNeeds), filter, accounts.Page{Cursor: f.Cursor, Limit: f.Limit}, true,
		func(n *matching.Need) string { return n.ID }, "needs")
}

// ReplaceNeed stores n if the stored version equals version.
func (s *NeedStore) ReplaceNeed(ctx context.Context, n *matching.Need, version int64) (*matching.Need, error) {
	next := *n
	next.Version = version + 1
	if err := replaceVersioned(ctx, s.db.Collection(colNeeds), n.ID, version, &next, "need"); err != nil {
		return nil, err
	}
	return &next, nil
}

// NeedProjector projects published needs into the public "needs" index.
// Only the public projection is indexed: never the case reference, internal
// notes, authors or history.
type NeedProjector struct{ db *DB }

// NewNeedProjector returns the needs projector.
func NewNeedProjector(db *DB) *NeedProjector { return &NeedProjector{db: db} }

var _ outbox.Projector = (*NeedProjector)(nil)

// NeedDocument is the public search document of a need.
func NeedDocument(n *matching.Need) map[string]any {
	p := n.Public()
	grade := ""
	if p.GradeBand != nil {
		grade = p.GradeBand.String()
	}
	online := "no"
	if p.Mode == matching.ModeOnline || p.Mode == matching.ModeEither {
		online = "yes"
	}
	var published float64
	if p.PublishedAt != nil {
		published = float64(p.PublishedAt.Unix())
	}
	subjects := append([]string{}, p.Subjects...)
	return map[string]any{
		"id": p.ID, "title": p.Title, "narrative": p.Narrative, "tags": p.Tags(), "org_name": p.OrgName, "org_id": p.OrgID,
		"county_name": p.CountyName, "county_code": p.CountyCode, "kind": p.Kind, "category": p.Category,
		"age_band": p.AgeBand.String(), "grade_band": grade, "status": p.Status, "mode": p.Mode, "online": online,
		"subjects": subjects, "urgency": float64(p.Urgency), "published_at": published, "children": float64(p.Children),
		"deadline": p.Deadline, "target_fen": float64(p.TargetFen), "raised_fen": float64(p.Progress.RaisedFen),
		"volunteers_wanted": float64(p.VolunteersWanted), "pairings_made": float64(p.Progress.PairingsMade),
	}
}

var publicStatuses = []string{matching.StatusPublished, matching.StatusPartiallyFulfilled, matching.StatusFulfilled}

// Project returns the documents of the public ids and the ids to remove.
func (p *NeedProjector) Project(ctx context.Context, ids []string) ([]map[string]any, []string, error) {
	cur, err := p.db.Collection(colNeeds).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, nil, translate(err, "needs")
	}
	var found []*matching.Need
	if err := cur.All(ctx, &found); err != nil {
		return nil, nil, translate(err, "needs")
	}
	public := map[string]bool{}
	var up []map[string]any
	for _, n := range found {
		if n.IsPublic() {
			public[n.ID] = true
			up = append(up, NeedDocument(n))
		}
	}
	var del []string
	for _, id := range ids {
		if !public[id] {
			del = append(del, id)
		}
	}
	return up, del, nil
}

func publicFilter() bson.D {
	return bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: publicStatuses}}}}
}

// Scan visits every public need in batches.
func (p *NeedProjector) Scan(ctx context.Context, batch int, fn func([]map[string]any) error) error {
	cur, err := p.db.Collection(colNeeds).Find(ctx, publicFilter(), options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return translate(err, "needs")
	}
	return scanBatches(ctx, cur, batch, func(n *matching.Need) map[string]any { return NeedDocument(n) }, fn)
}

// Count counts public needs.
func (p *NeedProjector) Count(ctx context.Context) (int, error) {
	n, err := p.db.Collection(colNeeds).CountDocuments(ctx, publicFilter())
	return int(n), translate(err, "needs")
}

func scanBatches[T any](ctx context.Context, cur *mongo.Cursor, batch int, conv func(*T) map[string]any, fn func([]map[string]any) error) error {
	defer cur.Close(ctx)
	var docs []map[string]any
	for cur.Next(ctx) {
		var v T
		if err := cur.Decode(&v); err != nil {
			return err
		}
		docs = append(docs, conv(&v))
		if len(docs) == batch {
			if err := fn(docs); err != nil {
				return err
			}
			docs = nil
		}
	}
	if err := cur.Err(); err != nil {
		return err
	}
	if len(docs) > 0 {
		return fn(docs)
	}
	return nil
}

// SystemActor is the history actor of changes nobody made by hand, such as
// a need becoming fulfilled when its progress says so.
const SystemActor = "system"

// settleStatus moves a public need between published, partially_fulfilled
// and fulfilled as its progress calls for (matching.Need.FulfilmentStatus),
// with a history entry, after a progress counter changed. The update is
// conditional on the version read; on a race it reads again (three tries,
// after which the next progress change settles it).
func settleStatus(ctx context.Context, db *DB, needID string) error {
	col := db.Collection(colNeeds)
	for range 3 {
		var n matching.Need
		if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: needID}}).Decode(&n); err != nil {
			return translate(err, "need")
		}
		want := n.FulfilmentStatus()
		if want == "" || want == n.Status {
			return nil
		}
		// The status is in the search document: the outbox entry goes
		// first, as for every indexed write.
		if err := NewOutboxStore(db).Enqueue(ctx, matching.NeedIndex, needID); err != nil {
			return err
		}
		now := db.Now().UTC()
		t := matching.Transition{From: n.Status, To: want, By: SystemActor, At: now, Note: "progress"}
		set := bson.D{{Key: "status", Value: want}, {Key: "updated_at", Value: now}}
		update := bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}}
		if n.History == nil { // $push needs an array
			update = append(update, bson.E{Key: "$set", Value: append(set, bson.E{Key: "history", Value: []matching.Transition{t}})})
		} else {
			update = append(update, bson.E{Key: "$set", Value: set}, bson.E{Key: "$push", Value: bson.D{{Key: "history", Value: t}}})
		}
		res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: needID}, {Key: "version", Value: n.Version}}, update)
		if err != nil {
			return translate(err, "need")
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return nil
}
