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
func (q *Queue) Run(ctx context.Context) {
	c := q.newClaimer()
	if c == nil {
		q.log.Warn("no job handlers registered")
		<-ctx.Done()
		return
	}
	conc := q.concurrency()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		inFlight int
		freed    = make(chan struct{}, 1)
	)
	poll := time.NewTicker(q.poll())
	defer poll.Stop()
	sweep := time.NewTicker(q.lease())
	defer sweep.Stop()
	q.sweep(ctx)
	// saturated: the last claim filled every free slot, so more jobs may
	// be due; a worker finishing is then a reason to look again at once.
	claimNow, saturated := true, false
	for {
		if claimNow && ctx.Err() == nil {
			mu.Lock()
			free := conc - inFlight
			mu.Unlock()
			if free == 0 {
				saturated = true
			} else {
				js, err := c.claim(ctx, q, free)
				if err != nil && ctx.Err() == nil {
					q.log.Warn("claim jobs", "err", scrub(err.Error()))
				}
				for _, j := range js {
					mu.Lock()
					inFlight++
					mu.Unlock()
					wg.Go(func() {
						q.work(ctx, j)
						mu.Lock()
						inFlight--
						mu.Unlock()
						select {
						case freed <- struct{}{}:
						default:
						}
					})
				}
				saturated = err == nil && len(js) == free
				if saturated {
					continue
				}
			}
		}
		claimNow = true
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-q.wake:
		case <-poll.C:
		case <-sweep.C:
			q.sweep(ctx)
		case <-freed:
			claimNow = saturated
		}
	}
}

// claimer holds the claim statement for the kinds this process handles:
// a process never takes a job it has no handler for.
type claimer struct {
	query string // claims up to n due jobs
	peek  string // is any job due? A read, so an idle queue takes no write lock
	kinds []any
}

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
	if len(kinds) == 0 {
		return nil
	}
	sort.Strings(kinds)
	c := &claimer{}
	for _, k := range kinds {
		c.kinds = append(c.kinds, k)
	}
	in := strings.Repeat("?, ", len(kinds)-1) + "?"
	// Due: pending and run_at passed, or running with an expired lease (its
	// worker died) and attempts left. Exhausted ones are failed by sweep.
	due := `FROM jobs WHERE kind IN (` + in + `)
		AND ((state = 'pending' AND run_at <= ?) OR (state = 'running' AND locked_until <= ? AND attempt < max_attempts))`
	c.peek = `SELECT COUNT(*) FROM (SELECT 1 ` + due + ` LIMIT 1) AS due`
	pick := `SELECT id ` + due + ` ORDER BY run_at, id LIMIT ?`
	where := `id IN (` + pick + `)`
	if q.db.Dialect == store.Postgres {
		// SKIP LOCKED: concurrent claimers in other processes take other
		// rows instead of waiting for or double-taking this one. ANY(ARRAY())
		// runs the pick once; IN (subquery) may be re-planned as a join.
		where = `id = ANY(ARRAY(` + pick + ` FOR UPDATE SKIP LOCKED))`
	}
	c.query = `UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_until = ?
		WHERE ` + where + `
		RETURNING id, kind, args, attempt, max_attempts, key`
	return c
}

// claim moves up to n due jobs to running with a fresh lease, in one
// statement (one short write transaction), and returns them by id.
func (c *claimer) claim(ctx context.Context, q *Queue, n int) ([]*Job, error) {
	now := nowMS()
	var due int
	peekArgs := append(append([]any{}, c.kinds...), now, now)
	if err := q.db.QueryRow(ctx, c.peek, peekArgs...).Scan(&due); err != nil || due == 0 {
		return nil, err
	}
	args := make([]any, 0, len(c.kinds)+4)
	args = append(args, now+q.lease().Milliseconds())
	args = append(args, c.kinds...)
	args = append(args, now, now, n)
	var js []*Job
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		js = js[:0]
		rows, err := tx.Query(ctx, c.query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			js = append(js, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(js, func(a, b *Job) int { return cmp.Compare(a.ID, b.ID) })
	return js, nil
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
