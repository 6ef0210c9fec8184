package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/matching"
)

const colPledges = "pledges"

func init() {
	indexes = append(indexes,
		indexSpec{colPledges, bson.D{{Key: "donor_id", Value: 1}}, false, "donor"},
		indexSpec{colPledges, bson.D{{Key: "org_id", Value: 1}, {Key: "status", Value: 1}}, false, "org_status"},
		indexSpec{colPledges, bson.D{{Key: "need_id", Value: 1}}, false, "need"},
	)
}

// PledgeStore implements donations.PledgeStore.
type PledgeStore struct{ db *DB }

// NewPledgeStore returns the pledge store over db.
func NewPledgeStore(db *DB) *PledgeStore { return &PledgeStore{db: db} }

var _ donations.PledgeStore = (*PledgeStore)(nil)

// CreatePledge inserts p.
func (s *PledgeStore) CreatePledge(ctx context.Context, p *donations.Pledge) error {
	_, err := s.db.Collection(colPledges).InsertOne(ctx, p)
	return translate(err, "pledge")
}

// FindPledge returns the pledge or ENOTFOUND.
func (s *PledgeStore) FindPledge(ctx context.Context, id string) (*donations.Pledge, error) {
	var p donations.Pledge
	if err := s.db.Collection(colPledges).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
		return nil, translate(err, "pledge")
	}
	return &p, nil
}

// FindPledges returns the pledges matching f, newest first (at most 500).
func (s *PledgeStore) FindPledges(ctx context.Context, f donations.PledgeFilter) ([]*donations.Pledge, error) {
	filter := bson.D{}
	if f.DonorID != "" {
		filter = append(filter, bson.E{Key: "donor_id", Value: f.DonorID})
	}
	if f.OrgID != "" {
		filter = append(filter, bson.E{Key: "org_id", Value: f.OrgID})
	}
	if f.NeedID != "" {
		filter = append(filter, bson.E{Key: "need_id", Value: f.NeedID})
	}
	if len(f.Status) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Status}}})
	}
	cur, err := s.db.Collection(colPledges).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(500))
	if err != nil {
		return nil, translate(err, "pledges")
	}
	out := []*donations.Pledge{}
	return out, translate(cur.All(ctx, &out), "pledges")
}

// FindPledgesOfNeed returns every pledge of the need, of any status, in
// creation order, without FindPledges' limit (repairing the need's
// counters must see them all).
func (s *PledgeStore) FindPledgesOfNeed(ctx context.Context, needID string) ([]*donations.Pledge, error) {
	cur, err := s.db.Collection(colPledges).Find(ctx, bson.D{{Key: "need_id", Value: needID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "pledges")
	}
	out := []*donations.Pledge{}
	return out, translate(cur.All(ctx, &out), "pledges")
}

// ReplacePledge stores p if the stored version equals version.
func (s *PledgeStore) ReplacePledge(ctx context.Context, p *donations.Pledge, version int64) (*donations.Pledge, error) {
	next := *p
	next.Version = version + 1
	if err := replaceVersioned(ctx, s.db.Collection(colPledges), p.ID, version, &next, "pledge"); err != nil {
		return nil, err
	}
	return &next, nil
}

// DeletePledge removes the pledge if its stored version is version:
// EPRECONDITION when it changed, ENOTFOUND when it is missing.
func (s *PledgeStore) DeletePledge(ctx context.Context, id string, version int64) error {
	c := s.db.Collection(colPledges)
	res, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}})
	if err != nil {
		return translate(err, "pledge")
	}
	if res.DeletedCount > 0 {
		return nil
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return translate(err, "pledge")
	}
	if n == 0 {
		return tongban.Errorf(tongban.ENOTFOUND, "pledge not found.")
	}
	return tongban.Errorf(tongban.EPRECONDITION, "The pledge was changed meanwhile; reload and try again.")
}

// ReserveItems raises the pledged counters of the need's lines in one
// guarded single-document update: it matches only while the need is public
// and each line still has its type, size and count and room for the
// pledge (pledged ≤ count − n), so concurrent pledges never over-pledge a
// line. The version is bumped so that a stale replace of the need fails
// instead of overwriting the counters. No match is ECONFLICT.
func (s *PledgeStore) ReserveItems(ctx context.Context, needID string, lines []donations.PledgeLine, want []matching.Item) error {
	if len(lines) != len(want) {
		return fmt.Errorf("reserve items: %d lines, %d expected items", len(lines), len(want))
	}
	filter := bson.D{{Key: "_id", Value: needID}, {Key: "kind", Value: matching.KindInKind},
		{Key: "status", Value: bson.D{{Key: "$in", Value: publicStatuses}}}}
	inc := bson.D{}
	total := 0
	for i, l := range lines {
		p := fmt.Sprintf("items.%d.", l.Item)
		filter = append(filter,
			bson.E{Key: p + "type", Value: want[i].Type},
			bson.E{Key: p + "size", Value: want[i].Size},
			bson.E{Key: p + "count", Value: want[i].Count},
			bson.E{Key: p + "pledged", Value: bson.D{{Key: "$lte", Value: want[i].Count - l.Count}}})
		inc = append(inc, bson.E{Key: p + "pledged", Value: l.Count})
		total += l.Count
	}
	inc = append(inc, bson.E{Key: "progress.items_pledged", Value: total}, bson.E{Key: "version", Value: int64(1)})
	res, err := s.db.Collection(colNeeds).UpdateOne(ctx, filter, bson.D{{Key: "$inc", Value: inc},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.db.Now().UTC()}}}})
	if err != nil {
		return translate(err, "need")
	}
	if res.MatchedCount == 0 {
		return tongban.Errorf(tongban.ECONFLICT, "Not enough left on the need's lines.")
	}
	return settleStatus(ctx, s.db, needID)
}

// ReleaseItems lowers the pledged counters by each line's count (never
// below zero: a line whose counter is lower is left out of the match).
func (s *PledgeStore) ReleaseItems(ctx context.Context, needID string, lines []donations.PledgeLine) error {
	rel := make([]int, len(lines))
	for i, l := range lines {
		rel[i] = l.Count
	}
	return s.adjust(ctx, needID, lines, rel, nil)
}

// DeliverItems adds each line's delivered count to the need's delivered
// counters and releases its shortfall from the pledged counters.
func (s *PledgeStore) DeliverItems(ctx context.Context, needID string, lines []donations.PledgeLine) error {
	rel := make([]int, len(lines))
	del := make([]int, len(lines))
	for i, l := range lines {
		rel[i], del[i] = l.Count-l.Delivered, l.Delivered
	}
	return s.adjust(ctx, needID, lines, rel, del)
}

func (s *PledgeStore) adjust(ctx context.Context, needID string, lines []donations.PledgeLine, release, deliver []int) error {
	filter := bson.D{{Key: "_id", Value: needID}}
	inc := bson.D{}
	released, delivered := 0, 0
	for i, l := range lines {
		p := fmt.Sprintf("items.%d.", l.Item)
		if release[i] > 0 {
			filter = append(filter, bson.E{Key: p + "pledged", Value: bson.D{{Key: "$gte", Value: release[i]}}})
			inc = append(inc, bson.E{Key: p + "pledged", Value: -release[i]})
			released += release[i]
		}
		if deliver != nil && deliver[i] > 0 {
			inc = append(inc, bson.E{Key: p + "delivered", Value: deliver[i]})
			delivered += deliver[i]
		}
	}
	if released > 0 {
		inc = append(inc, bson.E{Key: "progress.items_pledged", Value: -released})
	}
	if delivered > 0 {
		inc = append(inc, bson.E{Key: "progress.items_delivered", Value: delivered})
	}
	if released == 0 && delivered == 0 {
		return nil
	}
	inc = append(inc, bson.E{Key: "version", Value: int64(1)})
	res, err := s.db.Collection(colNeeds).UpdateOne(ctx, filter, bson.D{{Key: "$inc", Value: inc},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.db.Now().UTC()}}}})
	if err != nil {
		return translate(err, "need")
	}
	if res.MatchedCount == 0 {
		return tongban.Errorf(tongban.ECONFLICT, "The need's counters do not hold this pledge.")
	}
	return settleStatus(ctx, s.db, needID)
}
