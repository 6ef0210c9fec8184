package donations

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
)

// Campaign statuses.
const (
	CampaignDraft  = "draft"
	CampaignActive = "active"
	CampaignClosed = "closed"
)

// Campaign is a fundraising campaign such as 寒冬送温暖 2026. Its ledger
// has the campaign's ID. It belongs to one or more organisations, whose
// finance staff run its money.
type Campaign struct {
	ID        string   `bson:"_id" json:"id"`
	Title     string   `bson:"title" json:"title"`
	Summary   string   `bson:"summary" json:"summary"`
	OrgIDs    []string `bson:"org_ids" json:"org_ids"`
	TargetFen int64    `bson:"target_fen" json:"target_fen"`
	// Start and End are dates (YYYY-MM-DD, Asia/Shanghai), both included.
	Start     string    `bson:"start" json:"start"`
	End       string    `bson:"end" json:"end"`
	NeedIDs   []string  `bson:"need_ids" json:"need_ids"`
	Status    string    `bson:"status" json:"status"`
	CreatedBy string    `bson:"created_by" json:"-"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
	Version   int64     `bson:"version" json:"version"`
}

// IsPublic reports whether the public may see the campaign.
func (c *Campaign) IsPublic() bool { return c.Status == CampaignActive || c.Status == CampaignClosed }

// CampaignInput is the editable part of a campaign; nil fields stay.
type CampaignInput struct {
	Title     *string   `json:"title"`
	Summary   *string   `json:"summary"`
	OrgIDs    *[]string `json:"org_ids"`
	TargetFen *int64    `json:"target_fen"`
	Start     *string   `json:"start"`
	End       *string   `json:"end"`
	NeedIDs   *[]string `json:"need_ids"`
	Status    *string   `json:"status"`
}

// apply copies the set fields of in onto c.
func (in CampaignInput) apply(c *Campaign) {
	if in.Title != nil {
		c.Title = strings.TrimSpace(*in.Title)
	}
	if in.Summary != nil {
		c.Summary = strings.TrimSpace(*in.Summary)
	}
	if in.OrgIDs != nil {
		c.OrgIDs = slices.Compact(slices.Sorted(slices.Values(*in.OrgIDs)))
	}
	if in.TargetFen != nil {
		c.TargetFen = *in.TargetFen
	}
	if in.Start != nil {
		c.Start = strings.TrimSpace(*in.Start)
	}
	if in.End != nil {
		c.End = strings.TrimSpace(*in.End)
	}
	if in.NeedIDs != nil {
		c.NeedIDs = slices.Compact(slices.Sorted(slices.Values(*in.NeedIDs)))
	}
	if in.Status != nil {
		c.Status = *in.Status
	}
}

// campaignMoves lists the legal status changes.
var campaignMoves = map[string][]string{
	CampaignDraft:  {CampaignDraft, CampaignActive},
	CampaignActive: {CampaignActive, CampaignClosed},
	CampaignClosed: {CampaignClosed},
}

// Validate checks the rules of a campaign that need no other data.
func (c *Campaign) Validate() error {
	var v tongban.Validation
	n := utf8.RuneCountInString(c.Title)
	v.Check(n >= 4 && n <= 60, "title", "must be 4 to 60 characters")
	v.Check(utf8.RuneCountInString(c.Summary) <= 2000, "summary", "must be at most 2000 characters")
	v.Check(len(c.OrgIDs) >= 1 && len(c.OrgIDs) <= 10, "org_ids", "must name 1 to 10 organisations")
	for _, id := range c.OrgIDs {
		v.Check(validID(id), "org_ids", "must be organisation IDs")
	}
	v.Check(c.TargetFen >= 100 && c.TargetFen <= MaxFen, "target_fen", "must be 1 yuan to 1,000,000,000 yuan, in fen")
	start, errS := time.Parse(time.DateOnly, c.Start)
	end, errE := time.Parse(time.DateOnly, c.End)
	v.Check(errS == nil, "start", "must be a date YYYY-MM-DD")
	v.Check(errE == nil, "end", "must be a date YYYY-MM-DD")
	if errS == nil && errE == nil {
		v.Check(!end.Before(start), "end", "must not be before start")
	}
	v.Check(len(c.NeedIDs) <= 1000, "need_ids", "must list at most 1000 needs")
	for _, id := range c.NeedIDs {
		v.Check(validID(id), "need_ids", "must be need IDs")
	}
	_, ok := campaignMoves[c.Status]
	v.Check(ok, "status", "must be draft, active or closed")
	return v.Err()
}

// CampaignFilter selects campaigns. Empty fields select all.
type CampaignFilter struct {
	OrgIDs []string
	Status []string
	Cursor string
	Limit  int
}

// CampaignStore persists campaigns. Missing documents are ENOTFOUND.
type CampaignStore interface {
	CreateCampaign(ctx context.Context, c *Campaign) error
	FindCampaignByID(ctx context.Context, id string) (*Campaign, error)
	// FindCampaigns returns a page of campaigns, newest first, and the
	// cursor of the next page ("" at the end).
	FindCampaigns(ctx context.Context, f CampaignFilter) ([]*Campaign, string, error)
	// ReplaceCampaign stores c when the stored version is version and
	// returns it with the version incremented; a stale version is
	// EPRECONDITION.
	ReplaceCampaign(ctx context.Context, c *Campaign, version int64) (*Campaign, error)
}
