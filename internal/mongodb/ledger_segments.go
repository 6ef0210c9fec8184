package mongodb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
)

// Sealed segments: full blocks of a ledger's entries moved, once they are
// behind the ledger's seal, into one immutable document each. The design,
// the order readers follow and why it is exact are in docs/ledger.md.
//
// In short: entries are written one document each into ledger_entries
// (the unique (ledger, seq) index decides the writers' race); Seal moves a
// full block into a segment, advances the seal, then removes the block's
// entry documents. Readers read ledger_entries, then the seal, then the
// segments; copies at or below the seal are ignored. InsertEntry takes back
// an insert into a position that was sealed meanwhile.

const (
	colSegments = "ledger_segments"
	colSeals    = "ledger_seals"

	// DefaultSegmentSize is how many consecutive entries one segment holds.
	DefaultSegmentSize = 1000
	// segmentFormat names the encoding of a segment's entries: a gob
	// stream of []*donations.Entry, compressed with zstd.
	segmentFormat = "gob+zstd/1"
	// maxSegmentBytes keeps a segment well under MongoDB's 16 MiB
	// document limit.
	maxSegmentBytes = 12 << 20
	// segmentBatch is how many segments a cursor fetches at once (each is
	// some 100 KB).
	segmentBatch = 16
	// decodeAhead bounds the segments decoded ahead of the reader.
	decodeAhead = 4
	// deleteChunk bounds the entries one delete removes.
	deleteChunk = 10_000
)

func init() {
	indexes = append(indexes,
		indexSpec{colSegments, bson.D{{Key: "ledger", Value: 1}, {Key: "first", Value: 1}}, true, "ledger_first_unique"},
		indexSpec{colSegments, bson.D{{Key: "donor_ids", Value: 1}}, false, "donors"},
		indexSpec{colSegments, bson.D{{Key: "need_ids", Value: 1}}, false, "needs"},
	)
}

// segmentDoc is one sealed block of a ledger: entries First..Last.
type segmentDoc struct {
	ID       string    `bson:"_id"`
	Ledger   string    `bson:"ledger"`
	First    int64     `bson:"first"`
	Last     int64     `bson:"last"`
	Format   string    `bson:"format"`
	Entries  []byte    `bson:"entries"`
	LastHash string    `bson:"last_hash"`
	DonorIDs []string  `bson:"donor_ids"`
	NeedIDs  []string  `bson:"need_ids"`
	SealedAt time.Time `bson:"sealed_at"`
}

// sealDoc records how far a ledger is sealed: entries 1..Through live in
// segments of Size entries each.
type sealDoc struct {
	Ledger   string `bson:"_id"`
	Through  int64  `bson:"sealed_through"`
	Size     int64  `bson:"segment_size"`
	LastHash string `bson:"last_hash"`
}

// segmentID is the _id of the segment of ledger that starts at first.
func segmentID(ledger string, first int64) string {
	return ledger + "/" + strconv.FormatInt(first, 10)
}

// encodeSegment encodes entries in segmentFormat.
func encodeSegment(es []*donations.Entry) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		return nil, err
	}
	if err := gob.NewEncoder(zw).Encode(es); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zstdDecoder decodes every segment; DecodeAll is safe for concurrent use.
var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))

// decode returns the segment's entries, checking that they are the
// segment's: of its ledger, First..Last in order.
func (d *segmentDoc) decode() ([]*donations.Entry, error) {
	if d.Format != segmentFormat {
		return nil, fmt.Errorf("ledger segment %s: unknown format %q", d.ID, d.Format)
	}
	raw, err := zstdDecoder.DecodeAll(d.Entries, nil)
	if err != nil {
		return nil, fmt.Errorf("ledger segment %s (ledger %s, entries %d to %d) cannot be read: %w", d.ID, d.Ledger, d.First, d.Last, err)
	}
	var es []*donations.Entry
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&es); err != nil {
		return nil, fmt.Errorf("ledger segment %s (ledger %s, entries %d to %d) cannot be read: %w", d.ID, d.Ledger, d.First, d.Last, err)
	}
	// A segment whose entries are not its own is reported entry by entry
	// by verify (wrong seq, ledger or hash); only its shape is checked here.
	for _, e := range es {
		if e == nil {
			return nil, fmt.Errorf("ledger segment %s holds an empty entry", d.ID)
		}
	}
	return es, nil
}

// SealReport says what Seal did.
type SealReport struct {
	Segments int   `json:"segments"`
	Entries  int64 `json:"entries"`
	// Removed counts the left-over copies of sealed entries removed.
	Removed int64 `json:"removed"`
}

// seals returns the seal of every ledger that has one.
func (s *LedgerStore) seals(ctx context.Context) (map[string]sealDoc, error) {
	cur, err := s.db.Collection(colSeals).Find(ctx, bson.D{})
	if err != nil {
		return nil, translate(err, "ledger seals")
	}
	var docs []sealDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "ledger seals")
	}
	out := make(map[string]sealDoc, len(docs))
	for _, d := range docs {
		out[d.Ledger] = d
	}
	return out, nil
}

// seal returns the seal of ledger (zero when it has none).
func (s *LedgerStore) seal(ctx context.Context, ledger string) (sealDoc, error) {
	var d sealDoc
	err := s.db.Collection(colSeals).FindOne(ctx, bson.D{{Key: "_id", Value: ledger}}).Decode(&d)
	if err != nil {
		if err = translate(err, "ledger seal"); tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return sealDoc{Ledger: ledger}, nil
		}
		return sealDoc{}, err
	}
	return d, nil
}

// segmentsOf returns the decoded entries of ledger with after < seq <=
// through, in seq order, at most limit (all when limit <= 0), read from
// the segments the seal covers.
func (s *LedgerStore) segmentsOf(ctx context.Context, sl sealDoc, after int64, limit int) ([]*donations.Entry, error) {
	through := sl.Through
	if limit > 0 {
		through = min(through, after+int64(limit))
	}
	if after >= through || sl.Size <= 0 {
		return nil, nil
	}
	var docs []segmentDoc
	firstOf := func(seq int64) int64 { return (seq-1)/sl.Size*sl.Size + 1 }
	if n := (firstOf(through)-firstOf(after+1))/sl.Size + 1; n <= 3 {
		// A few segments: by _id, which even the embedded FerretDB finds
		// without decoding the others.
		for first := firstOf(after + 1); first <= through; first += sl.Size {
			var d segmentDoc
			err := s.db.Collection(colSegments).FindOne(ctx, bson.D{{Key: "_id", Value: segmentID(sl.Ledger, first)}}).Decode(&d)
			if err = translate(err, "ledger segment"); tongban.ErrorCode(err) == tongban.ENOTFOUND {
				continue // verify reports the gap
			} else if err != nil {
				return nil, err
			}
			docs = append(docs, d)
		}
	} else {
		filter := bson.D{{Key: "ledger", Value: sl.Ledger}, {Key: "last", Value: bson.D{{Key: "$gt", Value: after}}}, {Key: "first", Value: bson.D{{Key: "$lte", Value: through}}}}
		opts := options.Find().SetBatchSize(segmentBatch)
		if !s.db.Embedded {
			opts.SetSort(bson.D{{Key: "ledger", Value: 1}, {Key: "first", Value: 1}})
		}
		cur, err := s.db.Collection(colSegments).Find(ctx, filter, opts)
		if err != nil {
			return nil, translate(err, "ledger segments")
		}
		if err := cur.All(ctx, &docs); err != nil {
			return nil, translate(err, "ledger segments")
		}
		slices.SortFunc(docs, func(a, b segmentDoc) int { return cmp.Compare(a.First, b.First) })
	}
	var out []*donations.Entry
	for i := range docs {
		es, err := docs[i].decode()
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Seq > after && e.Seq <= through {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// findInSegments returns the sealed entries of the segments matching
// filter for which keep is true.
func (s *LedgerStore) findInSegments(ctx context.Context, filter bson.D, seals map[string]sealDoc, keep func(*donations.Entry) bool) ([]*donations.Entry, error) {
	out := []*donations.Entry{}
	err := s.scanSegments(ctx, filter, seals, func(e *donations.Entry) error {
		if keep(e) {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// scanSegments calls fn with every entry of the segments matching filter
// that their ledger's seal covers, each segment's in order. Reading and
// decoding overlap: a goroutine fetches segments and starts decoding each
// in a goroutine of its own (at most decodeAhead at a time) while this one
// hands the decoded entries to fn in the order the segments came.
func (s *LedgerStore) scanSegments(ctx context.Context, filter bson.D, seals map[string]sealDoc, fn func(*donations.Entry) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := options.Find().SetBatchSize(segmentBatch)
	if !s.db.Embedded {
		opts.SetSort(bson.D{{Key: "ledger", Value: 1}, {Key: "first", Value: 1}})
	}
	cur, err := s.db.Collection(colSegments).Find(ctx, filter, opts)
	if err != nil {
		return translate(err, "ledger segments")
	}
	type decoded struct {
		es  []*donations.Entry
		err error
	}
	pending := make(chan chan decoded, decodeAhead)
	readErr := make(chan error, 1)
	go func() {
		defer close(pending)
		defer cur.Close(context.Background())
		for cur.Next(ctx) {
			d := new(segmentDoc)
			if err := cur.Decode(d); err != nil {
				readErr <- translate(err, "ledger segment")
				return
			}
			if d.Last > seals[d.Ledger].Through {
				continue // not sealed yet: its entries are still in ledger_entries
			}
			out := make(chan decoded, 1)
			select {
			case pending <- out:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
			go func() {
				es, err := d.decode()
				out <- decoded{es, err}
			}()
		}
		readErr <- translate(cur.Err(), "ledger segments")
	}()
	for out := range pending {
		r := <-out
		if r.err != nil {
			return r.err
		}
		for _, e := range r.es {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return <-readErr
}

// Seal moves every full block of segment-size entries behind each ledger's
// seal into a segment (see the top of this file) and removes the sealed
// entry documents. It refuses to seal entries that do not chain: run
// "tongban ledger verify" to see why. Seal is safe to run beside writers
// and beside another Seal.
//
// It reads the tail once and deletes once per ledger (every query is a
// collection scan on the embedded FerretDB); a sealed block's entry
// documents may outlive its seal for that long, which readers allow for.
func (s *LedgerStore) Seal(ctx context.Context) (*SealReport, error) {
	r := &SealReport{}
	size := int64(s.SegmentSize)
	if size <= 0 {
		size = DefaultSegmentSize
	}
	if n, err := s.db.Collection(colLedger).EstimatedDocumentCount(ctx); err != nil {
		return nil, translate(err, "ledger entries")
	} else if n < size {
		// Not a full block in the whole tail; left-overs wait for one.
		return r, nil
	}
	tail, err := s.findTail(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	seals, err := s.seals(ctx)
	if err != nil {
		return nil, err
	}
	byLedger := map[string]map[int64]*donations.Entry{}
	for _, e := range tail {
		if byLedger[e.Ledger] == nil {
			byLedger[e.Ledger] = map[int64]*donations.Entry{}
		}
		byLedger[e.Ledger][e.Seq] = e
	}
	for _, ledger := range slices.Sorted(maps.Keys(byLedger)) {
		at := byLedger[ledger]
		sl, ok := seals[ledger]
		if !ok {
			sl = sealDoc{Ledger: ledger, Size: size}
		}
		start := sl.Through
		var sealErr error
		for {
			block := make([]*donations.Entry, 0, sl.Size)
			for q := sl.Through + 1; q <= sl.Through+sl.Size; q++ {
				if e := at[q]; e != nil {
					block = append(block, e)
				}
			}
			if int64(len(block)) < sl.Size {
				break
			}
			next, err := s.sealBlock(ctx, sl, block)
			if err != nil {
				sealErr = err
				break
			}
			r.Segments++
			r.Entries += next.Through - sl.Through
			sl = next
		}
		var sealedHere []int64
		for q := range at {
			if q <= sl.Through {
				sealedHere = append(sealedHere, q)
			}
		}
		slices.Sort(sealedHere)
		// In ranges of at most deleteChunk entries: FerretDB deletes
		// the matches in one SQL statement with a variable each.
		for i := 0; i < len(sealedHere); i += deleteChunk {
			lo, hi := sealedHere[i], sealedHere[min(i+deleteChunk, len(sealedHere))-1]
			res, err := s.db.Collection(colLedger).DeleteMany(ctx, bson.D{{Key: "ledger", Value: ledger},
				{Key: "seq", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lte", Value: hi}}}})
			if err != nil {
				return r, translate(err, "sealed ledger entries")
			}
			r.Removed += res.DeletedCount
		}
		r.Removed -= sl.Through - start
		if sealErr != nil {
			return r, sealErr
		}
	}
	return r, nil
}

// sealBlock seals es, the block after sl in seq order, and returns the new
// seal.
func (s *LedgerStore) sealBlock(ctx context.Context, sl sealDoc, es []*donations.Entry) (sealDoc, error) {
	lo, hi := sl.Through+1, sl.Through+sl.Size
	prev := sl.LastHash
	for i, e := range es {
		if e.Hash != e.ComputeHash() || (sl.Through+int64(i) > 0 && e.PrevHash != prev) || e.ID != donations.EntryID(sl.Ledger, e.Seq) {
			return sl, fmt.Errorf("ledger %s: entry %d does not verify; not sealing (run tongban ledger verify)", sl.Ledger, e.Seq)
		}
		prev = e.Hash
	}
	blob, err := encodeSegment(es)
	if err != nil {
		return sl, fmt.Errorf("encode ledger segment: %w", err)
	}
	if len(blob) > maxSegmentBytes {
		return sl, fmt.Errorf("ledger %s: entries %d to %d take %d bytes, more than a segment holds", sl.Ledger, lo, hi, len(blob))
	}
	doc := segmentDoc{ID: segmentID(sl.Ledger, lo), Ledger: sl.Ledger, First: lo, Last: hi, Format: segmentFormat,
		Entries: blob, LastHash: prev, SealedAt: s.db.Now().UTC()}
	doc.DonorIDs, doc.NeedIDs = segmentKeys(es)
	if _, err := s.db.Collection(colSegments).InsertOne(ctx, doc); err != nil {
		if err = translate(err, "ledger segment"); tongban.ErrorCode(err) != tongban.ECONFLICT {
			return sl, err
		}
		// Another Seal wrote it (the same entries, so the same content).
	}
	next := sealDoc{Ledger: sl.Ledger, Through: hi, Size: sl.Size, LastHash: prev}
	seals := s.db.Collection(colSeals)
	if sl.Through == 0 {
		if _, err := seals.InsertOne(ctx, next); err != nil && tongban.ErrorCode(translate(err, "")) != tongban.ECONFLICT {
			return sl, translate(err, "ledger seal")
		}
	} else {
		if _, err := seals.UpdateOne(ctx, bson.D{{Key: "_id", Value: sl.Ledger}, {Key: "sealed_through", Value: sl.Through}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "sealed_through", Value: hi}, {Key: "last_hash", Value: prev}}}}); err != nil {
			return sl, translate(err, "ledger seal")
		}
	}
	got, err := s.seal(ctx, sl.Ledger)
	if err != nil {
		return sl, err
	}
	if got.Through < hi {
		return sl, fmt.Errorf("ledger %s: the seal did not advance to %d (it is at %d)", sl.Ledger, hi, got.Through)
	}
	return got, nil
}

// segmentKeys returns the distinct donor and need IDs of es, for the
// segment's query fields. Idempotency keys and external references get
// none: a thousand of each would double what every read of a segment
// decodes, for a lookup that is rare (see findByKey).
func segmentKeys(es []*donations.Entry) (donors, needs []string) {
	for _, e := range es {
		if e.Links.DonorID != "" {
			donors = append(donors, e.Links.DonorID)
		}
		needs = append(needs, e.Links.NeedIDs...)
	}
	for _, p := range []*[]string{&donors, &needs} {
		slices.Sort(*p)
		*p = slices.Compact(*p)
		if *p == nil {
			*p = []string{}
		}
	}
	return donors, needs
}
