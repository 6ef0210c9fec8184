package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
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

// ReconcileStore implements donations.ReconcileStore: the needs, the
// ledger entries and the pledges, to recompute and repair need counters.
type ReconcileStore struct {
	*NeedStore
	ledger  *LedgerStore
	pledges *PledgeStore
}

// NewReconcileStore returns the counter repair store over db.
func NewReconcileStore(db *DB) *ReconcileStore {
	return &ReconcileStore{NeedStore: NewNeedStore(db), ledger: NewLedgerStore(db), pledges: NewPledgeStore(db)}
}

var _ donations.ReconcileStore = (*ReconcileStore)(nil)

// FindEntriesByNeed returns every ledger entry touching the need.
func (s *ReconcileStore) FindEntriesByNeed(ctx context.Context, needID string) ([]*donations.Entry, error) {
	return s.ledger.FindEntriesByNeed(ctx, needID)
}

// FindPledgesOfNeed returns every pledge of the need, of any status.
func (s *ReconcileStore) FindPledgesOfNeed(ctx context.Context, needID string) ([]*donations.Pledge, error) {
	return s.pledges.FindPledgesOfNeed(ctx, needID)
}

// SetNeedCounters stores c as the need's progress and line counters in one
// single-document update that matches only while the stored version is
// version; it increments the version, so a stale replace fails instead of
// overwriting the counters. EPRECONDITION when the version changed,
// ENOTFOUND when the need is missing. The need's search document shows
// raised_fen, so an outbox entry goes first; the status then follows the
// progress (settleStatus).
func (s *NeedStore) SetNeedCounters(ctx context.Context, needID string, version int64, c donations.NeedCounters) error {
	if err := NewOutboxStore(s.db).Enqueue(ctx, matching.NeedIndex, needID); err != nil {
		return err
	}
	set := bson.D{
		{Key: "progress.raised_fen", Value: c.RaisedFen},
		{Key: "progress.spent_fen", Value: c.SpentFen},
		{Key: "progress.items_pledged", Value: c.ItemsPledged},
		{Key: "progress.items_delivered", Value: c.ItemsDelivered},
	}
	for i, l := range c.Lines {
		p := fmt.Sprintf("items.%d.", i)
		set = append(set, bson.E{Key: p + "pledged", Value: l.Pledged}, bson.E{Key: p + "delivered", Value: l.Delivered})
	}
	set = append(set, bson.E{Key: "updated_at", Value: s.db.Now().UTC()})
	col := s.db.Collection(colNeeds)
	res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: needID}, {Key: "version", Value: version}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return translate(err, "need")
	}
	if res.MatchedCount == 0 {
		n, err := col.CountDocuments(ctx, bson.D{{Key: "_id", Value: needID}})
		if err != nil {
			return translate(err, "need")
		}
		if n == 0 {
			return tongban.Errorf(tongban.ENOTFOUND, "need not found.")
		}
		return tongban.Errorf(tongban.EPRECONDITION, "The need was changed meanwhile; reload and try again.")
	}
	return settleStatus(ctx, s.db, needID)
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
