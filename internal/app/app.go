// Package app wires Faro together: one place builds every service and
// handler from the configuration, for the faro command and for tests.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/faro-project/faro/internal/account"
	"github.com/faro-project/faro/internal/api"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/evidence"
	"github.com/faro-project/faro/internal/home"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/sealing"
	"github.com/faro-project/faro/internal/search"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
	"github.com/faro-project/faro/internal/web"
)

// Config is everything Faro needs to start.
type Config struct {
	// DataDir holds the SQLite database and, later, evidence files.
	DataDir string
	// Database is a postgres:// URL; empty means SQLite in DataDir.
	Database string
	Web      web.Config
	// Hash overrides password hashing costs (tests use cheap ones).
	Hash *auth.HashParams
	// KDF overrides the vault's passphrase costs at init (tests).
	KDF *vault.KDFParams
	// EvidenceDir holds encrypted evidence files; default DataDir/evidence.
	// Processes sharing one PostgreSQL database must share this directory.
	EvidenceDir string
	// Notify configures the outbound channels of the case desk.
	Notify notify.Config
	// Publish configures how own records are coarsened for publication.
	Publish publish.Config
	Log     *slog.Logger
}

// App is a running Faro instance's parts.
type App struct {
	DB        *store.DB
	Auth      *auth.Service
	Vault     *vault.Vault
	Audit     *audit.Log
	Evidence  *evidence.Store
	Incidents *incident.Store
	Vocab     *incident.Vocab
	Teams     *incident.Teams
	Web       *web.Server
	seal      sealState
	index     indexSync
	Log       *slog.Logger
	caseDeskParts
	publishParts
}

// New opens and migrates the database and builds the web server.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if cfg.Web.InstanceName == "" {
		cfg.Web.InstanceName = "Faro"
	}
	dsn := cfg.Database
	if dsn == "" {
		if cfg.DataDir == "" {
			return nil, fmt.Errorf("no data directory and no database given")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		dsn = filepath.Join(cfg.DataDir, "faro.db")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrations.All()); err != nil {
		db.Close()
		return nil, err
	}
	// Query statistics before the first list, not an hour later.
	if err := db.Optimize(ctx); err != nil {
		db.Close()
		return nil, err
	}
	v := vault.New(db)
	if cfg.KDF != nil {
		v.KDF = *cfg.KDF
	}
	log := audit.New(db, v)
	a := auth.New(db)
	a.Cipher = v
	a.Audit = func(ctx context.Context, tx *store.Tx, action, recordType, recordID string) error {
		return log.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: action, RecordType: recordType, RecordID: recordID})
	}
	if cfg.Hash != nil {
		a.Hash = *cfg.Hash
	}
	bundle, err := i18n.Load()
	if err != nil {
		db.Close()
		return nil, err
	}
	srv, err := web.New(cfg.Web, a, bundle, cfg.Log)
	if err != nil {
		db.Close()
		return nil, err
	}
	srv.Router.Handle("GET /healthz", web.Public, health(db))
	evDir := cfg.EvidenceDir
	if evDir == "" {
		evDir = filepath.Join(cfg.DataDir, "evidence")
	}
	ev := evidence.New(evDir, db, v, log)
	var app *App // sealing needs SealAll; app is complete before any request
	sealing.Register(srv, v, log, func(ctx context.Context, actor int64) { app.SealAll(ctx, actor) })
	home.Register(srv)
	account.Register(srv)
	evPages := evidence.Register(srv, ev, log)
	app = &App{DB: db, Auth: a, Vault: v, Audit: log, Evidence: ev, Web: srv, Log: cfg.Log}
	app.Incidents = incident.NewStore(db, v, log, search.New(), search.New())
	app.Incidents.Files = ev
	app.Vocab = &incident.Vocab{DB: db, Audit: log}
	app.Teams = &incident.Teams{DB: db, Audit: log}
	incPages := incident.Register(srv, app.Incidents, app.Vocab, app.Teams, ev, log)
	evPages.SetVisibility(incPages.EvidenceVisible)
	api.Register(srv, app.Incidents, app.Vocab, app.Teams, log, v.Sealed) // after sealing.Register: wraps its gate
	if err := app.wireCaseDesk(ctx, cfg); err != nil {
		db.Close()
		return nil, err
	}
	if err := app.wirePublish(ctx, cfg); err != nil {
		db.Close()
		return nil, err
	}
	// The search index holds decrypted words: build it when the keys
	// arrive, drop it when they go.
	v.OnUnseal(func() {
		// argon2id just took 128 MiB; give it back rather than hold it.
		debug.FreeOSMemory()
		app.noteUnseal()
		go app.rebuildIndex(context.Background())
	})
	v.OnSeal(func() { app.Incidents.Index.Reset(); app.Incidents.Clear.Reset() })
	return app, nil
}

// Handler is the whole HTTP handler.
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// RunMaintenance purges expired sessions and throttle records every few
// minutes until ctx ends. Any process may run it: the work is idempotent.
func (a *App) RunMaintenance(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if err := a.DB.Optimize(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("refreshing query statistics failed", "err", err)
		}
		if err := a.Auth.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("purge expired sessions", "err", err)
		}
		// Uploads abandoned by a crashed process sharing this database
		// (the start-up sweep leaves young files alone on PostgreSQL).
		if n, err := a.Evidence.Sweep(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
			a.Log.Error("evidence sweep", "err", err)
		} else if n > 0 {
			a.Log.Info("removed abandoned upload files", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func health(db *store.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := db.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"database unavailable"}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}
}

// Initialize sets the vault up with a passphrase and creates the audit
// signing key, leaving Faro unsealed. Used by faro init and faro demo.
func (a *App) Initialize(ctx context.Context, passphrase string) error {
	if err := a.Vault.InitPassphrase(ctx, passphrase); err != nil {
		return err
	}
	if _, err := audit.CreateSigningKey(ctx, a.DB, a.Vault, audit.Origin(a.Web.Config.InstanceName)); err != nil {
		return err
	}
	return a.Audit.Record(ctx, audit.Entry{Action: "init", RecordType: "vault", RecordID: "1"})
}

// InitializeShares sets the vault up with n Shamir shares, k of which
// unseal, and creates the audit signing key. It returns the shares.
func (a *App) InitializeShares(ctx context.Context, n, k int) ([]string, error) {
	shares, err := a.Vault.InitShares(ctx, n, k)
	if err != nil {
		return nil, err
	}
	if _, err = audit.CreateSigningKey(ctx, a.DB, a.Vault, audit.Origin(a.Web.Config.InstanceName)); err != nil {
		return nil, err
	}
	return shares, a.Audit.Record(ctx, audit.Entry{Action: "init", RecordType: "vault", RecordID: "1"})
}

// RotateKeys makes a new data key, given the root key, and records it.
func (a *App) RotateKeys(ctx context.Context, root []byte) (uint32, error) {
	id, err := a.Vault.RotateKeys(ctx, root)
	if err != nil {
		return 0, err
	}
	return id, a.Audit.Record(ctx, audit.Entry{Action: "rotate", RecordType: "data_key", RecordID: strconv.FormatUint(uint64(id), 10)})
}

// VerifyEvidence decrypts and hashes every evidence file.
func (a *App) VerifyEvidence(ctx context.Context) (int, []string, error) {
	return a.Evidence.Verify(ctx)
}

// rebuildIndex fills the in-memory search index from the encrypted records.
func (a *App) rebuildIndex(ctx context.Context) {
	start := time.Now()
	n, err := a.Incidents.RebuildIndex(ctx)
	if a.Vault.Sealed() {
		// Sealed while building: drop what was decrypted before the seal.
		a.Incidents.Index.Reset()
		a.Incidents.Clear.Reset()
		return
	}
	if err != nil {
		a.Log.Error("search index build failed", "err", err)
		return
	}
	a.Log.Info("search index built", "records", n, "ms", time.Since(start).Milliseconds())
	// The build held every decrypted text at once; return that memory now
	// rather than over minutes.
	debug.FreeOSMemory()
}

// RebuildIndex builds the search index now and waits for it (tests, demo).
func (a *App) RebuildIndex(ctx context.Context) (int, error) { return a.Incidents.RebuildIndex(ctx) }

// SweepUploads removes what uploads interrupted by a crash left behind.
// Only the server calls it, at start: SQLite is served by one process, so
// anything older than this start is abandoned; on PostgreSQL another
// process may be mid-upload, so only files older than an hour go. Command
// line tools never sweep: a server may be uploading while they run.
func (a *App) SweepUploads(ctx context.Context) {
	before := a.Evidence.Started()
	if a.DB.Dialect == store.Postgres {
		before = before.Add(-time.Hour)
	}
	if n, err := a.Evidence.Sweep(ctx, before); err != nil {
		a.Log.Warn("evidence sweep failed", "err", err)
	} else if n > 0 {
		a.Log.Info("removed abandoned upload files", "count", n)
	}
}

// RunWorkers runs the background work of the domains (deliveries,
// escalations, the live board, publication) until ctx ends. The server
// and the demo call it; command line tools do not.
func (a *App) RunWorkers(ctx context.Context) {
	go a.runCaseDesk(ctx)
	go a.runPublish(ctx)
}
