package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban/donations"
)

const colReceipts = "donation_receipts"

func init() {
	// One receipt per donation: two first downloads racing store one.
	indexes = append(indexes, indexSpec{colReceipts, bson.D{{Key: "entry_id", Value: 1}}, true, "entry_unique"})
}

// ReceiptStore implements donations.ReceiptStore.
type ReceiptStore struct{ db *DB }

// NewReceiptStore returns the donation receipt store over db.
func NewReceiptStore(db *DB) *ReceiptStore { return &ReceiptStore{db: db} }

var _ donations.ReceiptStore = (*ReceiptStore)(nil)

// CreateReceipt inserts r; a second receipt of the same entry is ECONFLICT.
func (s *ReceiptStore) CreateReceipt(ctx context.Context, r *donations.DonationReceipt) error {
	_, err := s.db.Collection(colReceipts).InsertOne(ctx, r)
	return translate(err, "receipt")
}

// FindReceipt returns the receipt with serial, or ENOTFOUND.
func (s *ReceiptStore) FindReceipt(ctx context.Context, serial string) (*donations.DonationReceipt, error) {
	return s.findOne(ctx, bson.D{{Key: "_id", Value: serial}})
}

// FindReceiptByEntry returns the receipt of a donation entry, or ENOTFOUND.
func (s *ReceiptStore) FindReceiptByEntry(ctx context.Context, entryID string) (*donations.DonationReceipt, error) {
	return s.findOne(ctx, bson.D{{Key: "entry_id", Value: entryID}})
}

func (s *ReceiptStore) findOne(ctx context.Context, filter bson.D) (*donations.DonationReceipt, error) {
	var r donations.DonationReceipt
	if err := s.db.Collection(colReceipts).FindOne(ctx, filter).Decode(&r); err != nil {
		return nil, translate(err, "receipt")
	}
	return &r, nil
}
