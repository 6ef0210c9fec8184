package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/matching"
)

const colVolunteers = "volunteers"

func init() {
	indexes = append(indexes, indexSpec{colVolunteers, bson.D{{Key: "county_code", Value: 1}}, false, "county"})
}

// VolunteerStore implements matching.VolunteerStore.
type VolunteerStore struct{ db *DB }

// NewVolunteerStore returns the volunteer profile store over db.
func NewVolunteerStore(db *DB) *VolunteerStore { return &VolunteerStore{db: db} }

var _ matching.VolunteerStore = (*VolunteerStore)(nil)

// CreateVolunteers inserts many profiles in batches (demo seeding).
func (s *VolunteerStore) CreateVolunteers(ctx context.Context, vols []*matching.Volunteer) error {
	for i := 0; i < len(vols); i += 1000 {
		batch := make([]any, 0, 1000)
		for _, v := range vols[i:min(i+1000, len(vols))] {
			batch = append(batch, v)
		}
		if _, err := s.db.Collection(colVolunteers).InsertMany(ctx, batch); err != nil {
			return translate(err, "volunteer profiles")
		}
	}
	return nil
}

// FindVolunteer returns the profile or ENOTFOUND.
func (s *VolunteerStore) FindVolunteer(ctx context.Context, id string) (*matching.Volunteer, error) {
	var v matching.Volunteer
	if err := s.db.Collection(colVolunteers).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&v); err != nil {
		return nil, translate(err, "volunteer profile")
	}
	return &v, nil
}

// SaveVolunteer inserts (version 0) or replaces v if version is current.
func (s *VolunteerStore) SaveVolunteer(ctx context.Context, v *matching.Volunteer, version int64) (*matching.Volunteer, error) {
	next := *v
	next.Version = version + 1
	c := s.db.Collection(colVolunteers)
	if version == 0 {
		if _, err := c.InsertOne(ctx, &next); err != nil {
			if tongban.ErrorCode(translate(err, "volunteer profile")) == tongban.ECONFLICT {
				return nil, tongban.Errorf(tongban.EPRECONDITION, "The profile was changed meanwhile; reload and try again.")
			}
			return nil, translate(err, "volunteer profile")
		}
		return &next, nil
	}
	if err := replaceVersioned(ctx, c, v.ID, version, &next, "volunteer profile"); err != nil {
		return nil, err
	}
	return &next, nil
}

// FindVolunteers returns a page of profiles in ID order.
func (s *VolunteerStore) FindVolunteers(ctx context.Context, f matching.VolunteerFilter) ([]*matching.Volunteer, string, error) {
	filter := bson.D{}
	if len(f.CountyCodes) > 0 {
		filter = append(filter, bson.E{Key: "county_code", Value: bson.D{{Key: "$in", Value: f.CountyCodes}}})
	}
	return findPage(ctx, s.db.Collection(colVolunteers), filter, accounts.Page{Cursor: f.Cursor, Limit: f.Limit}, false,
		func(v *matching.Volunteer) string { return v.ID }, "volunteer profiles")
}

// DeleteVolunteer removes a profile (erasure on request).
func (s *VolunteerStore) DeleteVolunteer(ctx context.Context, id string) error {
	_, err := s.db.Collection(colVolunteers).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return translate(err, "volunteer profile")
}
