// Package store opens Faro's database (embedded SQLite or PostgreSQL) and
// gives the rest of Faro one small API over both: queries are written once
// with '?' placeholders and rewritten for PostgreSQL, writes go through
// transactions that are retried when SQLite reports the database busy.
package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Dialect names the database engine behind a DB.
type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// ErrNotFound is returned when a lookup matches no row.
var ErrNotFound = errors.New("store: not found")

// DB is a handle on Faro's database. On SQLite it holds one writer
// connection (SQLite allows one writer at a time; queueing in Go is cheaper
// than spinning on SQLITE_BUSY) and a pool of read-only connections. On
// PostgreSQL both point at the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	dsn     string
	// Statements kept prepared on SQLite's writer and readers (nil on
	// PostgreSQL, whose driver caches them itself).
	writeStmts, readStmts *stmtCache
	// group merges concurrent write transactions on SQLite (nil on
	// PostgreSQL, which runs them side by side).
	group *groupCommit
}

// DSN is the address the database was opened with, for a component that
// needs a connection of its own (PostgreSQL LISTEN). It may hold a
// password: never log it.
func (db *DB) DSN() string { return db.dsn }

// Querier is what both *DB and *Tx offer for reads and writes.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is taken as a SQLite file path.
func Open(ctx context.Context, dsn string) (*DB, error) {
	open := openSQLite
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		open = openPostgres
	}
	db, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	db.dsn = dsn
	return db, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	err := errors.Join(db.writeStmts.close(), db.readStmts.close(), db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks the database answers; /healthz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Exec runs a single write statement outside an explicit transaction.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := retryBusy(ctx, db.Dialect, func() error {
		var err error
		if s := db.writeStmts.get(ctx, query, len(args)); s != nil {
			res, err = s.ExecContext(ctx, args...)
		} else {
			res, err = db.write.ExecContext(ctx, db.rebind(query), args...)
		}
		return err
	})
	return res, err
}

// Query runs a read on the read pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := db.readStmts.get(ctx, query, len(args)); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, db.rebind(query), args...)
}

// QueryRow runs a single-row read on the read pool.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := db.readStmts.get(ctx, query, len(args)); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, db.rebind(query), args...)
}

// Tx is a write transaction.
type Tx struct {
	Dialect Dialect
	tx      *sql.Tx
	rebind  func(string) string
	stmts   *stmtCache
	missed  map[string]int // query -> arguments, to prepare once the transaction is over
	after   []func()
	// detached: the transaction is shared with other callers (group
	// commit), so a caller's cancelled context must not interrupt a
	// statement: SQLite would roll back everyone's writes with it.
	detached bool
	// open are the rows Query returned in a shared transaction, closed
	// when the caller's fn returns: rows left open (an INSERT … RETURNING
	// not read to the end) would keep the savepoint from being released.
	open []*sql.Rows
}

// track keeps rows to close when the caller's fn returns (closeOpen).
func (t *Tx) track(rows *sql.Rows, err error) (*sql.Rows, error) {
	if t.detached && rows != nil {
		t.open = append(t.open, rows)
	}
	return rows, err
}

func (t *Tx) closeOpen() {
	for _, r := range t.open {
		r.Close()
	}
	t.open = nil
}

func (t *Tx) ctx(ctx context.Context) context.Context {
	if t.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// AfterCommit runs fn once the transaction has committed, and never if it
// rolls back: the place to wake job workers or tell live pages about a
// change, which must not happen for a write that did not land.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	if s := t.stmt(ctx, query, len(args)); s != nil {
		defer s.Close()
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.rebind(query), args...)
}

// Query and QueryRow may close the transaction's copy of a cached
// statement as soon as the rows are returned: the rows keep the driver's
// statement, which the cache owns, and closing the copy only keeps the
// transaction from collecting one per call.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	if s := t.stmt(ctx, query, len(args)); s != nil {
		defer s.Close()
		return t.track(s.QueryContext(ctx, args...))
	}
	return t.track(t.tx.QueryContext(ctx, t.rebind(query), args...))
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	if s := t.stmt(ctx, query, len(args)); s != nil {
		defer s.Close()
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.rebind(query), args...)
}

// stmt returns the transaction's use of the cached statement for query,
// or nil to run it uncached. A statement not cached yet is prepared on the
// pool after the transaction, which holds the writer's only connection.
func (t *Tx) stmt(ctx context.Context, query string, nargs int) *sql.Stmt {
	s, missing := t.stmts.lookup(query, nargs)
	if missing {
		if t.missed == nil {
			t.missed = map[string]int{}
		}
		t.missed[query] = nargs
	}
	if s == nil {
		return nil
	}
	return t.tx.StmtContext(ctx, s)
}

// prepareMissed caches the statements a finished transaction ran uncached.
func (t *Tx) prepareMissed(ctx context.Context) {
	for q, n := range t.missed {
		t.stmts.get(ctx, q, n)
	}
	t.missed = nil
}

// InTx runs fn in one write transaction and commits it when fn returns nil.
// The whole transaction is retried when SQLite reports the database busy
// (another process holds the write lock beyond busy_timeout), so fn must
// not have side effects outside the transaction. On SQLite, calls made at
// the same time share one transaction, each fn in a savepoint of its own
// and possibly run on another caller's goroutine (see groupCommit): fn
// must not wait for another InTx caller, nor take a lock that an InTx
// caller may hold while it calls InTx (it would wait for ever on the
// goroutine of the caller holding it).
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	if db.group != nil {
		return db.group.do(ctx, fn)
	}
	return retryBusy(ctx, db.Dialect, func() error {
		sqlTx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		tx := &Tx{Dialect: db.Dialect, tx: sqlTx, rebind: db.rebind, stmts: db.writeStmts}
		if err := fn(tx); err != nil {
			err = errors.Join(err, ignoreDone(sqlTx.Rollback()))
			tx.prepareMissed(ctx)
			return err
		}
		err = sqlTx.Commit()
		tx.prepareMissed(ctx)
		if err != nil {
			return err
		}
		for _, f := range tx.after {
			f()
		}
		return nil
	})
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// InsertID runs an INSERT … RETURNING id and returns the new id. Both
// engines support RETURNING, so one statement serves both.
func InsertID(ctx context.Context, q Querier, query string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// IDList returns the SQL for "a list of ids given as one parameter", to
// follow IN, and that parameter: a JSON array read by json_each on SQLite,
// an array literal on PostgreSQL. The statement's text does not depend on
// the number of ids, so it stays prepared however many there are.
func IDList(d Dialect, ids []int64) (sql string, arg string) {
	var b strings.Builder
	open, close := "[", "]"
	sql = `(SELECT value FROM json_each(?))`
	if d == Postgres {
		open, close = "{", "}"
		sql = `(SELECT unnest(CAST(? AS bigint[])))`
	}
	b.WriteString(open)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString(close)
	return sql, b.String()
}

// IDIn returns "column is one of the ids of one parameter" (IDList's
// argument). On PostgreSQL it is = ANY(array), which the planner runs as
// lookups in the column's index: IN (SELECT unnest(…)) became a hash join
// that first collected every running job (or pending delivery) by their
// partial index, about 2 ms of server time per group commit while a
// fan-out of 10,000 was in flight.
func IDIn(d Dialect, column string) string {
	if d == Postgres {
		return column + ` = ANY(CAST(? AS bigint[]))`
	}
	list, _ := IDList(d, nil)
	return column + ` IN ` + list
}

// rebind rewrites '?' placeholders to PostgreSQL's $1, $2, … outside of
// string literals.
func (db *DB) rebind(q string) string {
	if db.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	return Rebind(q)
}

// Rebind rewrites '?' placeholders to $1, $2, … skipping quoted literals.
func Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// retryBusy retries fn while SQLite reports SQLITE_BUSY or SQLITE_LOCKED,
// or PostgreSQL chose this transaction as the victim of a deadlock or a
// serialization failure, backing off up to about ten seconds in all.
//
// PostgreSQL deadlocks are possible by design: every audited transaction
// takes the audit log's lock when it appends, which may come before or
// after the row locks of the change, so two transactions can wait for each
// other. PostgreSQL detects the cycle and aborts one of them, which has
// then changed nothing and is simply run again, as SQLite's are.
func retryBusy(ctx context.Context, d Dialect, fn func() error) error {
	delay := 5 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := fn()
		retry := d == SQLite && isBusy(err) || d == Postgres && isPGRetryable(err)
		if err == nil || !retry || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

// Now returns the current time as Unix seconds: both engines store times as
// integers so that comparisons and ordering behave the same everywhere.
func Now() int64 { return time.Now().Unix() }
