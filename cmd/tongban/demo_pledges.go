package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/matching"
)

// DemoPledgeNeedTitle is the title of the demo in-kind need that the demo
// pledges (and the end-to-end test) use.
const DemoPledgeNeedTitle = "寒冬送温暖：石门镇童伴之家棉衣认捐"

// seedPledges publishes a winter-coat need of 共青团隆安县委员会 and records
// the demo donor's pledges to it in every state — pledged, received,
// delivered (with a generated photo) and cancelled — through the same
// service the API uses, so the counters are exact. The 130 line is left
// open for the demo and the end-to-end test.
func seedPledges(ctx context.Context, m *Main, orgIDs, ids map[string]string) error {
	orgName := "共青团隆安县委员会"
	orgID, coordID, reviewerID, donorID := orgIDs[orgName], ids["coordinator@tongban.example"], ids["reviewer@tongban.example"], ids["donor@tongban.example"]
	county, ok := geo.LookupCounty("439921")
	if !ok {
		return fmt.Errorf("demo pledges: county 439921 unknown")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	created, pub := now.Add(-72*time.Hour), now.Add(-48*time.Hour)
	n := &matching.Need{ID: tongban.NewID(), OrgID: orgID, OrgName: orgName, Kind: matching.KindInKind, Category: "winter_clothing",
		Title:      DemoPledgeNeedTitle,
		Narrative:  "石门镇童伴之家的孩子们冬天缺少合身的棉衣。社工按尺码统计如下，欢迎按尺码认捐；物资由团县委统一验收、登记并送到孩子手中，送达时拍照留档。",
		CountyCode: "439921", CountyName: county, AgeBand: matching.Band{Min: 6, Max: 12}, Children: 37, Subjects: []string{}, Schedule: []matching.Slot{},
		Languages: []string{"zh"}, Mode: matching.ModeInPerson, Urgency: 5, Deadline: now.AddDate(0, 1, 0).Format("2006-01-02"),
		Items: []matching.Item{{Type: "winter_coat", Size: "110", Count: 6}, {Type: "winter_coat", Size: "120", Count: 8},
			{Type: "winter_coat", Size: "130", Count: 10}, {Type: "winter_coat", Size: "140", Count: 8}, {Type: "winter_coat", Size: "150", Count: 5}},
		Status: matching.StatusPublished, CaseRef: "YX-21-COATS", InternalNotes: "尺码表见童伴之家台账", CreatedBy: coordID,
		CreatedAt: created, UpdatedAt: pub, PublishedAt: &pub, Version: 1,
		History: []matching.Transition{{To: matching.StatusDraft, By: coordID, At: created},
			{From: matching.StatusDraft, To: matching.StatusInReview, By: coordID, At: created.Add(time.Hour)},
			{From: matching.StatusInReview, To: matching.StatusPublished, By: reviewerID, At: pub}}}
	if err := n.Validate(geo.LookupCounty, geo.TownshipInCounty); err != nil {
		return fmt.Errorf("demo pledge need invalid: %w", describe(err))
	}
	if err := privacy.Check(n.PublicTexts()); err != nil {
		return fmt.Errorf("demo pledge need fails the PII screen: %w", describe(err))
	}
	if err := m.Outbox.Enqueue(ctx, matching.NeedIndex, n.ID); err != nil {
		return err
	}
	if err := mongodb.NewNeedStore(m.DB).CreateNeed(ctx, n); err != nil {
		return err
	}

	donor := auth.NewContext(ctx, &auth.Identity{UserID: donorID, Roles: []string{accounts.RoleDonor}, Orgs: map[string]string{}, Via: "seed"})
	staff := auth.NewContext(ctx, &auth.Identity{UserID: coordID, Roles: []string{}, Orgs: map[string]string{orgID: accounts.OrgCoordinator}, Via: "seed"})
	pledge := func(item, count int, note string) (*donations.Pledge, error) {
		p, err := m.Pledges.Pledge(donor, n.ID, donations.PledgeInput{Lines: []donations.PledgeLineInput{{Item: item, Count: count}}, Note: note})
		if err != nil {
			return nil, fmt.Errorf("demo pledge: %w", describe(err))
		}
		return p, nil
	}
	// Delivered: 2 × 110, with a photo.
	p, err := pledge(0, 2, "已通过快递寄出")
	if err != nil {
		return err
	}
	if _, err := m.Pledges.MarkReceived(staff, p.ID, "已验收入库"); err != nil {
		return fmt.Errorf("demo pledge received: %w", describe(err))
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(180 + x), uint8(60 + y), 40, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	info, err := m.Blob.Put(ctx, "uploads/"+coordID+"/"+tongban.NewID(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), privacy.ContentTypePNG)
	if err != nil {
		return err
	}
	today := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	if _, err := m.Pledges.MarkDelivered(staff, p.ID, donations.DeliveryInput{Date: today, Count: 2, PhotoKey: info.Key, PhotoSHA256: info.SHA256,
		Note: "已在童伴之家发放"}); err != nil {
		return fmt.Errorf("demo pledge delivered: %w", describe(err))
	}
	// Received: 2 × 140.
	if p, err = pledge(3, 2, ""); err != nil {
		return err
	}
	if _, err := m.Pledges.MarkReceived(staff, p.ID, ""); err != nil {
		return fmt.Errorf("demo pledge received: %w", describe(err))
	}
	// Cancelled: 1 × 150; pledged: 3 × 120.
	if p, err = pledge(4, 1, ""); err != nil {
		return err
	}
	if _, err := m.Pledges.Cancel(donor, p.ID); err != nil {
		return fmt.Errorf("demo pledge cancel: %w", describe(err))
	}
	if _, err = pledge(1, 3, ""); err != nil {
		return err
	}
	return nil
}
