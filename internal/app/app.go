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
	"time"

	"github.com/faro-project/faro/internal/account"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/home"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
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
	Log  *slog.Logger
}

// App is a running Faro instance's parts.
type App struct {
	DB   *store.DB
	Auth *auth.Service
	Web  *web.Server
	Log  *slog.Logger
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
	a := auth.New(db)
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
	home.Register(srv)
	account.Register(srv)
	return &App{DB: db, Auth: a, Web: srv, Log: cfg.Log}, nil
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
		if err := a.Auth.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("purge expired sessions", "err", err)
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
