package search

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
)

// Cached wraps an index with a cache of search results. Every write
// (Upsert, Delete, Clear) advances a generation, and a cached result is
// served only for the generation it was computed in, so a withdrawn
// document disappears from the very next search. Results must be treated as
// read-only by callers.
func Cached(ix Index, size int) *CachedIndex {
	return &CachedIndex{Index: ix, size: size, entries: map[string]cacheEntry{}}
}

// CachedIndex is an Index with a generation-checked result cache.
type CachedIndex struct {
	Index
	size    int
	gen     atomic.Uint64
	mu      sync.RWMutex
	entries map[string]cacheEntry
	hits    atomic.Uint64
	misses  atomic.Uint64
}

type cacheEntry struct {
	gen uint64
	res *Result
}

// Upsert writes through and invalidates the cache.
func (c *CachedIndex) Upsert(ctx context.Context, docs []Document) error {
	defer c.gen.Add(1)
	c.gen.Add(1)
	return c.Index.Upsert(ctx, docs)
}

// Delete writes through and invalidates the cache.
func (c *CachedIndex) Delete(ctx context.Context, ids []string) error {
	defer c.gen.Add(1)
	c.gen.Add(1)
	return c.Index.Delete(ctx, ids)
}

// Clear writes through and invalidates the cache.
func (c *CachedIndex) Clear(ctx context.Context) error {
	defer c.gen.Add(1)
	c.gen.Add(1)
	return c.Index.Clear(ctx)
}

// Search serves a cached result of the current generation or runs q.
func (c *CachedIndex) Search(ctx context.Context, q Query) (*Result, error) {
	keyb, err := json.Marshal(q)
	if err != nil {
		return c.Index.Search(ctx, q)
	}
	key := string(keyb)
	gen := c.gen.Load()
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && e.gen == gen {
		c.hits.Add(1)
		return e.res, nil
	}
	c.misses.Add(1)
	res, err := c.Index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	// Store only if no write started meanwhile (writes bump the generation
	// before and after, so an in-flight write is always detected).
	if c.gen.Load() == gen && gen%2 == 0 {
		c.mu.Lock()
		if len(c.entries) >= c.size {
			c.entries = map[string]cacheEntry{}
		}
		c.entries[key] = cacheEntry{gen: gen, res: res}
		c.mu.Unlock()
	}
	return res, nil
}

// Stats returns cache hits and misses.
func (c *CachedIndex) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// Generation returns the current write generation: it changes whenever the
// index is written, so callers may cache what they derive from results.
func (c *CachedIndex) Generation() uint64 { return c.gen.Load() }
