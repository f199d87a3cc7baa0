package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/faro-project/faro/internal/store"
)

// ErrInviteInvalid covers unknown, used and expired invitations alike.
var ErrInviteInvalid = errors.New("auth: invitation invalid or expired")

// Invite is a pending invitation to join with a given login and role.
type Invite struct {
	ID        int64
	Login     string
	Role      Role
	CreatedAt int64
	ExpiresAt int64
}

// CreateInvite records an invitation and returns its secret token, which
// goes into the link handed to the invitee; only its hash is kept.
func (s *Service) CreateInvite(ctx context.Context, by int64, login string, role Role) (string, error) {
	login = NormalizeLogin(login)
	if err := ValidateLogin(login); err != nil {
		return "", err
	}
	if !role.Valid() {
		return "", ErrBadRole
	}
	token, hash := newToken()
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE login = ?", login).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrLoginTaken
		}
		now := s.now()
		id, err := store.InsertID(ctx, tx, `INSERT INTO invites (token_hash, login, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			hash, login, string(role), by, now, now+int64(s.Limits.InviteLifetime.Seconds()))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "create", "invite", id)
	})
	return token, err
}

// InviteByToken returns the live invitation for token.
func (s *Service) InviteByToken(ctx context.Context, token string) (*Invite, error) {
	var inv Invite
	var role string
	err := s.DB.QueryRow(ctx, `SELECT id, login, role, created_at, expires_at FROM invites
		WHERE token_hash = ? AND used_at = 0 AND expires_at >= ?`, hashToken(token), s.now()).
		Scan(&inv.ID, &inv.Login, &role, &inv.CreatedAt, &inv.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInviteInvalid
	}
	inv.Role = Role(role)
	return &inv, err
}

// AcceptInvite creates the invited account and marks the invitation used,
// in one transaction, so a link works once.
func (s *Service) AcceptInvite(ctx context.Context, token, displayName, password, lang string) (*User, error) {
	inv, err := s.InviteByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	nu := NewUser{Login: inv.Login, DisplayName: displayName, Password: password, Role: inv.Role, Lang: lang}
	hash, err := s.newUserHash(&nu)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := execOne(ctx, tx, "UPDATE invites SET used_at = ? WHERE id = ? AND used_at = 0", s.now(), inv.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrInviteInvalid
			}
			return err
		}
		id, err = s.createUser(ctx, tx, nu, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// PendingInvites lists invitations not yet used or expired.
func (s *Service) PendingInvites(ctx context.Context) ([]*Invite, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, login, role, created_at, expires_at FROM invites
		WHERE used_at = 0 AND expires_at >= ? ORDER BY created_at DESC`, s.now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Invite
	for rows.Next() {
		var inv Invite
		var role string
		if err := rows.Scan(&inv.ID, &inv.Login, &role, &inv.CreatedAt, &inv.ExpiresAt); err != nil {
			return nil, err
		}
		inv.Role = Role(role)
		out = append(out, &inv)
	}
	return out, rows.Err()
}

// RevokeInvite cancels a pending invitation.
func (s *Service) RevokeInvite(ctx context.Context, id int64) error {
	return s.inTxAudited(ctx, "delete", "invite", id, "DELETE FROM invites WHERE id = ? AND used_at = 0", id)
}
