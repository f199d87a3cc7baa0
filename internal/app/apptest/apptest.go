// Package apptest builds a whole Faro instance for tests: a fresh data
// directory, cheap password and key-derivation costs, keys initialised
// and unsealed. Tests that need the sealed state call a.Vault.Seal().
package apptest

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/vault"
)

// Passphrase unseals every test instance.
const Passphrase = "test passphrase for faro"

// CheapHash and CheapKDF keep tests fast; never use them for real.
var (
	CheapHash = auth.HashParams{Time: 1, MemKiB: 1024, Threads: 1}
	CheapKDF  = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
)

// Logs collects what the app logged, so tests can check it holds no
// personal data.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.Write(p) }

// String returns everything logged so far.
func (l *Logs) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// Options adjust the instance.
type Options struct {
	// Database is a postgres:// URL; empty means SQLite in a temp dir.
	Database string
	// DataDir, when set, is used instead of a fresh temporary directory.
	DataDir string
	// Sealed leaves the instance initialised but sealed.
	Sealed bool
}

// New returns an initialised, unsealed instance and its log buffer.
func New(t testing.TB, opts ...Options) (*app.App, *Logs) {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	logs := &Logs{}
	hash, kdf := CheapHash, CheapKDF
	a, err := app.New(context.Background(), app.Config{
		DataDir: o.DataDir, Database: o.Database, Hash: &hash, KDF: &kdf,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.Initialize(context.Background(), Passphrase); err != nil {
		t.Fatal(err)
	}
	if o.Sealed {
		a.Vault.Seal()
	}
	return a, logs
}
