package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// finishTimeout bounds the transaction that records an outcome. It runs
// on a context detached from Run's, so that a handler that succeeded just
// as the process is asked to stop is still recorded as done.
const finishTimeout = 10 * time.Second

func scanJob(rows *sql.Rows) (*Job, error) {
	var j Job
	var args string
	var key sql.NullString
	if err := rows.Scan(&j.ID, &j.Kind, &args, &j.Attempt, &j.MaxAttempts, &key); err != nil {
		return nil, err
	}
	j.Args = json.RawMessage(args)
	j.Key = key.String
	j.Final = j.Attempt >= j.MaxAttempts
	return &j, nil
}

// work runs one claimed attempt and records its outcome.
func (q *Queue) work(ctx context.Context, j *Job) {
	q.mu.Lock()
	h, th, ch, g := q.handlers[j.Kind], q.txs[j.Kind], q.commits[j.Kind], q.groups[j.Kind]
	q.mu.Unlock()
	switch {
	case th != nil:
		q.workTx(ctx, j, th)
	case g != nil:
		q.workGroup(ctx, j, g)
	case ch != nil:
		q.workHandler(ctx, j, ch)
	default:
		q.workHandler(ctx, j, func(ctx context.Context, j *Job) (TxFunc, error) { return nil, h(ctx, j) })
	}
}

// workHandler: no transaction is open while h runs (SQLite's one writer
// must not wait for a rescue centre's mail server). The lease is extended
// meanwhile; if it is lost (another worker took the job over), h's ctx is
// cancelled and nothing is recorded.
func (q *Queue) workHandler(ctx context.Context, j *Job, h CommitHandler) {
	var effect TxFunc
	if q.runLeased(ctx, j, func(hctx context.Context) (err error) {
		effect, err = callHandler(hctx, j, h)
		return err
	}) {
		q.finishOK(&doneReq{j: j, effect: effect})
	}
}

// workGroup runs a HandleGroup job as workHandler does; its result goes
// to the group commit for its kind's GroupCommit.
func (q *Queue) workGroup(ctx context.Context, j *Job, g *groupKind) {
	var result any
	if q.runLeased(ctx, j, func(hctx context.Context) (err error) {
		defer recoverTo(&err)
		result, err = g.handle(hctx, j)
		return err
	}) {
		q.finishOK(&doneReq{j: j, result: result, commit: g.commit})
	}
}

// runLeased runs h with the job's lease kept, records a failure, and
// reports whether h succeeded with the lease still ours.
func (q *Queue) runLeased(ctx context.Context, j *Job, h func(context.Context) error) bool {
	if !q.renewAged(ctx, j) {
		return false
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.keepLease(hctx, j, stop, cancel)
	}()
	err := h(hctx)
	close(stop)
	<-done
	if errors.Is(context.Cause(hctx), errLeaseLost) {
		q.log.Warn("job lease lost while running; another worker has it", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
		return false
	}
	if err == nil {
		return true
	}
	q.finishErr(ctx, j, err)
	return false
}

// renewAged extends the lease of a job that waited, claimed ahead, for a
// third of it or more, so that it starts with a whole lease; false if it
// was taken over meanwhile (or the renewal failed: then it is given up
// to whoever claims it after the lease, rather than run on a short one).
func (q *Queue) renewAged(ctx context.Context, j *Job) bool {
	lease := q.lease()
	if j.claimed.IsZero() || time.Since(j.claimed) < lease/3 {
		return true
	}
	n, err := q.update(ctx, `UPDATE jobs SET locked_until = ? WHERE id = ? AND state = 'running' AND attempt = ?`,
		nowMS()+lease.Milliseconds(), j.ID, j.Attempt)
	if err != nil || n == 0 {
		q.log.Warn("job lease lost before it ran; another worker has it", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
		return false
	}
	return true
}

// keepLease extends the lease every third of its length until stop.
func (q *Queue) keepLease(ctx context.Context, j *Job, stop <-chan struct{}, lost context.CancelCauseFunc) {
	lease := q.lease()
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := q.db.Exec(ctx, `UPDATE jobs SET locked_until = ? WHERE id = ? AND state = 'running' AND attempt = ?`,
			nowMS()+lease.Milliseconds(), j.ID, j.Attempt)
		if err != nil {
			// Transient (busy, network): the lease still has two thirds left.
			if ctx.Err() == nil {
				q.log.Warn("extend job lease", "kind", j.Kind, "job", j.ID, "err", scrub(err.Error()))
			}
			continue
		}
		if n, _ := res.RowsAffected(); n == 0 {
			lost(errLeaseLost)
			return
		}
	}
}

// workTx runs h inside the transaction that marks the job done. The
// fenced UPDATE comes first: it fails if another worker took the job over
// (then nothing of h is committed), and on PostgreSQL it locks the row so
// that no claimer can take it while h runs.
func (q *Queue) workTx(ctx context.Context, j *Job, h TxHandler) {
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'done', finished_at = ?, locked_until = 0
			WHERE id = ? AND state = 'running' AND attempt = ?`, nowMS(), j.ID, j.Attempt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(errLeaseLost, err)
		}
		return callTxHandler(ctx, tx, j, h)
	})
	switch {
	case err == nil:
		q.log.Debug("job done", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
	case errors.Is(err, errLeaseLost):
		q.log.Warn("job lease lost before it ran; another worker has it", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
	default:
		q.finishErr(ctx, j, err)
	}
}

func callHandler(ctx context.Context, j *Job, h CommitHandler) (effect TxFunc, err error) {
	defer recoverTo(&err)
	return h(ctx, j)
}

func callTxHandler(ctx context.Context, tx *store.Tx, j *Job, h TxHandler) (err error) {
	defer recoverTo(&err)
	return h(ctx, tx, j)
}

// errPanic marks a handler panic: an error of the job, not a crash of
// the process.
var errPanic = errors.New("panic")

func recoverTo(err *error) {
	if r := recover(); r != nil {
		// The stack holds code locations and raw words, not handler data.
		*err = fmt.Errorf("%w: %v\n%s", errPanic, r, debug.Stack())
	}
}

// finishOK hands the job, with its effect, to the group commit and
// returns at once: the worker is free for the next job while the commit
// waits for the writer. Until it commits the job is still running with
// its lease, so a crash meanwhile runs it again (at least once); Run
// waits for pending commits before it returns.
func (q *Queue) finishOK(r *doneReq) {
	q.markDone(r)
}

// finishErr records a failed attempt: retry after backoff, or failed for
// good. An attempt cut short because Run is stopping is given back
// instead, uncounted and due at once, so a restart resumes it without
// waiting for the lease.
func (q *Queue) finishErr(runCtx context.Context, j *Job, herr error) {
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	now := nowMS()
	if runCtx.Err() != nil {
		_, err := q.update(ctx, `UPDATE jobs SET state = 'pending', attempt = attempt - 1, run_at = ?, locked_until = 0
			WHERE id = ? AND state = 'running' AND attempt = ?`, now, j.ID, j.Attempt)
		if err != nil {
			q.log.Warn("give back interrupted job; its lease will expire", "kind", j.Kind, "job", j.ID, "err", scrub(err.Error()))
		}
		return
	}
	msg := errorText(herr)
	if errors.Is(herr, errPanic) {
		_, stack, _ := strings.Cut(herr.Error(), "\n")
		q.log.Error("job handler panicked", "kind", j.Kind, "job", j.ID, "stack", stack)
	}
	var n int64
	var err error
	state := StateFailed
	if IsPermanent(herr) || j.Attempt >= j.MaxAttempts {
		n, err = q.update(ctx, `UPDATE jobs SET state = 'failed', finished_at = ?, locked_until = 0, last_error = ?
			WHERE id = ? AND state = 'running' AND attempt = ?`, now, msg, j.ID, j.Attempt)
	} else {
		state = StatePending
		n, err = q.update(ctx, `UPDATE jobs SET state = 'pending', run_at = ?, locked_until = 0, last_error = ?
			WHERE id = ? AND state = 'running' AND attempt = ?`, now+q.backoff(j.Attempt).Milliseconds(), msg, j.ID, j.Attempt)
	}
	switch {
	case err != nil:
		q.log.Error("record job failure; its lease will expire", "kind", j.Kind, "job", j.ID, "err", scrub(err.Error()))
	case n == 0:
		q.log.Warn("job failed after its lease was taken over", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
	case state == StateFailed:
		q.log.Error("job failed", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt, "err", msg)
	default:
		q.log.Warn("job attempt failed; will retry", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt, "err", msg)
	}
}

func (q *Queue) update(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.db.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
