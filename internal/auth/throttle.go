package auth

import (
	"context"
	"time"
)

// throttleKey names what failed attempts are counted against: an account
// or a client address, each with its own allowance. Only a hash of the key
// is stored, so the table holds no addresses.
type throttleKey struct {
	key string
	max int
}

func (s *Service) checkThrottle(ctx context.Context, keys []throttleKey) error {
	since := s.now() - int64(s.Limits.FailureWindow.Seconds())
	for _, k := range keys {
		var n int
		var oldest int64
		err := s.DB.QueryRow(ctx, "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE key_hash = ? AND at >= ?",
			hashToken(k.key), since).Scan(&n, &oldest)
		if err != nil {
			return err
		}
		if n >= k.max {
			wait := time.Duration(oldest+int64(s.Limits.FailureWindow.Seconds())-s.now()) * time.Second
			return &ThrottledError{RetryAfter: max(wait, time.Minute)}
		}
	}
	return nil
}

func (s *Service) recordFailure(ctx context.Context, keys []throttleKey) error {
	now := s.now()
	for _, k := range keys {
		if _, err := s.DB.Exec(ctx, "INSERT INTO login_failures (key_hash, at) VALUES (?, ?)", hashToken(k.key), now); err != nil {
			return err
		}
	}
	return nil
}

// clearFailures forgets an account's failures after a successful login.
// Address failures stay: one good login must not reset an attacker's count.
func (s *Service) clearFailures(ctx context.Context, k throttleKey) {
	s.DB.Exec(ctx, "DELETE FROM login_failures WHERE key_hash = ?", hashToken(k.key))
}
