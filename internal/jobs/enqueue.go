package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/store"
)

// Limits on what Enqueue accepts. Args hold ids: a few hundred bytes.
const (
	maxKindLen = 64
	maxKeyLen  = 256
	maxArgsLen = 16 << 10
)

// Errors returned by Enqueue for input it refuses.
var (
	ErrBadKind = errors.New("jobs: kind must be 1-64 printable ASCII characters")
	ErrBadKey  = errors.New("jobs: key must be valid UTF-8, without NUL, at most 256 bytes")
	ErrBadArgs = errors.New("jobs: args must marshal to valid UTF-8 JSON of at most 16 KiB")
)

// Enqueue adds a job inside the caller's transaction, so it exists iff the
// change that caused it committed. args is JSON-marshalled and must hold
// ids only, never personal data (the table is not encrypted). With a Key,
// while a job with that key is pending or running, Enqueue returns that
// job's id and adds nothing.
func (q *Queue) Enqueue(ctx context.Context, tx *store.Tx, kind string, args any, o Options) (int64, error) {
	if !validKind(kind) {
		return 0, ErrBadKind
	}
	if !validKey(o.Key) {
		return 0, ErrBadKey
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadArgs, err)
	}
	if len(raw) > maxArgsLen || !utf8.Valid(raw) {
		return 0, ErrBadArgs
	}
	maxAttempts := o.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	now := nowMS()
	runAt := now
	if !o.RunAt.IsZero() {
		runAt = o.RunAt.UnixMilli()
	}
	var key any // NULL without a key: NULLs never collide in the unique index
	if o.Key != "" {
		key = o.Key
	}
	// ON CONFLICT on the partial index (same predicate, so both engines
	// infer it): on PostgreSQL a concurrent transaction inserting the same
	// key makes this one wait for it instead of aborting on a duplicate.
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO jobs (kind, args, key, state, attempt, max_attempts, run_at, locked_until, last_error, created_at, finished_at)
		VALUES (?, ?, ?, 'pending', 0, ?, ?, 0, '', ?, 0)
		ON CONFLICT (key) WHERE state IN ('pending', 'running') DO NOTHING
		RETURNING id`, kind, string(raw), key, maxAttempts, runAt, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRow(ctx, `SELECT id FROM jobs WHERE key = ? AND state IN ('pending', 'running')`, o.Key).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("jobs: find job by key: %w", err)
		}
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	if runAt <= now {
		tx.AfterCommit(q.Wake)
	}
	return id, nil
}

func validKind(kind string) bool {
	if kind == "" || len(kind) > maxKindLen {
		return false
	}
	for i := 0; i < len(kind); i++ {
		if kind[i] <= ' ' || kind[i] > '~' {
			return false
		}
	}
	return true
}

// validKey refuses what PostgreSQL's TEXT cannot hold (invalid UTF-8,
// NUL), so a key behaves the same on both engines.
func validKey(key string) bool {
	return len(key) <= maxKeyLen && utf8.ValidString(key) && !strings.ContainsRune(key, 0)
}

// Cancel cancels the pending (not yet running) job with this key; false
// if there is none. It is part of the caller's transaction.
func (q *Queue) Cancel(ctx context.Context, tx *store.Tx, key string) (bool, error) {
	if key == "" || !validKey(key) {
		return false, nil
	}
	res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'cancelled', finished_at = ?
		WHERE key = ? AND state = 'pending'`, nowMS(), key)
	if err != nil {
		return false, fmt.Errorf("jobs: cancel: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Status is what is known about one job.
type Status struct {
	Kind       string
	State      string // pending, running, done, failed or cancelled
	Attempts   int    // attempts started so far
	LastError  string // error class of the last failed attempt, if any
	RunAt      time.Time
	FinishedAt time.Time // zero until done, failed or cancelled
}

// Status returns the job's state; the error wraps store.ErrNotFound for
// an unknown id (or one deleted after Retention).
func (q *Queue) Status(ctx context.Context, id int64) (Status, error) {
	var s Status
	var runAt, finished int64
	err := q.db.QueryRow(ctx, `SELECT kind, state, attempt, last_error, run_at, finished_at FROM jobs WHERE id = ?`, id).
		Scan(&s.Kind, &s.State, &s.Attempts, &s.LastError, &runAt, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, fmt.Errorf("jobs: job %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return Status{}, fmt.Errorf("jobs: status: %w", err)
	}
	s.RunAt, s.FinishedAt = fromMS(runAt), fromMS(finished)
	return s, nil
}

// Stats counts jobs by state, for the admin page: every state is present,
// with 0 when no job is in it. Finished jobs count until Retention
// removes them.
func (q *Queue) Stats(ctx context.Context) (map[string]int, error) {
	m := map[string]int{StatePending: 0, StateRunning: 0, StateDone: 0, StateFailed: 0, StateCancelled: 0}
	rows, err := q.db.Query(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("jobs: stats: %w", err)
		}
		m[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: stats: %w", err)
	}
	return m, nil
}
