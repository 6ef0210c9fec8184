package donations_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
)

var t0 = time.Date(2026, 1, 15, 9, 30, 0, 123_000_000, time.UTC)

func sampleEntry() *donations.Entry {
	return &donations.Entry{
		ID: "general-2", Ledger: "general", Seq: 2, Kind: donations.KindExpense, At: t0, By: "u1", Why: "棉衣: 30件",
		IdemKey: "expense:x1", ExtRef: "general-2",
		Links: donations.Links{NeedIDs: []string{"n1"}, ExpenseID: "x1",
			Receipts: []donations.Receipt{{SHA256: strings.Repeat("ab", 32), BlobKey: "r/1.pdf", ContentType: "application/pdf", Kind: "invoice"}}},
		Postings: []donations.Posting{{Account: "expense:clothing", DebitFen: 500}, {Account: "need:n1", CreditFen: 500}},
		Balances: []donations.Balance{{Account: "expense:clothing", BalanceFen: 500}, {Account: "need:n1", BalanceFen: 0}},
		PrevHash: strings.Repeat("0f", 32),
	}
}

func TestCanonicalEncoding(t *testing.T) {
	e := sampleEntry()
	want := "tongban-ledger-v1\n" +
		"7:general\n1:2\n7:expense\n24:2026-01-15T09:30:00.123Z\n2:u1\n13:棉衣: 30件\n10:expense:x1\n9:general-2\n" +
		"0:\n5:false\n0:\n0:\n0:\n1:1\n2:n1\n2:x1\n0:\n0:\n" +
		"1:1\n64:" + strings.Repeat("ab", 32) + "\n7:r/1.pdf\n15:application/pdf\n7:invoice\n" +
		"1:2\n16:expense:clothing\n3:500\n1:0\n7:need:n1\n1:0\n3:500\n" +
		"1:2\n16:expense:clothing\n3:500\n7:need:n1\n1:0\n" +
		"64:" + strings.Repeat("0f", 32) + "\n"
	if diff := cmp.Diff(want, string(e.AppendCanonical(nil))); diff != "" {
		t.Errorf("canonical encoding (-want +got):\n%s", diff)
	}
	sum := sha256.Sum256([]byte(want))
	if got, want := e.ComputeHash(), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("hash = %s, want SHA-256 of the encoding %s", got, want)
	}
}

func TestEveryFieldIsHashed(t *testing.T) {
	tests := []struct {
		name   string
		change func(*donations.Entry)
	}{
		{"ledger", func(e *donations.Entry) { e.Ledger = "other" }},
		{"seq", func(e *donations.Entry) { e.Seq = 3 }},
		{"kind", func(e *donations.Entry) { e.Kind = donations.KindAllocation }},
		{"at", func(e *donations.Entry) { e.At = e.At.Add(time.Millisecond) }},
		{"by", func(e *donations.Entry) { e.By = "u2" }},
		{"why", func(e *donations.Entry) { e.Why += " " }},
		{"idem key", func(e *donations.Entry) { e.IdemKey = "k" }},
		{"ext ref", func(e *donations.Entry) { e.ExtRef = "r" }},
		{"donor", func(e *donations.Entry) { e.Links.DonorID = "d" }},
		{"anonymous", func(e *donations.Entry) { e.Links.Anonymous = true }},
		{"channel", func(e *donations.Entry) { e.Links.Channel = "cash" }},
		{"provider", func(e *donations.Entry) { e.Links.Provider = "p" }},
		{"provider ref", func(e *donations.Entry) { e.Links.ProviderRef = "p" }},
		{"need ids", func(e *donations.Entry) { e.Links.NeedIDs = append(e.Links.NeedIDs, "n2") }},
		{"expense id", func(e *donations.Entry) { e.Links.ExpenseID = "x2" }},
		{"refund of", func(e *donations.Entry) { e.Links.RefundOf = "general-1" }},
		{"policy", func(e *donations.Entry) { e.Links.Policy = "p" }},
		{"receipt hash", func(e *donations.Entry) { e.Links.Receipts[0].SHA256 = strings.Repeat("cd", 32) }},
		{"receipt key", func(e *donations.Entry) { e.Links.Receipts[0].BlobKey = "r/2.pdf" }},
		{"receipt type", func(e *donations.Entry) { e.Links.Receipts[0].ContentType = "image/png" }},
		{"receipt kind", func(e *donations.Entry) { e.Links.Receipts[0].Kind = "transfer_slip" }},
		{"posting account", func(e *donations.Entry) { e.Postings[0].Account = "expense:books" }},
		{"posting debit", func(e *donations.Entry) { e.Postings[0].DebitFen = 501 }},
		{"posting credit", func(e *donations.Entry) { e.Postings[1].CreditFen = 499 }},
		{"balance", func(e *donations.Entry) { e.Balances[1].BalanceFen = 1 }},
		{"prev hash", func(e *donations.Entry) { e.PrevHash = "" }},
		// Length prefixes: moving a character between fields changes it.
		{"boundary", func(e *donations.Entry) { e.By, e.Why = "u1棉", "衣: 30件" }},
	}
	base := sampleEntry().ComputeHash()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEntry()
			tt.change(e)
			if e.ComputeHash() == base {
				t.Errorf("changing %s does not change the hash", tt.name)
			}
		})
	}
}

func donation(donor string, fen int64, to string) donations.Draft {
	return donations.Draft{Kind: donations.KindDonation, At: t0, By: "provider:sandbox", IdemKey: fmt.Sprintf("k-%s-%d-%s", donor, fen, to),
		Links:    donations.Links{DonorID: donor, Channel: "online"},
		Postings: []donations.Posting{{Account: to, DebitFen: fen}, {Account: donations.DonorAccount(donor), CreditFen: fen}}}
}

func TestChainNext(t *testing.T) {
	c := donations.NewChain("general")
	first, err := c.Next(donation("d1", 1000, "fund:general"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(first); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		draft    donations.Draft
		want     string
		balances []donations.Balance
	}{
		{"allocation within the pool", donations.Draft{Kind: donations.KindAllocation, IdemKey: "a1", Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: 1000}, {Account: "need:n1", DebitFen: 600}, {Account: "need:n2", DebitFen: 400}}},
			"", []donations.Balance{{Account: "fund:general", BalanceFen: 0}, {Account: "need:n1", BalanceFen: 600}, {Account: "need:n2", BalanceFen: 400}}},
		{"allocation beyond the pool", donations.Draft{Kind: donations.KindAllocation, IdemKey: "a2", Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: 1001}, {Account: "need:n1", DebitFen: 1001}}}, tongban.ECONFLICT, nil},
		{"unbalanced", donations.Draft{Kind: donations.KindAllocation, IdemKey: "a3", Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: 10}, {Account: "need:n1", DebitFen: 9}}}, tongban.EINVALID, nil},
		{"expense straight from the pool", donations.Draft{Kind: donations.KindExpense, IdemKey: "a4", Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: 10}, {Account: "expense:food", DebitFen: 10}}}, tongban.EINVALID, nil},
		{"another ledger's pool", donations.Draft{Kind: donations.KindAllocation, IdemKey: "a5", Postings: []donations.Posting{
			{Account: "campaign:c1", CreditFen: 10}, {Account: "need:n1", DebitFen: 10}}}, tongban.EINVALID, nil},
		{"unknown category", donations.Draft{Kind: donations.KindExpense, IdemKey: "a6", Postings: []donations.Posting{
			{Account: "need:n1", CreditFen: 10}, {Account: "expense:cars", DebitFen: 10}}}, tongban.EINVALID, nil},
		{"both sides on one posting", donations.Draft{Kind: donations.KindAllocation, IdemKey: "a7", Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: 10, DebitFen: 10}, {Account: "need:n1", DebitFen: 10}}}, tongban.EINVALID, nil},
		{"negative amount", donations.Draft{Kind: donations.KindAllocation, IdemKey: "a8", Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: -10}, {Account: "need:n1", DebitFen: -10}}}, tongban.EINVALID, nil},
		{"no idempotency key", donations.Draft{Kind: donations.KindAllocation, Postings: []donations.Posting{
			{Account: "fund:general", CreditFen: 10}, {Account: "need:n1", DebitFen: 10}}}, tongban.EINVALID, nil},
		{"a donation to two needs", donations.Draft{Kind: donations.KindDonation, IdemKey: "a9", Postings: []donations.Posting{
			{Account: "donations:d1", CreditFen: 20}, {Account: "need:n1", DebitFen: 10}, {Account: "need:n2", DebitFen: 10}}}, tongban.EINVALID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := c.Next(tt.draft)
			if got := tongban.ErrorCode(err); got != tt.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.want)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.balances, e.Balances); diff != "" {
				t.Errorf("balances (-want +got):\n%s", diff)
			}
			if got, want := [3]any{e.Seq, e.PrevHash, e.ID}, [3]any{int64(2), first.Hash, "general-2"}; got != want {
				t.Errorf("seq, prev_hash, id = %v, want %v", got, want)
			}
		})
	}
	if c.Seq != 1 || c.Balance("fund:general") != 1000 {
		t.Errorf("Next changed the chain: seq %d, pool %d", c.Seq, c.Balance("fund:general"))
	}
}

func TestInsufficientFundsDetails(t *testing.T) {
	c := donations.NewChain("general")
	_, err := c.Next(donations.Draft{Kind: donations.KindAllocation, IdemKey: "a", Postings: []donations.Posting{
		{Account: "fund:general", CreditFen: 250}, {Account: "need:n1", DebitFen: 250}}})
	var te *tongban.Error
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *tongban.Error", err)
	}
	want := &donations.InsufficientFunds{Account: "fund:general", BalanceFen: 0, RequiredFen: 250}
	if diff := cmp.Diff(any(want), te.Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
}

func TestEntryIDs(t *testing.T) {
	tests := []struct {
		id     string
		ledger string
		seq    int64
		ok     bool
	}{
		{"general-1", "general", 1, true},
		{"65f1c0ffee0000000000abcd-42", "65f1c0ffee0000000000abcd", 42, true},
		{"general-0", "", 0, false},
		{"general-01", "", 0, false},
		{"general", "", 0, false},
		{"-3", "", 0, false},
		{"a b-3", "", 0, false},
	}
	for _, tt := range tests {
		ledger, seq, ok := donations.ParseEntryID(tt.id)
		if got, want := [3]any{ledger, seq, ok}, [3]any{tt.ledger, tt.seq, tt.ok}; got != want {
			t.Errorf("ParseEntryID(%q) = %v, want %v", tt.id, got, want)
		}
		if ok && donations.EntryID(ledger, seq) != tt.id {
			t.Errorf("EntryID does not round-trip %q", tt.id)
		}
	}
}

func TestPublicHidesAnonymousDonors(t *testing.T) {
	c := donations.NewChain("general")
	d := donation("d7", 800, "fund:general")
	d.Links.Anonymous, d.Links.ProviderRef = true, "T9"
	e, err := c.Next(d)
	if err != nil {
		t.Fatal(err)
	}
	p := e.Public()
	want := []donations.Posting{{Account: "fund:general", DebitFen: 800}, {Account: "donations:anonymous", CreditFen: 800}}
	if diff := cmp.Diff(want, p.Postings); diff != "" {
		t.Errorf("public postings (-want +got):\n%s", diff)
	}
	if got := [4]string{p.Links.DonorID, p.Links.ProviderRef, p.IdemKey, fmt.Sprint(p.Balances)}; got != [4]string{"", "", "", "[{fund:general 800}]"} {
		t.Errorf("public donor, provider ref, key, balances = %q", got)
	}
	if e.Postings[1].Account != "donations:d7" {
		t.Errorf("Public changed the original entry")
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 12345: "¥123.45", -250: "-¥2.50"} {
		if got := donations.Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
