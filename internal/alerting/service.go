package alerting

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// Cipher seals the ack tokens kept for retried deliveries (the vault).
type Cipher interface {
	Encrypt(loc vault.Location, plaintext []byte) ([]byte, error)
	Decrypt(loc vault.Location, ciphertext []byte) ([]byte, error)
}

// AuditFunc appends an audit entry inside tx.
type AuditFunc func(ctx context.Context, tx *store.Tx, action, recordType, recordID string) error

// Deps are the services alerting works with.
type Deps struct {
	DB         *store.DB
	Cipher     Cipher
	Audit      AuditFunc
	Cases      Cases
	Responders Responders
	Sender     Sender
	Jobs       Scheduler
}

// Options tune alerting.
type Options struct {
	// BaseURL starts the ack and verify links put in messages
	// ("https://faro.example.org"); without it links are relative.
	BaseURL string
	// Instance names this Faro in messages.
	Instance string
	// AckUnit is how long one of a rule's "ack minutes" lasts: a minute,
	// except in tests that cannot wait that long.
	AckUnit time.Duration
	// MaxAttempts of a delivery job before it is marked failed.
	MaxAttempts int
	// DefaultRadiusKm is a broadcast's radius when its rule has no circle.
	DefaultRadiusKm float64
	// Now is the clock (tests).
	Now func() time.Time
}

// Service is alerting: rules, dispatch, acknowledgement, escalation,
// verification and broadcast alerts.
type Service struct {
	Deps
	opts Options

	groupOnce sync.Once
	outcomes  chan *outcome
	cache     caseCache
	// responders and rules cache what a fan-out's deliveries share.
	responders responderCache
	rules      ruleTemplates
	prefetch   prefetchCache
	renders    renderCache
}

// New returns the alerting service.
func New(d Deps, o Options) *Service {
	if o.AckUnit <= 0 {
		o.AckUnit = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.DefaultRadiusKm <= 0 {
		o.DefaultRadiusKm = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if d.Audit == nil {
		d.Audit = func(context.Context, *store.Tx, string, string, string) error { return nil }
	}
	return &Service{Deps: d, opts: o}
}

func (s *Service) audit(ctx context.Context, tx *store.Tx, action, typ, id string) error {
	return s.Deps.Audit(ctx, tx, action, typ, id)
}

// permanent marks a delivery error no retry can fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// IsPermanent says a job error must not be retried (the adapter maps it
// to the queue's own marker).
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Errors of acknowledgement and verification.
var (
	ErrNoToken   = errors.New("alerting: unknown or expired link")
	ErrNotVerify = errors.New("alerting: this link does not ask for a verification")
	ErrVerdict   = errors.New("alerting: unknown verdict")
	ErrDecided   = errors.New("alerting: the report was already verified or closed")
)

// Delivery statuses and stages.
const (
	StatusPending      = "pending"
	StatusSent         = "sent"
	StatusFailed       = "failed"
	StatusAcknowledged = "acknowledged"

	StageDistress  = "distress"
	StageVerify    = "verify"
	StageBroadcast = "broadcast"
)

// SetAckUnit changes how long one "ack minute" lasts. Tests use seconds;
// call it before the workers start.
func (s *Service) SetAckUnit(d time.Duration) {
	if d > 0 {
		s.opts.AckUnit = d
	}
}
