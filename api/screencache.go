package api

import (
	"crypto/sha256"
	"sync"

	"github.com/tongban/tongban/internal/privacy"
)

// screenCache remembers which public texts passed the PII screen, keyed by
// their SHA-256, so that re-screening on every public read (a privacy rule)
// costs a hash instead of a full screen. Texts that fail are not cached:
// they are rare and are logged each time.
type screenCache struct {
	mu    sync.RWMutex
	clean map[[32]byte]struct{}
	max   int
}

func newScreenCache(max int) *screenCache {
	return &screenCache{clean: map[[32]byte]struct{}{}, max: max}
}

// check returns privacy.Check's verdict on fields, from the cache when every
// field is known to be clean.
func (c *screenCache) check(fields map[string]string) error {
	keys := make([][32]byte, 0, len(fields))
	all := true
	c.mu.RLock()
	for k, v := range fields {
		h := sha256.Sum256([]byte(k + "\x00" + v))
		keys = append(keys, h)
		if _, ok := c.clean[h]; !ok {
			all = false
		}
	}
	c.mu.RUnlock()
	if all {
		return nil
	}
	if err := privacy.Check(fields); err != nil {
		return err
	}
	c.mu.Lock()
	if len(c.clean)+len(keys) > c.max {
		c.clean = map[[32]byte]struct{}{}
	}
	for _, h := range keys {
		c.clean[h] = struct{}{}
	}
	c.mu.Unlock()
	return nil
}
