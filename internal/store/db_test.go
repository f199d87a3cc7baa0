package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

func setting(t *testing.T, db *store.DB, key string) (string, bool) {
	t.Helper()
	var v string
	err := db.QueryRow(context.Background(), "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false
	}
	if err != nil {
		t.Fatalf("read setting %s: %v", key, err)
	}
	return v, true
}

func TestInTx(t *testing.T) {
	sentinel := errors.New("changed my mind")
	tests := []struct {
		name       string
		fn         func(ctx context.Context, tx *store.Tx) error
		wantErr    error // nil: success expected; errAny: any error
		wantStored bool
	}{
		{"commit", func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "1")
			return err
		}, nil, true},
		{"error rolls back earlier writes", func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "1"); err != nil {
				return err
			}
			return sentinel
		}, sentinel, false},
		{"failed statement rolls back earlier writes", func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "1"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "2")
			return err
		}, errAny, false},
		{"reads see own writes", func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "1"); err != nil {
				return err
			}
			var v string
			if err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", "a").Scan(&v); err != nil {
				return err
			}
			if v != "1" {
				return errors.New("transaction does not see its own write")
			}
			return nil
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				err := db.InTx(ctx, func(tx *store.Tx) error { return tt.fn(ctx, tx) })
				switch {
				case tt.wantErr == nil && err != nil:
					t.Fatalf("InTx: %v", err)
				case tt.wantErr != nil && err == nil:
					t.Fatal("InTx succeeded, want an error")
				case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
					t.Fatalf("InTx error = %v, want %v", err, tt.wantErr)
				}
				if _, ok := setting(t, db, "a"); ok != tt.wantStored {
					t.Errorf("row stored = %v, want %v", ok, tt.wantStored)
				}
				// The database stays usable for the next write.
				if _, err := db.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "after", "x"); err != nil {
					t.Fatalf("write after InTx: %v", err)
				}
			})
		})
	}
}

var errAny = errors.New("any error")

func TestInsertID(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ids []int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, login := range []string{"ana", "bea"} {
				id, err := store.InsertID(ctx, tx, `INSERT INTO users (login, display_name, password_hash, role, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?)`, login, login, "x", "viewer", store.Now(), store.Now())
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids[0] <= 0 || ids[1] == ids[0] {
			t.Fatalf("ids = %v, want two distinct positive ids", ids)
		}
		var login string
		if err := db.QueryRow(ctx, "SELECT login FROM users WHERE id = ?", ids[1]).Scan(&login); err != nil || login != "bea" {
			t.Errorf("id %d holds %q (%v), want bea", ids[1], login, err)
		}
	})
}

// Another process holding SQLite's write lock makes a write wait, not fail.
func TestSQLiteBusyWriterWaits(t *testing.T) {
	tests := []struct {
		name  string
		write func(ctx context.Context, db *store.DB) error
	}{
		{"Exec", func(ctx context.Context, db *store.DB) error {
			_, err := db.Exec(ctx, "INSERT INTO settings (key, value) SELECT 'seen', CAST(COUNT(*) AS TEXT) FROM settings WHERE key = 'held'")
			return err
		}},
		{"InTx", func(ctx context.Context, db *store.DB) error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) SELECT 'seen', CAST(COUNT(*) AS TEXT) FROM settings WHERE key = 'held'")
				return err
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.SQLiteDSN(t)
			first := openDB(t, dsn)
			if err := first.Migrate(ctx, migrations.All()); err != nil {
				t.Fatal(err)
			}
			second := openDB(t, dsn)

			const hold = 200 * time.Millisecond
			locked := make(chan struct{})
			held := make(chan error, 1)
			go func() {
				held <- second.InTx(ctx, func(tx *store.Tx) error {
					if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('held', 'x')"); err != nil {
						return err
					}
					close(locked)
					time.Sleep(hold)
					return nil
				})
			}()
			select {
			case <-locked:
			case err := <-held:
				t.Fatalf("second handle could not take the write lock: %v", err)
			}
			began := time.Now()
			if err := tt.write(ctx, first); err != nil {
				t.Fatalf("write while another handle holds the lock: %v", err)
			}
			waited := time.Since(began)
			if err := <-held; err != nil {
				t.Fatalf("lock holder: %v", err)
			}
			// The write happened after the other transaction committed: it
			// saw that transaction's row.
			if v, _ := setting(t, first, "seen"); v != "1" {
				t.Errorf("write ran before the lock holder committed (saw %q held rows)", v)
			}
			if waited < hold/2 {
				t.Errorf("write returned after %v although the lock was held for %v", waited, hold)
			}
		})
	}
}

func TestAfterCommitRunsOnlyOnCommit(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ran []string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran = append(ran, "committed") })
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		_ = db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran = append(ran, "rolled back") })
			return errors.New("refuse")
		})
		if len(ran) != 1 || ran[0] != "committed" {
			t.Fatalf("after-commit hooks ran: %v", ran)
		}
	})
}

// TestPostgresDeadlockVictimIsRetried: two transactions lock two rows in
// opposite orders; PostgreSQL aborts one as a deadlock victim, and InTx
// runs it again, so both succeed.
func TestPostgresDeadlockVictimIsRetried(t *testing.T) {
	if os.Getenv(storetest.Env) == "" {
		t.Skip("needs PostgreSQL (" + storetest.Env + ")")
	}
	db := storetest.Postgres(t, migrations.All())
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, err := db.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, '0')", k); err != nil {
			t.Fatal(err)
		}
	}
	aLocked, bLocked := make(chan struct{}), make(chan struct{})
	var onceA, onceB sync.Once
	update := func(tx *store.Tx, key string) error {
		_, err := tx.Exec(ctx, "UPDATE settings SET value = value || '1' WHERE key = ?", key)
		return err
	}
	errs := make(chan error, 2)
	go func() {
		errs <- db.InTx(ctx, func(tx *store.Tx) error {
			if err := update(tx, "a"); err != nil {
				return err
			}
			onceA.Do(func() { close(aLocked); <-bLocked })
			return update(tx, "b")
		})
	}()
	go func() {
		errs <- db.InTx(ctx, func(tx *store.Tx) error {
			<-aLocked
			if err := update(tx, "b"); err != nil {
				return err
			}
			onceB.Do(func() { close(bLocked) })
			return update(tx, "a")
		})
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed instead of being retried: %v", err)
		}
	}
}
