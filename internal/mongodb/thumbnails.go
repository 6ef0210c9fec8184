package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban/donations"
)

const colThumbnails = "receipt_thumbnails"

func init() {
	indexes = append(indexes, indexSpec{colThumbnails, bson.D{{Key: "ledger", Value: 1}}, false, "ledger"})
}

// ThumbnailStore implements donations.ThumbnailStore.
type ThumbnailStore struct{ db *DB }

// NewThumbnailStore returns the public receipt thumbnail store over db.
func NewThumbnailStore(db *DB) *ThumbnailStore { return &ThumbnailStore{db: db} }

var _ donations.ThumbnailStore = (*ThumbnailStore)(nil)

// PutThumbnail stores t, replacing an earlier thumbnail of the same receipt.
func (s *ThumbnailStore) PutThumbnail(ctx context.Context, t *donations.ReceiptThumbnail) error {
	_, err := s.db.Collection(colThumbnails).ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.SHA256}}, t, options.Replace().SetUpsert(true))
	return translate(err, "receipt thumbnail")
}

// FindThumbnail returns the thumbnail of a receipt, or ENOTFOUND.
func (s *ThumbnailStore) FindThumbnail(ctx context.Context, sha string) (*donations.ReceiptThumbnail, error) {
	var t donations.ReceiptThumbnail
	if err := s.db.Collection(colThumbnails).FindOne(ctx, bson.D{{Key: "_id", Value: sha}}).Decode(&t); err != nil {
		return nil, translate(err, "receipt thumbnail")
	}
	return &t, nil
}

// FindThumbnails returns the published thumbnails of a ledger.
func (s *ThumbnailStore) FindThumbnails(ctx context.Context, ledger string) ([]*donations.ReceiptThumbnail, error) {
	cur, err := s.db.Collection(colThumbnails).Find(ctx, bson.D{{Key: "ledger", Value: ledger}})
	if err != nil {
		return nil, translate(err, "receipt thumbnails")
	}
	out := []*donations.ReceiptThumbnail{}
	return out, translate(cur.All(ctx, &out), "receipt thumbnails")
}

// DeleteThumbnail removes a receipt's thumbnail record.
func (s *ThumbnailStore) DeleteThumbnail(ctx context.Context, sha string) error {
	_, err := s.db.Collection(colThumbnails).DeleteOne(ctx, bson.D{{Key: "_id", Value: sha}})
	return translate(err, "receipt thumbnail")
}
