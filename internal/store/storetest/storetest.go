// Package storetest runs storage tests on every database Faro supports:
// always on a fresh SQLite file, and on PostgreSQL when FARO_TEST_POSTGRES
// holds a connection URL. When that variable is set and the server cannot
// be reached the tests fail: a missing database must never look like a pass.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/faro-project/faro/internal/store"
)

// Env is the environment variable holding the PostgreSQL URL for tests,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const Env = "FARO_TEST_POSTGRES"

// Each runs fn once per database engine, each time on a fresh, migrated
// database of its own.
func Each(t *testing.T, migrations []store.Migration, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, migrations)) })
	if os.Getenv(Env) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, migrations)) })
	}
}

// SQLite returns a fresh migrated SQLite database in a temporary directory.
func SQLite(t testing.TB, migrations []store.Migration) *store.DB {
	t.Helper()
	return open(t, SQLiteDSN(t), migrations)
}

// SQLiteDSN returns the path of a new SQLite file in a temporary directory.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "faro.db")
}

// Postgres returns a fresh migrated database in a schema of its own on the
// server named by FARO_TEST_POSTGRES; the schema is dropped afterwards.
func Postgres(t testing.TB, migrations []store.Migration) *store.DB {
	t.Helper()
	return open(t, PostgresDSN(t), migrations)
}

// PostgresDSN creates an empty schema for this test and returns a URL whose
// connections use it. It fails the test when FARO_TEST_POSTGRES is unset or
// the server does not answer.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Fatalf("%s is not set", Env)
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL from %s unreachable: %v", Env, err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "faro_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := store.Open(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer a.Close()
		if _, err := a.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, dsn string, migrations []store.Migration) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), migrations); err != nil {
		t.Fatal(err)
	}
	return db
}
