// Package mongodb is the database adapter: it opens MongoDB (production) or an
// embedded FerretDB on SQLite (default), always through the official
// mongo-driver v2, and implements the domain packages' stores.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"go.mongodb.org/mongo-driver/v2/bson"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/tongban/tongban"
)

// Config selects the database. With URI empty an embedded FerretDB stores its
// SQLite files under DataDir.
type Config struct {
	URI      string
	Database string
	DataDir  string
	Logger   *slog.Logger
}

// DB is an open database connection, embedded or remote.
type DB struct {
	Client   *mongo.Client
	DB       *mongo.Database
	Embedded bool

	// Now returns the current time; tests may replace it.
	Now func() time.Time

	ferretCancel context.CancelFunc
	ferretDone   chan struct{}
}

// Open connects to the configured database, starting the embedded FerretDB
// when no URI is given, and creates all indexes idempotently.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Database == "" {
		cfg.Database = "tongban"
	}
	db := &DB{Now: time.Now}
	uri := cfg.URI
	opts := options.Client()
	if uri == "" {
		dir := filepath.Join(cfg.DataDir, "db")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database dir: %w", err)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		f, err := ferretdb.New(&ferretdb.Config{
			Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
			Logger:    quietFerretLogger(logger),
			Handler:   "sqlite",
			SQLiteURL: "file:" + abs + "/",
		})
		if err != nil {
			return nil, fmt.Errorf("start embedded FerretDB: %w", err)
		}
		fctx, cancel := context.WithCancel(context.Background())
		db.ferretCancel = cancel
		db.ferretDone = make(chan struct{})
		go func() {
			defer close(db.ferretDone)
			_ = f.Run(fctx)
		}()
		uri = f.MongoDBURI()
		db.Embedded = true
		logger.Info("database backend", "backend", "embedded FerretDB (SQLite)", "dir", abs)
	} else {
		logger.Info("database backend", "backend", "MongoDB", "database", cfg.Database)
	}
	opts.ApplyURI(uri)
	if db.Embedded {
		// FerretDB's SQLite handler runs no update inside a transaction:
		// concurrent guarded updates on one document lose writes
		// (FerretDB#3040). One connection serialises them and is exact.
		opts.SetMaxPoolSize(1)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		db.stopFerret()
		return nil, fmt.Errorf("connect database: %w", err)
	}
	db.Client = client
	db.DB = client.Database(cfg.Database)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = db.Close(context.Background())
		return nil, fmt.Errorf("ping database: %w", err)
	}
	if err := db.ensureIndexes(ctx); err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	return db, nil
}

// quietFerretLogger keeps only FerretDB errors: its warnings dump whole wire
// messages, which may hold personal data.
func quietFerretLogger(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{min: slog.LevelError, h: l.Handler()}).With("component", "ferretdb")
}

type levelFilter struct {
	min slog.Level
	h   slog.Handler
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.h.Enabled(ctx, l)
}
func (f levelFilter) Handle(ctx context.Context, r slog.Record) error { return f.h.Handle(ctx, r) }
func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.min, f.h.WithAttrs(a)}
}
func (f levelFilter) WithGroup(n string) slog.Handler { return levelFilter{f.min, f.h.WithGroup(n)} }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.Client.Ping(ctx, readpref.Primary())
}

// Close disconnects and stops the embedded server, if any.
func (db *DB) Close(ctx context.Context) error {
	var err error
	if db.Client != nil {
		err = db.Client.Disconnect(ctx)
	}
	db.stopFerret()
	return err
}

func (db *DB) stopFerret() {
	if db.ferretCancel != nil {
		db.ferretCancel()
		<-db.ferretDone
		db.ferretCancel = nil
	}
}

// Collection returns the named collection.
func (db *DB) Collection(name string) *mongo.Collection { return db.DB.Collection(name) }

// translate maps driver errors to application errors at the adapter edge.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return tongban.Errorf(tongban.ENOTFOUND, "%s not found.", what)
	case mongo.IsDuplicateKeyError(err):
		return tongban.Errorf(tongban.ECONFLICT, "%s already exists.", what)
	}
	var te *tongban.Error
	if errors.As(err, &te) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// replaceVersioned stores next (whose Version the caller already set to
// version+1) in place of document id only if the stored version equals
// version. A missing document is ENOTFOUND, a stale version EPRECONDITION.
func replaceVersioned(ctx context.Context, c *mongo.Collection, id string, version int64, next any, what string) error {
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, next)
	if err != nil {
		return translate(err, what)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return translate(err, what)
	}
	if n == 0 {
		return tongban.Errorf(tongban.ENOTFOUND, "%s not found.", what)
	}
	return tongban.Errorf(tongban.EPRECONDITION, "The %s was changed meanwhile; reload and try again.", what)
}
