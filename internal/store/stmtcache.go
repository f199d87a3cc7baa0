package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps statements prepared on one SQLite pool, keyed by their
// text. modernc's driver parses and plans a statement again on every call
// without it, which was a sixth of the CPU time of creating an incident
// through the API. database/sql prepares a cached statement once on each
// connection of the pool and reuses it from then on, transactions included
// (Tx.StmtContext finds the copy already prepared on the transaction's
// connection).
//
// PostgreSQL needs none of this: pgx already keeps a per-connection cache
// of prepared statements.
//
// The cache only grows, so it takes only statements that are likely to be
// written once in the code: those with at most maxCachedArgs arguments
// (lists of ids built at run time have more) and at most maxCachedStmts of
// them in all; anything beyond runs uncached, as before. A statement
// without arguments is cached only when it reads or writes rows (the audit
// head, the vocabulary): the others are schema changes and pragmas, run
// once by migrations and tools.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

const (
	maxCachedStmts = 1000
	maxCachedArgs  = 48
)

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement for query, preparing it on the pool
// when it is new, or nil when the statement should run uncached. A failure
// to prepare is not an error here: the caller runs the query directly and
// reports whatever it returns. get must not be called while holding one of
// the pool's connections (inside a transaction on the writer, whose only
// connection it is): preparing would wait for that connection forever.
func (c *stmtCache) get(ctx context.Context, query string, nargs int) *sql.Stmt {
	s, missing := c.lookup(query, nargs)
	if !missing {
		return s
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		s.Close()
		return prev
	}
	c.m[query] = s
	return s
}

// lookup returns the cached statement for query without preparing
// anything; missing reports a statement that is not cached yet but could be.
func (c *stmtCache) lookup(query string, nargs int) (s *sql.Stmt, missing bool) {
	if c == nil || nargs > maxCachedArgs || nargs == 0 && !isRowStatement(query) {
		return nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.m[query]
	return s, !ok && len(c.m) < maxCachedStmts
}

// close finalizes every cached statement; the pool closes after it.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, s := range c.m {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.m, q)
	}
	return first
}

// isRowStatement reports whether query starts with SELECT, WITH, INSERT,
// UPDATE or DELETE.
func isRowStatement(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	for _, kw := range [...]string{"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"} {
		if len(q) >= len(kw) && strings.EqualFold(q[:len(kw)], kw) {
			return true
		}
	}
	return false
}
