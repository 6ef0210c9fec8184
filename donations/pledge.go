package donations

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/matching"
)

// Pledge statuses. A pledge goes pledged → received (the goods arrived at
// the organisation) → delivered (handed to the children, with a delivery
// record); the donor may cancel it while it is still pledged.
const (
	PledgePledged   = "pledged"
	PledgeReceived  = "received"
	PledgeDelivered = "delivered"
	PledgeCancelled = "cancelled"
)

// PledgeStatuses lists the pledge statuses in their order.
var PledgeStatuses = []string{PledgePledged, PledgeReceived, PledgeDelivered, PledgeCancelled}

// MaxPledgeLines bounds the lines of one pledge.
const MaxPledgeLines = 20

// PledgeLine is what a pledge gives to one line of an in-kind need: the
// line's index in Need.Items, a copy of its type and size, the count
// pledged and, once delivered, the count delivered.
type PledgeLine struct {
	Item      int    `bson:"item" json:"item"`
	Type      string `bson:"type" json:"type"`
	Size      string `bson:"size" json:"size"`
	Count     int    `bson:"count" json:"count"`
	Delivered int    `bson:"delivered" json:"delivered"`
}

// PledgeEvent records one status change of a pledge: who, when, and an
// optional note that passed the PII screen.
type PledgeEvent struct {
	Status string    `bson:"status" json:"status"`
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
	Note   string    `bson:"note,omitempty" json:"note,omitempty"`
}

// Delivery is the record of handing a pledge's goods to the children: the
// date, how many items, and a photo stored through the upload path (so its
// EXIF/GPS data was stripped), identified by its key and SHA-256.
type Delivery struct {
	Date        string    `bson:"date" json:"date"`
	Count       int       `bson:"count" json:"count"`
	PhotoKey    string    `bson:"photo_key" json:"photo_key"`
	PhotoSHA256 string    `bson:"photo_sha256" json:"photo_sha256"`
	PhotoType   string    `bson:"photo_type" json:"photo_type"`
	By          string    `bson:"by" json:"by"`
	At          time.Time `bson:"at" json:"at"`
}

// Pledge is a donor's promise of goods to the lines of one in-kind need.
type Pledge struct {
	ID        string `bson:"_id" json:"id"`
	NeedID    string `bson:"need_id" json:"need_id"`
	NeedTitle string `bson:"need_title" json:"need_title"`
	OrgID     string `bson:"org_id" json:"org_id"`
	OrgName   string `bson:"org_name" json:"org_name"`
	DonorID   string `bson:"donor_id" json:"donor_id"`
	// DonorName is the donor's display name, masked ("刘**"), so staff can
	// match a parcel to its pledge.
	DonorName string        `bson:"donor_name,omitempty" json:"donor_name,omitempty"`
	Lines     []PledgeLine  `bson:"lines" json:"lines"`
	Status    string        `bson:"status" json:"status"`
	Note      string        `bson:"note,omitempty" json:"note,omitempty"`
	History   []PledgeEvent `bson:"history" json:"history"`
	Delivery  *Delivery     `bson:"delivery,omitempty" json:"delivery,omitempty"`
	CreatedAt time.Time     `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time     `bson:"updated_at" json:"updated_at"`
	Version   int64         `bson:"version" json:"version"`
}

// Total is the number of items pledged.
func (p *Pledge) Total() int {
	n := 0
	for _, l := range p.Lines {
		n += l.Count
	}
	return n
}

// PledgeFilter selects pledges; empty fields do not filter.
type PledgeFilter struct {
	DonorID string
	OrgID   string
	NeedID  string
	Status  []string
}

// PledgeStore persists pledges and keeps the need's line counters. The
// counter methods are single-document guarded updates of the need, so they
// are exact without transactions (on MongoDB and on FerretDB alike).
type PledgeStore interface {
	CreatePledge(ctx context.Context, p *Pledge) error
	// FindPledge returns the pledge or ENOTFOUND.
	FindPledge(ctx context.Context, id string) (*Pledge, error)
	// FindPledges returns the matching pledges, newest first (at most 500).
	FindPledges(ctx context.Context, f PledgeFilter) ([]*Pledge, error)
	// ReplacePledge stores p if the stored version is version (EPRECONDITION
	// otherwise) and returns it with the version incremented.
	ReplacePledge(ctx context.Context, p *Pledge, version int64) (*Pledge, error)
	// ReserveItems adds each line's count to items[line.Item].pledged and
	// to progress.items_pledged in one update that matches only while the
	// need is public and every line still has room (pledged+count ≤ count,
	// with want giving each line's expected type, size and count). It
	// returns ECONFLICT when it did not match.
	ReserveItems(ctx context.Context, needID string, lines []PledgeLine, want []matching.Item) error
	// DeletePledge removes the pledge if the stored version is version
	// (EPRECONDITION otherwise; ENOTFOUND when missing). It exists to take
	// back a pledge just written, never to erase a donor's record.
	DeletePledge(ctx context.Context, id string, version int64) error
	// ReleaseItems takes each line's count back from the pledged counters.
	ReleaseItems(ctx context.Context, needID string, lines []PledgeLine) error
	// DeliverItems adds each line's Delivered to items[].delivered and
	// progress.items_delivered, and releases each line's shortfall
	// (Count-Delivered) from the pledged counters, in one update.
	DeliverItems(ctx context.Context, needID string, lines []PledgeLine) error
}

// PhotoInfo describes a stored upload: its SHA-256 and content type.
type PhotoInfo struct {
	SHA256      string
	ContentType string
}

// PledgeService implements in-kind pledges and their tracking, with the
// caller's identity from the context. Donors pledge and cancel; staff of
// the need's organisation (any role) and administrators list, suggest,
// mark received and mark delivered.
type PledgeService struct {
	Store PledgeStore
	Needs NeedFinder
	// Screen is the PII screen for notes: nil, or EUNPROCESSABLE.
	Screen func(fields map[string]string) error
	// Photo returns the stored upload under key (ENOTFOUND when missing).
	Photo func(ctx context.Context, key string) (PhotoInfo, error)
	// DonorName returns a user's display name (stored masked), or nil.
	DonorName func(ctx context.Context, userID string) (string, error)
	Now       func() time.Time
	// Logger hears writes that could not be undone; nil is slog.Default().
	Logger *slog.Logger
}

func (s *PledgeService) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func (s *PledgeService) screen(field, text string) error {
	if s.Screen == nil || text == "" {
		return nil
	}
	return s.Screen(map[string]string{field: text})
}

// PledgeLineInput is one line of a pledge request: the index of the need's
// line and how many items.
type PledgeLineInput struct {
	Item  int `json:"item"`
	Count int `json:"count"`
}

// PledgeInput is a donor's pledge request.
type PledgeInput struct {
	Lines []PledgeLineInput `json:"lines"`
	Note  string            `json:"note"`
}

func checkNote(v *tongban.Validation, field, note string) {
	v.Check(utf8.RuneCountInString(note) <= 200, field, "must be at most 200 characters")
}

// Pledge records the caller's (a donor's) pledge to a public in-kind need.
// The need's line counters are raised in one guarded update, so concurrent
// pledges can never exceed a line's count: a pledge that does not fit is
// ECONFLICT and changes nothing.
func (s *PledgeService) Pledge(ctx context.Context, needID string, in PledgeInput) (*Pledge, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !me.HasRole(accounts.RoleDonor) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only donors pledge goods; add the donor role to your account first.")
	}
	if !validID(needID) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "need not found.")
	}
	n, err := s.Needs.FindNeedByID(ctx, needID)
	if err != nil {
		return nil, err
	}
	if !n.IsPublic() {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "need not found.")
	}
	if n.Kind != matching.KindInKind {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only in-kind needs take pledges of goods.")
	}
	in.Note = strings.TrimSpace(in.Note)
	var v tongban.Validation
	v.Check(len(in.Lines) >= 1 && len(in.Lines) <= MaxPledgeLines, "lines", fmt.Sprintf("must list 1 to %d lines", MaxPledgeLines))
	checkNote(&v, "note", in.Note)
	seen := map[int]bool{}
	lines := make([]PledgeLine, 0, len(in.Lines))
	want := make([]matching.Item, 0, len(in.Lines))
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Item < 0 || l.Item >= len(n.Items) {
			v.Add(f+".item", "must be the index of a line of the need")
			continue
		}
		if seen[l.Item] {
			v.Add(f+".item", "must not repeat a line")
			continue
		}
		seen[l.Item] = true
		it := n.Items[l.Item]
		if l.Count < 1 || l.Count > it.Count {
			v.Add(f+".count", fmt.Sprintf("must be 1 to %d", it.Count))
			continue
		}
		lines = append(lines, PledgeLine{Item: l.Item, Type: it.Type, Size: it.Size, Count: l.Count})
		want = append(want, it)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.screen("note", in.Note); err != nil {
		return nil, err
	}
	if err := s.Store.ReserveItems(ctx, n.ID, lines, want); err != nil {
		if tongban.ErrorCode(err) == tongban.ECONFLICT {
			return nil, s.overPledged(ctx, n.ID, lines)
		}
		return nil, err
	}
	now := s.now()
	p := &Pledge{ID: tongban.NewID(), NeedID: n.ID, NeedTitle: n.Title, OrgID: n.OrgID, OrgName: n.OrgName, DonorID: me.UserID,
		Lines: lines, Status: PledgePledged, Note: in.Note, History: []PledgeEvent{{Status: PledgePledged, By: me.UserID, At: now, Note: in.Note}},
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if s.DonorName != nil {
		if name, err := s.DonorName(ctx, me.UserID); err == nil {
			p.DonorName = accounts.MaskName(name)
		}
	}
	if err := s.Store.CreatePledge(ctx, p); err != nil {
		// Give the reservation back: the pledge does not exist.
		_ = s.Store.ReleaseItems(context.WithoutCancel(ctx), n.ID, lines)
		return nil, err
	}
	return p, nil
}

// overPledged explains a refused reservation: the lines that no longer
// have room, with what is left of each.
func (s *PledgeService) overPledged(ctx context.Context, needID string, lines []PledgeLine) error {
	n, err := s.Needs.FindNeedByID(ctx, needID)
	if err != nil {
		return err
	}
	if !n.IsPublic() {
		return tongban.Errorf(tongban.ECONFLICT, "The need no longer takes pledges.")
	}
	e := &tongban.Error{Code: tongban.ECONFLICT, Message: "Not enough left to pledge on a line; reload to see what is still needed."}
	for i, l := range lines {
		left := max(0, n.Items[l.Item].Count-n.Items[l.Item].Pledged)
		if l.Count > left {
			e.Fields = append(e.Fields, tongban.FieldError{Field: fmt.Sprintf("lines[%d].count", i), Reason: fmt.Sprintf("only %d left", left)})
		}
	}
	return e
}

// Cancel withdraws the caller's own pledge while it is still pledged and
// gives its items back to the need's lines.
func (s *PledgeService) Cancel(ctx context.Context, id string) (*Pledge, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.find(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.DonorID != me.UserID {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "pledge not found.")
	}
	if p.Status != PledgePledged {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only a pledge not yet received can be cancelled; this one is %s.", p.Status)
	}
	out, err := s.transition(ctx, p, PledgeCancelled, me.UserID, "", nil)
	if err != nil {
		return nil, err
	}
	if err := s.Store.ReleaseItems(ctx, p.NeedID, p.Lines); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *PledgeService) find(ctx context.Context, id string) (*Pledge, error) {
	if !validID(id) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "pledge not found.")
	}
	return s.Store.FindPledge(ctx, id)
}

func (s *PledgeService) transition(ctx context.Context, p *Pledge, to, by, note string, d *Delivery) (*Pledge, error) {
	now := s.now()
	next := *p
	next.Lines = slices.Clone(p.Lines)
	next.History = append(slices.Clone(p.History), PledgeEvent{Status: to, By: by, At: now, Note: note})
	next.Status, next.UpdatedAt = to, now
	if d != nil {
		next.Delivery = d
		left := d.Count
		for i := range next.Lines {
			next.Lines[i].Delivered = min(left, next.Lines[i].Count)
			left -= next.Lines[i].Delivered
		}
	}
	return s.Store.ReplacePledge(ctx, &next, p.Version)
}

// staffPledge returns the pledge if the caller is staff of its
// organisation or an administrator (ENOTFOUND otherwise).
func (s *PledgeService) staffPledge(ctx context.Context, id string) (*auth.Identity, *Pledge, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.find(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !me.IsAdmin() && !isStaff(me, p.OrgID) {
		if p.DonorID == me.UserID {
			return nil, nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation track pledges.")
		}
		return nil, nil, tongban.Errorf(tongban.ENOTFOUND, "pledge not found.")
	}
	return me, p, nil
}

// MarkReceived records that the pledged goods arrived at the organisation.
// The caller must be staff of the need's organisation.
func (s *PledgeService) MarkReceived(ctx context.Context, id, note string) (*Pledge, error) {
	me, p, err := s.staffPledge(ctx, id)
	if err != nil {
		return nil, err
	}
	if !isStaff(me, p.OrgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation mark pledges received.")
	}
	note = strings.TrimSpace(note)
	var v tongban.Validation
	checkNote(&v, "note", note)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.Status != PledgePledged {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only a pledged pledge can be marked received; this one is %s.", p.Status)
	}
	if err := s.screen("note", note); err != nil {
		return nil, err
	}
	return s.transition(ctx, p, PledgeReceived, me.UserID, note, nil)
}

// DeliveryInput is a delivery record as staff enter it. The photo is an
// upload made by the caller through the upload endpoint.
type DeliveryInput struct {
	Date        string `json:"date"`
	Count       int    `json:"count"`
	PhotoKey    string `json:"photo_key"`
	PhotoSHA256 string `json:"photo_sha256"`
	Note        string `json:"note"`
}

// MarkDelivered records the delivery of a received pledge: date (not in the
// future), count (1 to the pledged total; lines are credited in order, and
// any shortfall goes back to the need's lines so others may pledge it), and
// a photo the caller uploaded (JPEG or PNG, EXIF stripped by the upload
// path, SHA-256 checked). The need's delivered counters rise in one update.
func (s *PledgeService) MarkDelivered(ctx context.Context, id string, in DeliveryInput) (*Pledge, error) {
	me, p, err := s.staffPledge(ctx, id)
	if err != nil {
		return nil, err
	}
	if !isStaff(me, p.OrgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation record deliveries.")
	}
	in.Note = strings.TrimSpace(in.Note)
	now := s.now()
	var v tongban.Validation
	_, err = time.Parse("2006-01-02", in.Date)
	v.Check(err == nil && len(in.Date) == 10, "date", "must be a date YYYY-MM-DD")
	if err == nil {
		// Dates are days in Asia/Shanghai; YYYY-MM-DD compares as text.
		v.Check(in.Date <= now.In(shanghai).Format("2006-01-02"), "date", "must not be in the future")
		v.Check(in.Date >= p.CreatedAt.In(shanghai).Format("2006-01-02"), "date", "must not be before the pledge")
	}
	v.Check(in.Count >= 1 && in.Count <= p.Total(), "count", fmt.Sprintf("must be 1 to %d", p.Total()))
	v.Check(strings.HasPrefix(in.PhotoKey, "uploads/"+me.UserID+"/"), "photo_key", "must be a photo you uploaded")
	v.Check(ValidSHA256(in.PhotoSHA256), "photo_sha256", "must be the SHA-256 of the upload")
	checkNote(&v, "note", in.Note)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if p.Status != PledgeReceived {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only a received pledge can be marked delivered; this one is %s.", p.Status)
	}
	if err := s.screen("note", in.Note); err != nil {
		return nil, err
	}
	if s.Photo == nil {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Photo uploads are not configured on this server.")
	}
	info, err := s.Photo(ctx, in.PhotoKey)
	if err != nil {
		if tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return nil, tongban.Invalid("photo_key", "must be a photo you uploaded")
		}
		return nil, err
	}
	if info.SHA256 != in.PhotoSHA256 {
		return nil, tongban.Invalid("photo_sha256", "does not match the uploaded photo")
	}
	if info.ContentType != "image/jpeg" && info.ContentType != "image/png" {
		return nil, tongban.Invalid("photo_key", "must be a JPEG or PNG photo")
	}
	rec := &Delivery{Date: in.Date, Count: in.Count, PhotoKey: in.PhotoKey, PhotoSHA256: in.PhotoSHA256, PhotoType: info.ContentType, By: me.UserID, At: now}
	out, err := s.transition(ctx, p, PledgeDelivered, me.UserID, in.Note, rec)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeliverItems(ctx, p.NeedID, out.Lines); err != nil {
		return nil, err
	}
	return out, nil
}

// PledgeView is a pledge with its trace sentences.
type PledgeView struct {
	*Pledge
	Trace Trace `json:"trace"`
}

// Trace is a pledge's state as one human sentence in each language, e.g.
// "3 件 130 码棉衣已送达" / "3 winter coats, size 130: delivered".
type Trace struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// MyPledges lists the caller's pledges, newest first, with their traces.
func (s *PledgeService) MyPledges(ctx context.Context) ([]PledgeView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.Store.FindPledges(ctx, PledgeFilter{DonorID: me.UserID})
	if err != nil {
		return nil, err
	}
	return views(ps), nil
}

func views(ps []*Pledge) []PledgeView {
	out := make([]PledgeView, 0, len(ps))
	for _, p := range ps {
		out = append(out, PledgeView{Pledge: p, Trace: TraceOf(p)})
	}
	return out
}

// OrgPledges lists an organisation's pledges for its staff, optionally of
// one need and some statuses.
func (s *PledgeService) OrgPledges(ctx context.Context, orgID, needID string, status []string) ([]PledgeView, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !me.IsAdmin() && !isStaff(me, orgID) {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation track its pledges.")
	}
	for _, st := range status {
		if !slices.Contains(PledgeStatuses, st) {
			return nil, tongban.Invalid("status", "must be among "+strings.Join(PledgeStatuses, ", "))
		}
	}
	if needID != "" && !validID(needID) {
		return nil, tongban.Invalid("need_id", "must be a need ID")
	}
	ps, err := s.Store.FindPledges(ctx, PledgeFilter{OrgID: orgID, NeedID: needID, Status: status})
	if err != nil {
		return nil, err
	}
	return views(ps), nil
}

// PledgeForPhoto returns the pledge whose delivery photo the caller may
// see: its donor, staff of its organisation, or an administrator.
func (s *PledgeService) PledgeForPhoto(ctx context.Context, id string) (*Pledge, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.find(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.DonorID != me.UserID && !me.IsAdmin() && !isStaff(me, p.OrgID) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "pledge not found.")
	}
	if p.Delivery == nil {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "The pledge has no delivery photo yet.")
	}
	return p, nil
}

// itemNames names the item types: Chinese name, its measure word, English
// singular and plural.
var itemNames = map[string][4]string{
	"winter_coat": {"棉衣", "件", "winter coat", "winter coats"},
	"shoes":       {"鞋", "双", "pair of shoes", "pairs of shoes"},
	"school_bag":  {"书包", "个", "school bag", "school bags"},
	"stationery":  {"文具", "套", "stationery set", "stationery sets"},
	"books":       {"图书", "本", "book", "books"},
	"quilt":       {"棉被", "床", "quilt", "quilts"},
	"sportswear":  {"运动服", "套", "sportswear set", "sportswear sets"},
	"other":       {"物品", "件", "item", "items"},
}

var statusWords = map[string][2]string{
	PledgePledged:   {"已认捐", "pledged"},
	PledgeReceived:  {"已由机构收到", "received by the organisation"},
	PledgeDelivered: {"已送达", "delivered"},
	PledgeCancelled: {"已取消", "cancelled"},
}

// LinePhrase names count items of one type and size in Chinese and English:
// "3 件 130 码棉衣", "3 winter coats, size 130".
func LinePhrase(typ, size string, count int) (zh, en string) {
	n, ok := itemNames[typ]
	if !ok {
		n = itemNames["other"]
	}
	zh = fmt.Sprintf("%d %s", count, n[1])
	if size != "" {
		zh += " " + size + " 码"
	}
	zh += n[0]
	word := n[3]
	if count == 1 {
		word = n[2]
	}
	en = fmt.Sprintf("%d %s", count, word)
	if size != "" {
		en += ", size " + size
	}
	return zh, en
}

// TraceOf renders a pledge's state as one sentence per language. A
// delivered pledge names the delivered counts and the date; others name
// the pledged counts. Lines are joined with "、" / "; ".
func TraceOf(p *Pledge) Trace {
	var zh, en []string
	for _, l := range p.Lines {
		c := l.Count
		if p.Status == PledgeDelivered {
			c = l.Delivered
			if c == 0 {
				continue
			}
		}
		z, e := LinePhrase(l.Type, l.Size, c)
		zh, en = append(zh, z), append(en, e)
	}
	w := statusWords[p.Status]
	t := Trace{ZH: strings.Join(zh, "、") + w[0], EN: strings.Join(en, "; ") + ": " + w[1]}
	if p.Status == PledgeDelivered && p.Delivery != nil {
		t.ZH += "（" + p.Delivery.Date + "）"
		t.EN += " on " + p.Delivery.Date
	}
	return t
}

// SuggestLine is a line of an in-kind need as the suggestion sees it.
type SuggestLine struct {
	NeedID    string `json:"need_id"`
	NeedTitle string `json:"need_title"`
	Item      int    `json:"item"`
	Type      string `json:"type"`
	Size      string `json:"size"`
	// Open is what the line still lacks: count minus delivered.
	Open     int    `json:"open"`
	Urgency  int    `json:"urgency"`
	Deadline string `json:"deadline,omitempty"`
}

// Assignment proposes giving count items of a pledge's line to a line of
// a need.
type Assignment struct {
	PledgeID   string `json:"pledge_id"`
	PledgeLine int    `json:"pledge_line"`
	NeedID     string `json:"need_id"`
	NeedTitle  string `json:"need_title"`
	Item       int    `json:"item"`
	Type       string `json:"type"`
	Size       string `json:"size"`
	Count      int    `json:"count"`
	// Moves is true when the items would go to another line than the one
	// the donor pledged to.
	Moves bool `json:"moves"`
}

// Suggestion is a proposed assignment of open pledges to need lines, with
// the lines it leaves short.
type Suggestion struct {
	Assignments []Assignment  `json:"assignments"`
	Unfilled    []SuggestLine `json:"unfilled"`
}

// lineLess orders lines most urgent first: higher urgency, then the
// earlier deadline (a line with none comes after any with one), then the
// need ID and the line index, so the order is total and stable.
func lineLess(a, b SuggestLine) int {
	if c := cmp.Compare(b.Urgency, a.Urgency); c != 0 {
		return c
	}
	if a.Deadline != b.Deadline {
		switch {
		case a.Deadline == "":
			return 1
		case b.Deadline == "":
			return -1
		}
		return strings.Compare(a.Deadline, b.Deadline)
	}
	if c := strings.Compare(a.NeedID, b.NeedID); c != 0 {
		return c
	}
	return cmp.Compare(a.Item, b.Item)
}

// Suggest proposes how open pledges (pledged or received, not delivered)
// fill need lines. The rule, greedy and deterministic:
//
//  1. Lines are taken most urgent first (urgency 5 → 1, then the earliest
//     deadline, then need ID and line index).
//  2. Each line takes items of its exact type and size, up to what it still
//     lacks (count − delivered). It takes first from pledges made to that
//     very line, then from other pledges: received before pledged (goods on
//     hand first), older before newer.
//  3. A pledge line's items are used at most once.
//
// Because every line is served fully before any less urgent one, no item
// goes to a line while a more urgent line of the same type and size still
// lacks it; ties between equally urgent lines go to the earlier deadline.
func Suggest(pledges []*Pledge, lines []SuggestLine) Suggestion {
	ls := slices.Clone(lines)
	slices.SortStableFunc(ls, lineLess)
	type src struct {
		p    *Pledge
		line int
		left int
	}
	var srcs []*src
	ordered := slices.Clone(pledges)
	rank := func(p *Pledge) int {
		if p.Status == PledgeReceived {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(ordered, func(a, b *Pledge) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, p := range ordered {
		if p.Status != PledgePledged && p.Status != PledgeReceived {
			continue
		}
		for i, l := range p.Lines {
			srcs = append(srcs, &src{p: p, line: i, left: l.Count})
		}
	}
	out := Suggestion{Assignments: []Assignment{}, Unfilled: []SuggestLine{}}
	for _, ln := range ls {
		need := ln.Open
		take := func(own bool) {
			for _, s := range srcs {
				if need == 0 {
					return
				}
				pl := s.p.Lines[s.line]
				if s.left == 0 || pl.Type != ln.Type || pl.Size != ln.Size {
					continue
				}
				mine := s.p.NeedID == ln.NeedID && pl.Item == ln.Item
				if mine != own {
					continue
				}
				c := min(need, s.left)
				s.left -= c
				need -= c
				out.Assignments = append(out.Assignments, Assignment{PledgeID: s.p.ID, PledgeLine: s.line, NeedID: ln.NeedID, NeedTitle: ln.NeedTitle,
					Item: ln.Item, Type: ln.Type, Size: ln.Size, Count: c, Moves: !mine})
			}
		}
		if need > 0 {
			take(true)
			take(false)
		}
		if need > 0 {
			u := ln
			u.Open = need
			out.Unfilled = append(out.Unfilled, u)
		}
	}
	return out
}

// SuggestForOrg proposes the assignment of the organisation's open pledges
// to the lines of its public in-kind needs (see Suggest for the rule).
func (s *PledgeService) SuggestForOrg(ctx context.Context, orgID string) (Suggestion, error) {
	me, err := caller(ctx)
	if err != nil {
		return Suggestion{}, err
	}
	if !me.IsAdmin() && !isStaff(me, orgID) {
		return Suggestion{}, tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation track its pledges.")
	}
	ps, err := s.Store.FindPledges(ctx, PledgeFilter{OrgID: orgID, Status: []string{PledgePledged, PledgeReceived}})
	if err != nil {
		return Suggestion{}, err
	}
	var lines []SuggestLine
	cursor := ""
	for range 20 {
		needs, next, err := s.Needs.FindNeeds(ctx, matching.NeedFilter{OrgIDs: []string{orgID}, Kinds: []string{matching.KindInKind},
			Status: []string{matching.StatusPublished, matching.StatusPartiallyFulfilled}, Cursor: cursor, Limit: 100})
		if err != nil {
			return Suggestion{}, err
		}
		for _, n := range needs {
			for i, it := range n.Items {
				if open := it.Count - it.Delivered; open > 0 {
					lines = append(lines, SuggestLine{NeedID: n.ID, NeedTitle: n.Title, Item: i, Type: it.Type, Size: it.Size, Open: open,
						Urgency: n.Urgency, Deadline: n.Deadline})
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return Suggest(ps, lines), nil
}

// ErasedDonor replaces the donor ID of the pledges of an erased account.
const ErasedDonor = "erased"

// Export returns a donor's pledges with their traces (PIPL data export).
func (s *PledgeService) Export(ctx context.Context, userID string) (any, error) {
	ps, err := s.Store.FindPledges(ctx, PledgeFilter{DonorID: userID})
	if err != nil {
		return nil, err
	}
	return views(ps), nil
}

// Erase removes a donor from their pledges when the account is deleted:
// pledges not yet received are cancelled (their items go back to the
// needs); the others stay, for the organisation's records, without the
// donor's ID or notes.
func (s *PledgeService) Erase(ctx context.Context, userID string) error {
	ps, err := s.Store.FindPledges(ctx, PledgeFilter{DonorID: userID})
	if err != nil {
		return err
	}
	for _, p := range ps {
		next := *p
		next.History = slices.Clone(p.History)
		if p.Status == PledgePledged {
			now := s.now()
			next.Status, next.UpdatedAt = PledgeCancelled, now
			next.History = append(next.History, PledgeEvent{Status: PledgeCancelled, By: ErasedDonor, At: now})
		}
		next.DonorID, next.DonorName, next.Note = ErasedDonor, "", ""
		for i := range next.History {
			if next.History[i].By == userID {
				next.History[i].By, next.History[i].Note = ErasedDonor, ""
			}
		}
		if _, err := s.Store.ReplacePledge(ctx, &next, p.Version); err != nil {
			return err
		}
		if p.Status == PledgePledged {
			if err := s.Store.ReleaseItems(ctx, p.NeedID, p.Lines); err != nil {
				return err
			}
		}
	}
	return nil
}
