package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/store"
)

// Session states: a password alone gives a session waiting for its second
// factor, which can do nothing but submit a code.
const (
	StateFull         = "full"
	StateSecondFactor = "totp"
)

// Session is a login on one device.
type Session struct {
	ID         int64
	UserID     int64
	State      string
	CSRF       string
	UserAgent  string
	CreatedAt  int64
	LastSeenAt int64
	ExpiresAt  int64
	// Current marks the session making the request, in listings.
	Current bool
}

var (
	ErrNoSession = errors.New("auth: no such session")
)

// touchEvery limits writes: last_seen_at is refreshed at most once a minute.
const touchEvery = 60

func (s *Service) createSession(ctx context.Context, q store.Querier, userID int64, state, ua string) (string, error) {
	token, hash := newToken()
	csrf, _ := newToken()
	now := s.now()
	life := s.Limits.AbsoluteTimeout
	if state == StateSecondFactor {
		life = s.Limits.SecondFactorTimeout
	}
	_, err := q.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, state, csrf, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, userID, state, csrf, shortUA(ua), now, now, now+int64(life.Seconds()))
	return token, err
}

// shortUA keeps just enough of the User-Agent for a person to recognise
// their device in the session list.
func shortUA(ua string) string {
	// Only printable text: PostgreSQL refuses invalid UTF-8 and NUL (a 500
	// at login), and control characters have no place in a listing.
	// strings.Map sees invalid bytes as utf8.RuneError and drops them.
	ua = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, ua)
	ua = strings.TrimSpace(ua)
	for utf8.RuneCountInString(ua) > 120 {
		_, size := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-size]
	}
	return ua
}

const sessionColumns = `id, user_id, state, csrf, user_agent, created_at, last_seen_at, expires_at`

func scanSession(row interface{ Scan(...any) error }) (*Session, error) {
	var ss Session
	err := row.Scan(&ss.ID, &ss.UserID, &ss.State, &ss.CSRF, &ss.UserAgent, &ss.CreatedAt, &ss.LastSeenAt, &ss.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	return &ss, err
}

// Lookup finds the live session for a cookie token and its account. Idle,
// expired, or disabled-account sessions are deleted and reported as
// ErrNoSession.
func (s *Service) Lookup(ctx context.Context, token string) (*Session, *User, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	ss, err := scanSession(s.DB.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE token_hash = ?", hashToken(token)))
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	idle := ss.LastSeenAt+int64(s.Limits.IdleTimeout.Seconds()) < now
	if idle || ss.ExpiresAt < now {
		s.DB.Exec(ctx, "DELETE FROM sessions WHERE id = ?", ss.ID)
		return nil, nil, ErrNoSession
	}
	u, err := s.UserByID(ctx, ss.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		s.DB.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", u.ID)
		return nil, nil, ErrNoSession
	}
	if now-ss.LastSeenAt >= touchEvery {
		if _, err := s.DB.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", now, ss.ID); err != nil {
			return nil, nil, err
		}
		ss.LastSeenAt = now
	}
	ss.Current = true
	return ss, u, nil
}

// Sessions lists an account's live sessions, newest first. Pass userID 0
// to list everyone's (for admins).
func (s *Service) Sessions(ctx context.Context, userID int64) ([]*Session, error) {
	q := "SELECT " + sessionColumns + " FROM sessions WHERE state = 'full' AND expires_at >= ? AND last_seen_at >= ?"
	idleCut := s.now() - int64(s.Limits.IdleTimeout.Seconds())
	args := []any{s.now(), idleCut}
	if userID != 0 {
		q += " AND user_id = ?"
		args = append(args, userID)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY created_at DESC, id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// RevokeSession ends one session. A non-zero ownerID restricts it to that
// account's own sessions, so users cannot end other people's.
func (s *Service) RevokeSession(ctx context.Context, id, ownerID int64) error {
	if ownerID != 0 {
		err := execOne(ctx, s.DB, "DELETE FROM sessions WHERE id = ? AND user_id = ?", id, ownerID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoSession
		}
		return err
	}
	err := execOne(ctx, s.DB, "DELETE FROM sessions WHERE id = ?", id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSession
	}
	return err
}

// Logout ends the session holding token.
func (s *Service) Logout(ctx context.Context, token string) error {
	_, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", hashToken(token))
	return err
}

// PurgeExpired deletes sessions and login failures that no longer matter.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := s.now()
	idleCut := now - int64(s.Limits.IdleTimeout.Seconds())
	if _, err := s.DB.Exec(ctx, "DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?", now, idleCut); err != nil {
		return err
	}
	_, err := s.DB.Exec(ctx, "DELETE FROM login_failures WHERE at < ?", now-int64(s.Limits.FailureWindow.Seconds()))
	return err
}
