// Package outbox carries database changes to the search indexes. A writer
// enqueues "document X of index Y changed" BEFORE it writes the document;
// the worker re-reads the current state through the index's Projector and
// upserts or deletes. A crash between the two writes therefore loses
// nothing: the entry is still there, and re-reading gives the truth.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tongban/tongban/internal/search"
)

// Entry is one pending change.
type Entry struct {
	ID        string    `bson:"_id"`
	Index     string    `bson:"index"`
	DocID     string    `bson:"doc_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// Store persists entries.
type Store interface {
	Enqueue(ctx context.Context, index string, docIDs ...string) error
	Pending(ctx context.Context, limit int) ([]Entry, error)
	Ack(ctx context.Context, ids []string) error
	// Oldest returns the creation time of the oldest pending entry.
	Oldest(ctx context.Context) (time.Time, bool, error)
}

// Projector turns database state into public search documents.
type Projector interface {
	// Project returns the documents to upsert for ids that exist and are
	// public, and the ids to delete (gone or no longer public).
	Project(ctx context.Context, ids []string) (upsert []map[string]any, remove []string, err error)
	// Scan calls fn with batches of every public document, for reindex.
	Scan(ctx context.Context, batch int, fn func(docs []map[string]any) error) error
	// Count returns how many documents Scan will visit (for progress).
	Count(ctx context.Context) (int, error)
}

// Source is one search index with the projector that feeds it.
type Source struct {
	Index     search.Index
	Projector Projector
}

// Worker drains the outbox into the indexes.
type Worker struct {
	Store    Store
	Sources  map[string]Source
	Interval time.Duration
	Logger   *slog.Logger
	// OnError is called with each failed drain (metrics).
	OnError func(error)

	mu     sync.Mutex // one drain at a time
	notify chan struct{}
	once   sync.Once
}

func (w *Worker) init() {
	w.once.Do(func() { w.notify = make(chan struct{}, 1) })
}

// Notify wakes the worker to drain now.
func (w *Worker) Notify() {
	w.init()
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// Run drains until ctx ends, on every Notify and at least every Interval.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	iv := w.Interval
	if iv <= 0 {
		iv = time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			if w.Logger != nil {
				w.Logger.Error("outbox drain failed", "err", err)
			}
			if w.OnError != nil {
				w.OnError(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.notify:
		}
	}
}

// Drain applies every pending entry and returns how many it applied.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	total := 0
	for {
		entries, err := w.Store.Pending(ctx, 500)
		if err != nil {
			return total, err
		}
		if len(entries) == 0 {
			return total, nil
		}
		byIndex := map[string][]string{}
		var ack []string
		for _, e := range entries {
			byIndex[e.Index] = append(byIndex[e.Index], e.DocID)
			ack = append(ack, e.ID)
		}
		for name, ids := range byIndex {
			src, ok := w.Sources[name]
			if !ok {
				if w.Logger != nil {
					w.Logger.Warn("outbox entry for unknown index dropped", "index", name)
				}
				continue
			}
			if err := apply(ctx, src, ids); err != nil {
				return total, fmt.Errorf("index %s: %w", name, err)
			}
		}
		if err := w.Store.Ack(ctx, ack); err != nil {
			return total, err
		}
		total += len(entries)
	}
}

func apply(ctx context.Context, src Source, ids []string) error {
	up, del, err := src.Projector.Project(ctx, dedupe(ids))
	if err != nil {
		return err
	}
	if len(up) > 0 {
		docs := make([]search.Document, len(up))
		for i, d := range up {
			docs[i] = search.Document(d)
		}
		if err := src.Index.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	if len(del) > 0 {
		if err := src.Index.Delete(ctx, del); err != nil {
			return err
		}
	}
	return nil
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Reindex clears idx and rebuilds it from the projector, reporting progress.
func Reindex(ctx context.Context, src Source, progress func(done, total int)) (int, error) {
	total, err := src.Projector.Count(ctx)
	if err != nil {
		return 0, err
	}
	if err := src.Index.Clear(ctx); err != nil {
		return 0, err
	}
	done := 0
	err = src.Projector.Scan(ctx, 500, func(batch []map[string]any) error {
		docs := make([]search.Document, len(batch))
		for i, d := range batch {
			docs[i] = search.Document(d)
		}
		if err := src.Index.Upsert(ctx, docs); err != nil {
			return err
		}
		done += len(batch)
		if progress != nil {
			progress(done, total)
		}
		return nil
	})
	return done, err
}
