package mongodb_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/matching"
)

// moneyFixture is one organisation with finance staff, a coordinator, two
// donors, published funding needs and an active campaign linking them, on
// a database. Every fixture has its own organisation, needs and campaign
// ledger, so tests sharing testDB do not see each other's money.
type moneyFixture struct {
	db       *mongodb.DB
	svc      *donations.Service
	org      string
	campaign *donations.Campaign
	needs    []*matching.Need
	// Callers.
	fin1, fin2, coord, donor1, donor2, outsider context.Context
}

// screenNoPhones is the PII screen of the tests: it refuses "电话".
func screenNoPhones(fields map[string]string) error {
	for k, v := range fields {
		if strings.Contains(v, "电话") {
			return &tongban.Error{Code: tongban.EUNPROCESSABLE, Message: "Personal data found.", Fields: []tongban.FieldError{{Field: k, Reason: "contains a phone number"}}}
		}
	}
	return nil
}

func moneyCaller(id string, orgs map[string]string) context.Context {
	return auth.NewContext(context.Background(), &auth.Identity{UserID: id, Roles: []string{"donor"}, Orgs: orgs})
}

// newMoneyService returns a Service over db's stores.
func newMoneyService(db *mongodb.DB, generalOrgs ...string) *donations.Service {
	return &donations.Service{Ledger: mongodb.NewLedgerStore(db), Campaigns: mongodb.NewCampaignStore(db),
		Expenses: mongodb.NewExpenseStore(db), Needs: mongodb.NewNeedStore(db), Progress: mongodb.NewNeedProgressStore(db),
		Screen: screenNoPhones, GeneralFundOrgs: generalOrgs}
}

// newMoneyFixture creates the fixture with needs of the given targets (fen)
// and urgencies.
func newMoneyFixture(tb testing.TB, db *mongodb.DB, targets []int64, urgencies []int) *moneyFixture {
	tb.Helper()
	ctx := context.Background()
	f := &moneyFixture{db: db, org: "org" + tongban.NewID()}
	f.svc = newMoneyService(db, f.org)
	fin := map[string]string{f.org: "finance"}
	p := "u" + tongban.NewID()[:12]
	f.fin1, f.fin2 = moneyCaller(p+"f1", fin), moneyCaller(p+"f2", fin)
	f.coord = moneyCaller(p+"co", map[string]string{f.org: "coordinator"})
	f.donor1, f.donor2, f.outsider = moneyCaller(p+"d1", nil), moneyCaller(p+"d2", nil), moneyCaller(p+"xx", nil)
	ns := mongodb.NewNeedStore(db)
	var ids []string
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, target := range targets {
		n := &matching.Need{ID: tongban.NewID(), OrgID: f.org, OrgName: "童伴测试", Kind: matching.KindFunding, Category: "scholarship",
			Title: fmt.Sprintf("圆梦大学助学金 %d", i), Narrative: "一名考入大学的学生需要学费资助。", CountyCode: "110101",
			AgeBand: matching.Band{Min: 16, Max: 18}, Children: 1, Mode: matching.ModeEither, TargetFen: target, Urgency: urgencies[i],
			Status: matching.StatusPublished, Subjects: []string{}, Schedule: []matching.Slot{}, Languages: []string{}, Items: []matching.Item{},
			CreatedAt: now, UpdatedAt: now, PublishedAt: &now, Version: 1}
		if err := ns.CreateNeed(ctx, n); err != nil {
			tb.Fatal(err)
		}
		f.needs = append(f.needs, n)
		ids = append(ids, n.ID)
	}
	title, summary, target := "圆梦大学 2026", "为考入大学的学生筹集学费。", int64(10_000_000)
	start, end, status := "2026-01-01", "2026-12-31", donations.CampaignActive
	orgs := []string{f.org}
	c, err := f.svc.CreateCampaign(f.coord, donations.CampaignInput{Title: &title, Summary: &summary, OrgIDs: &orgs, TargetFen: &target,
		Start: &start, End: &end, NeedIDs: &ids, Status: &status})
	if err != nil {
		tb.Fatal(err)
	}
	f.campaign = c
	return f
}

func (f *moneyFixture) ledger() string { return f.campaign.ID }

func (f *moneyFixture) donorID(ctx context.Context) string { return auth.UserFromContext(ctx).UserID }

// give records an online gift from the donor in ctx.
func (f *moneyFixture) give(tb testing.TB, donor context.Context, fen int64, needID string) *donations.Entry {
	tb.Helper()
	e, _, err := f.svc.RecordOnlineDonation(context.Background(), donations.OnlineDonation{Provider: "sandbox", ProviderRef: "T" + tongban.NewID(),
		Ledger: f.ledger(), NeedID: needID, DonorID: f.donorID(donor), AmountFen: fen})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func moneyReceipt(name string) donations.Receipt {
	sum := sha256.Sum256([]byte(name))
	return donations.Receipt{SHA256: hex.EncodeToString(sum[:]), BlobKey: "receipts/" + name + ".pdf", ContentType: "application/pdf", Kind: donations.ReceiptInvoice}
}

// spend records an expense by fin1 and has fin2 approve it.
func (f *moneyFixture) spend(tb testing.TB, needID, category string, fen int64) (*donations.Expense, *donations.Entry) {
	tb.Helper()
	x, err := f.svc.CreateExpense(f.fin1, donations.ExpenseInput{Ledger: f.ledger(), NeedID: needID, Vendor: "县城百货",
		Description: "学费及住宿费", Category: category, AmountFen: fen, Receipts: []donations.Receipt{moneyReceipt(tongban.NewID())}})
	if err != nil {
		tb.Fatal(err)
	}
	x, e, err := f.svc.ApproveExpense(f.fin2, x.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return x, e
}

func (f *moneyFixture) entries(tb testing.TB) []*donations.Entry {
	tb.Helper()
	es, err := mongodb.NewLedgerStore(f.db).EntriesAfter(context.Background(), f.ledger(), 0, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return es
}

// mismatchesOf verifies every ledger of the database and returns the
// mismatches of the fixture's ledger.
func (f *moneyFixture) mismatchesOf(tb testing.TB) []donations.Mismatch {
	tb.Helper()
	r, err := donations.Verify(context.Background(), mongodb.NewLedgerStore(f.db))
	if err != nil {
		tb.Fatal(err)
	}
	out := []donations.Mismatch{}
	for _, m := range r.Mismatches {
		if m.Ledger == f.ledger() {
			out = append(out, m)
		}
	}
	return out
}

// openMoneyDB opens a database of its own, for tests that damage data or
// need a known size.
func openMoneyDB(tb testing.TB) *mongodb.DB {
	tb.Helper()
	db, err := mongodb.Open(context.Background(), mongodb.Config{URI: os.Getenv("TONGBAN_MONGODB_URI"), DataDir: tb.TempDir(), Database: "test_" + tongban.NewID()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if !db.Embedded {
			_ = db.DB.Drop(context.Background())
		}
		_ = db.Close(context.Background())
	})
	return db
}

func TestLedgerDoubleEntryAlwaysBalances(t *testing.T) {
	ctx := context.Background()
	f := newMoneyFixture(t, testDB, []int64{500_000, 300_000}, []int{3, 5})
	n1, n2 := f.needs[0].ID, f.needs[1].ID
	g1 := f.give(t, f.donor1, 100_000, "")
	f.give(t, f.donor2, 50_000, n2)
	if _, _, err := f.svc.RecordOfflineDonation(f.fin1, donations.OfflineDonation{Ledger: f.ledger(), AmountFen: 70_000,
		Channel: donations.ChannelBankTransfer, Slip: donations.Receipt{SHA256: moneyReceipt("slip-" + f.ledger()).SHA256, ContentType: "image/jpeg", Kind: donations.ReceiptBankSlip},
		Note: "某公司转账"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Allocate(f.fin1, donations.AllocationInput{Ledger: f.ledger(), Splits: []donations.Split{{NeedID: n1, AmountFen: 120_000}, {NeedID: n2, AmountFen: 30_000}}}); err != nil {
		t.Fatal(err)
	}
	f.spend(t, n1, "tuition", 90_000)
	f.spend(t, n2, "living_allowance", 60_000)
	if _, err := f.svc.Refund(f.fin1, donations.RefundInput{DonationID: g1.ID, AmountFen: 5_000, Why: "捐赠人要求退回"}); err != nil {
		t.Fatal(err)
	}

	es := f.entries(t)
	if len(es) != 7 {
		t.Fatalf("%d entries, want 7", len(es))
	}
	for _, e := range es {
		var debit, credit int64
		for _, p := range e.Postings {
			debit += p.DebitFen
			credit += p.CreditFen
		}
		if debit != credit || debit <= 0 {
			t.Errorf("entry %s: debits %d, credits %d", e.ID, debit, credit)
		}
		for _, b := range e.Balances {
			if b.BalanceFen < 0 {
				t.Errorf("entry %s: %s below zero", e.ID, b.Account)
			}
		}
	}
	totals, err := f.svc.Totals(ctx, f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	// FIFO: the allocation took gift 1 whole and 50,000 of the bank
	// transfer, so the refund of gift 1 comes back from need 1.
	want := &donations.Totals{Ledger: f.ledger(), AsOfSeq: 7, RaisedFen: 220_000, RefundedFen: 5_000, AllocatedFen: 195_000, SpentFen: 150_000,
		UnallocatedFen: 20_000, HeldByNeedsFen: 45_000, BalanceFen: 65_000}
	if diff := cmp.Diff(want, totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	report, err := f.svc.Report(ctx, f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	if got := (donations.Totals{Ledger: report.Ledger, AsOfSeq: report.AsOfSeq, RaisedFen: report.RaisedFen, RefundedFen: report.RefundedFen,
		AllocatedFen: report.AllocatedFen, SpentFen: report.SpentFen, UnallocatedFen: report.UnallocatedFen,
		HeldByNeedsFen: report.HeldByNeedsFen, BalanceFen: report.BalanceFen}); got != *want {
		t.Errorf("report totals %+v, want %+v", got, *want)
	}
	if diff := cmp.Diff([]donations.CategoryAmount{{Category: "living_allowance", AmountFen: 60_000}, {Category: "tuition", AmountFen: 90_000}}, report.ByCategory); diff != "" {
		t.Errorf("by category (-want +got):\n%s", diff)
	}
	if m := f.mismatchesOf(t); len(m) != 0 {
		t.Errorf("verify: %+v", m)
	}
	// Need progress follows the ledger.
	ns := mongodb.NewNeedStore(testDB)
	for _, tc := range []struct {
		id            string
		raised, spent int64
	}{{n1, 115_000, 90_000}, {n2, 80_000, 60_000}} {
		n, err := ns.FindNeedByID(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		nt, err := f.svc.NeedTotals(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		got := [4]int64{n.Progress.RaisedFen, n.Progress.SpentFen, nt.RaisedFen, nt.SpentFen}
		if want := [4]int64{tc.raised, tc.spent, tc.raised, tc.spent}; got != want {
			t.Errorf("need %s: progress raised, spent and ledger totals = %v, want %v", tc.id, got, want)
		}
	}
}

func TestLedgerCannotOverdraw(t *testing.T) {
	f := newMoneyFixture(t, testDB, []int64{1_000_000}, []int{3})
	n1 := f.needs[0].ID
	g := f.give(t, f.donor1, 10_000, "")
	if _, err := f.svc.Allocate(f.fin1, donations.AllocationInput{Ledger: f.ledger(), Splits: []donations.Split{{NeedID: n1, AmountFen: 6_000}}}); err != nil {
		t.Fatal(err)
	}
	f.spend(t, n1, "tuition", 5_000)
	big, err := f.svc.CreateExpense(f.fin1, donations.ExpenseInput{Ledger: f.ledger(), NeedID: n1, Vendor: "县城百货", Description: "学费及住宿费",
		Category: "tuition", AmountFen: 1_001, Receipts: []donations.Receipt{moneyReceipt("big")}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"allocate more than the pool holds", func() error {
			_, err := f.svc.Allocate(f.fin1, donations.AllocationInput{Ledger: f.ledger(), Splits: []donations.Split{{NeedID: n1, AmountFen: 4_001}}})
			return err
		}},
		{"spend more than the need was allocated", func() error { _, _, err := f.svc.ApproveExpense(f.fin2, big.ID); return err }},
		{"refund more than is left of the gift", func() error {
			_, err := f.svc.Refund(f.fin1, donations.RefundInput{DonationID: g.ID, AmountFen: 5_001, Why: "退款"})
			return err
		}},
		{"preview more than the pool holds", func() error {
			_, err := f.svc.PreviewAllocation(f.fin1, donations.PreviewInput{Ledger: f.ledger(), AmountFen: 4_001})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tongban.ErrorCode(tt.do()); got != tongban.ECONFLICT {
				t.Errorf("code = %q, want %q", got, tongban.ECONFLICT)
			}
		})
	}
	if n := len(f.entries(t)); n != 3 {
		t.Errorf("%d entries after refused requests, want 3", n)
	}
	x, err := f.svc.FindExpense(f.fin1, big.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != donations.ExpensePending {
		t.Errorf("unaffordable expense is %s, want pending", x.Status)
	}
	// Exactly what is left can still be spent, down to zero.
	if _, err := f.svc.Refund(f.fin1, donations.RefundInput{DonationID: g.ID, AmountFen: 5_000, Why: "退款"}); err != nil {
		t.Fatal(err)
	}
	totals, err := f.svc.Totals(context.Background(), f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := [3]int64{totals.UnallocatedFen, totals.HeldByNeedsFen, totals.RefundedFen}, [3]int64{0, 0, 5_000}; got != want {
		t.Errorf("unallocated, held, refunded = %v, want %v", got, want)
	}
}

func TestDonationIsRecordedOnce(t *testing.T) {
	ctx := context.Background()
	f := newMoneyFixture(t, testDB, []int64{1_000_000}, []int{3})
	online := func(key, ref string, fen int64) func() (*donations.Entry, bool, error) {
		if key != "" {
			key += "-" + f.ledger()
		}
		ref += "-" + f.ledger()
		return func() (*donations.Entry, bool, error) {
			return f.svc.RecordOnlineDonation(ctx, donations.OnlineDonation{Provider: "wechatpay", ProviderRef: ref, IdempotencyKey: key,
				Ledger: f.ledger(), DonorID: f.donorID(f.donor1), AmountFen: fen})
		}
	}
	slip := donations.Receipt{SHA256: moneyReceipt("bank-slip-" + f.ledger()).SHA256, ContentType: "image/png", Kind: donations.ReceiptBankSlip}
	offline := func(key string) func() (*donations.Entry, bool, error) {
		if key != "" {
			key += "-" + f.ledger()
		}
		return func() (*donations.Entry, bool, error) {
			return f.svc.RecordOfflineDonation(f.fin1, donations.OfflineDonation{Ledger: f.ledger(), AmountFen: 8_800,
				Channel: donations.ChannelBankTransfer, Slip: slip, IdempotencyKey: key})
		}
	}
	tests := []struct {
		name        string
		do          func() (*donations.Entry, bool, error)
		wantSeq     int64
		wantCreated bool
		wantCode    string
	}{
		{"first notification", online("", "4200001", 1_000), 1, true, ""},
		{"notification delivered again", online("", "4200001", 1_000), 1, false, ""},
		{"POST with an Idempotency-Key", online("idem-A", "4200002", 2_000), 2, true, ""},
		{"same Idempotency-Key again", online("idem-A", "4200002", 2_000), 2, false, ""},
		{"notification of the POSTed payment (same reference, other key)", online("", "4200002", 2_000), 2, false, ""},
		{"same reference with another amount", online("", "4200001", 9_999), 0, false, tongban.ECONFLICT},
		{"bank slip", offline(""), 3, true, ""},
		{"same bank slip again under another key", offline("retry-1"), 3, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, created, err := tt.do()
			if got := tongban.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if got, want := [2]any{e.Seq, created}, [2]any{tt.wantSeq, tt.wantCreated}; got != want {
				t.Errorf("seq, created = %v, want %v", got, want)
			}
		})
	}
	n, err := testDB.Collection("ledger_entries").CountDocuments(ctx, bson.D{{Key: "ledger", Value: f.ledger()}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d entries stored, want 3", n)
	}
}

func TestExpenseNeedsFourEyes(t *testing.T) {
	f := newMoneyFixture(t, testDB, []int64{1_000_000}, []int{3})
	n1 := f.needs[0].ID
	f.give(t, f.donor1, 50_000, n1)
	in := donations.ExpenseInput{Ledger: f.ledger(), NeedID: n1, Vendor: "县城书店", Description: "课本与文具", Category: "books",
		AmountFen: 20_000, Receipts: []donations.Receipt{moneyReceipt("four-eyes")}}
	x, err := f.svc.CreateExpense(f.fin1, in)
	if err != nil {
		t.Fatal(err)
	}
	pii := in
	pii.Description = "联系电话见附件"
	noReceipt := in
	noReceipt.Receipts = nil
	var approved *donations.Entry
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"PII in the description", func() error { _, err := f.svc.CreateExpense(f.fin1, pii); return err }, tongban.EUNPROCESSABLE},
		{"no receipt", func() error { _, err := f.svc.CreateExpense(f.fin1, noReceipt); return err }, tongban.EINVALID},
		{"coordinator records", func() error { _, err := f.svc.CreateExpense(f.coord, in); return err }, tongban.EFORBIDDEN},
		{"author approves", func() error { _, _, err := f.svc.ApproveExpense(f.fin1, x.ID); return err }, tongban.EFORBIDDEN},
		{"coordinator approves", func() error { _, _, err := f.svc.ApproveExpense(f.coord, x.ID); return err }, tongban.EFORBIDDEN},
		{"outsider approves", func() error { _, _, err := f.svc.ApproveExpense(f.outsider, x.ID); return err }, tongban.ENOTFOUND},
		{"second finance user approves", func() error {
			var err error
			_, approved, err = f.svc.ApproveExpense(f.fin2, x.ID)
			return err
		}, ""},
		{"approving again returns the same entry", func() error {
			_, e, err := f.svc.ApproveExpense(f.fin2, x.ID)
			if err == nil && e.ID != approved.ID {
				return fmt.Errorf("second approval gave entry %s, first %s", e.ID, approved.ID)
			}
			return err
		}, ""},
		{"rejecting an approved expense", func() error { _, err := f.svc.RejectExpense(f.fin1, x.ID, "重复报销"); return err }, tongban.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tongban.ErrorCode(tt.do()); got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
		})
	}
	got, err := f.svc.FindExpense(f.coord, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := [4]string{donations.ExpenseApproved, f.donorID(f.fin2), approved.ID, approved.Links.Receipts[0].SHA256}; [4]string{got.Status, got.DecidedBy, got.EntryID, got.Receipts[0].SHA256} != want {
		t.Errorf("expense status, approver, entry, receipt = %v, want %v", [4]string{got.Status, got.DecidedBy, got.EntryID, got.Receipts[0].SHA256}, want)
	}
	// A rejected expense is never posted.
	y, err := f.svc.CreateExpense(f.fin1, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RejectExpense(f.fin2, y.ID, "发票抬头不符"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ApproveExpense(f.fin2, y.ID); tongban.ErrorCode(err) != tongban.ECONFLICT {
		t.Errorf("approving a rejected expense: %v, want ECONFLICT", err)
	}
	if n := len(f.entries(t)); n != 2 {
		t.Errorf("%d entries, want 2 (the gift and one expense)", n)
	}
}

func TestVerifyPointsAtTamperedEntry(t *testing.T) {
	ctx := context.Background()
	db := openMoneyDB(t)
	f := newMoneyFixture(t, db, []int64{1_000_000}, []int{3})
	n1 := f.needs[0].ID
	for range 3 {
		f.give(t, f.donor1, 30_000, "")
	}
	if _, err := f.svc.Allocate(f.fin1, donations.AllocationInput{Ledger: f.ledger(), Splits: []donations.Split{{NeedID: n1, AmountFen: 80_000}}}); err != nil {
		t.Fatal(err)
	}
	f.spend(t, n1, "tuition", 50_000)
	f.give(t, f.donor2, 10_000, "")
	store := mongodb.NewLedgerStore(db)
	r, err := donations.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Entries != 6 || r.Ledgers != 1 {
		t.Fatalf("good chain: %d ledgers, %d entries, mismatches %+v", r.Ledgers, r.Entries, r.Mismatches)
	}
	// Someone edits an amount directly in the database.
	id := donations.EntryID(f.ledger(), 4)
	if _, err := db.Collection("ledger_entries").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "postings.1.debit_fen", Value: int64(8_000)}, {Key: "postings.0.credit_fen", Value: int64(8_000)}}}}); err != nil {
		t.Fatal(err)
	}
	r, err = donations.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, m := range r.Mismatches {
		got = append(got, fmt.Sprintf("%s-%d", m.Ledger, m.Seq))
	}
	if diff := cmp.Diff([]string{id}, got); diff != "" {
		t.Errorf("mismatches (-want +got):\n%s\n%+v", diff, r.Mismatches)
	}
	// A writer that reads the chain (a fresh process) refuses to extend it.
	fresh := newMoneyService(db, f.org)
	_, _, err = fresh.RecordOnlineDonation(ctx, donations.OnlineDonation{Provider: "sandbox", ProviderRef: "after-tamper-" + f.ledger(), Ledger: f.ledger(), AmountFen: 100})
	if got := tongban.ErrorCode(err); got != tongban.EINTERNAL {
		t.Errorf("writing after tampering: code %q (%v), want %q", got, err, tongban.EINTERNAL)
	}
}

func TestTraceFollowsEachGiftToTheFen(t *testing.T) {
	ctx := context.Background()
	f := newMoneyFixture(t, testDB, []int64{1_000_000, 1_000_000}, []int{3, 3})
	n1, n2 := f.needs[0].ID, f.needs[1].ID
	a := f.give(t, f.donor1, 10_000, "")                                              // seq 1
	b := f.give(t, f.donor2, 7_000, "")                                               // seq 2
	c := f.give(t, f.donor1, 3_000, n2)                                               // seq 3, designated
	if _, err := f.svc.Allocate(f.fin1, donations.AllocationInput{Ledger: f.ledger(), // seq 4: a 10000 + b 2000 → n1
		Splits: []donations.Split{{NeedID: n1, AmountFen: 12_000}}}); err != nil {
		t.Fatal(err)
	}
	x1, _ := f.spend(t, n1, "tuition", 11_000)                                                                                 // seq 5: a 10000, b 1000
	x2, _ := f.spend(t, n2, "living_allowance", 2_500)                                                                         // seq 6: c 2500
	if _, err := f.svc.Refund(f.fin1, donations.RefundInput{DonationID: b.ID, AmountFen: 5_500, Why: "捐赠人要求退回"}); err != nil { // seq 7: b's 5000 from the pool, 500 from n1
		t.Fatal(err)
	}
	type line struct {
		Gift                                    string
		Spent, Refunded, Held, Unallocated, Sum int64
		Expenses                                string
	}
	summary := func(g *donations.GiftTrace) line {
		var xs []string
		for _, x := range g.Expenses {
			xs = append(xs, fmt.Sprintf("%s:%d:%d", x.ExpenseID, x.AmountFen, len(x.Receipts)))
		}
		return line{g.DonationID, g.SpentFen, g.RefundedFen, g.HeldByNeedsFen, g.UnallocatedFen,
			g.SpentFen + g.RefundedFen + g.HeldByNeedsFen + g.UnallocatedFen, strings.Join(xs, ",")}
	}
	d1, err := f.svc.TraceDonor(f.donor1, f.donorID(f.donor1))
	if err != nil {
		t.Fatal(err)
	}
	var got []line
	for _, g := range d1.Gifts {
		got = append(got, summary(g))
	}
	want := []line{
		{a.ID, 10_000, 0, 0, 0, 10_000, x1.ID + ":10000:1"},
		{c.ID, 2_500, 0, 500, 0, 3_000, x2.ID + ":2500:1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("donor 1 traces (-want +got):\n%s", diff)
	}
	if sums := [5]int64{d1.TotalFen, d1.SpentFen, d1.RefundedFen, d1.HeldByNeedsFen, d1.UnallocatedFen}; sums != [5]int64{13_000, 12_500, 0, 500, 0} {
		t.Errorf("donor 1 totals = %v", sums)
	}
	gb, err := f.svc.TraceDonation(f.donor2, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(line{b.ID, 1_000, 5_500, 500, 0, 7_000, x1.ID + ":1000:1"}, summary(gb)); diff != "" {
		t.Errorf("donor 2 trace (-want +got):\n%s", diff)
	}
	// Donors see only their own gifts.
	if _, err := f.svc.TraceDonor(f.donor2, f.donorID(f.donor1)); tongban.ErrorCode(err) != tongban.EFORBIDDEN {
		t.Errorf("tracing another donor: %v, want EFORBIDDEN", err)
	}
	if _, err := f.svc.TraceDonation(f.donor2, a.ID); tongban.ErrorCode(err) != tongban.ENOTFOUND {
		t.Errorf("tracing another donor's gift: %v, want ENOTFOUND", err)
	}
	mine, err := f.svc.MyGifts(f.donor2)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 1 || mine[0].DonationID != b.ID || mine[0].RefundedFen != 5_500 {
		t.Errorf("donor 2 gifts = %+v, want only %s with 5500 refunded", mine, b.ID)
	}
	// Finance staff may trace any gift of their ledger.
	if _, err := f.svc.TraceDonation(f.fin1, a.ID); err != nil {
		t.Errorf("finance tracing: %v", err)
	}
	if _, err := f.svc.Report(ctx, f.ledger()); err != nil {
		t.Fatal(err)
	}
}

func TestAllocationPreviewAddsUpExactly(t *testing.T) {
	ctx := context.Background()
	f := newMoneyFixture(t, testDB, []int64{300_000, 300_000, 200_000}, []int{1, 2, 5})
	f.give(t, f.donor1, 100_001, "")
	f.give(t, f.donor2, 1_000, f.needs[2].ID) // lowers need 3's gap to 199,000
	if _, err := f.svc.PreviewAllocation(f.coord, donations.PreviewInput{Ledger: f.ledger()}); tongban.ErrorCode(err) != tongban.EFORBIDDEN {
		t.Errorf("coordinator preview: %v, want EFORBIDDEN", err)
	}
	p, err := f.svc.PreviewAllocation(f.fin1, donations.PreviewInput{Ledger: f.ledger()})
	if err != nil {
		t.Fatal(err)
	}
	// Weights 300000·1 : 300000·2 : 199000·5; exact shares 15831.29,
	// 31662.59 and 52507.12: the floors leave one fen, for the largest remainder.
	want := map[string]int64{f.needs[0].ID: 15_831, f.needs[1].ID: 31_663, f.needs[2].ID: 52_507}
	got := map[string]int64{}
	var sum int64
	for _, s := range p.Splits {
		got[s.NeedID] = s.AmountFen
		sum += s.AmountFen
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("splits (-want +got):\n%s", diff)
	}
	if vals := [4]int64{p.AvailableFen, p.AmountFen, sum, p.LeftoverFen}; vals != [4]int64{100_001, 100_001, 100_001, 0} {
		t.Errorf("available, amount, sum of splits, leftover = %v", vals)
	}
	e, err := f.svc.ApplyAllocation(f.fin1, p, "apply-"+f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.ApplyAllocation(f.fin1, p, "apply-"+f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != e.ID {
		t.Errorf("applying twice under one key wrote %s and %s", e.ID, again.ID)
	}
	totals, err := f.svc.Totals(ctx, f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	if totals.UnallocatedFen != 0 || totals.HeldByNeedsFen != 101_001 {
		t.Errorf("after applying: unallocated %d, held %d; want 0 and 101001", totals.UnallocatedFen, totals.HeldByNeedsFen)
	}
	n, err := mongodb.NewNeedStore(testDB).FindNeedByID(ctx, f.needs[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Progress.RaisedFen != 53_507 {
		t.Errorf("need 3 raised %d, want 53507", n.Progress.RaisedFen)
	}
}

// TestConcurrentExpenseApprovals races 50 approvals against one need
// allocation that affords 10 of them. They go through 5 Services, as if in
// 5 server processes: within a process writers take turns on the ledger's
// lock, across processes only the database's unique index on (ledger, seq)
// decides.
func TestConcurrentExpenseApprovals(t *testing.T) {
	ctx := context.Background()
	f := newMoneyFixture(t, testDB, []int64{1_000_000}, []int{4})
	n1 := f.needs[0].ID
	f.give(t, f.donor1, 10_000, n1)
	xs := make([]*donations.Expense, 50)
	for i := range xs {
		x, err := f.svc.CreateExpense(f.fin1, donations.ExpenseInput{Ledger: f.ledger(), NeedID: n1, Vendor: "县城百货",
			Description: fmt.Sprintf("棉衣 第%d件", i+1), Category: "clothing", AmountFen: 1_000, Receipts: []donations.Receipt{moneyReceipt(fmt.Sprint(i))}})
		if err != nil {
			t.Fatal(err)
		}
		xs[i] = x
	}
	codes := make([]string, len(xs))
	processes := make([]*donations.Service, 5)
	for i := range processes {
		processes[i] = newMoneyService(testDB, f.org)
	}
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := processes[i%len(processes)].ApproveExpense(f.fin2, x.ID)
			codes[i] = tongban.ErrorCode(err)
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	if diff := cmp.Diff(map[string]int{"": 10, tongban.ECONFLICT: 40}, count); diff != "" {
		t.Errorf("approvals by outcome (-want +got):\n%s", diff)
	}
	totals, err := newMoneyService(testDB, f.org).Totals(ctx, f.ledger())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := [3]int64{totals.HeldByNeedsFen, totals.SpentFen, totals.AsOfSeq}, [3]int64{0, 10_000, 11}; got != want {
		t.Errorf("need balance, spent, entries = %v, want %v", got, want)
	}
	if m := f.mismatchesOf(t); len(m) != 0 {
		t.Errorf("verify: %+v", m)
	}
	approved, _, err := f.svc.ListExpenses(f.fin1, donations.ExpenseFilter{Ledger: f.ledger(), Status: []string{donations.ExpenseApproved}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(approved) != 10 {
		t.Errorf("%d expenses approved, want 10", len(approved))
	}
	n, err := mongodb.NewNeedStore(testDB).FindNeedByID(ctx, n1)
	if err != nil {
		t.Fatal(err)
	}
	if n.Progress.SpentFen != 10_000 || n.Progress.RaisedFen != 10_000 {
		t.Errorf("need progress raised %d, spent %d; want 10000 and 10000", n.Progress.RaisedFen, n.Progress.SpentFen)
	}
}

func TestCampaignAccess(t *testing.T) {
	ctx := context.Background()
	f := newMoneyFixture(t, testDB, []int64{100_000}, []int{2})
	title, status := "寒冬送温暖 2026", donations.CampaignDraft
	start, end, target := "2026-11-01", "2027-02-28", int64(5_000_000)
	orgs := []string{f.org}
	draft, err := f.svc.CreateCampaign(f.fin1, donations.CampaignInput{Title: &title, OrgIDs: &orgs, TargetFen: &target, Start: &start, End: &end, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	phone := "咨询电话在此"
	other := []string{"org" + tongban.NewID()}
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"public reads an active campaign", func() error { _, err := f.svc.FindCampaign(ctx, f.ledger()); return err }, ""},
		{"public reads a draft", func() error { _, err := f.svc.FindCampaign(ctx, draft.ID); return err }, tongban.ENOTFOUND},
		{"staff read a draft", func() error { _, err := f.svc.FindCampaign(f.fin2, draft.ID); return err }, ""},
		{"gift to a draft", func() error {
			_, _, err := f.svc.RecordOnlineDonation(ctx, donations.OnlineDonation{Provider: "sandbox", ProviderRef: "D1", Ledger: draft.ID, AmountFen: 100})
			return err
		}, tongban.ECONFLICT},
		{"campaign for another organisation", func() error {
			_, err := f.svc.CreateCampaign(f.fin1, donations.CampaignInput{Title: &title, OrgIDs: &other, TargetFen: &target, Start: &start, End: &end})
			return err
		}, tongban.EFORBIDDEN},
		{"PII in the title", func() error {
			_, err := f.svc.UpdateCampaign(f.fin1, draft.ID, draft.Version, donations.CampaignInput{Title: &phone})
			return err
		}, tongban.EUNPROCESSABLE},
		{"reopen a closed campaign", func() error {
			closed, active := donations.CampaignClosed, donations.CampaignActive
			c, err := f.svc.UpdateCampaign(f.fin1, draft.ID, draft.Version, donations.CampaignInput{Status: &active})
			if err != nil {
				return err
			}
			if c, err = f.svc.UpdateCampaign(f.fin1, c.ID, c.Version, donations.CampaignInput{Status: &closed}); err != nil {
				return err
			}
			_, err = f.svc.UpdateCampaign(f.fin1, c.ID, c.Version, donations.CampaignInput{Status: &active})
			return err
		}, tongban.ECONFLICT},
		{"stale version", func() error {
			_, err := f.svc.UpdateCampaign(f.fin1, draft.ID, draft.Version, donations.CampaignInput{Title: &title})
			return err
		}, tongban.EPRECONDITION},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tongban.ErrorCode(tt.do()); got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
		})
	}
	list, _, err := f.svc.ListCampaigns(ctx, donations.CampaignFilter{OrgIDs: orgs})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Errorf("public list of the organisation's campaigns has %d, want 2 (active and closed)", len(list))
	}
}

// BenchmarkRecordDonation records online gifts into one campaign, one
// after another and from 16 concurrent clients.
func BenchmarkRecordDonation(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			f := newMoneyFixture(b, testDB, []int64{1_000_000}, []int{3})
			ctx := context.Background()
			prefix := tongban.NewID()
			var n sync.Mutex
			next := 0
			b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
			start := time.Now()
			record := func() {
				n.Lock()
				next++
				i := next
				n.Unlock()
				if _, _, err := f.svc.RecordOnlineDonation(ctx, donations.OnlineDonation{Provider: "sandbox", ProviderRef: fmt.Sprintf("%s-%d", prefix, i),
					Ledger: f.ledger(), DonorID: f.donorID(f.donor1), AmountFen: 100}); err != nil {
					b.Error(err)
				}
			}
			if clients == 1 {
				for b.Loop() {
					record()
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						record()
					}
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "donations/s")
		})
	}
}

// BenchmarkVerify verifies 100,000 valid chained entries (bulk inserted
// and sealed into segments in set-up) in a database of their own: the way
// a ledger's history is stored once the server has sealed it.
func BenchmarkVerify(b *testing.B) {
	benchVerify(b, 100_000, true)
}

// BenchmarkVerifyUnsealed is the same over 10,000 entries left one
// document each (as they are before sealing, and as all of them were
// before segments): the per-entry cost of the tail.
func BenchmarkVerifyUnsealed(b *testing.B) {
	benchVerify(b, 10_000, false)
}

func benchVerify(b *testing.B, entries int, seal bool) {
	ctx := context.Background()
	db := openMoneyDB(b)
	store := mongodb.NewLedgerStore(db)
	es := chainedEntries(b, "bench"+tongban.NewID()[:8], entries)
	// As a running server does: insert, and seal every so often.
	const round = 10_000
	sealed := int64(0)
	for i := 0; i < entries; i += round {
		if err := store.InsertEntries(ctx, es[i:min(i+round, entries)]); err != nil {
			b.Fatal(err)
		}
		if seal {
			r, err := store.Seal(ctx)
			if err != nil {
				b.Fatal(err)
			}
			sealed += r.Entries
		}
	}
	if want := int64(entries / mongodb.DefaultSegmentSize * mongodb.DefaultSegmentSize); seal && sealed != want {
		b.Fatalf("sealed %d entries, want %d", sealed, want)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		r, err := donations.Verify(ctx, store)
		if err != nil {
			b.Fatal(err)
		}
		if !r.OK() || r.Entries != int64(entries) {
			b.Fatalf("verify: %d entries, %d mismatches", r.Entries, len(r.Mismatches))
		}
	}
	b.ReportMetric(float64(entries*b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkVerifyInMemory is BenchmarkVerify's baseline in the same run:
// the same 100,000 entries checked the way verify checks them (hash,
// chain, postings, balances), already decoded in memory, so the difference
// is what reading them from the database costs.
func BenchmarkVerifyInMemory(b *testing.B) {
	const entries = 100_000
	es := chainedEntries(b, "bench"+tongban.NewID()[:8], entries)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		c := donations.NewChain(es[0].Ledger)
		for _, e := range es {
			if err := c.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(entries*b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkTraceDonor traces a donor with 1,000 gifts in a campaign of
// 3,000 entries.
func BenchmarkTraceDonor(b *testing.B) { benchTrace(b, true) }

// BenchmarkTraceDonorUnsealed is BenchmarkTraceDonor with the 3,000
// entries left one document each: the baseline of the same run.
func BenchmarkTraceDonorUnsealed(b *testing.B) { benchTrace(b, false) }

func benchTrace(b *testing.B, seal bool) {
	ctx := context.Background()
	db := openMoneyDB(b)
	store := mongodb.NewLedgerStore(db)
	f := newMoneyFixture(b, db, []int64{100_000_000}, []int{3})
	es := chainedEntriesFor(b, f.ledger(), 3_000, f.donorID(f.donor1), f.needs[0].ID)
	if err := store.InsertEntries(ctx, es); err != nil {
		b.Fatal(err)
	}
	if seal {
		if r, err := store.Seal(ctx); err != nil || r.Entries != 3_000 {
			b.Fatalf("seal: %+v %v", r, err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		t, err := f.svc.TraceDonor(f.donor1, f.donorID(f.donor1))
		if err != nil {
			b.Fatal(err)
		}
		if len(t.Gifts) != 1_000 || t.TotalFen != t.SpentFen+t.RefundedFen+t.HeldByNeedsFen+t.UnallocatedFen {
			b.Fatalf("trace: %d gifts, totals %+v", len(t.Gifts), t)
		}
	}
}

func chainedEntries(tb testing.TB, ledger string, n int) []*donations.Entry {
	return chainedEntriesFor(tb, ledger, n, "donorbench", "needbench")
}

// chainedEntriesFor builds n valid entries of ledger in memory: a gift
// from donor, an allocation to need, an expense, repeating.
func chainedEntriesFor(tb testing.TB, ledger string, n int, donor, need string) []*donations.Entry {
	tb.Helper()
	c := donations.NewChain(ledger)
	pool := donations.PoolAccount(ledger)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	out := make([]*donations.Entry, 0, n)
	for i := range n {
		var d donations.Draft
		switch i % 3 {
		case 0:
			d = donations.Draft{Kind: donations.KindDonation, Links: donations.Links{DonorID: donor, Channel: donations.ChannelOnline, Provider: "sandbox", ProviderRef: fmt.Sprint("B", i)},
				Postings: []donations.Posting{{Account: pool, DebitFen: 1_000}, {Account: donations.DonorAccount(donor), CreditFen: 1_000}}}
		case 1:
			d = donations.Draft{Kind: donations.KindAllocation, Links: donations.Links{NeedIDs: []string{need}},
				Postings: []donations.Posting{{Account: pool, CreditFen: 800}, {Account: donations.NeedAccount(need), DebitFen: 800}}}
		case 2:
			d = donations.Draft{Kind: donations.KindExpense, Why: "县城百货: 棉衣", Links: donations.Links{NeedIDs: []string{need}, ExpenseID: fmt.Sprint("x", i), Receipts: []donations.Receipt{moneyReceipt(fmt.Sprint(i))}},
				Postings: []donations.Posting{{Account: "expense:clothing", DebitFen: 500}, {Account: donations.NeedAccount(need), CreditFen: 500}}}
		}
		d.At, d.By, d.IdemKey = at.Add(time.Duration(i)*time.Second), "bench", fmt.Sprintf("%s-%d", ledger, i)
		e, err := c.Next(d)
		if err != nil {
			tb.Fatal(err)
		}
		if err := c.Apply(e); err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}
