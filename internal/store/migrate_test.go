package store_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// eachDSN runs fn with the address of a fresh, empty database on every
// engine under test, for tests that open their own handles.
func eachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.SQLiteDSN(t)) })
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresDSN(t)) })
	}
}

func openDB(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func tableExists(t *testing.T, db *store.DB, name string) bool {
	t.Helper()
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if db.Dialect == store.Postgres {
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	}
	var n int
	if err := db.QueryRow(context.Background(), q, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

type appliedRow struct {
	Version   int
	Name      string
	AppliedAt int64
}

func applied(t *testing.T, db *store.DB) []appliedRow {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []appliedRow
	for rows.Next() {
		var r appliedRow
		if err := rows.Scan(&r.Version, &r.Name, &r.AppliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func version(t *testing.T, db *store.DB) int {
	t.Helper()
	v, err := db.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// createTable is a migration step creating one small table.
func createTable(name string) func(context.Context, *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		return store.ExecAll(ctx, tx, "CREATE TABLE "+name+" (k TEXT PRIMARY KEY)")
	}
}

func TestMigrationsRecorded(t *testing.T) {
	all := migrations.All()
	storetest.Each(t, all, func(t *testing.T, db *store.DB) {
		if got := version(t, db); got != len(all) {
			t.Errorf("Version = %d, want %d", got, len(all))
		}
		rows := applied(t, db)
		if len(rows) != len(all) {
			t.Fatalf("%d migrations recorded, want %d", len(rows), len(all))
		}
		for i, r := range rows {
			if r.Version != all[i].Version || r.Name != all[i].Name {
				t.Errorf("recorded migration %d = (%d, %q), want (%d, %q)", i, r.Version, r.Name, all[i].Version, all[i].Name)
			}
			if r.AppliedAt <= 0 {
				t.Errorf("migration %d has no applied_at", r.Version)
			}
		}
		for _, table := range []string{"settings", "users", "sessions", "login_failures", "invites"} {
			if !tableExists(t, db, table) {
				t.Errorf("table %s missing after migration", table)
			}
		}
	})
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "org", "Faro Test"); err != nil {
			t.Fatal(err)
		}
		before := applied(t, db)
		if err := db.Migrate(ctx, migrations.All()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		after := applied(t, db)
		if len(after) != len(before) {
			t.Fatalf("second Migrate recorded %d migrations, had %d", len(after), len(before))
		}
		for i := range before {
			if before[i] != after[i] {
				t.Errorf("second Migrate changed record %+v to %+v", before[i], after[i])
			}
		}
		var v string
		if err := db.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", "org").Scan(&v); err != nil || v != "Faro Test" {
			t.Errorf("data lost by second Migrate: %q, %v", v, err)
		}
	})
}

func TestMigrateAppliesOnlyNewSteps(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var calls atomic.Int32
		next := append(migrations.All(), store.Migration{
			Version: len(migrations.All()) + 1, Name: "extra",
			Up: func(ctx context.Context, tx *store.Tx) error {
				calls.Add(1)
				return createTable("extra")(ctx, tx)
			},
		})
		for range 2 {
			if err := db.Migrate(ctx, next); err != nil {
				t.Fatal(err)
			}
		}
		if calls.Load() != 1 {
			t.Errorf("new migration ran %d times, want once", calls.Load())
		}
		if got := version(t, db); got != len(next) {
			t.Errorf("Version = %d, want %d", got, len(next))
		}
		if !tableExists(t, db, "extra") {
			t.Error("table created by new migration missing")
		}
	})
}

func TestFailedMigrationRollsBack(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		up   func(ctx context.Context, tx *store.Tx) error
		want error // nil: any error
	}{
		{"go error after DDL", func(ctx context.Context, tx *store.Tx) error {
			if err := createTable("half_done")(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO half_done (k) VALUES (?)", "x"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "touched", "yes"); err != nil {
				return err
			}
			return boom
		}, boom},
		{"SQL error after DDL", func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "touched", "yes"); err != nil {
				return err
			}
			return store.ExecAll(ctx, tx,
				"CREATE TABLE half_done (k TEXT PRIMARY KEY)",
				"CREATE TABLE half_done (k TEXT PRIMARY KEY)")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				base := len(migrations.All())
				broken := append(migrations.All(), store.Migration{Version: base + 1, Name: "broken", Up: tt.up})
				err := db.Migrate(ctx, broken)
				if err == nil {
					t.Fatal("Migrate with a failing migration succeeded")
				}
				if tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("Migrate error = %v, want %v", err, tt.want)
				}
				if tableExists(t, db, "half_done") {
					t.Error("table of failed migration exists")
				}
				var n int
				if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM settings WHERE key = ?", "touched").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Error("row written by failed migration kept")
				}
				if got := version(t, db); got != base {
					t.Errorf("Version = %d after failed migration, want %d", got, base)
				}
				if rows := applied(t, db); len(rows) != base {
					t.Errorf("%d migrations recorded, want %d", len(rows), base)
				}

				// Once fixed, the same version applies normally.
				fixed := append(migrations.All(), store.Migration{Version: base + 1, Name: "fixed", Up: createTable("half_done")})
				if err := db.Migrate(ctx, fixed); err != nil {
					t.Fatalf("Migrate after fix: %v", err)
				}
				if !tableExists(t, db, "half_done") || version(t, db) != base+1 {
					t.Error("fixed migration not applied")
				}
			})
		})
	}
}

func TestMigrateRefusesBadNumbering(t *testing.T) {
	tests := []struct {
		name     string
		versions []int
	}{
		{"starts at zero", []int{0}},
		{"starts at two", []int{2}},
		{"gap", []int{1, 3}},
		{"duplicate", []int{1, 1}},
		{"out of order", []int{2, 1}},
		{"bad one after good ones", []int{1, 2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
				var ran atomic.Int32
				var list []store.Migration
				for i, v := range tt.versions {
					list = append(list, store.Migration{Version: v, Name: "step", Up: func(ctx context.Context, tx *store.Tx) error {
						ran.Add(1)
						return createTable("t"+string(rune('a'+i)))(ctx, tx)
					}})
				}
				if err := db.Migrate(context.Background(), list); err == nil {
					t.Fatal("Migrate accepted badly numbered migrations")
				}
				if ran.Load() != 0 {
					t.Errorf("%d migrations ran although the list is badly numbered", ran.Load())
				}
				if got := version(t, db); got != 0 {
					t.Errorf("Version = %d, want 0", got)
				}
			})
		})
	}
}

// Two faro processes starting at once against one database must both come
// up, with each migration applied exactly once.
func TestConcurrentMigrate(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var slow atomic.Int32
		list := append(migrations.All(), store.Migration{
			Version: len(migrations.All()) + 1, Name: "slow",
			Up: func(ctx context.Context, tx *store.Tx) error {
				slow.Add(1)
				time.Sleep(50 * time.Millisecond)
				return createTable("slow")(ctx, tx)
			},
		})
		const procs = 2
		dbs := make([]*store.DB, procs)
		errs := make([]error, procs)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range procs {
			wg.Go(func() {
				<-start
				db, err := store.Open(ctx, dsn)
				if err != nil {
					errs[i] = err
					return
				}
				dbs[i] = db
				errs[i] = db.Migrate(ctx, list)
			})
		}
		close(start)
		wg.Wait()
		for _, db := range dbs {
			if db != nil {
				t.Cleanup(func() { db.Close() })
			}
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("process %d: %v", i, err)
			}
		}
		if t.Failed() {
			return
		}
		if n := slow.Load(); n != 1 {
			t.Errorf("migration ran %d times, want once", n)
		}
		for i, db := range dbs {
			if got := version(t, db); got != len(list) {
				t.Errorf("process %d sees version %d, want %d", i, got, len(list))
			}
		}
		if rows := applied(t, dbs[0]); len(rows) != len(list) {
			t.Errorf("%d migrations recorded, want %d", len(rows), len(list))
		}
	})
}
