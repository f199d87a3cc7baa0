package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// groupCommit merges SQLite write transactions that wait for the writer at
// the same time into one database transaction with one commit.
//
// Why: SQLite takes one writer at a time, and each commit writes the WAL
// frames of every page it touched and waits for fsync. When several
// requests write at once (documenters' programs posting incidents, a shift
// closing cases), they queued for the writer and each paid for its own
// commit; the commit was a quarter of the CPU time of creating an incident
// through the API, and the time the writer was held bounded the
// throughput. Merged, the pages they share (index roots, the audit head)
// are written once and fsync is waited for once.
//
// What does not change: each caller's fn runs in its own savepoint, so a
// fn that fails (or panics) undoes only its own writes and its caller gets
// its own error (or panic); every caller returns only after the commit
// that holds its writes is durable, so an acknowledged write survives a
// crash exactly as before; AfterCommit hooks run on the caller's goroutine
// after that commit, and never for a write that was undone. A lone writer
// (the common case on a quiet instance) gets a plain transaction with no
// savepoint, as before.
//
// How: the first caller to find the writer idle becomes the leader; it
// takes every queued request (up to maxBatch), runs their fns one after
// the other in one transaction, commits, hands the lead to the next queued
// caller if any, and wakes the callers of its batch.
type groupCommit struct {
	db    *DB
	mu    sync.Mutex
	queue []*writeReq
	busy  bool // a leader is running a batch
}

// maxBatch bounds how many callers share one transaction, so that one
// commit never holds back a caller for long.
const maxBatch = 32

// writeReq is one caller's transaction waiting for, or done by, a leader.
type writeReq struct {
	ctx    context.Context
	fn     func(*Tx) error
	tx     *Tx       // the caller's view of the shared transaction, last attempt
	err    error     // the caller's result
	panic  any       // what fn panicked with, re-raised on the caller's goroutine
	wake   chan bool // true: lead the next batch; false: done
	chosen bool      // picked to lead next (under groupCommit.mu)
}

func (g *groupCommit) do(ctx context.Context, fn func(*Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		var err error
		if lead, err = g.wait(r); err != nil {
			return err
		}
		if !lead {
			return r.finish()
		}
	}
	g.lead(r)
	return r.finish()
}

// wait waits for r's turn: to lead (true) or to be done (false). A caller
// whose context ends while it still waits in the queue leaves it, as a
// caller waiting for the writer's connection always could; once a leader
// has taken it into a batch, or picked it to lead, it sees that through.
func (g *groupCommit) wait(r *writeReq) (lead bool, err error) {
	select {
	case lead := <-r.wake:
		return lead, nil
	case <-r.ctx.Done():
	}
	g.mu.Lock()
	if i := slices.Index(g.queue, r); i >= 0 && !r.chosen {
		g.queue = slices.Delete(g.queue, i, i+1)
		g.mu.Unlock()
		return false, r.ctx.Err()
	}
	g.mu.Unlock()
	return <-r.wake, nil
}

// lead takes up to maxBatch queued requests (r first among them), runs
// them, then hands the lead on and wakes the batch's callers: in a defer,
// so that a panic outside the callers' fns, or a test's t.Fatal inside
// one, cannot leave every later writer waiting for ever.
func (g *groupCommit) lead(r *writeReq) {
	g.mu.Lock()
	n := min(len(g.queue), maxBatch)
	batch := append([]*writeReq(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()
	settled := false
	defer func() {
		if !settled {
			for _, b := range batch {
				if b.err == nil && b.panic == nil {
					b.err = errBatchFailed
				}
			}
		}
		g.handOff(batch, r)
	}()
	g.db.runBatch(batch)
	settled = true
	for _, b := range batch {
		if b.tx != nil {
			// The leader holds no connection now: prepare what the
			// transaction ran uncached.
			b.tx.prepareMissed(context.Background())
		}
	}
}

// handOff makes the first queued caller the next leader, or marks the
// writer idle, and wakes the callers of batch but r (the leader itself).
func (g *groupCommit) handOff(batch []*writeReq, r *writeReq) {
	g.mu.Lock()
	var next *writeReq
	if len(g.queue) > 0 {
		next = g.queue[0]
		next.chosen = true
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	if next != nil {
		next.wake <- true
	}
	for _, b := range batch {
		if b != r {
			b.wake <- false
		}
	}
}

// errBatchFailed is the result of the callers of a batch that ended
// without one (the leader panicked outside their fns): their writes were
// not committed.
var errBatchFailed = errors.New("store: the write batch failed before it committed")

// finish returns the caller's result on its own goroutine: a panic in fn
// is raised again here, and the AfterCommit hooks run only on success.
func (r *writeReq) finish() error {
	if r.panic != nil {
		panic(r.panic)
	}
	if r.err != nil {
		return r.err
	}
	for _, f := range r.tx.after {
		f()
	}
	return nil
}

// runBatch runs batch in one transaction, retried whole while SQLite
// reports another process holding the write lock, and leaves each
// request's result in it.
func (db *DB) runBatch(batch []*writeReq) {
	err := retryBusy(context.Background(), db.Dialect, func() error { return db.tryBatch(batch) })
	for _, r := range batch {
		if err != nil && r.err == nil && r.panic == nil {
			r.err = err
		}
	}
}

// errBatchAborted marks the requests of a batch whose transaction SQLite
// rolled back on its own after one of them failed (an I/O error, a full
// disk): their writes are gone with it.
var errBatchAborted = errors.New("store: transaction rolled back after another write in it failed")

// tryBatch is one attempt at a batch. It returns an error only for what
// fails the whole transaction (begin, commit, a busy database); a fn's own
// error stays with its request.
func (db *DB) tryBatch(batch []*writeReq) error {
	// Not the caller's context: cancelling one caller must not roll back
	// the others' writes (database/sql rolls a transaction back when its
	// context ends).
	sqlTx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	// Whatever way this attempt ends without a commit (a panic included),
	// the writer's only connection must not stay in the transaction.
	defer sqlTx.Rollback()
	shared := len(batch) > 1
	for _, r := range batch {
		r.tx = &Tx{Dialect: db.Dialect, tx: sqlTx, rebind: db.rebind, stmts: db.writeStmts, detached: shared}
		r.err, r.panic = nil, nil
	}
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if shared {
			if _, err := sqlTx.Exec("SAVEPOINT faro_write"); err != nil {
				return errors.Join(err, ignoreDone(sqlTx.Rollback()))
			}
		}
		r.panic, r.err = runProtected(r.fn, r.tx)
		// Rows fn left open would keep RELEASE or ROLLBACK TO from
		// running ("statements in progress").
		r.tx.closeOpen()
		if r.err == nil && r.panic == nil {
			if !shared {
				continue
			}
			err := releaseSavepoint(sqlTx)
			if err == nil {
				continue
			}
			// Undo this caller's writes only, below.
			r.err = fmt.Errorf("store: savepoint: %w", err)
		} else if isBusy(r.err) || !shared {
			// Busy: retry the whole batch. Alone: a plain rollback, as
			// a transaction of its own always had.
			rb := ignoreDone(sqlTx.Rollback())
			if isBusy(r.err) {
				return errors.Join(r.err, rb)
			}
			r.err = errors.Join(r.err, rb)
			return nil
		}
		if err := rollbackTo(sqlTx); err != nil {
			// SQLite already rolled the whole transaction back.
			_ = ignoreDone(sqlTx.Rollback())
			for _, o := range batch {
				if o != r && o.panic == nil && o.err == nil {
					o.err = fmt.Errorf("%w: %w", errBatchAborted, err)
				}
			}
			return nil
		}
	}
	return sqlTx.Commit()
}

func releaseSavepoint(sqlTx *sql.Tx) error {
	_, err := sqlTx.Exec("RELEASE faro_write")
	return err
}

// rollbackTo undoes the writes of the request that just failed and leaves
// the transaction open for the others.
func rollbackTo(sqlTx *sql.Tx) error {
	if _, err := sqlTx.Exec("ROLLBACK TO faro_write"); err != nil {
		return err
	}
	return releaseSavepoint(sqlTx)
}

// runProtected runs fn, turning a panic into a value to re-raise on the
// caller's goroutine rather than the leader's.
func runProtected(fn func(*Tx) error, tx *Tx) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, fn(tx)
}
