package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/payment"
	"github.com/tongban/tongban/matching"
)

// seedCampaigns opens the demo campaigns of 共青团隆安县委员会, records
// online gifts from demo donors through the same service the payment
// notifications use, and allocates part of the money to needs by policy.
func seedCampaigns(ctx context.Context, m *Main, r *rand.Rand, users []*accounts.User, orgID, financeID string) error {
	fin := auth.NewContext(ctx, &auth.Identity{UserID: financeID, Roles: []string{}, Orgs: map[string]string{orgID: accounts.OrgFinance}, Via: "seed"})
	needs, _, err := m.Needs.Store.FindNeeds(ctx, matching.NeedFilter{OrgIDs: []string{orgID}, Status: []string{matching.StatusPublished}, Kinds: []string{matching.KindFunding}, Limit: 10})
	if err != nil {
		return err
	}
	var needIDs []string
	for _, n := range needs {
		needIDs = append(needIDs, n.ID)
	}
	str := func(s string) *string { return &s }
	fen := func(f int64) *int64 { return &f }
	active := donations.CampaignActive
	specs := []donations.CampaignInput{
		{Title: str("圆梦大学 2026"), Summary: str("资助困境家庭学生入学：每笔支出都附票据，捐赠人可以看到自己的钱去了哪里。"), OrgIDs: &[]string{orgID},
			TargetFen: fen(20_000_000), Start: str("2026-09-01"), End: str("2027-03-31"), NeedIDs: &needIDs, Status: &active},
		{Title: str("寒冬送温暖 2026"), Summary: str("为山区留守儿童添置合身的冬衣棉鞋，按尺码统计、统一采购、公开票据。"), OrgIDs: &[]string{orgID},
			TargetFen: fen(5_000_000), Start: str("2026-11-01"), End: str("2027-02-28"), NeedIDs: &[]string{}, Status: &active},
	}
	var donors []*accounts.User
	for _, u := range users {
		if u.HasRole(accounts.RoleDonor) {
			donors = append(donors, u)
		}
	}
	for i, spec := range specs {
		c, err := m.Money.Donations.CreateCampaign(fin, spec)
		if err != nil {
			return fmt.Errorf("demo campaign: %w", describe(err))
		}
		for j, d := range donors[:min(len(donors), 30)] {
			if (i+j)%3 == 0 {
				continue
			}
			amount := int64(50+r.IntN(20)*50) * 100
			if _, _, err := m.Money.Donations.RecordOnlineDonation(ctx, donations.OnlineDonation{Provider: "sandbox", ProviderRef: payment.NewTransactionID(),
				Ledger: c.ID, DonorID: d.ID, Anonymous: r.IntN(3) == 0, AmountFen: amount}); err != nil {
				return fmt.Errorf("demo gift: %w", describe(err))
			}
		}
		if len(*spec.NeedIDs) > 0 {
			p, err := m.Money.Donations.PreviewAllocation(fin, donations.PreviewInput{Ledger: c.ID})
			if err != nil {
				return fmt.Errorf("demo allocation preview: %w", describe(err))
			}
			if len(p.Splits) > 0 {
				if _, err := m.Money.Donations.ApplyAllocation(fin, p, "demo-allocation-"+c.ID); err != nil {
					return fmt.Errorf("demo allocation: %w", describe(err))
				}
			}
		}
	}
	return nil
}
