package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// Jobs enqueued with Options.Local are inserted already claimed by this
// process (state running, attempt 1, a lease from the insert) and, once
// the enqueuing transaction commits, handed to Run's workers through a
// backlog here instead of being claimed back from the table: a fan-out of
// 10,000 deliveries otherwise costs 40-75 claim transactions that each
// UPDATE a few hundred rows (on PostgreSQL a new version of each row and
// of each of its index entries) before any of them is sent.
//
// They are claimed jobs in every respect that matters for safety: the
// done mark is fenced by attempt as for any claimed job; while they wait
// in the backlog Run renews their lease (renewBacklog), and a waiting job
// whose lease it cannot renew is dropped here (someone else has it); if
// the process dies their lease expires and any Run claims them as the
// expired jobs of a dead worker (one attempt spent, as for a job claimed
// ahead); when Run stops they are given back, uncounted and due at once.
// What they do not get is GroupPrepare: the enqueuer hands them over and
// knows what they need.
type localJobs struct {
	mu sync.Mutex
	// kinds are those Run handles; nil while no Run runs.
	kinds   map[string]bool
	backlog []*Job
	news    chan struct{} // capacity 1: the backlog grew
}

// handles reports whether a Run of this queue runs now and handles kind.
func (l *localJobs) handles(kind string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kinds[kind]
}

// open starts taking jobs for Run, which handles kinds.
func (l *localJobs) open(kinds []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kinds = make(map[string]bool, len(kinds))
	for _, k := range kinds {
		l.kinds[k.(string)] = true
	}
}

// close stops taking jobs and returns those still waiting, to give back.
func (l *localJobs) close() []*Job {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kinds = nil
	js := l.backlog
	l.backlog = nil
	return js
}

// waiting reports whether jobs wait in the backlog.
func (l *localJobs) waiting() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.backlog) > 0
}

// take returns up to n waiting jobs, oldest first.
func (l *localJobs) take(n int) []*Job {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = min(n, len(l.backlog))
	if n == 0 {
		return nil
	}
	js := l.backlog[:n:n]
	l.backlog = l.backlog[n:]
	if len(l.backlog) == 0 {
		l.backlog = nil // let the drained array go
	}
	return js
}

// hand gives Run jobs inserted for it (after their transaction
// committed). If Run stopped meanwhile they are given back at once.
func (q *Queue) hand(js []*Job) {
	l := &q.local
	l.mu.Lock()
	if !l.kinds[js[0].Kind] {
		l.mu.Unlock()
		q.giveBack(js)
		return
	}
	l.backlog = append(l.backlog, js...)
	l.mu.Unlock()
	select {
	case l.news <- struct{}{}:
	default:
	}
}

// renewBacklog extends the lease of the waiting jobs that have held it
// for a third of its length, as renewAged does for a job about to start,
// so that a large backlog keeps its jobs for as long as Run runs. Jobs
// whose lease was taken over (fenced by attempt) are dropped.
func (q *Queue) renewBacklog(ctx context.Context) {
	l := &q.local
	lease := q.lease()
	l.mu.Lock()
	// Every aged job, wherever it waits: renewed jobs go back in front
	// with a fresh claim time, so the aged ones are not only a prefix.
	var aged, young []*Job
	for _, j := range l.backlog {
		if time.Since(j.claimed) >= lease/3 {
			aged = append(aged, j)
		} else {
			young = append(young, j)
		}
	}
	l.backlog = young
	l.mu.Unlock()
	if len(aged) == 0 {
		return
	}
	// The aged jobs are ours alone until put back (Run, which calls this,
	// is also the only one to close the backlog).
	now := time.Now()
	kept, err := q.renewAll(ctx, aged, now.UnixMilli()+lease.Milliseconds())
	keep := aged
	if err != nil {
		// Transient: they still have up to two thirds of their lease, and
		// the next poll tries again.
		if ctx.Err() == nil {
			q.log.Warn("renew waiting jobs' lease", "count", len(aged), "err", scrub(err.Error()))
		}
	} else {
		keep = nil
		for _, j := range aged {
			if kept[j.ID] {
				j.claimed = now
				keep = append(keep, j)
			}
		}
		if lost := len(aged) - len(keep); lost > 0 {
			q.log.Warn("waiting jobs' lease lost; another worker has them", "count", lost)
		}
	}
	l.mu.Lock()
	l.backlog = append(keep, l.backlog...)
	l.mu.Unlock()
}

// renewAll extends the lease of js (fenced by attempt) to until and
// returns the ids still ours.
func (q *Queue) renewAll(ctx context.Context, js []*Job, until int64) (map[int64]bool, error) {
	query := `UPDATE jobs SET locked_until = ? WHERE state = 'running' AND attempt = ? AND ` + store.IDIn(q.db.Dialect, "id") + ` RETURNING id`
	kept := map[int64]bool{}
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		clear(kept)
		return fencedUpdate(ctx, tx, query, until, idsByAttempt(js), kept)
	})
	return kept, err
}

func idsByAttempt(js []*Job) map[int][]int64 {
	m := map[int][]int64{}
	for _, j := range js {
		m[j.Attempt] = append(m[j.Attempt], j.ID)
	}
	return m
}

// fencedUpdate runs query, an UPDATE of jobs whose parameters are value,
// an attempt number and a store.IDList of ids, and which returns the ids
// it changed, once per attempt number of byAttempt, and adds the ids it
// changed to changed: those whose attempt still matched (still ours).
func fencedUpdate(ctx context.Context, tx *store.Tx, query string, value int64, byAttempt map[int][]int64, changed map[int64]bool) error {
	for attempt, ids := range byAttempt {
		_, arg := store.IDList(tx.Dialect, ids)
		rows, err := tx.Query(ctx, query, value, attempt, arg)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			changed[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
