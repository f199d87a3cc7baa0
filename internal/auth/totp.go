package auth

import (
	"context"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP follows RFC 6238 with the parameters every authenticator app
// understands: SHA-1, six digits, 30-second steps, one step of clock skew.
const (
	totpPeriod = 30
	totpSkew   = 1
)

var ErrTOTPAlreadyOn = errors.New("auth: second factor already enabled")

// TOTPEnrolment is a secret offered to a user before they confirm it.
type TOTPEnrolment struct {
	Secret string
	URL    string // otpauth:// URL for authenticator apps
}

// StartTOTP generates and stores an unconfirmed secret for the account.
// It becomes active only once a code from it is confirmed.
func (s *Service) StartTOTP(ctx context.Context, u *User, issuer string) (*TOTPEnrolment, error) {
	if u.TOTPEnabled {
		return nil, ErrTOTPAlreadyOn
	}
	if u.totpSecret != "" {
		// Rebuild the offer from the pending secret the way it was first
		// made, so that the issuer is escaped the same way.
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.totpSecret)
		if err == nil {
			k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Login, Period: totpPeriod, Secret: raw})
			if err == nil && k.Secret() == u.totpSecret {
				return &TOTPEnrolment{Secret: u.totpSecret, URL: k.URL()}, nil
			}
		}
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Login, Period: totpPeriod})
	if err != nil {
		return nil, err
	}
	enc, err := s.seal(u.ID, "totp_secret", key.Secret())
	if err != nil {
		return nil, err
	}
	if err := execOne(ctx, s.DB, "UPDATE users SET totp_secret = ?, updated_at = ? WHERE id = ?", enc, s.now(), u.ID); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP activates the pending secret when code matches it.
func (s *Service) ConfirmTOTP(ctx context.Context, userID int64, code string) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.TOTPEnabled {
		return ErrTOTPAlreadyOn
	}
	if u.totpSecret == "" {
		return ErrBadCode
	}
	if err := s.useTOTPCode(ctx, u, code); err != nil {
		return err
	}
	return s.inTxAudited(ctx, "update", "user", u.ID, "UPDATE users SET totp_enabled = 1, updated_at = ? WHERE id = ?", s.now(), u.ID)
}

// DisableTOTP turns the second factor off, after checking the password.
// Admins cannot: they must always have one.
func (s *Service) DisableTOTP(ctx context.Context, userID int64, password string) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Role == Admin {
		return ErrTOTPRequired
	}
	ok, err := VerifyPassword(u.passwordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	return s.inTxAudited(ctx, "update", "user", u.ID, "UPDATE users SET totp_enabled = 0, totp_secret = NULL, updated_at = ? WHERE id = ?", s.now(), u.ID)
}

// ErrTOTPRequired is returned when an admin tries to drop their second factor.
var ErrTOTPRequired = errors.New("auth: admins must keep a second factor")

// useTOTPCode accepts code when it matches a time step within the skew that
// is later than the last step accepted for this account, and records that
// step atomically: a code works once, even with two processes racing.
func (s *Service) useTOTPCode(ctx context.Context, u *User, code string) error {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return ErrBadCode
	}
	now := s.Now()
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		st := step + d
		want, err := totp.GenerateCodeCustom(u.totpSecret, time.Unix(st*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return ErrBadCode
		}
		if want != code {
			continue
		}
		res, err := s.DB.Exec(ctx, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", st, u.ID, st)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		return ErrBadCode
	}
	return ErrBadCode
}

// TOTPCode returns the current code for a secret; the demo and tests use it.
func TOTPCode(secret string, t time.Time) string {
	c, _ := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return c
}
