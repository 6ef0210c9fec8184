package mongodb

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/matching"
)

// Collections of the money domain.
const (
	colLedger    = "ledger_entries"
	colCampaigns = "campaigns"
	colExpenses  = "expenses"
)

func init() {
	indexes = append(indexes,
		// One entry per position: the writers' race is decided here.
		indexSpec{colLedger, bson.D{{Key: "ledger", Value: 1}, {Key: "seq", Value: 1}}, true, "ledger_seq_unique"},
		// A repeated request or payment notification is written once.
		indexSpec{colLedger, bson.D{{Key: "idem_key", Value: 1}}, true, "idem_key_unique"},
		indexSpec{colLedger, bson.D{{Key: "ext_ref", Value: 1}}, true, "ext_ref_unique"},
		indexSpec{colLedger, bson.D{{Key: "links.donor_id", Value: 1}}, false, "donor"},
		indexSpec{colLedger, bson.D{{Key: "links.need_ids", Value: 1}}, false, "needs"},
		indexSpec{colCampaigns, bson.D{{Key: "org_ids", Value: 1}, {Key: "status", Value: 1}}, false, "org_status"},
		indexSpec{colExpenses, bson.D{{Key: "ledger", Value: 1}, {Key: "status", Value: 1}}, false, "ledger_status"},
		indexSpec{colExpenses, bson.D{{Key: "need_id", Value: 1}}, false, "need"},
	)
}

// probeEntries is how many entries EntriesAfter reads one by one by _id on
// the embedded FerretDB (which pushes down only _id equality, so any other
// query reads the whole collection) before it falls back to one query.
const probeEntries = 8

// LedgerStore implements donations.LedgerStore: entries are appended one
// document each and never updated; Seal later moves full blocks of them
// into immutable segments (see ledger_segments.go).
//
// On the embedded FerretDB every query reads the whole collection it asks
// (FerretDB v1 pushes down only _id equality, and its SQLite index does not
// serve even that), while inserts check the unique indexes quickly. The
// write path of donations.Book is therefore insert-only, and sealing keeps
// ledger_entries short: queries read the short tail one document per entry
// and the history a thousand entries per segment.
type LedgerStore struct {
	db *DB
	// SegmentSize is the number of entries Seal puts into one segment
	// (DefaultSegmentSize when 0). A ledger keeps the size of its first
	// seal.
	SegmentSize int
}

// NewLedgerStore returns the ledger store over db.
func NewLedgerStore(db *DB) *LedgerStore { return &LedgerStore{db: db} }

var _ donations.LedgerStore = (*LedgerStore)(nil)

// InsertEntry appends e; a taken (ledger, seq), idempotency key or
// external reference is ECONFLICT. An insert into a position that was
// sealed meanwhile is taken back and is ECONFLICT too.
func (s *LedgerStore) InsertEntry(ctx context.Context, e *donations.Entry) error {
	if _, err := s.db.Collection(colLedger).InsertOne(ctx, e); err != nil {
		return translate(err, "ledger entry")
	}
	sl, err := s.seal(ctx, e.Ledger)
	if err != nil {
		return err
	}
	if e.Seq <= sl.Through {
		if _, err := s.db.Collection(colLedger).DeleteOne(ctx, bson.D{{Key: "_id", Value: e.ID}, {Key: "hash", Value: e.Hash}}); err != nil {
			return translate(err, "ledger entry")
		}
		return tongban.Errorf(tongban.ECONFLICT, "Ledger entry %d of %s is already sealed.", e.Seq, e.Ledger)
	}
	return nil
}

// InsertEntries appends many entries in order (bulk imports and benchmark
// set-up); the first failure stops it.
func (s *LedgerStore) InsertEntries(ctx context.Context, es []*donations.Entry) error {
	for i := 0; i < len(es); i += 1000 {
		batch := make([]any, 0, 1000)
		for _, e := range es[i:min(i+1000, len(es))] {
			batch = append(batch, e)
		}
		if _, err := s.db.Collection(colLedger).InsertMany(ctx, batch); err != nil {
			return translate(err, "ledger entries")
		}
	}
	return nil
}

// FindEntryByID returns the entry or ENOTFOUND.
func (s *LedgerStore) FindEntryByID(ctx context.Context, id string) (*donations.Entry, error) {
	e, err := s.findOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil && tongban.ErrorCode(err) != tongban.ENOTFOUND {
		return nil, err
	}
	ledger, seq, ok := donations.ParseEntryID(id)
	if !ok {
		return e, err
	}
	sl, serr := s.seal(ctx, ledger)
	if serr != nil {
		return nil, serr
	}
	if seq > sl.Through {
		return e, err
	}
	es, serr := s.segmentsOf(ctx, sl, seq-1, 1)
	if serr != nil {
		return nil, serr
	}
	if len(es) == 0 || es[0].ID != id {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "ledger entry not found.")
	}
	return es[0], nil
}

// FindEntryByIdemKey returns the entry with this idempotency key or ENOTFOUND.
func (s *LedgerStore) FindEntryByIdemKey(ctx context.Context, key string) (*donations.Entry, error) {
	return s.findByKey(ctx, "idem_key", key, func(e *donations.Entry) bool { return e.IdemKey == key })
}

// FindEntryByExtRef returns the entry with this external reference or ENOTFOUND.
func (s *LedgerStore) FindEntryByExtRef(ctx context.Context, ref string) (*donations.Entry, error) {
	return s.findByKey(ctx, "ext_ref", ref, func(e *donations.Entry) bool { return e.ExtRef == ref })
}

// findByKey returns the one entry whose field is key. Segments keep no
// index of these keys, so it looks at the tail first and reads every
// segment only when the tail does not have it. donations.Book asks only
// after the unique index refused a key that its own ledger does not have,
// and that index spans the tail, where the entry almost always still is.
func (s *LedgerStore) findByKey(ctx context.Context, field, key string, is func(*donations.Entry) bool) (*donations.Entry, error) {
	tail, err := s.findTail(ctx, bson.D{{Key: field, Value: key}})
	if err != nil {
		return nil, err
	}
	seals, err := s.seals(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range tail {
		if e.Seq > seals[e.Ledger].Through {
			return e, nil
		}
	}
	if len(seals) > 0 {
		var found *donations.Entry
		errFound := errors.New("found")
		err := s.scanSegments(ctx, bson.D{}, seals, func(e *donations.Entry) error {
			if is(e) {
				found = e
				return errFound
			}
			return nil
		})
		if found != nil {
			return found, nil
		} else if err != nil {
			return nil, err
		}
	}
	return nil, tongban.Errorf(tongban.ENOTFOUND, "ledger entry not found.")
}

func (s *LedgerStore) findOne(ctx context.Context, filter bson.D) (*donations.Entry, error) {
	var e donations.Entry
	if err := s.db.Collection(colLedger).FindOne(ctx, filter).Decode(&e); err != nil {
		return nil, translate(err, "ledger entry")
	}
	return &e, nil
}

// findTail returns the entries of ledger_entries matching filter, left-over
// copies of sealed entries included.
func (s *LedgerStore) findTail(ctx context.Context, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]*donations.Entry, error) {
	cur, err := s.db.Collection(colLedger).Find(ctx, filter, opts...)
	if err != nil {
		return nil, translate(err, "ledger entries")
	}
	out := []*donations.Entry{}
	return out, translate(cur.All(ctx, &out), "ledger entries")
}

// find returns the entries matching filter in the tail and, in the
// segments matching segFilter, the sealed entries for which keep is true.
func (s *LedgerStore) find(ctx context.Context, filter, segFilter bson.D, keep func(*donations.Entry) bool) ([]*donations.Entry, error) {
	tail, err := s.findTail(ctx, filter)
	if err != nil {
		return nil, err
	}
	seals, err := s.seals(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(tail, func(e *donations.Entry) bool { return e.Seq <= seals[e.Ledger].Through })
	if len(seals) == 0 {
		return out, nil
	}
	sealed, err := s.findInSegments(ctx, segFilter, seals, keep)
	if err != nil {
		return nil, err
	}
	return append(sealed, out...), nil
}

// EntriesAfter returns the entries of ledger with seq > after in seq order,
// at most limit (all when limit <= 0): first from the segments, then from
// the tail. When a seal moves on while it reads, it reads again.
func (s *LedgerStore) EntriesAfter(ctx context.Context, ledger string, after int64, limit int) ([]*donations.Entry, error) {
	for attempt := 0; ; attempt++ {
		sl, err := s.seal(ctx, ledger)
		if err != nil {
			return nil, err
		}
		out, err := s.segmentsOf(ctx, sl, after, limit)
		if err != nil {
			return nil, err
		}
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		from, rest := max(after, sl.Through), 0
		if limit > 0 {
			rest = limit - len(out)
		}
		tail, err := s.tailAfter(ctx, ledger, from, rest)
		if err != nil {
			return nil, err
		}
		again, err := s.seal(ctx, ledger)
		if err != nil {
			return nil, err
		}
		if again.Through == sl.Through || attempt >= 10 {
			return append(out, tail...), nil
		}
	}
}

// tailAfter returns the entries of ledger_entries of ledger with seq >
// after in seq order, at most limit (all when limit <= 0). On the embedded
// FerretDB it reads the next few entries by _id, which is cheap, and only
// then falls back to a query over the collection.
func (s *LedgerStore) tailAfter(ctx context.Context, ledger string, after int64, limit int) ([]*donations.Entry, error) {
	out := []*donations.Entry{}
	if s.db.Embedded {
		probe := probeEntries
		if limit > 0 {
			probe = min(probe, limit)
		}
		for i := range int64(probe) {
			e, err := s.findOne(ctx, bson.D{{Key: "_id", Value: donations.EntryID(ledger, after+1+i)}})
			if tongban.ErrorCode(err) == tongban.ENOTFOUND {
				return out, nil
			} else if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if limit > 0 && len(out) >= limit {
			return out, nil
		}
		after += int64(len(out))
		if limit > 0 {
			limit -= len(out)
		}
	}
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	rest, err := s.findTail(ctx, bson.D{{Key: "ledger", Value: ledger}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}}, opts)
	if err != nil {
		return nil, err
	}
	return append(out, rest...), nil
}

// FindEntriesByDonor returns the donations and refunds of a donor.
func (s *LedgerStore) FindEntriesByDonor(ctx context.Context, donorID string) ([]*donations.Entry, error) {
	return s.find(ctx, bson.D{{Key: "links.donor_id", Value: donorID}}, bson.D{{Key: "donor_ids", Value: donorID}},
		func(e *donations.Entry) bool { return e.Links.DonorID == donorID })
}

// FindEntriesByNeed returns the entries that touch a need's account.
func (s *LedgerStore) FindEntriesByNeed(ctx context.Context, needID string) ([]*donations.Entry, error) {
	return s.find(ctx, bson.D{{Key: "links.need_ids", Value: needID}}, bson.D{{Key: "need_ids", Value: needID}},
		func(e *donations.Entry) bool { return slices.Contains(e.Links.NeedIDs, needID) })
}

// ScanEntries streams every entry to fn, each ledger's in seq order: the
// sealed history segment by segment, then the tail (in (ledger, seq) order
// from the unique index on MongoDB, in insertion order on the embedded
// FerretDB, where a sort would be done in memory).
func (s *LedgerStore) ScanEntries(ctx context.Context, fn func(*donations.Entry) error) error {
	opts := options.Find().SetBatchSize(1000)
	if !s.db.Embedded {
		opts.SetSort(bson.D{{Key: "ledger", Value: 1}, {Key: "seq", Value: 1}})
	}
	tail, err := s.findTail(ctx, bson.D{}, opts)
	if err != nil {
		return err
	}
	seals, err := s.seals(ctx)
	if err != nil {
		return err
	}
	if len(seals) > 0 {
		if err := s.scanSegments(ctx, bson.D{}, seals, fn); err != nil {
			return err
		}
	}
	for _, e := range tail {
		if e.Seq <= seals[e.Ledger].Through {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// CampaignStore implements donations.CampaignStore.
type CampaignStore struct{ db *DB }

// NewCampaignStore returns the campaign store over db.
func NewCampaignStore(db *DB) *CampaignStore { return &CampaignStore{db: db} }

var _ donations.CampaignStore = (*CampaignStore)(nil)

// CreateCampaign inserts c.
func (s *CampaignStore) CreateCampaign(ctx context.Context, c *donations.Campaign) error {
	_, err := s.db.Collection(colCampaigns).InsertOne(ctx, c)
	return translate(err, "campaign")
}

// FindCampaignByID returns the campaign or ENOTFOUND.
func (s *CampaignStore) FindCampaignByID(ctx context.Context, id string) (*donations.Campaign, error) {
	var c donations.Campaign
	if err := s.db.Collection(colCampaigns).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return nil, translate(err, "campaign")
	}
	return &c, nil
}

// FindCampaigns returns a page of campaigns matching f, newest first.
func (s *CampaignStore) FindCampaigns(ctx context.Context, f donations.CampaignFilter) ([]*donations.Campaign, string, error) {
	filter := bson.D{}
	if len(f.OrgIDs) > 0 {
		filter = append(filter, bson.E{Key: "org_ids", Value: bson.D{{Key: "$in", Value: f.OrgIDs}}})
	}
	if len(f.Status) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Status}}})
	}
	return findPage(ctx, s.db.Collection(colCampaigns), filter, accounts.Page{Cursor: f.Cursor, Limit: f.Limit}, true,
		func(c *donations.Campaign) string { return c.ID }, "campaigns")
}

// ReplaceCampaign stores c if the stored version equals version.
func (s *CampaignStore) ReplaceCampaign(ctx context.Context, c *donations.Campaign, version int64) (*donations.Campaign, error) {
	next := *c
	next.Version = version + 1
	if err := replaceVersioned(ctx, s.db.Collection(colCampaigns), c.ID, version, &next, "campaign"); err != nil {
		return nil, err
	}
	return &next, nil
}

// ExpenseStore implements donations.ExpenseStore.
type ExpenseStore struct{ db *DB }

// NewExpenseStore returns the expense store over db.
func NewExpenseStore(db *DB) *ExpenseStore { return &ExpenseStore{db: db} }

var _ donations.ExpenseStore = (*ExpenseStore)(nil)

// CreateExpense inserts x.
func (s *ExpenseStore) CreateExpense(ctx context.Context, x *donations.Expense) error {
	_, err := s.db.Collection(colExpenses).InsertOne(ctx, x)
	return translate(err, "expense")
}

// FindExpenseByID returns the expense or ENOTFOUND.
func (s *ExpenseStore) FindExpenseByID(ctx context.Context, id string) (*donations.Expense, error) {
	var x donations.Expense
	if err := s.db.Collection(colExpenses).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&x); err != nil {
		return nil, translate(err, "expense")
	}
	return &x, nil
}

// FindExpenses returns a page of expenses matching f, newest first.
func (s *ExpenseStore) FindExpenses(ctx context.Context, f donations.ExpenseFilter) ([]*donations.Expense, string, error) {
	filter := bson.D{}
	if f.Ledger != "" {
		filter = append(filter, bson.E{Key: "ledger", Value: f.Ledger})
	}
	if f.NeedID != "" {
		filter = append(filter, bson.E{Key: "need_id", Value: f.NeedID})
	}
	if len(f.Status) > 0 {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: f.Status}}})
	}
	return findPage(ctx, s.db.Collection(colExpenses), filter, accounts.Page{Cursor: f.Cursor, Limit: f.Limit}, true,
		func(x *donations.Expense) string { return x.ID }, "expenses")
}

// DecideExpense writes d when the expense's status is one of from, in one
// guarded update; another status is ECONFLICT, a missing expense ENOTFOUND.
func (s *ExpenseStore) DecideExpense(ctx context.Context, id string, from []string, d donations.ExpenseDecision) (*donations.Expense, error) {
	set := bson.D{{Key: "status", Value: d.Status}, {Key: "decided_by", Value: d.DecidedBy}, {Key: "decided_at", Value: d.DecidedAt}}
	if d.RejectReason != "" {
		set = append(set, bson.E{Key: "reject_reason", Value: d.RejectReason})
	}
	if d.EntryID != "" {
		set = append(set, bson.E{Key: "entry_id", Value: d.EntryID})
	}
	var x donations.Expense
	err := s.db.Collection(colExpenses).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: bson.D{{Key: "$in", Value: from}}}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&x)
	if err == mongo.ErrNoDocuments {
		if _, err := s.FindExpenseByID(ctx, id); err != nil {
			return nil, err
		}
		return nil, tongban.Errorf(tongban.ECONFLICT, "The expense is no longer in that status.")
	}
	if err != nil {
		return nil, translate(err, "expense")
	}
	return &x, nil
}

// NeedProgressStore implements donations.NeedProgress on the needs
// collection.
type NeedProgressStore struct{ db *DB }

// NewNeedProgressStore returns the need progress updater over db.
func NewNeedProgressStore(db *DB) *NeedProgressStore { return &NeedProgressStore{db: db} }

var _ donations.NeedProgress = (*NeedProgressStore)(nil)

// AddNeedProgress adds to a need's progress.raised_fen and spent_fen in one
// single-document update. It also increments the need's version, so that
// an edit based on the need as read before fails with EPRECONDITION rather
// than overwriting the progress. A missing need is ENOTFOUND.
func (s *NeedProgressStore) AddNeedProgress(ctx context.Context, needID string, raisedFen, spentFen int64) error {
	// The search document shows the money raised: the outbox entry goes
	// first, as for every indexed write.
	if err := NewOutboxStore(s.db).Enqueue(ctx, matching.NeedIndex, needID); err != nil {
		return err
	}
	res, err := s.db.Collection(colNeeds).UpdateOne(ctx, bson.D{{Key: "_id", Value: needID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "progress.raised_fen", Value: raisedFen}, {Key: "progress.spent_fen", Value: spentFen}, {Key: "version", Value: int64(1)}}},
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.db.Now().UTC()}}}})
	if err != nil {
		return translate(err, "need")
	}
	if res.MatchedCount == 0 {
		return tongban.Errorf(tongban.ENOTFOUND, "need not found.")
	}
	return settleStatus(ctx, s.db, needID)
}
