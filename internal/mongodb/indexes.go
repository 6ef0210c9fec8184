package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// indexSpec is one index of one collection.
type indexSpec struct {
	coll   string
	keys   bson.D
	unique bool
	name   string
}

// indexes lists every index the service needs. Creating an existing index
// with the same spec is a no-op, so this runs at every start.
var indexes = []indexSpec{
	{colUsers, bson.D{{Key: "login", Value: 1}}, true, "login_unique"},
	{colOrgs, bson.D{{Key: "name", Value: 1}}, true, "name_unique"},
	{colSessions, bson.D{{Key: "user_id", Value: 1}}, false, "user"},
	{colSessions, bson.D{{Key: "expires_at", Value: 1}}, false, "expiry"},
	{colTokens, bson.D{{Key: "hash", Value: 1}}, true, "hash_unique"},
	{colTokens, bson.D{{Key: "user_id", Value: 1}}, false, "user"},
	{colAudit, bson.D{{Key: "actor_id", Value: 1}}, false, "actor"},
	{colNeeds, bson.D{{Key: "org_id", Value: 1}, {Key: "status", Value: 1}}, false, "org_status"},
	{colOutbox, bson.D{{Key: "index", Value: 1}, {Key: "_id", Value: 1}}, false, "index_order"},
}

func (db *DB) ensureIndexes(ctx context.Context) error {
	for _, ix := range indexes {
		m := mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name)}
		if ix.unique {
			m.Options.SetUnique(true)
		}
		if _, err := db.Collection(ix.coll).Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create index %s.%s: %w", ix.coll, ix.name, err)
		}
	}
	return nil
}
