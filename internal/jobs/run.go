package jobs

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// Run claims due jobs and runs their handlers until ctx ends, then waits
// for the handlers in flight (their ctx is cancelled) and returns. A job
// interrupted that way is put back to run again at once. Register every
// handler before Run; call Run once per Queue.
//
// Run claims ahead: up to 32 × Concurrency jobs (at most maxAhead) wait,
// claimed, for a free worker, so that workers need not wait for a claim
// transaction and claims come in large batches (on SQLite every
// transaction queues for the one writer and waits for its fsync, about
// 10-20 ms on a loaded VM: one claim per few jobs capped a fan-out at a
// few hundred jobs a second). A waiting job's lease is renewed before it
// starts if it has aged; jobs claimed ahead are given back when Run stops.
// A kill -9 costs each of them one attempt, as it does a running job.
// Jobs that EnqueueMany inserted already claimed for this Run (Local) are
// taken from its backlog before any claim (see localJobs).
// maxAhead bounds the jobs claimed ahead of a free worker.
const maxAhead = 1024

func (q *Queue) Run(ctx context.Context) {
	c := q.newClaimer()
	if c == nil {
		q.log.Warn("no job handlers registered")
		<-ctx.Done()
		return
	}
	conc := q.concurrency()
	room := conc + min(32*conc, maxAhead) // in flight plus claimed ahead
	minBatch := room / 4                  // a busy queue claims no fewer at a time
	var (
		wg sync.WaitGroup
		// outstanding counts the jobs claimed and not finished: waiting in
		// work or running.
		outstanding int
		// Workers take claimed jobs from work themselves, so that one
		// finishing starts the next at once, whatever this loop is doing.
		work  = make(chan *Job, room)
		freed = make(chan struct{}, room)
		// Jobs a worker took after Run was told to stop: given back.
		leftMu sync.Mutex
		left   []*Job
		// Claims run on their own goroutine, one at a time: a claim waits
		// for the writer (and its fsync) while the workers go on with the
		// jobs already claimed.
		claimed  = make(chan claimResult, 1)
		claiming bool
		asked    int // jobs the claim in flight may bring
		// newsWhileClaiming: a wake or poll came while a claim ran.
		newsWhileClaiming bool
		// news: a wake or poll came since the last claim started.
		news bool
	)
	for range conc {
		wg.Go(func() {
			for j := range work {
				if ctx.Err() != nil {
					leftMu.Lock()
					left = append(left, j)
					leftMu.Unlock()
					continue
				}
				q.work(ctx, j)
				freed <- struct{}{}
			}
		})
	}
	poll := time.NewTicker(q.poll())
	defer poll.Stop()
	sweep := time.NewTicker(q.lease())
	defer sweep.Stop()
	q.sweep(ctx)
	q.local.open(c.kinds)
	// moreDue: the last claim got all it asked for, so more jobs may be
	// due; a worker finishing is then a reason to look again.
	claimNow, moreDue := true, false
	for {
		// Jobs handed over by EnqueueMany (Local) first: they are claimed
		// already, and were due when enqueued. Taking one costs nothing,
		// so only a few more than the workers are taken ahead: the rest
		// wait in the backlog, whose leases Run renews. Room is kept for
		// a claim in flight.
		if free := min(room, 2*conc) - outstanding - asked; ctx.Err() == nil && free > 0 {
			js := q.local.take(free)
			for _, j := range js {
				work <- j // never blocks: outstanding + asked <= room
			}
			outstanding += len(js)
		}
		want := room - outstanding
		// While Local jobs wait, the table is looked at only for news (a
		// wake, the poll): not after every finished job, which would peek
		// all through a fan-out to find nothing.
		quiet := !q.local.waiting() || news
		if !claiming && claimNow && quiet && ctx.Err() == nil && want > 0 && (outstanding == 0 || want >= max(minBatch, 1) || !moreDue) {
			claiming, asked, news = true, want, false
			full := moreDue
			go func() {
				js, err := c.claim(ctx, q, want, full)
				q.prepareClaimed(ctx, js)
				claimed <- claimResult{js: js, err: err, want: want}
			}()
		}
		claimNow = true
		select {
		case <-ctx.Done():
			back := q.local.close()
			if claiming {
				back = append(back, (<-claimed).js...)
			}
			close(work)
			wg.Wait() // the workers finish their jobs and leave the rest
			q.giveBack(append(back, left...))
			q.done.pending.Wait()
			return
		case r := <-claimed:
			claiming, asked = false, 0
			if r.err != nil && ctx.Err() == nil {
				q.log.Warn("claim jobs", "err", scrub(r.err.Error()))
			}
			for _, j := range r.js {
				work <- j // never blocks: outstanding + len(r.js) <= room
			}
			outstanding += len(r.js)
			moreDue = r.err == nil && len(r.js) == r.want
			// Nothing found: wait for news (a wake, the poll, a worker
			// finishing with more due) before looking again, unless some
			// came while the claim ran (it may have looked too early).
			claimNow = len(r.js) > 0 || newsWhileClaiming
			newsWhileClaiming = false
		case <-q.wake:
			news = true
			if claiming {
				newsWhileClaiming = true
			}
		case <-q.local.news:
			// Taken at the top of the loop. A claim is not needed for them.
			claimNow = false
		case <-poll.C:
			news = true
			if claiming {
				newsWhileClaiming = true
			}
			q.renewBacklog(ctx)
		case <-sweep.C:
			q.sweep(ctx)
		case <-freed:
			outstanding--
		drain:
			for {
				select {
				case <-freed:
					outstanding--
				default:
					break drain
				}
			}
			claimNow = moreDue || len(work) > 0
		}
	}
}

type claimResult struct {
	js   []*Job
	err  error
	want int
}

// giveBack returns jobs claimed ahead that never started, uncounted and
// due at once, so a restart runs them without waiting for their lease.
func (q *Queue) giveBack(js []*Job) {
	if len(js) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	now := nowMS()
	// One fenced UPDATE per attempt number (usually one); the ids as one
	// parameter: a Run that stops with a fan-out's backlog gives back
	// thousands.
	query := `UPDATE jobs SET state = 'pending', attempt = attempt - 1, run_at = ?, locked_until = 0
		WHERE state = 'running' AND attempt = ? AND ` + store.IDIn(q.db.Dialect, "id")
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		for attempt, ids := range idsByAttempt(js) {
			_, arg := store.IDList(q.db.Dialect, ids)
			if _, err := tx.Exec(ctx, query, now, attempt, arg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		q.log.Warn("give back unstarted jobs; their leases will expire", "count", len(js), "err", scrub(err.Error()))
	}
}

// claimer holds the claim statements for the kinds this process handles:
// a process never takes a job it has no handler for.
type claimer struct {
	// lease claims up to n running jobs whose lease expired (their worker
	// died) and that have attempts left; due claims up to n pending jobs
	// whose time has come. Each walks its own partial index in order and
	// stops at n: one statement with an OR of both collected and sorted
	// every due job for every claim, which made a fan-out of 10,000
	// quadratic. Exhausted ones are failed by sweep.
	lease, due string
	peek       string // how many jobs due, pending and expired (0 or 1 each)? A read, so an idle queue takes no write lock
	kinds      []any
	// hints, on PostgreSQL, is run first in the claim's transaction: see
	// claimHints.
	hints string
}

// claimHints makes PostgreSQL walk jobs_due (or jobs_lease) in order and
// stop at the limit, for this transaction only. Jobs enqueued by a
// fan-out are claimed before autovacuum has analysed them: the planner
// then expects one due row and collects and sorts every due job (a bitmap
// scan of all 10,000) for every claim, about 3-5 ms of server time each;
// the index walk takes well under 1 ms.
const claimHints = `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true), set_config('enable_seqscan', 'off', true)`

func (q *Queue) newClaimer() *claimer {
	q.mu.Lock()
	defer q.mu.Unlock()
	var kinds []string
	for k := range q.handlers {
		kinds = append(kinds, k)
	}
	for k := range q.txs {
		kinds = append(kinds, k)
	}
	for k := range q.commits {
		kinds = append(kinds, k)
	}
	for k := range q.groups {
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return nil
	}
	sort.Strings(kinds)
	c := &claimer{}
	for _, k := range kinds {
		c.kinds = append(c.kinds, k)
	}
	in := `kind IN (` + strings.Repeat("?, ", len(kinds)-1) + `?)`
	expired := `FROM jobs WHERE ` + in + ` AND state = 'running' AND locked_until <= ? AND attempt < max_attempts`
	pending := `FROM jobs WHERE ` + in + ` AND state = 'pending' AND run_at <= ?`
	c.peek = `SELECT (SELECT COUNT(*) FROM (SELECT 1 ` + pending + ` LIMIT 1) AS p), (SELECT COUNT(*) FROM (SELECT 1 ` + expired + ` LIMIT 1) AS e)`
	if q.db.Dialect == store.Postgres {
		c.hints = claimHints
	}
	claim := func(pick string) string {
		where := `id IN (` + pick + `)`
		if q.db.Dialect == store.Postgres {
			// SKIP LOCKED: concurrent claimers in other processes take other
			// rows instead of waiting for or double-taking this one. ANY(ARRAY())
			// runs the pick once; IN (subquery) may be re-planned as a join.
			where = `id = ANY(ARRAY(` + pick + ` FOR UPDATE SKIP LOCKED))`
		}
		return `UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_until = ?
			WHERE ` + where + `
			RETURNING id, kind, args, attempt, max_attempts, key`
	}
	c.lease = claim(`SELECT id ` + expired + ` ORDER BY locked_until, id LIMIT ?`)
	c.due = claim(`SELECT id ` + pending + ` ORDER BY run_at, id LIMIT ?`)
	return c
}

// claim moves up to n due jobs to running with a fresh lease, in one
// short write transaction, and returns them by id. busy says the last
// claim got all it asked for: more are surely due, and the peek (a round
// trip, and on PostgreSQL a scan of the due jobs' index) is skipped.
func (c *claimer) claim(ctx context.Context, q *Queue, n int, busy bool) ([]*Job, error) {
	now := nowMS()
	pending, expired := 1, 1
	if !busy {
		peekArgs := append(append(append(append([]any{}, c.kinds...), now), c.kinds...), now)
		if err := q.db.QueryRow(ctx, c.peek, peekArgs...).Scan(&pending, &expired); err != nil || pending+expired == 0 {
			return nil, err
		}
	}
	// Only the statements the peek found work for (one round trip less
	// when no lease expired); both when the peek was skipped, lease first.
	var queries []string
	if expired > 0 {
		queries = append(queries, c.lease)
	}
	if pending > 0 {
		queries = append(queries, c.due)
	}
	var js []*Job
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		js = js[:0]
		if c.hints != "" {
			if _, err := tx.Exec(ctx, c.hints); err != nil {
				return err
			}
		}
		for _, query := range queries {
			if len(js) >= n {
				break
			}
			args := make([]any, 0, len(c.kinds)+3)
			args = append(args, now+q.lease().Milliseconds())
			args = append(args, c.kinds...)
			args = append(args, now, n-len(js))
			if err := claimInto(ctx, tx, query, args, &js); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(js, func(a, b *Job) int { return cmp.Compare(a.ID, b.ID) })
	claimed := time.Now()
	for _, j := range js {
		j.claimed = claimed
	}
	return js, nil
}

func claimInto(ctx context.Context, tx *store.Tx, query string, args []any, js *[]*Job) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return err
		}
		*js = append(*js, j)
	}
	return rows.Err()
}

// sweep ends the jobs whose worker died during their last attempt (the
// claim leaves those alone) and deletes finished jobs past Retention.
func (q *Queue) sweep(ctx context.Context) {
	now := nowMS()
	res, err := q.db.Exec(ctx, `UPDATE jobs SET state = 'failed', finished_at = ?, last_error = 'lease expired on the last attempt'
		WHERE state = 'running' AND locked_until <= ? AND attempt >= max_attempts`, now, now)
	if err != nil {
		if ctx.Err() == nil {
			q.log.Warn("sweep jobs", "err", scrub(err.Error()))
		}
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		q.log.Warn("jobs failed: worker died on the last attempt", "count", n)
	}
	_, err = q.db.Exec(ctx, `DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ?`,
		now-q.retention().Milliseconds())
	if err != nil && ctx.Err() == nil {
		q.log.Warn("prune jobs", "err", scrub(err.Error()))
	}
}

var errLeaseLost = errors.New("jobs: lease lost")
