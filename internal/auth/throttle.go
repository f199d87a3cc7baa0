package auth

import (
	"context"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// throttleKey names what failed attempts are counted against: an account
// or a client address, each with its own allowance. Only a hash of the key
// is stored, so the table holds no addresses.
type throttleKey struct {
	key string
	max int
}

// attempt is one sign-in attempt counted before its outcome is known.
type attempt struct {
	s   *Service
	ids []int64 // its rows in login_failures, one per key
}

// reserve counts an attempt against every key before the password or code
// is checked, refusing it when a key has used its allowance. Counting
// first, in one transaction, is what makes the allowance hold: checking
// the count and recording the failure only after a slow password hash let
// a burst of parallel guesses all pass the check. On PostgreSQL an advisory
// lock per key serialises the count and the insert; SQLite has one writer.
func (s *Service) reserve(ctx context.Context, keys []throttleKey) (*attempt, error) {
	now := s.now()
	since := now - int64(s.Limits.FailureWindow.Seconds())
	a := &attempt{s: s}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		a.ids = a.ids[:0]
		for _, k := range keys {
			h := hashToken(k.key)
			if tx.Dialect == store.Postgres {
				if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", lockKeyOf(h)); err != nil {
					return err
				}
			}
			var n int
			var oldest int64
			if err := tx.QueryRow(ctx, "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE key_hash = ? AND at >= ?",
				h, since).Scan(&n, &oldest); err != nil {
				return err
			}
			if n >= k.max {
				wait := time.Duration(oldest+int64(s.Limits.FailureWindow.Seconds())-now) * time.Second
				return &ThrottledError{RetryAfter: max(wait, time.Minute)}
			}
			id, err := store.InsertID(ctx, tx, "INSERT INTO login_failures (key_hash, at) VALUES (?, ?)", h, now)
			if err != nil {
				return err
			}
			a.ids = append(a.ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// release uncounts an attempt that turned out not to be a failure.
func (a *attempt) release(ctx context.Context) {
	for _, id := range a.ids {
		a.s.DB.Exec(ctx, "DELETE FROM login_failures WHERE id = ?", id)
	}
}

// lockKeyOf turns a key hash into a PostgreSQL advisory lock key. The
// high bits are fixed so that these locks cannot meet the audit log's.
func lockKeyOf(hash string) int64 {
	var k uint64
	for i := 0; i < len(hash) && i < 14; i++ {
		k = k<<4 | uint64(hexVal(hash[i]))
	}
	return int64(0x3f<<56 | k)
}

func hexVal(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// clearFailures forgets an account's failures after a successful login.
// Address failures stay: one good login must not reset an attacker's count.
func (s *Service) clearFailures(ctx context.Context, k throttleKey) {
	s.DB.Exec(ctx, "DELETE FROM login_failures WHERE key_hash = ?", hashToken(k.key))
}
