package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/store"
)

// An API token lets a program act as its account through the JSON API,
// with at most the role it was created for. Like session and invite
// tokens, only its SHA-256 is stored: the token itself is shown once.

// TokenPrefix starts every API token, so that secret scanners and people
// recognise one in a log or a paste.
const TokenPrefix = "faro_"

// APIToken is a stored token: everything but the secret.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Role       Role
	CreatedAt  int64
	LastUsedAt int64 // 0 when never used
	RevokedAt  int64 // 0 while valid
}

var (
	// ErrNoToken covers unknown, revoked and disabled-account tokens alike.
	ErrNoToken = errors.New("auth: no such API token")
	// ErrTokenName means the name is empty, too long or not plain text.
	ErrTokenName = errors.New("auth: a token name has 1-80 printable characters")
	// ErrTokenRole means the role is unknown or above the account's own.
	ErrTokenRole = errors.New("auth: a token's role cannot exceed its account's")
)

// tokenTouchEvery limits writes: last_used_at moves at most once a minute.
const tokenTouchEvery = 60

func validTokenName(name string) bool {
	n := utf8.RuneCountInString(name)
	return n >= 1 && n <= 80 && utf8.ValidString(name) &&
		strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0
}

// CreateToken makes a token for userID, limited to role, which may not be
// above the account's current role. It returns the token, to be shown
// once, and its id.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, role Role) (string, int64, error) {
	name = strings.TrimSpace(name)
	if !validTokenName(name) {
		return "", 0, ErrTokenName
	}
	if !role.Valid() {
		return "", 0, ErrTokenRole
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return "", 0, err
	}
	if u.Disabled {
		return "", 0, ErrDisabled
	}
	if !u.Role.AtLeast(role) {
		return "", 0, ErrTokenRole
	}
	secret, _ := newToken()
	token := TokenPrefix + secret
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = store.InsertID(ctx, tx, `INSERT INTO api_tokens (user_id, name, token_hash, role, created_at)
			VALUES (?, ?, ?, ?, ?)`, userID, name, hashToken(token), string(role), s.now())
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "api_token", id)
	})
	if err != nil {
		return "", 0, err
	}
	return token, id, nil
}

const tokenColumns = `id, user_id, name, role, created_at, last_used_at, revoked_at`

// tokenUserQuery reads a token by its hash with its account's columns.
var tokenUserQuery = "SELECT t.id, t.user_id, t.name, t.role, t.created_at, t.last_used_at, t.revoked_at, u." +
	strings.ReplaceAll(userColumns, ", ", ", u.") + " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?"

// scanAfter scans the leading columns of a row into first and hands the
// rest to whoever calls Scan (scanUser).
type scanAfter struct {
	row   interface{ Scan(...any) error }
	first []any
}

func (s scanAfter) Scan(dest ...any) error { return s.row.Scan(append(s.first, dest...)...) }

func scanToken(row interface{ Scan(...any) error }) (*APIToken, error) {
	var t APIToken
	var role string
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &role, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoToken
	}
	t.Role = Role(role)
	return &t, err
}

// ListTokens returns an account's valid (not revoked) tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]*APIToken, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE user_id = ? AND revoked_at = 0 ORDER BY created_at DESC, id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken ends a token for good. A non-zero ownerID restricts it to
// that account's own tokens; revoking twice reports ErrNoToken.
func (s *Service) RevokeToken(ctx context.Context, id, ownerID int64) error {
	q, args := "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0", []any{s.now(), id}
	if ownerID != 0 {
		q += " AND user_id = ?"
		args = append(args, ownerID)
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := execOne(ctx, tx, q, args...); err != nil {
			return err
		}
		return s.audit(ctx, tx, "revoke", "api_token", id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoToken
	}
	return err
}

// LookupToken finds the account a token acts for. The returned user's
// Role is capped at the token's role (and stays the account's when that
// is lower, after a demotion). Unknown and revoked tokens, and tokens of
// disabled accounts, give ErrNoToken.
func (s *Service) LookupToken(ctx context.Context, token string) (*User, int64, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 200 {
		return nil, 0, ErrNoToken
	}
	// One query for the token and its account: this runs on every API
	// request.
	var t APIToken
	var role string
	row := s.DB.QueryRow(ctx, tokenUserQuery, hashToken(token))
	u, err := s.scanUser(scanAfter{row, []any{&t.ID, &t.UserID, &t.Name, &role, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt}})
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrNoToken
	}
	if err != nil {
		return nil, 0, err
	}
	t.Role = Role(role)
	if t.RevokedAt != 0 {
		return nil, 0, ErrNoToken
	}
	if u.Disabled {
		return nil, 0, ErrNoToken
	}
	if !t.Role.Valid() {
		return nil, 0, ErrNoToken
	}
	if u.Role.AtLeast(t.Role) {
		u.Role = t.Role
	}
	if now := s.now(); now-t.LastUsedAt >= tokenTouchEvery {
		if _, err := s.DB.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, t.ID); err != nil {
			return nil, 0, err
		}
	}
	return u, t.ID, nil
}
