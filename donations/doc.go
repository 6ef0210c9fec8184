// Package donations is the money domain: campaigns, gifts, allocations,
// expenses and refunds, all recorded in append-only, double-entry,
// hash-chained ledgers, and the tracing of each gift to what it paid for.
//
// # Ledgers and the chart of accounts
//
// There is one ledger per campaign (its ID is the campaign ID) and one for
// the general fund, "where most needed" (ID [GeneralFund]). Each ledger has
// these accounts, all amounts in integer fen:
//
//	donations:<donor user ID>  source: what a donor gave (credit-normal)
//	donations:anonymous        source: gifts recorded without a donor account
//	campaign:<id> | fund:general  pool: money received and not yet allocated
//	need:<need ID>             allocation: money allocated to a need, not yet spent
//	expense:<category>         sink: money spent, by category
//	refund                     sink: money returned to donors
//
// Source accounts are credit-normal (their balance is credits minus
// debits); every other account is debit-normal. Every entry's debits equal
// its credits, and no balance may ever be below zero, so money only flows
// source → pool → need → expense, with refunds leaving from the pool or a
// need. Each kind of entry may only touch these accounts:
//
//	donation    Cr donations:*          Dr pool or one need:*
//	allocation  Cr pool                 Dr need:* (one posting per need)
//	expense     Cr one need:*           Dr one expense:*
//	refund      Cr pool and/or need:*   Dr refund
//
// Consequently the sum of the source balances (raised) always equals pool +
// needs + expenses + refund: the trial balance.
//
// # Entries and the hash chain
//
// An [Entry] is identified by its ledger and sequence number, seq, which
// starts at 1 and has no gaps; its ID is "<ledger>-<seq>" (see [EntryID]).
// A donation's ID is the ID of its entry. Each entry carries its postings,
// the resulting balances of the accounts it touched, who recorded it, when,
// why, links (donor, needs, expense, refunded donation, receipts with their
// SHA-256), an idempotency key, an external reference, the hash of the
// previous entry (empty for seq 1) and its own hash:
//
//	hash = lowercase hex SHA-256 of the canonical encoding
//
// The canonical encoding (version 1) is the string "tongban-ledger-v1\n"
// followed by these items in this order, each written as its length in
// bytes in decimal, a colon, the bytes, and a newline ("5:hello\n"); integers
// are decimal, booleans "true"/"false", the time is UTC with milliseconds as
// "2006-01-02T15:04:05.000Z", and a list is its element count followed by
// its elements' items:
//
//	ledger, seq, kind, at, by, why, idem_key, ext_ref,
//	links: donor_id, anonymous, channel, provider, provider_ref,
//	       need_ids (list), expense_id, refund_of, policy,
//	       receipts (list of: sha256, blob_key, content_type, kind),
//	postings (list of: account, debit_fen, credit_fen),
//	balances (list of: account, balance_fen; sorted by account),
//	prev_hash
//
// The length prefixes make the encoding unambiguous whatever the texts
// contain. [Verify] recomputes every hash and balance; changing any stored
// field of an entry, deleting an entry or reordering entries is reported at
// the entry concerned.
//
// # Writing without transactions
//
// A [Book] appends to a ledger without multi-document transactions, so it
// is exact on MongoDB and on FerretDB alike. It keeps each ledger's state
// (head seq and hash, every balance) in memory, checks the rules against
// it, and inserts the entry with seq = head+1. The store has a unique index
// on (ledger, seq), so when another writer (another process) got there
// first the insert fails with a duplicate key; the Book then reads the
// entries it missed, re-checks the rules and tries again, a bounded number
// of times with a small random pause. Writers in one process take turns on
// a per-ledger mutex, so they do not race each other at all.
//
// Idempotency: every entry has an idempotency key and an external reference
// (a payment's provider reference, a bank slip's hash, or else the entry's
// own ID), both under unique indexes. A payment notification delivered
// twice (same provider reference), or a request repeated with the same
// Idempotency-Key, finds the existing entry and returns it instead of
// writing again. The Book remembers the keys of the entries it has read, so
// the usual write is one insert and no query.
//
// # Tracing: first in, first out
//
// A gift is followed through its ledger by FIFO attribution: each pool and
// need account is a queue of lots, one lot per gift (or the part of a gift
// still there). An allocation takes the oldest money in the pool first, and
// gives it to the needs in the order of its postings; an expense takes the
// oldest money allocated to its need. A refund takes only the refunded
// gift's own money: what is left of it in the pool first, then in its needs
// in account-name order. So each fen of a gift ends up in exactly one of:
// spent (with the expense and its receipts), refunded, held by a need, or
// still in the pool, and these add up to the gift to the fen.
//
// # Allocating undesignated money
//
// The default policy ([SplitByPolicy], [PolicyGapUrgency]) divides an amount
// among candidate needs in proportion to remaining gap × urgency, where the
// gap is the need's target minus what it has raised and urgency is 1–5. No
// need receives more than its gap: a need whose share would exceed its gap
// gets its gap, and the rest is divided again among the others. Fen are
// whole: each need first gets the floor of its exact share, and the fen left
// over go one each to the largest remainders (ties: higher weight, then need
// ID), so the split adds up exactly to the amount.
package donations
