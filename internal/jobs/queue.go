package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// Job states as stored in jobs.state.
const (
	StatePending   = "pending"
	StateRunning   = "running"
	StateDone      = "done"
	StateFailed    = "failed"
	StateCancelled = "cancelled"
)

// Defaults for the Queue's tunables.
const (
	DefaultConcurrency = 16
	DefaultMaxAttempts = 8
	DefaultLease       = 30 * time.Second
	DefaultPoll        = time.Second
	// DefaultRetention is how long finished jobs stay for the admin page
	// before Run deletes them.
	DefaultRetention = 14 * 24 * time.Hour
)

// Queue enqueues jobs and runs their handlers. Set the exported fields
// and register handlers before calling Run.
type Queue struct {
	// Concurrency bounds the handlers in flight (default 16).
	Concurrency int
	// Lease is how long a claimed job stays ours without news. A Handler
	// job's lease is extended while it runs; a worker that dies frees its
	// jobs after this long (default 30 s).
	Lease time.Duration
	// Poll is how often Run looks for due jobs without a Wake (default 1 s).
	Poll time.Duration
	// Backoff gives the delay before retry after failed attempt n (1, 2, …);
	// nil: Backoff.
	Backoff func(attempt int) time.Duration
	// Retention is how long done, failed and cancelled jobs are kept
	// (default 14 days).
	Retention time.Duration

	db   *store.DB
	log  *slog.Logger
	wake chan struct{}

	mu       sync.Mutex
	handlers map[string]Handler
	txs      map[string]TxHandler
	commits  map[string]CommitHandler
	groups   map[string]*groupKind

	done  doneGroup // group commit of finished Handler jobs
	local localJobs // jobs enqueued already claimed for this process's Run
}

// New returns a queue on db. It does nothing until Run.
func New(db *store.DB, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.Default()
	}
	return &Queue{
		db:       db,
		log:      log.With("component", "jobs"),
		wake:     make(chan struct{}, 1),
		handlers: map[string]Handler{},
		txs:      map[string]TxHandler{},
		commits:  map[string]CommitHandler{},
		groups:   map[string]*groupKind{},
		local:    localJobs{news: make(chan struct{}, 1)},
	}
}

// Options tune one Enqueue.
type Options struct {
	RunAt       time.Time // zero: now
	MaxAttempts int       // 0: 8
	// Key is optional; while a job with this key is pending or running,
	// Enqueue with the same key returns that job's id and adds nothing.
	Key string
	// Local (EnqueueMany only) inserts jobs due now already claimed by
	// this process's Run, when it runs and handles the kind, and hands
	// them to its workers once the transaction commits: a fan-out's jobs
	// then cost no claim (a transaction and an UPDATE of each row) before
	// they start. See localJobs.
	Local bool
}

// Job is one claimed attempt of a job, as a handler sees it.
type Job struct {
	ID          int64
	Kind        string
	Args        json.RawMessage
	Attempt     int // 1 for the first attempt
	MaxAttempts int
	Key         string
	Final       bool // this is the last attempt

	claimed time.Time // when this process claimed it (its lease began)
}

// Handler performs external side effects (network). It runs at least once
// per job: after a crash or a lost lease it may run again for an attempt
// whose effect already happened, so deliveries should be idempotent on
// the receiving side where they can be. An error retries with backoff;
// Permanent(err) ends the job as failed.
//
// The error text is stored in last_error and logged: it must name an
// error class or status code, never personal data (Faro scrubs addresses,
// URLs and long numbers from it as a second line of defence).
type Handler func(ctx context.Context, j *Job) error

// TxHandler performs database-only effects inside the transaction that
// marks the job done, so its effects happen exactly once. It must not
// start another transaction (SQLite has one writer: that deadlocks) and
// must not do network I/O (it holds the write lock). It should check
// again that its effect is still wanted (e.g. that an alert was not
// acknowledged meanwhile): Cancel cannot stop a job already running.
type TxHandler func(ctx context.Context, tx *store.Tx, j *Job) error

// TxFunc is a database effect committed with a job's done mark.
type TxFunc func(ctx context.Context, tx *store.Tx) error

// CommitHandler is a Handler whose success has a database effect to
// record, such as a delivery's status: it does its network I/O with no
// transaction open, as a Handler, and returns the effect, which is
// committed in the same transaction that marks the job done (group
// committed with other jobs finishing meanwhile). The effect is fenced
// like a TxHandler's: it is not committed if the job's lease was taken
// over. The effect must follow TxHandler's rules (no other transaction,
// no network I/O). An error retries with backoff as for a Handler; the
// returned TxFunc is then ignored.
type CommitHandler func(ctx context.Context, j *Job) (TxFunc, error)

// Handle registers the handler for jobs of kind. Registering a kind twice
// panics: it is a programming error.
func (q *Queue) Handle(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.mustBeNew(kind)
	q.handlers[kind] = h
}

// HandleCommit registers the handler for jobs of kind whose success is
// recorded with the job's done mark.
func (q *Queue) HandleCommit(kind string, h CommitHandler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.mustBeNew(kind)
	q.commits[kind] = h
}

// HandleTx registers the transactional handler for jobs of kind.
func (q *Queue) HandleTx(kind string, h TxHandler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.mustBeNew(kind)
	q.txs[kind] = h
}

func (q *Queue) mustBeNew(kind string) {
	if _, ok := q.handlers[kind]; ok {
		panic(fmt.Sprintf("jobs: handler for %q registered twice", kind))
	}
	if _, ok := q.txs[kind]; ok {
		panic(fmt.Sprintf("jobs: handler for %q registered twice", kind))
	}
	if _, ok := q.commits[kind]; ok {
		panic(fmt.Sprintf("jobs: handler for %q registered twice", kind))
	}
	if _, ok := q.groups[kind]; ok {
		panic(fmt.Sprintf("jobs: handler for %q registered twice", kind))
	}
}

// Wake makes Run look for due jobs now instead of at the next poll. Call
// it from tx.AfterCommit after Enqueue (Enqueue does so itself for a job
// due now). It never blocks.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// permanent marks an error that must not be retried.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the job ends failed at once instead of
// being retried. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Backoff is the default retry delay after failed attempt n:
// min(2^n seconds, 10 minutes), ±20 % jitter so that jobs that failed
// together (a rescue centre's server was down) do not retry together.
func Backoff(attempt int) time.Duration {
	d := 10 * time.Minute
	if attempt < 10 { // 2^10 s > 10 min
		d = min(d, time.Duration(1<<max(attempt, 0))*time.Second)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (q *Queue) concurrency() int {
	if q.Concurrency > 0 {
		return q.Concurrency
	}
	return DefaultConcurrency
}

func (q *Queue) lease() time.Duration {
	if q.Lease > 0 {
		return q.Lease
	}
	return DefaultLease
}

func (q *Queue) poll() time.Duration {
	if q.Poll > 0 {
		return q.Poll
	}
	return DefaultPoll
}

func (q *Queue) retention() time.Duration {
	if q.Retention > 0 {
		return q.Retention
	}
	return DefaultRetention
}

func (q *Queue) backoff(attempt int) time.Duration {
	if q.Backoff != nil {
		return q.Backoff(attempt)
	}
	return Backoff(attempt)
}

func nowMS() int64 { return time.Now().UnixMilli() }

func fromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
