package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// Service is the account store and the rules around it.
type Service struct {
	DB     *store.DB
	Hash   HashParams
	Now    func() time.Time
	Limits Limits
	// Cipher encrypts display names and TOTP secrets.
	Cipher vault.Cipher

	dummyOnce sync.Once
	dummy     string
	// Audit, when set, records account changes in the audit log inside
	// the transaction that makes them.
	// The acting account comes from the context (see the audit package).
	Audit func(ctx context.Context, tx *store.Tx, action, recordType, recordID string) error
}

// audit records an account event when an audit hook is set.
func (s *Service) audit(ctx context.Context, tx *store.Tx, action, recordType string, id int64) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit(ctx, tx, action, recordType, strconv.FormatInt(id, 10))
}

// inTxAudited runs one statement that must change exactly one row and
// records it in the audit log, in one transaction.
func (s *Service) inTxAudited(ctx context.Context, action, recordType string, id int64, query string, args ...any) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := execOne(ctx, tx, query, args...); err != nil {
			return err
		}
		return s.audit(ctx, tx, action, recordType, id)
	})
}

// Limits are the session lifetimes and login throttling thresholds.
type Limits struct {
	// IdleTimeout ends a session nobody used for this long.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends every session this long after login, used or not.
	AbsoluteTimeout time.Duration
	// SecondFactorTimeout bounds the time between password and TOTP code.
	SecondFactorTimeout time.Duration
	// FailureWindow is how far back failed logins count.
	FailureWindow time.Duration
	// MaxFailuresPerAccount and MaxFailuresPerAddress are the failed
	// attempts allowed within FailureWindow before logins are refused.
	MaxFailuresPerAccount int
	MaxFailuresPerAddress int
	// InviteLifetime is how long an invitation link stays valid.
	InviteLifetime time.Duration
}

// DefaultLimits fit a hotline shift: a session survives a long quiet night
// hour but not a forgotten laptop over the weekend.
var DefaultLimits = Limits{
	IdleTimeout:           2 * time.Hour,
	AbsoluteTimeout:       12 * time.Hour,
	SecondFactorTimeout:   5 * time.Minute,
	FailureWindow:         15 * time.Minute,
	MaxFailuresPerAccount: 5,
	MaxFailuresPerAddress: 30,
	InviteLifetime:        7 * 24 * time.Hour,
}

// New returns a Service with default costs and limits.
func New(db *store.DB) *Service {
	return &Service{DB: db, Hash: DefaultHashParams, Now: time.Now, Limits: DefaultLimits}
}

func (s *Service) now() int64 { return s.Now().Unix() }

// newToken returns a random URL-safe secret and the hash under which it is
// stored: the database never holds a usable session or invite token.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
