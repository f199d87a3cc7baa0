package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id costs. The defaults follow RFC 9106's second
// recommended option scaled to a small server; tests use cheaper ones.
type HashParams struct {
	Time    uint32
	MemKiB  uint32
	Threads uint8
}

// DefaultHashParams is used by faro serve and faro demo.
var DefaultHashParams = HashParams{Time: 3, MemKiB: 64 * 1024, Threads: 2}

// Stored hashes asking for more than these costs are refused as malformed.
// So are salts and keys too short to be Faro's (it makes 16 and 32 bytes).
const (
	maxHashTime   = 100
	maxHashMemKiB = 2 * 1024 * 1024
	minSaltLen    = 8
	minKeyLen     = 16
)

// Password length limits: long enough for passphrases, bounded so that a
// huge body cannot make hashing a denial of service.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

var (
	ErrPasswordTooShort = errors.New("auth: password too short")
	ErrPasswordTooLong  = errors.New("auth: password too long")
	errBadHash          = errors.New("auth: malformed password hash")
)

// CheckPasswordPolicy says whether pw is acceptable as a new password.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return ErrPasswordTooShort
	}
	if len(pw) > MaxPasswordLen {
		return ErrPasswordTooLong
	}
	return nil
}

// HashPassword returns pw hashed with argon2id in the PHC string format.
func HashPassword(pw string, p HashParams) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemKiB, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemKiB, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// VerifyPassword reports whether pw matches the PHC-format hash.
func VerifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var p HashParams
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemKiB, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	// argon2 panics on zero time or threads; absurd costs would exhaust
	// memory or never finish. Fail closed on both.
	if p.Time < 1 || p.Time > maxHashTime || p.Threads < 1 || p.MemKiB > maxHashMemKiB {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen {
		return false, errBadHash
	}
	// A truncated key would let a few guesses match by chance.
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) < minKeyLen {
		return false, errBadHash
	}
	if len(pw) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
