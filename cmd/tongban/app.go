package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/frontend"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/blob"
	"github.com/tongban/tongban/internal/config"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/outbox"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/bleve"
	"github.com/tongban/tongban/internal/search/meili"
	"github.com/tongban/tongban/matching"
)

// OrgSchema is the search schema of the organisation directory.
var OrgSchema = search.Schema{
	Name:       accounts.OrgIndex,
	Searchable: []string{"name", "county_name", "type_name"},
	Filterable: []string{"type", "county_code"},
	Sortable:   []string{"county_code"},
	Facets:     []string{"type", "county_code"},
}

// Main is the whole service: configuration, backends and the HTTP server.
type Main struct {
	Config config.Config
	Logger *slog.Logger

	DB         *mongodb.DB
	Blob       *blob.Store
	Accounts   *accounts.Service
	Needs      *matching.NeedService
	Volunteers *matching.VolunteerService
	Pairings   *matching.PairingService
	Money      *api.Money
	Activities *activities.Service
	Pledges    *donations.PledgeService
	Store      *mongodb.AccountStore
	Outbox     *mongodb.OutboxStore
	Worker     *outbox.Worker
	Server     *api.Server
	Sources    map[string]outbox.Source

	embeddedS3 *blob.Embedded
	indexes    []search.Index
	ln         net.Listener
	wg         sync.WaitGroup
	cancel     context.CancelFunc
}

// NewLogger returns the JSON logger at the configured level.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// Open starts or connects every backend and builds the services.
func (m *Main) Open(ctx context.Context) error {
	cfg := m.Config
	if m.Logger == nil {
		m.Logger = NewLogger(os.Stderr, cfg.LogLevel)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase, DataDir: cfg.DataDir, Logger: m.Logger})
	if err != nil {
		return err
	}
	m.DB = db

	bcfg := blob.Config{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, Bucket: cfg.S3Bucket, Region: cfg.S3Region, UseTLS: cfg.S3TLS}
	if cfg.S3Endpoint == "" {
		e, err := blob.StartEmbedded(filepath.Join(cfg.DataDir, "s3"))
		if err != nil {
			return fmt.Errorf("start embedded S3: %w", err)
		}
		m.embeddedS3 = e
		bcfg = e.Config(cfg.S3Bucket)
		m.Logger.Info("object store backend", "backend", "embedded S3 (gofakes3, file backend)", "endpoint", e.Endpoint())
	} else {
		m.Logger.Info("object store backend", "backend", "S3", "endpoint", cfg.S3Endpoint, "bucket", cfg.S3Bucket)
	}
	if m.Blob, err = blob.Open(ctx, bcfg); err != nil {
		return fmt.Errorf("open object store: %w", err)
	}

	openIndex := func(schema search.Schema) (search.Index, error) {
		if cfg.MeiliURL != "" {
			return meili.Open(ctx, cfg.MeiliURL, cfg.MeiliKey, schema)
		}
		return bleve.Open(filepath.Join(cfg.DataDir, "search", schema.Name), schema)
	}
	if cfg.MeiliURL != "" {
		m.Logger.Info("search backend", "backend", "Meilisearch", "url", cfg.MeiliURL)
	} else {
		m.Logger.Info("search backend", "backend", "embedded Bleve", "dir", filepath.Join(cfg.DataDir, "search"))
	}
	orgIndex, err := openIndex(OrgSchema)
	if err != nil {
		return fmt.Errorf("open search index %s: %w", OrgSchema.Name, err)
	}
	m.indexes = append(m.indexes, orgIndex)
	rawNeedIndex, err := openIndex(api.NeedSchema)
	if err != nil {
		return fmt.Errorf("open search index %s: %w", api.NeedSchema.Name, err)
	}
	m.indexes = append(m.indexes, rawNeedIndex)
	// Public search repeats the same few queries; results are cached until
	// the next write to the index (withdrawals invalidate at once).
	needIndex := search.Cached(rawNeedIndex, 10_000)

	m.Store = mongodb.NewAccountStore(db)
	m.Outbox = mongodb.NewOutboxStore(db)
	m.Sources = map[string]outbox.Source{
		accounts.OrgIndex:  {Index: orgIndex, Projector: mongodb.NewOrgProjector(db)},
		matching.NeedIndex: {Index: needIndex, Projector: mongodb.NewNeedProjector(db)},
	}
	m.Worker = &outbox.Worker{Store: m.Outbox, Sources: m.Sources, Interval: 2 * time.Second, Logger: m.Logger}
	m.Accounts = &accounts.Service{Users: m.Store, Orgs: m.Store, Sessions: m.Store, Audit: m.Store,
		Counties: geo.LookupCounty, Outbox: outboxWriter{m.Outbox, m.Worker}, Logger: m.Logger}
	m.Needs = &matching.NeedService{Store: mongodb.NewNeedStore(db), Screen: privacy.Check, County: geo.LookupCounty,
		TownshipOK: geo.TownshipInCounty, OrgName: func(ctx context.Context, id string) (string, error) {
			o, err := m.Store.FindOrgByID(ctx, id)
			if err != nil {
				return "", err
			}
			return o.Name, nil
		}, Outbox: outboxWriter{m.Outbox, m.Worker}, Unindex: needIndex.Delete}
	m.Volunteers = &matching.VolunteerService{Store: mongodb.NewVolunteerStore(db), Needs: m.Needs.Store, TownshipOK: geo.TownshipInCounty,
		DisplayName: func(ctx context.Context, id string) (string, error) {
			u, err := m.Store.FindUserByID(ctx, id)
			if err != nil {
				return "", err
			}
			return u.DisplayName, nil
		},
		Scorer: &matching.Scorer{Weights: matching.DefaultWeights, Place: geo.Centroid, Distance: geo.DistanceKm}}
	m.Accounts.Erasure = append(m.Accounts.Erasure, m.Volunteers.Erase)
	m.Accounts.Exporters = map[string]func(context.Context, string) (any, error){
		"volunteer": func(ctx context.Context, id string) (any, error) {
			return m.Volunteers.Export(ctx, id, m.Pairings.Store)
		},
	}
	m.Pairings = &matching.PairingService{Store: mongodb.NewPairingStore(db), Needs: m.Needs.Store, Volunteers: m.Volunteers.Store,
		Scorer: m.Volunteers.Scorer, Screen: privacy.Check, Outbox: outboxWriter{m.Outbox, m.Worker}}
	if err := m.openMoney(); err != nil {
		return err
	}
	m.Pledges = &donations.PledgeService{Store: mongodb.NewPledgeStore(db), Needs: m.Needs.Store, Screen: privacy.Check, Logger: m.Logger,
		Photo: func(ctx context.Context, key string) (donations.PhotoInfo, error) {
			info, err := m.Blob.Stat(ctx, key)
			return donations.PhotoInfo{SHA256: info.SHA256, ContentType: info.ContentType}, err
		}}
	m.Pledges.DonorName = m.Volunteers.DisplayName
	m.Accounts.Erasure = append(m.Accounts.Erasure, m.Pledges.Erase)
	m.Accounts.Exporters["pledges"] = m.Pledges.Export
	activityStore := mongodb.NewActivityStore(db)
	m.Activities = &activities.Service{Store: activityStore, Volunteers: m.Volunteers.Store, DisplayName: m.Volunteers.DisplayName,
		OrgName: m.Needs.OrgName, County: geo.LookupCounty, Screen: privacy.Check, PairingLogs: activityStore.ConfirmedPairingLogs,
		CodeSecret: []byte(cfg.CheckinSecret), PublicURL: cfg.PublicURL}
	m.Accounts.Erasure = append(m.Accounts.Erasure, m.Activities.Erase)
	m.Accounts.Exporters["activities"] = m.Activities.Export

	// A search index that is empty while the database is not (new index
	// dir, schema change, switch of backend) is rebuilt before serving.
	for name, src := range m.Sources {
		n, err := src.Index.Count(ctx)
		if err != nil {
			return err
		}
		want, err := src.Projector.Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 && want > 0 {
			m.Logger.Info("rebuilding empty search index", "index", name, "documents", want)
			if _, err := outbox.Reindex(ctx, src, nil); err != nil {
				return fmt.Errorf("reindex %s: %w", name, err)
			}
		}
	}
	return nil
}

type outboxWriter struct {
	*mongodb.OutboxStore
	w *outbox.Worker
}

func (o outboxWriter) Notify() { o.w.Notify() }

// Listen opens the server socket and builds the HTTP app.
func (m *Main) Listen() error {
	m.Server = api.New(api.Config{CookieSecure: m.Config.CookieSecure, TLS: m.Config.TLSCert != "", BodyLimit: m.Config.BodyLimit}, api.Deps{
		Accounts:   m.Accounts,
		Stats:      m.Store,
		OrgIndex:   m.Sources[accounts.OrgIndex].Index,
		Needs:      m.Needs,
		Volunteers: m.Volunteers,
		Pairings:   m.Pairings,
		Money:      m.Money,
		Activities: m.Activities,
		Pledges:    m.Pledges,
		NeedIndex:  m.Sources[matching.NeedIndex].Index,
		Checks: []api.Check{
			{Name: "database", Fn: m.DB.Ping},
			{Name: "object_store", Fn: m.Blob.Ping},
			{Name: "search", Fn: func(ctx context.Context) error { _, err := m.Sources[accounts.OrgIndex].Index.Count(ctx); return err }},
		},
		Frontend: frontend.Dist(),
		OutboxLag: func(ctx context.Context) (time.Duration, error) {
			t, ok, err := m.Outbox.Oldest(ctx)
			if err != nil || !ok {
				return 0, err
			}
			return time.Since(t), nil
		},
		Logger: m.Logger,
	})
	m.Worker.OnError = func(error) { m.Server.BackendError("outbox") }
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	return nil
}

// URL is the address the server listens on.
func (m *Main) URL() string {
	scheme := "http"
	if m.Config.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + m.ln.Addr().String()
}

// Run serves until ctx is cancelled, then shuts down gracefully: in-flight
// requests finish, the outbox worker stops, backends close.
func (m *Main) Run(ctx context.Context) error {
	wctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(4)
	go func() { defer m.wg.Done(); m.Worker.Run(wctx) }()
	go func() { defer m.wg.Done(); m.janitor(wctx) }()
	go func() { defer m.wg.Done(); m.sealer(wctx, sealEvery) }()
	go func() { defer m.wg.Done(); m.reconcileOnce(wctx) }() // need counters, see reconcile.go

	errc := make(chan error, 1)
	go func() {
		ln := m.ln
		if m.Config.TLSCert != "" {
			cert, err := tls.LoadX509KeyPair(m.Config.TLSCert, m.Config.TLSKey)
			if err != nil {
				errc <- fmt.Errorf("load TLS key pair: %w", err)
				return
			}
			ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		}
		errc <- m.Server.App.Listener(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer scancel()
	if err := m.Server.App.ShutdownWithContext(sctx); err != nil {
		m.Logger.Error("shutdown", "err", err)
	}
	return nil
}

// janitor removes expired sessions (FerretDB has no TTL indexes) and
// passes on waitlist offers whose confirmation window ran out.
func (m *Main) janitor(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if _, err := m.Store.DeleteExpiredSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
			m.Logger.Warn("session cleanup failed", "err", err)
		}
		if _, err := m.Activities.ExpireOffers(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Warn("expiring waitlist offers failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sealEvery is how often the server seals full blocks of ledger entries.
const sealEvery = 30 * time.Second

// sealer moves full blocks of ledger entries into sealed segments every
// interval, so that ledger_entries stays a short tail (see
// mongodb.LedgerStore.Seal). With nothing to seal a round costs one count.
func (m *Main) sealer(ctx context.Context, every time.Duration) {
	store := mongodb.NewLedgerStore(m.DB)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r, err := store.Seal(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			// A block that does not verify is not sealed; verify names it.
			m.Logger.Error("sealing the ledgers failed; run tongban ledger verify", "err", err)
			m.Server.BackendError("ledger_seal")
		case r != nil && r.Segments > 0:
			m.Logger.Info("ledger sealed", "segments", r.Segments, "entries", r.Entries)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops background work and closes every backend.
func (m *Main) Close() error {
	if m.cancel != nil {
		m.cancel()
		m.wg.Wait()
	}
	var errs []error
	for _, ix := range m.indexes {
		errs = append(errs, ix.Close())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.embeddedS3 != nil {
		errs = append(errs, m.embeddedS3.Close(ctx))
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close(ctx))
	}
	return errors.Join(errs...)
}

func demoLoginsText() string {
	var b strings.Builder
	b.WriteString("Demo logins (password " + DemoPassword + "):\n")
	for _, a := range demoAccounts {
		fmt.Fprintf(&b, "  %-30s %s\n", a.Login, a.What)
	}
	return b.String()
}
