package main

import (
	"context"
	"strings"

	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/payment"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/matching"
)

// progressToIndex applies need money progress and tells the search outbox,
// since raised_fen is part of the public need document.
type progressToIndex struct {
	*mongodb.NeedProgressStore
	m *Main
}

func (p progressToIndex) AddNeedProgress(ctx context.Context, needID string, raisedFen, spentFen int64) error {
	if err := p.m.Outbox.Enqueue(ctx, matching.NeedIndex, needID); err != nil {
		return err
	}
	if err := p.NeedProgressStore.AddNeedProgress(ctx, needID, raisedFen, spentFen); err != nil {
		return err
	}
	p.m.Worker.Notify()
	return nil
}

// openMoney builds the donations service, the payment verifier and, when
// enabled, the local payment sandbox.
func (m *Main) openMoney() error {
	svc := &donations.Service{Ledger: mongodb.NewLedgerStore(m.DB), Campaigns: mongodb.NewCampaignStore(m.DB), Expenses: mongodb.NewExpenseStore(m.DB),
		Needs: m.Needs.Store, Progress: progressToIndex{mongodb.NewNeedProgressStore(m.DB), m}, Screen: privacy.Check, Logger: m.Logger}
	m.Money = &api.Money{Donations: svc, Orders: mongodb.NewOrderStore(m.DB), Blob: m.Blob, MaxUpload: api.UploadLimit,
		Receipts:   &donations.Receipts{Money: svc, Store: mongodb.NewReceiptStore(m.DB), Users: m.Store, Orgs: m.Store, PublicURL: m.Config.PublicURL},
		Thumbnails: &donations.Thumbnails{Money: svc, Store: mongodb.NewThumbnailStore(m.DB), Blobs: api.BlobBytes(m.Blob), MaxSource: api.UploadLimit}}
	if m.Config.PaymentSandbox {
		sb, err := payment.NewSandbox()
		if err != nil {
			return err
		}
		m.Money.Sandbox, m.Money.Verifier = sb, sb.Verifier()
		m.Logger.Warn("payment sandbox enabled: online gifts are simulated, no real money moves (TONGBAN_PAYMENT_SANDBOX=false to disable)")
	}
	return nil
}

// resolveGeneralFund maps the configured organisation names to IDs.
func (m *Main) resolveGeneralFund(ctx context.Context) error {
	names := m.Config.GeneralFundOrgs
	if names == "" && m.Config.Demo {
		names = "共青团隆安县委员会"
	}
	var ids []string
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		o, err := m.Store.FindOrgByName(ctx, n)
		if err != nil {
			m.Logger.Warn("general fund organisation not found", "name", n)
			continue
		}
		ids = append(ids, o.ID)
	}
	m.Money.Donations.GeneralFundOrgs = ids
	return nil
}
