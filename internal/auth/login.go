package auth

import (
	"context"
	"errors"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/store"
)

var (
	// ErrBadCredentials covers unknown logins and wrong passwords alike, so
	// that the answer does not reveal which accounts exist.
	ErrBadCredentials = errors.New("auth: wrong login or password")
	ErrDisabled       = errors.New("auth: account disabled")
	ErrBadCode        = errors.New("auth: wrong or already used code")
)

// ThrottledError says logins are refused for a while.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string { return "auth: too many failed attempts" }

// LoginResult is what a successful password check gives.
type LoginResult struct {
	Token string
	// State is StateFull, or StateSecondFactor when a TOTP code must follow.
	State string
	User  *User
}

// dummyHash returns a hash made with the service's own costs, verified
// against when the login is unknown so that a wrong login takes as long as
// a wrong password.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy = HashPassword("faro-dummy-password", s.Hash) })
	return s.dummy
}

// Login checks a password and opens a session. addr identifies the client
// address for throttling; ua is its User-Agent.
func (s *Service) Login(ctx context.Context, login, password, addr, ua string) (*LoginResult, error) {
	login = NormalizeLogin(login)
	keys := []throttleKey{{"account:" + login, s.Limits.MaxFailuresPerAccount}, {"address:" + addr, s.Limits.MaxFailuresPerAddress}}
	// The attempt counts as a failure from here on, unless it turns out
	// not to be one.
	att, err := s.reserve(ctx, keys)
	if err != nil {
		return nil, err
	}
	// A login no account can have (PostgreSQL would also refuse a NUL or
	// invalid UTF-8 in the query, a 500) is answered like an unknown one.
	var u *User
	if ValidateLogin(login) != nil {
		err = store.ErrNotFound
	} else {
		u, err = s.UserByLogin(ctx, login)
	}
	if errors.Is(err, store.ErrNotFound) {
		VerifyPassword(s.dummyHash(), password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		att.release(ctx)
		return nil, err
	}
	ok, err := VerifyPassword(u.passwordHash, password)
	if err != nil {
		att.release(ctx)
		return nil, err
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	att.release(ctx)
	if u.Disabled {
		return nil, ErrDisabled
	}
	state := StateFull
	if u.TOTPEnabled {
		state = StateSecondFactor
	}
	token, err := s.createSession(ctx, s.DB, u.ID, state, ua)
	if err != nil {
		return nil, err
	}
	if state == StateFull {
		s.clearFailures(ctx, keys[0])
		if err := s.recordLogin(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return &LoginResult{Token: token, State: state, User: u}, nil
}

// CompleteSecondFactor checks a TOTP code for a session waiting for one. On
// success the waiting session is replaced by a new full one (a fresh token:
// whatever saw the first cookie cannot ride on the second).
func (s *Service) CompleteSecondFactor(ctx context.Context, pendingToken, code, addr, ua string) (*LoginResult, error) {
	ss, u, err := s.Lookup(ctx, pendingToken)
	if err != nil {
		return nil, err
	}
	if ss.State != StateSecondFactor {
		return nil, ErrNoSession
	}
	keys := []throttleKey{{"account:" + u.Login, s.Limits.MaxFailuresPerAccount}, {"address:" + addr, s.Limits.MaxFailuresPerAddress}}
	att, err := s.reserve(ctx, keys)
	if err != nil {
		return nil, err
	}
	if err := s.useTOTPCode(ctx, u, code); err != nil {
		if !errors.Is(err, ErrBadCode) {
			att.release(ctx)
		}
		return nil, err
	}
	att.release(ctx)
	var token string
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		// Only one completion may win: two racing requests with two valid
		// codes must not both turn the waiting session into full ones.
		if err := execOne(ctx, tx, "DELETE FROM sessions WHERE id = ?", ss.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoSession
			}
			return err
		}
		var err error
		token, err = s.createSession(ctx, tx, u.ID, StateFull, ua)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.clearFailures(ctx, keys[0])
	if err := s.recordLogin(ctx, u.ID); err != nil {
		return nil, err
	}
	return &LoginResult{Token: token, State: StateFull, User: u}, nil
}

// recordLogin puts a completed sign-in in the audit log.
func (s *Service) recordLogin(ctx context.Context, id int64) error {
	if s.Audit == nil {
		return nil
	}
	ctx = audit.WithActor(ctx, id)
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return s.audit(ctx, tx, "login", "user", id) })
}

// NewSessionFor opens a full session for u, used right after a password
// change or accepting an invitation, which end all earlier sessions.
func (s *Service) NewSessionFor(ctx context.Context, u *User, ua string) (string, error) {
	return s.createSession(ctx, s.DB, u.ID, StateFull, ua)
}
