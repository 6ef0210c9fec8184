package donations

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tongban/tongban"
)

// DefaultMaxAttempts bounds how many inserts a Book tries for one entry
// while other writers keep taking the next seq.
const DefaultMaxAttempts = 100

// Book appends entries to ledgers without transactions (see the package
// documentation). It caches each ledger's state; the cache is corrected
// from the store whenever another writer got ahead. It is safe for
// concurrent use; use one per process.
type Book struct {
	Store LedgerStore
	// MaxAttempts bounds the inserts tried for one entry (default
	// DefaultMaxAttempts); when other writers win every time the result is
	// ETOOMANY.
	MaxAttempts int

	mu     sync.Mutex
	chains map[string]*heldChain
}

// heldChain is the cached state of one ledger and the lock its writers in
// this process take turns on.
type heldChain struct {
	mu     sync.Mutex
	chain  *Chain
	loaded bool
	// keys maps the idempotency keys ("i:" prefix) and external
	// references ("x:") of the ledger's entries to their IDs, so that a
	// repeated request is recognised without a query.
	keys map[string]string
}

// remember records the keys of an entry of the ledger.
func (h *heldChain) remember(e *Entry) {
	h.keys["i:"+e.IdemKey] = e.ID
	if e.ExtRef != e.ID {
		h.keys["x:"+e.ExtRef] = e.ID
	}
}

// known returns the ID of the ledger's entry with the idempotency key or
// external reference, or "".
func (h *heldChain) known(idemKey, extRef string) string {
	if id, ok := h.keys["i:"+idemKey]; ok {
		return id
	}
	if extRef != "" {
		return h.keys["x:"+extRef]
	}
	return ""
}

func (b *Book) held(ledger string) *heldChain {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.chains == nil {
		b.chains = map[string]*heldChain{}
	}
	h, ok := b.chains[ledger]
	if !ok {
		h = &heldChain{chain: NewChain(ledger), keys: map[string]string{}}
		b.chains[ledger] = h
	}
	return h
}

// catchUp applies the entries written since the cached head and returns
// them. A stored entry that does not verify stops it with EINTERNAL: no one
// writes after a broken chain.
func (b *Book) catchUp(ctx context.Context, h *heldChain) ([]*Entry, error) {
	es, err := b.Store.EntriesAfter(ctx, h.chain.Ledger, h.chain.Seq, 0)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if err := h.chain.Apply(e); err != nil {
			return nil, err
		}
		h.remember(e)
	}
	h.loaded = true
	return es, nil
}

// Lookup returns the entry of ledger with the idempotency key, or
// ENOTFOUND.
func (b *Book) Lookup(ctx context.Context, ledger, idemKey string) (*Entry, error) {
	h := b.held(ledger)
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := b.catchUp(ctx, h); err != nil {
		return nil, err
	}
	if id := h.known(idemKey, ""); id != "" {
		return b.Store.FindEntryByID(ctx, id)
	}
	return nil, tongban.Errorf(tongban.ENOTFOUND, "Ledger entry not found.")
}

// found returns, with ok true, the answer to a repeated request when the
// ledger has an entry with the key or reference.
func (b *Book) found(ctx context.Context, h *heldChain, idemKey, extRef, kind string) (e *Entry, created, ok bool, err error) {
	id := h.known(idemKey, extRef)
	if id == "" {
		return nil, false, false, nil
	}
	ex, err := b.Store.FindEntryByID(ctx, id)
	if err != nil {
		return nil, false, true, err
	}
	e, created, err = same(ex, h.chain.Ledger, kind)
	return e, created, true, err
}

// View calls fn with the current state of ledger, read up to the latest
// stored entry. fn must not keep the chain.
func (b *Book) View(ctx context.Context, ledger string, fn func(*Chain) error) error {
	h := b.held(ledger)
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := b.catchUp(ctx, h); err != nil {
		return err
	}
	return fn(h.chain)
}

// Post appends to ledger the entry that build drafts from the ledger's
// current state, under idempotency key idemKey and, when not empty, the
// external reference extRef (a payment's provider reference, a bank slip's
// hash). build may run more than once: each time another writer got ahead
// it sees the newer state. An error from build, or a rule the draft breaks
// (ECONFLICT for a balance below zero), is returned after making sure the
// state was current.
//
// When an entry with the same idempotency key or external reference
// already exists, Post returns it with created false and writes nothing;
// if that entry is of another ledger or kind the key was reused for a
// different request, which is ECONFLICT.
func (b *Book) Post(ctx context.Context, ledger, idemKey, extRef string, build func(*Chain) (Draft, error)) (e *Entry, created bool, err error) {
	if !ValidLedger(ledger) {
		return nil, false, tongban.Invalid("ledger", "is not a ledger ID")
	}
	if idemKey == "" {
		return nil, false, tongban.Invalid("idempotency_key", "is required")
	}
	h := b.held(ledger)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.loaded {
		if _, err := b.catchUp(ctx, h); err != nil {
			return nil, false, err
		}
	}
	// A request repeated in this process is answered from memory.
	if e, created, ok, err := b.found(ctx, h, idemKey, extRef, ""); ok {
		return e, created, err
	}
	attempts := b.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	var kind string
	for attempt := 0; attempt < attempts; attempt++ {
		var next *Entry
		d, err := build(h.chain)
		if err == nil {
			kind = d.Kind
			d.IdemKey, d.ExtRef = idemKey, extRef
			next, err = h.chain.Next(d)
		}
		if err != nil {
			// The rule may fail only because this process's view is old.
			missed, cerr := b.catchUp(ctx, h)
			if cerr != nil {
				return nil, false, cerr
			}
			if ex := findIn(missed, idemKey, extRef); ex != nil {
				return same(ex, ledger, kind)
			}
			if len(missed) > 0 {
				continue
			}
			// A repeated request may fail a rule its first run passed.
			if e, created, ok, ferr := b.found(ctx, h, idemKey, extRef, kind); ok {
				return e, created, ferr
			}
			return nil, false, err
		}
		ierr := b.Store.InsertEntry(ctx, next)
		if ierr == nil {
			if err := h.chain.Apply(next); err != nil {
				return nil, false, err
			}
			h.remember(next)
			return next, true, nil
		}
		if tongban.ErrorCode(ierr) != tongban.ECONFLICT {
			// The insert may or may not have happened; the next writer
			// finds out through the unique index.
			return nil, false, ierr
		}
		missed, cerr := b.catchUp(ctx, h)
		if cerr != nil {
			return nil, false, cerr
		}
		if ex := findIn(missed, idemKey, extRef); ex != nil {
			return same(ex, ledger, kind)
		}
		if len(missed) > 0 {
			// Another writer took the seq. Try again, after a small random
			// pause once it has happened twice, so that writers racing
			// from several processes spread out.
			if err := sleep(ctx, jitter(attempt, 250*time.Microsecond)); err != nil {
				return nil, false, err
			}
			continue
		}
		if e, created, ok, ferr := b.found(ctx, h, idemKey, extRef, kind); ok {
			return e, created, ferr
		}
		// Nothing new in this ledger, so another ledger has the key or
		// reference: a rare mistake, worth a query.
		if ex, ferr := b.existing(ctx, idemKey, extRef); ferr != nil {
			return nil, false, ferr
		} else if ex != nil {
			return same(ex, ledger, kind)
		}
		// Neither: a writer's entry is not visible yet. Pause briefly.
		if err := sleep(ctx, jitter(attempt+1, time.Millisecond)); err != nil {
			return nil, false, err
		}
	}
	return nil, false, tongban.Errorf(tongban.ETOOMANY, "The ledger is busy; please try again.")
}

// jitter returns a random pause of up to attempt × unit, at most 10 units;
// none for attempt 0.
func jitter(attempt int, unit time.Duration) time.Duration {
	if attempt <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(unit) * int64(min(attempt, 10))))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// findIn returns the entry of es with the idempotency key or external
// reference, or nil.
func findIn(es []*Entry, idemKey, extRef string) *Entry {
	for _, e := range es {
		if e.IdemKey == idemKey || (extRef != "" && e.ExtRef == extRef) {
			return e
		}
	}
	return nil
}

// existing looks the idempotency key and external reference up in the
// store; nil when neither is taken.
func (b *Book) existing(ctx context.Context, idemKey, extRef string) (*Entry, error) {
	e, err := b.Store.FindEntryByIdemKey(ctx, idemKey)
	if err == nil {
		return e, nil
	} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
		return nil, err
	}
	if extRef == "" {
		return nil, nil
	}
	e, err = b.Store.FindEntryByExtRef(ctx, extRef)
	if err == nil {
		return e, nil
	} else if tongban.ErrorCode(err) != tongban.ENOTFOUND {
		return nil, err
	}
	return nil, nil
}

// same returns ex as the result of a repeated request, or ECONFLICT when it
// answers a different one (other ledger or kind).
func same(ex *Entry, ledger, kind string) (*Entry, bool, error) {
	if ex.Ledger != ledger || (kind != "" && ex.Kind != kind) {
		return nil, false, tongban.Errorf(tongban.ECONFLICT, "This idempotency key or payment reference was already used for a different request.")
	}
	return ex, false, nil
}
