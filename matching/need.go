package matching

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// Need kinds.
const (
	KindPairing = "pairing"
	KindInKind  = "in_kind"
	KindFunding = "funding"
)

// Categories by kind.
var Categories = map[string][]string{
	KindPairing: {"tutoring", "companionship", "psychological"},
	KindInKind:  {"winter_clothing", "shoes", "school_supplies", "books", "other_goods"},
	KindFunding: {"scholarship", "living_allowance", "medical", "general"},
}

// Need statuses.
const (
	StatusDraft              = "draft"
	StatusInReview           = "in_review"
	StatusPublished          = "published"
	StatusPartiallyFulfilled = "partially_fulfilled"
	StatusFulfilled          = "fulfilled"
	StatusClosed             = "closed"
	StatusWithdrawn          = "withdrawn"
)

// Modes of a pairing or activity.
const (
	ModeOnline   = "online"
	ModeInPerson = "in_person"
	ModeEither   = "either"
)

// Subjects a tutoring need may ask for.
var Subjects = []string{"chinese", "math", "english", "physics", "chemistry", "biology", "history", "geography", "politics", "science", "art", "music", "pe", "it"}

// ItemTypes an in-kind need may list.
var ItemTypes = []string{"winter_coat", "shoes", "school_bag", "stationery", "books", "quilt", "sportswear", "other"}

// Band is an inclusive integer range (ages in years, grades 1–12).
type Band struct {
	Min int `bson:"min" json:"min"`
	Max int `bson:"max" json:"max"`
}

// String renders a band as "9-11".
func (b Band) String() string { return fmt.Sprintf("%d-%d", b.Min, b.Max) }

// Slot is a weekly time window in Asia/Shanghai; Day 1 = Monday … 7 = Sunday.
type Slot struct {
	Day   int    `bson:"day" json:"day"`
	Start string `bson:"start" json:"start"`
	End   string `bson:"end" json:"end"`
}

// Item is one line of an in-kind need.
type Item struct {
	Type      string `bson:"type" json:"type"`
	Size      string `bson:"size" json:"size"`
	Count     int    `bson:"count" json:"count"`
	Note      string `bson:"note" json:"note"`
	Pledged   int    `bson:"pledged" json:"pledged"`
	Delivered int    `bson:"delivered" json:"delivered"`
}

// Safeguarding lists a need's safeguarding wishes.
type Safeguarding struct {
	FemaleVolunteer bool `bson:"female_volunteer" json:"female_volunteer"`
	PublicVenueOnly bool `bson:"public_venue_only" json:"public_venue_only"`
}

// Progress is what has been done for a need so far.
type Progress struct {
	PairingsMade   int   `bson:"pairings_made" json:"pairings_made"`
	ItemsPledged   int   `bson:"items_pledged" json:"items_pledged"`
	ItemsDelivered int   `bson:"items_delivered" json:"items_delivered"`
	RaisedFen      int64 `bson:"raised_fen" json:"raised_fen"`
	SpentFen       int64 `bson:"spent_fen" json:"spent_fen"`
}

// Transition records one status change.
type Transition struct {
	From string    `bson:"from" json:"from"`
	To   string    `bson:"to" json:"to"`
	By   string    `bson:"by" json:"by"`
	At   time.Time `bson:"at" json:"at"`
	Note string    `bson:"note,omitempty" json:"note,omitempty"`
}

// Need is an anonymized need of one or more children, owned by an
// organisation. It never holds a child's name, ID number, address, school,
// phone, photo or guardian: CaseRef is an opaque reference only the owning
// organisation can resolve in its own records.
type Need struct {
	ID         string `bson:"_id" json:"id"`
	OrgID      string `bson:"org_id" json:"org_id"`
	OrgName    string `bson:"org_name" json:"org_name"`
	Kind       string `bson:"kind" json:"kind"`
	Category   string `bson:"category" json:"category"`
	Title      string `bson:"title" json:"title"`
	Narrative  string `bson:"narrative" json:"narrative"`
	CountyCode string `bson:"county_code" json:"county_code"`
	CountyName string `bson:"county_name" json:"county_name"`
	// TownshipCode is optional and only ever a township centroid.
	TownshipCode string       `bson:"township_code,omitempty" json:"township_code,omitempty"`
	AgeBand      Band         `bson:"age_band" json:"age_band"`
	GradeBand    *Band        `bson:"grade_band,omitempty" json:"grade_band,omitempty"`
	Children     int          `bson:"children" json:"children"`
	Subjects     []string     `bson:"subjects" json:"subjects"`
	Schedule     []Slot       `bson:"schedule" json:"schedule"`
	Mode         string       `bson:"mode" json:"mode"`
	Languages    []string     `bson:"languages" json:"languages"`
	Safeguarding Safeguarding `bson:"safeguarding" json:"safeguarding"`
	// VolunteersWanted is the number of volunteers a pairing need wants.
	VolunteersWanted  int          `bson:"volunteers_wanted" json:"volunteers_wanted"`
	Items             []Item       `bson:"items" json:"items"`
	TargetFen         int64        `bson:"target_fen" json:"target_fen"`
	PerBeneficiaryFen int64        `bson:"per_beneficiary_fen" json:"per_beneficiary_fen"`
	Urgency           int          `bson:"urgency" json:"urgency"`
	Deadline          string       `bson:"deadline,omitempty" json:"deadline,omitempty"`
	Status            string       `bson:"status" json:"status"`
	Progress          Progress     `bson:"progress" json:"progress"`
	CaseRef           string       `bson:"case_ref" json:"case_ref,omitempty"`
	InternalNotes     string       `bson:"internal_notes" json:"internal_notes,omitempty"`
	History           []Transition `bson:"history" json:"history,omitempty"`
	CreatedBy         string       `bson:"created_by" json:"created_by,omitempty"`
	CreatedAt         time.Time    `bson:"created_at" json:"created_at"`
	UpdatedAt         time.Time    `bson:"updated_at" json:"updated_at"`
	PublishedAt       *time.Time   `bson:"published_at,omitempty" json:"published_at,omitempty"`
	Version           int64        `bson:"version" json:"version"`
}

// IsPublic reports whether the need is visible to the public.
func (n *Need) IsPublic() bool {
	switch n.Status {
	case StatusPublished, StatusPartiallyFulfilled, StatusFulfilled:
		return true
	}
	return false
}

// FulfilmentStatus is the status a public need's progress calls for:
// fulfilled once it has all it asked for (funding: raised ≥ target;
// pairing: pairings made ≥ volunteers wanted; in-kind: every item
// delivered), partially_fulfilled once anything arrived (or, in kind, was
// pledged), published before. It is "" for a need that is not public,
// whose status progress does not drive.
func (n *Need) FulfilmentStatus() string {
	if !n.IsPublic() {
		return ""
	}
	var done, want int64
	started := false
	switch n.Kind {
	case KindFunding:
		done, want = n.Progress.RaisedFen, n.TargetFen
	case KindPairing:
		done, want = int64(n.Progress.PairingsMade), int64(n.VolunteersWanted)
	case KindInKind:
		done = int64(n.Progress.ItemsDelivered)
		for _, it := range n.Items {
			want += int64(it.Count)
		}
		started = n.Progress.ItemsPledged > 0
	}
	switch {
	case want > 0 && done >= want:
		return StatusFulfilled
	case done > 0 || started:
		return StatusPartiallyFulfilled
	}
	return StatusPublished
}

// Public returns the copy of n that the public may see: no case reference,
// internal notes, authors or history.
func (n *Need) Public() *Need {
	p := *n
	p.CaseRef, p.InternalNotes, p.CreatedBy, p.History = "", "", "", nil
	p.Items = slices.Clone(n.Items)
	return &p
}

// PublicTexts returns every text of n that can become public, by field, for
// the PII screen.
func (n *Need) PublicTexts() map[string]string {
	m := map[string]string{"title": n.Title, "narrative": n.Narrative}
	for i, it := range n.Items {
		if it.Note != "" {
			m[fmt.Sprintf("items[%d].note", i)] = it.Note
		}
		if it.Size != "" {
			m[fmt.Sprintf("items[%d].size", i)] = it.Size
		}
	}
	return m
}

// NeedInput is the editable part of a need.
type NeedInput struct {
	Kind              *string       `json:"kind"`
	Category          *string       `json:"category"`
	Title             *string       `json:"title"`
	Narrative         *string       `json:"narrative"`
	CountyCode        *string       `json:"county_code"`
	TownshipCode      *string       `json:"township_code"`
	AgeBand           *Band         `json:"age_band"`
	GradeBand         *Band         `json:"grade_band"`
	Children          *int          `json:"children"`
	Subjects          *[]string     `json:"subjects"`
	Schedule          *[]Slot       `json:"schedule"`
	Mode              *string       `json:"mode"`
	Languages         *[]string     `json:"languages"`
	Safeguarding      *Safeguarding `json:"safeguarding"`
	VolunteersWanted  *int          `json:"volunteers_wanted"`
	Items             *[]Item       `json:"items"`
	TargetFen         *int64        `json:"target_fen"`
	PerBeneficiaryFen *int64        `json:"per_beneficiary_fen"`
	Urgency           *int          `json:"urgency"`
	Deadline          *string       `json:"deadline"`
	CaseRef           *string       `json:"case_ref"`
	InternalNotes     *string       `json:"internal_notes"`
}

// Apply copies the set fields of in onto n.
func (in NeedInput) Apply(n *Need) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&n.Kind, in.Kind)
	set(&n.Category, in.Category)
	set(&n.Title, in.Title)
	set(&n.Narrative, in.Narrative)
	set(&n.CountyCode, in.CountyCode)
	set(&n.TownshipCode, in.TownshipCode)
	set(&n.Mode, in.Mode)
	set(&n.Deadline, in.Deadline)
	set(&n.CaseRef, in.CaseRef)
	set(&n.InternalNotes, in.InternalNotes)
	if in.AgeBand != nil {
		n.AgeBand = *in.AgeBand
	}
	if in.GradeBand != nil {
		g := *in.GradeBand
		n.GradeBand = &g
	}
	if in.Children != nil {
		n.Children = *in.Children
	}
	if in.Subjects != nil {
		n.Subjects = slices.Clone(*in.Subjects)
	}
	if in.Schedule != nil {
		n.Schedule = slices.Clone(*in.Schedule)
	}
	if in.Languages != nil {
		n.Languages = slices.Clone(*in.Languages)
	}
	if in.Safeguarding != nil {
		n.Safeguarding = *in.Safeguarding
	}
	if in.VolunteersWanted != nil {
		n.VolunteersWanted = *in.VolunteersWanted
	}
	if in.Items != nil {
		n.Items = slices.Clone(*in.Items)
	}
	if in.TargetFen != nil {
		n.TargetFen = *in.TargetFen
	}
	if in.PerBeneficiaryFen != nil {
		n.PerBeneficiaryFen = *in.PerBeneficiaryFen
	}
	if in.Urgency != nil {
		n.Urgency = *in.Urgency
	}
}

var (
	hhmmRE    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	dateRE    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	caseRefRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)
	langRE    = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// Validate checks every rule of a need that does not need other data.
// counties resolves a county code; townshipOK checks a township belongs to it.
func (n *Need) Validate(county func(string) (string, bool), townshipOK func(county, township string) bool) error {
	var v tongban.Validation
	cats, okKind := Categories[n.Kind]
	v.Check(okKind, "kind", "must be pairing, in_kind or funding")
	if okKind {
		v.Check(slices.Contains(cats, n.Category), "category", "must be one of "+strings.Join(cats, ", "))
	}
	tl := utf8.RuneCountInString(n.Title)
	v.Check(tl >= 4 && tl <= 60, "title", "must be 4 to 60 characters")
	nl := utf8.RuneCountInString(n.Narrative)
	v.Check(nl >= 10 && nl <= 2000, "narrative", "must be 10 to 2000 characters")
	name, okCounty := county(n.CountyCode)
	v.Check(okCounty, "county_code", "must be a known 6-digit county code")
	if okCounty {
		n.CountyName = name
	}
	if n.TownshipCode != "" {
		v.Check(okCounty && townshipOK(n.CountyCode, n.TownshipCode), "township_code", "must be a township of the county")
	}
	v.Check(n.AgeBand.Min >= 0 && n.AgeBand.Max <= 18 && n.AgeBand.Min <= n.AgeBand.Max && n.AgeBand.Max-n.AgeBand.Min <= 6 && n.AgeBand.Max-n.AgeBand.Min >= 2,
		"age_band", "must be a band of 3 to 7 years between 0 and 18 (e.g. 9-11), never an exact age")
	if n.GradeBand != nil {
		g := *n.GradeBand
		v.Check(g.Min >= 1 && g.Max <= 12 && g.Min <= g.Max, "grade_band", "must be within grades 1 to 12")
	}
	v.Check(n.Children >= 1 && n.Children <= 500, "children", "must be 1 to 500")
	switch n.Mode {
	case ModeOnline, ModeInPerson, ModeEither:
	default:
		v.Add("mode", "must be online, in_person or either")
	}
	for i, s := range n.Schedule {
		f := fmt.Sprintf("schedule[%d]", i)
		v.Check(s.Day >= 1 && s.Day <= 7, f+".day", "must be 1 (Monday) to 7 (Sunday)")
		v.Check(hhmmRE.MatchString(s.Start) && hhmmRE.MatchString(s.End) && s.Start < s.End, f, "must have start < end as HH:MM")
	}
	v.Check(len(n.Schedule) <= 21, "schedule", "must have at most 21 slots")
	for i, l := range n.Languages {
		v.Check(langRE.MatchString(l), fmt.Sprintf("languages[%d]", i), "must be a language tag such as zh, zh-yue, en")
	}
	v.Check(n.Urgency >= 1 && n.Urgency <= 5, "urgency", "must be 1 (low) to 5 (urgent)")
	if n.Deadline != "" {
		_, err := time.Parse("2006-01-02", n.Deadline)
		v.Check(dateRE.MatchString(n.Deadline) && err == nil, "deadline", "must be a date YYYY-MM-DD")
	}
	v.Check(n.CaseRef == "" || caseRefRE.MatchString(n.CaseRef), "case_ref", "must be an opaque reference of letters, digits and ._/- (at most 40), never a name or ID number")
	v.Check(utf8.RuneCountInString(n.InternalNotes) <= 2000, "internal_notes", "must be at most 2000 characters")
	switch n.Kind {
	case KindPairing:
		v.Check(n.VolunteersWanted >= 1 && n.VolunteersWanted <= 20, "volunteers_wanted", "must be 1 to 20")
		if n.Category == "tutoring" {
			v.Check(len(n.Subjects) >= 1, "subjects", "must name at least one subject for tutoring")
			v.Check(n.GradeBand != nil, "grade_band", "is required for tutoring")
		}
		for i, s := range n.Subjects {
			v.Check(slices.Contains(Subjects, s), fmt.Sprintf("subjects[%d]", i), "must be one of "+strings.Join(Subjects, ", "))
		}
		v.Check(len(n.Items) == 0, "items", "are only for in-kind needs")
		v.Check(n.TargetFen == 0, "target_fen", "is only for funding needs")
	case KindInKind:
		v.Check(len(n.Items) >= 1 && len(n.Items) <= 50, "items", "must list 1 to 50 lines")
		for i, it := range n.Items {
			f := fmt.Sprintf("items[%d]", i)
			v.Check(slices.Contains(ItemTypes, it.Type), f+".type", "must be one of "+strings.Join(ItemTypes, ", "))
			v.Check(utf8.RuneCountInString(it.Size) <= 20, f+".size", "must be at most 20 characters")
			v.Check(it.Count >= 1 && it.Count <= 10000, f+".count", "must be 1 to 10000")
			v.Check(utf8.RuneCountInString(it.Note) <= 200, f+".note", "must be at most 200 characters")
		}
		v.Check(n.TargetFen == 0, "target_fen", "is only for funding needs")
	case KindFunding:
		v.Check(n.TargetFen >= 100 && n.TargetFen <= 100_000_000_00, "target_fen", "must be 1 yuan to 100,000,000 yuan, in fen")
		v.Check(n.PerBeneficiaryFen >= 0 && n.PerBeneficiaryFen <= n.TargetFen, "per_beneficiary_fen", "must be between 0 and target_fen")
		v.Check(len(n.Items) == 0, "items", "are only for in-kind needs")
	}
	return v.Err()
}

// transitions lists the legal status changes and which action causes them.
var transitions = map[string]map[string]string{
	"submit":   {StatusDraft: StatusInReview},
	"approve":  {StatusInReview: StatusPublished},
	"reject":   {StatusInReview: StatusDraft},
	"withdraw": {StatusDraft: StatusWithdrawn, StatusInReview: StatusWithdrawn, StatusPublished: StatusWithdrawn, StatusPartiallyFulfilled: StatusWithdrawn, StatusFulfilled: StatusWithdrawn},
	"close":    {StatusPublished: StatusClosed, StatusPartiallyFulfilled: StatusClosed, StatusFulfilled: StatusClosed},
}

// Actions are the names of the need transitions.
var Actions = []string{"submit", "approve", "reject", "withdraw", "close"}

// NextStatus returns the status an action leads to from status, or an
// ECONFLICT error when the action is illegal there.
func NextStatus(status, action string) (string, error) {
	m, ok := transitions[action]
	if !ok {
		return "", tongban.Invalid("action", "must be one of "+strings.Join(Actions, ", "))
	}
	to, ok := m[status]
	if !ok {
		return "", tongban.Errorf(tongban.ECONFLICT, "A need in status %s cannot be %s.", status, pastTense(action))
	}
	return to, nil
}

func pastTense(action string) string {
	switch action {
	case "submit":
		return "submitted for review"
	case "approve":
		return "approved"
	case "reject":
		return "sent back"
	case "withdraw":
		return "withdrawn"
	}
	return "closed"
}

// NeedFilter selects an organisation's needs.
type NeedFilter struct {
	OrgIDs []string
	Status []string
	Kinds  []string
	Cursor string
	Limit  int
}

// NeedStore persists needs.
type NeedStore interface {
	CreateNeed(ctx context.Context, n *Need) error
	FindNeedByID(ctx context.Context, id string) (*Need, error)
	FindNeeds(ctx context.Context, f NeedFilter) ([]*Need, string, error)
	// ReplaceNeed stores n when the stored version is version, incrementing
	// it; EPRECONDITION when stale, ENOTFOUND when missing.
	ReplaceNeed(ctx context.Context, n *Need, version int64) (*Need, error)
}
