package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlitePragmas are set on every connection. WAL lets readers work while
// the writer writes; synchronous=FULL makes an acknowledged commit survive
// power loss; secure_delete overwrites deleted content so that no plaintext
// lingers in free pages; busy_timeout waits for other processes' locks.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"synchronous(FULL)",
	"busy_timeout(5000)",
	"foreign_keys(1)",
	"secure_delete(1)",
	"temp_store(MEMORY)",
}

func sqliteDSN(path string, readOnly bool) string {
	v := url.Values{}
	for _, p := range sqlitePragmas {
		v.Add("_pragma", p)
	}
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// never fails half-way when another process wants to write too.
		v.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Switching a new file to WAL fails at once with SQLITE_BUSY, without
	// waiting busy_timeout, while another process opens it too: retry.
	if err := retryBusy(ctx, SQLite, func() error { return w.PingContext(ctx) }); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := max(2, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{Dialect: SQLite, write: w, read: r, writeStmts: newStmtCache(w), readStmts: newStmtCache(r)}
	db.group = &groupCommit{db: db}
	return db, nil
}

// BareSQLite opens the SQLite file at path the way Faro's writer does (the
// same pragmas, BEGIN IMMEDIATE, one connection) as a plain *sql.DB,
// without the statement cache or group commit. It is for baselines that
// measure Faro against the bare database.
func BareSQLite(path string) (*sql.DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	return w, nil
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

// Checkpoint folds the WAL back into the main database file and truncates
// it; used before backups and on clean shutdown.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	_, err := db.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// IntegrityCheck runs SQLite's integrity check and returns its verdict
// ("ok" when all is well). On PostgreSQL it returns "ok".
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	if db.Dialect != SQLite {
		return "ok", nil
	}
	var s string
	err := db.write.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&s)
	return s, err
}

// Optimize refreshes the query planner's statistics. Without them SQLite
// picks the status index for lists where nearly every row is submitted and
// sorts the whole table for each page. PostgreSQL's autovacuum does this
// on its own.
func (db *DB) Optimize(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	var analysed int
	if err := db.write.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&analysed); err != nil {
		return err
	}
	if analysed == 0 {
		// Never analysed: a full ANALYZE takes about 60 ms at 100k records.
		_, err := db.write.ExecContext(ctx, "ANALYZE")
		return err
	}
	_, err := db.write.ExecContext(ctx, "PRAGMA optimize=0x10002")
	return err
}
