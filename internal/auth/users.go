package auth

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// User is an account.
type User struct {
	ID           int64
	Login        string
	DisplayName  string
	Role         Role
	Lang         string
	TOTPEnabled  bool
	Disabled     bool
	CreatedAt    int64
	passwordHash string
	totpSecret   string
	totpLastStep int64
}

// NeedsTOTPEnrolment reports whether the account must set up a second
// factor before doing anything else: admins always need one.
func (u *User) NeedsTOTPEnrolment() bool { return u.Role == Admin && !u.TOTPEnabled }

var (
	ErrLoginTaken    = errors.New("auth: login already taken")
	ErrBadLogin      = errors.New("auth: login must be 3-64 letters, digits, dots, dashes or underscores")
	ErrBadName       = errors.New("auth: display name must be 1-100 characters")
	ErrBadRole       = errors.New("auth: unknown role")
	ErrLastAdmin     = errors.New("auth: the last active admin cannot be demoted or disabled")
	ErrWrongPassword = errors.New("auth: current password is wrong")
)

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// NormalizeLogin lowercases and trims a login as typed.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateLogin checks the login is well formed.
func ValidateLogin(login string) error {
	if !loginPattern.MatchString(login) {
		return ErrBadLogin
	}
	return nil
}

func validateName(name string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n < 1 || n > 100 {
		return ErrBadName
	}
	return nil
}

// NewUser describes an account to create.
type NewUser struct {
	Login, DisplayName, Password, Lang string
	Role                               Role
}

// CreateUser validates and stores a new account.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (*User, error) {
	hash, err := s.newUserHash(&nu)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.createUser(ctx, tx, nu, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// newUserHash validates nu and hashes its password. It runs before the
// write transaction: argon2id takes a good fraction of a second, and on
// SQLite every other write would wait for it behind the write lock.
func (s *Service) newUserHash(nu *NewUser) (string, error) {
	nu.Login = NormalizeLogin(nu.Login)
	if err := ValidateLogin(nu.Login); err != nil {
		return "", err
	}
	if err := validateName(nu.DisplayName); err != nil {
		return "", err
	}
	if !nu.Role.Valid() {
		return "", ErrBadRole
	}
	if err := CheckPasswordPolicy(nu.Password); err != nil {
		return "", err
	}
	return HashPassword(nu.Password, s.Hash), nil
}

// createUser stores a validated account whose password hash is ready.
func (s *Service) createUser(ctx context.Context, tx *store.Tx, nu NewUser, hash string) (int64, error) {
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE login = ?", nu.Login).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, ErrLoginTaken
	}
	now := s.now()
	id, err := store.InsertID(ctx, tx, `INSERT INTO users (login, display_name, password_hash, role, lang, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, nu.Login, []byte{},
		hash, string(nu.Role), nu.Lang, now, now)
	if err != nil {
		return 0, err
	}
	name, err := s.seal(id, "display_name", strings.TrimSpace(nu.DisplayName))
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "UPDATE users SET display_name = ? WHERE id = ?", name, id); err != nil {
		return 0, err
	}
	return id, s.audit(ctx, tx, "create", "user", id)
}

const userColumns = `id, login, display_name, password_hash, role, lang, totp_secret, totp_enabled, totp_last_step, disabled, created_at`

// scanUser reads a row and decrypts the name and TOTP secret. While Faro
// is sealed they stay empty (nothing that shows them is served then) and
// the user is marked so that code needing the secret fails closed.
func (s *Service) scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	var totp, disabled int
	var name, secret []byte
	err := row.Scan(&u.ID, &u.Login, &name, &u.passwordHash, &role, &u.Lang,
		&secret, &totp, &u.totpLastStep, &disabled, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u.Role, u.TOTPEnabled, u.Disabled = Role(role), totp == 1, disabled == 1
	if u.DisplayName, err = s.open(u.ID, "display_name", name); err != nil {
		return nil, err
	}
	if u.totpSecret, err = s.open(u.ID, "totp_secret", secret); err != nil {
		return nil, err
	}
	return &u, nil
}

// ErrNoCipher means the service was built without its field cipher.
var ErrNoCipher = errors.New("auth: no field cipher configured")

func userLoc(id int64, field string) vault.Location {
	return vault.Location{Table: "users", Record: strconv.FormatInt(id, 10), Field: field}
}

// open decrypts one of a user's encrypted fields; sealed gives "".
func (s *Service) open(id int64, field string, ct []byte) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	if s.Cipher == nil {
		return "", ErrNoCipher
	}
	pt, err := s.Cipher.Decrypt(userLoc(id, field), ct)
	if errors.Is(err, vault.ErrSealed) {
		return "", nil
	}
	return string(pt), err
}

// seal encrypts one of a user's fields for storage.
func (s *Service) seal(id int64, field, value string) ([]byte, error) {
	if s.Cipher == nil {
		return nil, ErrNoCipher
	}
	return s.Cipher.Encrypt(userLoc(id, field), []byte(value))
}

// UserByID loads an account.
func (s *Service) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.scanUser(s.DB.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// UserByLogin loads an account by its login.
func (s *Service) UserByLogin(ctx context.Context, login string) (*User, error) {
	return s.scanUser(s.DB.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE login = ?", NormalizeLogin(login)))
}

// Users lists every account by login.
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+userColumns+" FROM users ORDER BY login")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetRole changes an account's role. The last active admin keeps theirs.
func (s *Service) SetRole(ctx context.Context, id int64, role Role) error {
	if !role.Valid() {
		return ErrBadRole
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if role != Admin {
			if err := keepOneAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", string(role), s.now(), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "user", id)
	})
}

// SetDisabled disables or re-enables an account; disabling ends its sessions.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if disabled {
			if err := keepOneAdmin(ctx, tx, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", boolInt(disabled), s.now(), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "user", id)
	})
}

// keepOneAdmin fails when id is the only enabled admin left.
// On PostgreSQL the admins' rows are locked, so that two admins demoting
// each other at once are serialised and the second sees the first's change;
// on SQLite the write transaction already serialises them.
func keepOneAdmin(ctx context.Context, tx *store.Tx, id int64) error {
	q := "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id"
	if tx.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var others, self int
	for rows.Next() {
		var admin int64
		if err := rows.Scan(&admin); err != nil {
			return err
		}
		if admin == id {
			self++
		} else {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if self == 1 && others == 0 {
		return ErrLastAdmin
	}
	return nil
}

// SetLang stores the account's interface language.
func (s *Service) SetLang(ctx context.Context, id int64, lang string) error {
	return s.inTxAudited(ctx, "update", "user", id, "UPDATE users SET lang = ?, updated_at = ? WHERE id = ?", lang, s.now(), id)
}

// ChangePassword checks the current password, stores the new one and ends
// every session of the account; the caller logs the user in afresh.
func (s *Service) ChangePassword(ctx context.Context, id int64, current, next string) error {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	ok, err := VerifyPassword(u.passwordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	if err := CheckPasswordPolicy(next); err != nil {
		return err
	}
	hash := HashPassword(next, s.Hash)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
			return err
		}
		// A token made from a stolen session must die with it.
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0", s.now(), id); err != nil {
			return err
		}
		if err := execOne(ctx, tx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, s.now(), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "update", "user", id)
	})
}

func execOne(ctx context.Context, q store.Querier, query string, args ...any) error {
	res, err := q.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CheckPassword reports whether password is the account's, for actions
// that must not ride on a session alone (creating API tokens).
func (s *Service) CheckPassword(ctx context.Context, id int64, password string) error {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return err
	}
	ok, err := VerifyPassword(u.passwordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}
