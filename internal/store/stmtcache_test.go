package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openTestSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "faro.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.write.Exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	return db
}

func cached(c *stmtCache, q string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.m[q]
	return ok
}

// TestStmtCacheInTransactions: a statement first run in a transaction is
// prepared once the transaction is over (preparing it inside would wait
// forever for the writer's only connection), and later transactions use
// it; rollbacks and errors leave the cache usable.
func TestStmtCacheInTransactions(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	const ins = "INSERT INTO kv (k, v) VALUES (?, ?)"
	for i := range 3 {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.Exec(ctx, ins, fmt.Sprint("k", i), "v")
			return err
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
		if !cached(db.writeStmts, ins) {
			t.Fatalf("after transaction %d the insert is not cached", i)
		}
	}
	// A failing statement (duplicate key) in a cached form rolls back the
	// transaction and leaves the cache working.
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, ins, "k9", "v"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, ins, "k0", "dup")
		return err
	})
	if err == nil {
		t.Fatal("duplicate key accepted")
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM kv WHERE k LIKE ?", "k%").Scan(&n); err != nil || n != 3 {
		t.Fatalf("after the failed transaction: %d rows, %v; want 3", n, err)
	}
	// Query and QueryRow inside a transaction return rows that outlive the
	// transaction's copy of the statement.
	err = db.InTx(ctx, func(tx *Tx) error {
		for range 2 {
			rows, err := tx.Query(ctx, "SELECT k FROM kv WHERE v = ? ORDER BY k", "v")
			if err != nil {
				return err
			}
			var got []string
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				got = append(got, k)
			}
			rows.Close()
			if strings.Join(got, ",") != "k0,k1,k2" {
				return fmt.Errorf("rows %v", got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStmtCacheSchemaChange: a cached statement still answers rightly
// after a migration changes the table under it.
func TestStmtCacheSchemaChange(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "a", "1"); err != nil {
		t.Fatal(err)
	}
	const sel = "SELECT * FROM kv WHERE k = ?"
	cols := func() int {
		rows, err := db.Query(ctx, sel, "a")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return len(c)
	}
	if n := cols(); n != 2 {
		t.Fatalf("%d columns before, want 2", n)
	}
	if err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "ALTER TABLE kv ADD COLUMN extra TEXT")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := cols(); n != 3 {
		t.Fatalf("%d columns after ALTER TABLE, want 3", n)
	}
}

// TestStmtCacheBounded: statements with more arguments than a hand-written
// one has (id lists built at run time) are not kept, nor any beyond the
// cap; they still run.
func TestStmtCacheBounded(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	args := make([]any, maxCachedArgs+1)
	for i := range args {
		args[i] = fmt.Sprint("k", i)
	}
	long := "SELECT COUNT(*) FROM kv WHERE k IN (?" + strings.Repeat(", ?", len(args)-1) + ")"
	var n int
	if err := db.QueryRow(ctx, long, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if cached(db.readStmts, long) {
		t.Error("a statement with more than maxCachedArgs arguments was cached")
	}
	for i := range maxCachedStmts + 10 {
		q := fmt.Sprintf("SELECT %d FROM kv WHERE k = ?", i)
		rows, err := db.Query(ctx, q, "x")
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	db.readStmts.mu.RLock()
	size := len(db.readStmts.m)
	db.readStmts.mu.RUnlock()
	if size > maxCachedStmts {
		t.Errorf("cache holds %d statements, cap %d", size, maxCachedStmts)
	}
}

// TestStmtCacheConcurrent runs cached reads and writes from many
// goroutines at once (go test -race finds what they share wrongly).
func TestStmtCacheConcurrent(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := fmt.Sprint(g, "-", i)
				if err := db.InTx(ctx, func(tx *Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", k, "v")
					return err
				}); err != nil {
					t.Error(err)
					return
				}
				var v string
				if err := db.QueryRow(ctx, "SELECT v FROM kv WHERE k = ?", k).Scan(&v); err != nil || v != "v" {
					t.Errorf("read back %q: %q, %v", k, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
