package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

const colOrders = "payment_orders"

// PaymentOrder is an online gift waiting for the payment provider.
type PaymentOrder struct {
	ID        string    `bson:"_id" json:"id"`
	Ledger    string    `bson:"ledger" json:"ledger"`
	NeedID    string    `bson:"need_id,omitempty" json:"need_id,omitempty"`
	DonorID   string    `bson:"donor_id" json:"-"`
	Anonymous bool      `bson:"anonymous" json:"anonymous"`
	AmountFen int64     `bson:"amount_fen" json:"amount_fen"`
	Provider  string    `bson:"provider" json:"provider"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	// DonationID is set once the provider's notification was recorded.
	DonationID string `bson:"donation_id,omitempty" json:"donation_id,omitempty"`
}

// OrderStore persists payment orders.
type OrderStore struct{ db *DB }

// NewOrderStore returns the payment order store over db.
func NewOrderStore(db *DB) *OrderStore { return &OrderStore{db: db} }

// CreateOrder inserts o.
func (s *OrderStore) CreateOrder(ctx context.Context, o *PaymentOrder) error {
	_, err := s.db.Collection(colOrders).InsertOne(ctx, o)
	return translate(err, "payment order")
}

// FindOrder returns the order or ENOTFOUND.
func (s *OrderStore) FindOrder(ctx context.Context, id string) (*PaymentOrder, error) {
	var o PaymentOrder
	if err := s.db.Collection(colOrders).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&o); err != nil {
		return nil, translate(err, "payment order")
	}
	return &o, nil
}

// MarkPaid records the donation of a paid order.
func (s *OrderStore) MarkPaid(ctx context.Context, id, donationID string) error {
	_, err := s.db.Collection(colOrders).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "donation_id", Value: donationID}}}})
	return translate(err, "payment order")
}
