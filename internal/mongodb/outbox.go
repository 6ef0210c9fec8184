package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/outbox"
)

// OutboxStore implements outbox.Store.
type OutboxStore struct{ db *DB }

// NewOutboxStore returns the outbox over db.
func NewOutboxStore(db *DB) *OutboxStore { return &OutboxStore{db: db} }

var _ outbox.Store = (*OutboxStore)(nil)

// Enqueue records that these documents of index changed.
func (s *OutboxStore) Enqueue(ctx context.Context, index string, docIDs ...string) error {
	if len(docIDs) == 0 {
		return nil
	}
	now := s.db.Now().UTC()
	docs := make([]any, len(docIDs))
	for i, id := range docIDs {
		docs[i] = outbox.Entry{ID: tongban.NewID(), Index: index, DocID: id, CreatedAt: now}
	}
	_, err := s.db.Collection(colOutbox).InsertMany(ctx, docs)
	return translate(err, "outbox entry")
}

// Pending returns up to limit entries, oldest first.
func (s *OutboxStore) Pending(ctx context.Context, limit int) ([]outbox.Entry, error) {
	cur, err := s.db.Collection(colOutbox).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate(err, "outbox")
	}
	var out []outbox.Entry
	return out, translate(cur.All(ctx, &out), "outbox")
}

// Ack removes applied entries.
func (s *OutboxStore) Ack(ctx context.Context, ids []string) error {
	_, err := s.db.Collection(colOutbox).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return translate(err, "outbox")
}

// Oldest returns when the oldest pending entry was created.
func (s *OutboxStore) Oldest(ctx context.Context) (time.Time, bool, error) {
	var e outbox.Entry
	err := s.db.Collection(colOutbox).FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: 1}})).Decode(&e)
	if tongban.ErrorCode(translate(err, "outbox")) == tongban.ENOTFOUND {
		return time.Time{}, false, nil
	} else if err != nil {
		return time.Time{}, false, translate(err, "outbox")
	}
	return e.CreatedAt, true, nil
}

// OrgProjector projects organisations into the public "orgs" index.
type OrgProjector struct{ db *DB }

// NewOrgProjector returns the organisations projector.
func NewOrgProjector(db *DB) *OrgProjector { return &OrgProjector{db: db} }

var _ outbox.Projector = (*OrgProjector)(nil)

func orgDoc(o bson.M) map[string]any {
	return map[string]any{
		"id": o["_id"], "name": o["name"], "type": o["type"], "county_code": o["county_code"],
		"county_name": o["county_name"], "type_name": accounts.OrgTypes[fmt.Sprint(o["type"])],
	}
}

// Project returns the current public documents of ids.
func (p *OrgProjector) Project(ctx context.Context, ids []string) ([]map[string]any, []string, error) {
	cur, err := p.db.Collection(colOrgs).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, nil, translate(err, "organisations")
	}
	var found []bson.M
	if err := cur.All(ctx, &found); err != nil {
		return nil, nil, translate(err, "organisations")
	}
	seen := map[string]bool{}
	var up []map[string]any
	for _, o := range found {
		seen[o["_id"].(string)] = true
		up = append(up, orgDoc(o))
	}
	var del []string
	for _, id := range ids {
		if !seen[id] {
			del = append(del, id)
		}
	}
	return up, del, nil
}

// Scan visits every organisation in batches.
func (p *OrgProjector) Scan(ctx context.Context, batch int, fn func([]map[string]any) error) error {
	cur, err := p.db.Collection(colOrgs).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return translate(err, "organisations")
	}
	defer cur.Close(ctx)
	var docs []map[string]any
	for cur.Next(ctx) {
		var o bson.M
		if err := cur.Decode(&o); err != nil {
			return err
		}
		docs = append(docs, orgDoc(o))
		if len(docs) == batch {
			if err := fn(docs); err != nil {
				return err
			}
			docs = nil
		}
	}
	if err := cur.Err(); err != nil {
		return translate(err, "organisations")
	}
	if len(docs) > 0 {
		return fn(docs)
	}
	return nil
}

// Count counts organisations.
func (p *OrgProjector) Count(ctx context.Context) (int, error) {
	n, err := p.db.Collection(colOrgs).CountDocuments(ctx, bson.D{})
	return int(n), translate(err, "organisations")
}
