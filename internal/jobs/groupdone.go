package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// Finished Handler jobs are marked done by group commit. A fan-out of one
// alert to thousands of responders finishes sixteen jobs at a time; one
// write transaction each would queue them all behind SQLite's single
// writer (and cost a commit each on PostgreSQL). Here whoever finishes
// while a transaction runs joins the next one. Each job keeps its own
// fenced UPDATE (state = 'running' AND attempt = ?), so a job whose lease
// was taken over is still left alone (and its effect not applied). The
// worker does not wait for the commit; at least once is unchanged (a
// crash before the commit leaves the job running, its lease expires and
// it runs again), and Run returns only once every pending group is
// committed.

// maxDoneGroup bounds one group's transaction.
const maxDoneGroup = 512

// doneLinger is how long a busy group waits for more jobs to finish
// before it commits. The jobs stay running under their leases meanwhile
// (a crash runs them again, as it does while any commit is pending).
const doneLinger = 10 * time.Millisecond

type doneReq struct {
	j      *Job
	effect TxFunc // a CommitHandler's, or nil
	result any    // a GroupHandler's, or nil
	commit GroupCommit
}

type doneGroup struct {
	once    sync.Once
	reqs    chan *doneReq
	pending sync.WaitGroup // submitted, not yet committed or given up
}

// markDone queues j (with effect, if any) for the next group commit. It
// blocks only while a full group is already waiting.
func (q *Queue) markDone(r *doneReq) {
	q.done.once.Do(func() {
		q.done.reqs = make(chan *doneReq, maxDoneGroup)
		go q.commitDone()
	})
	q.done.pending.Add(1)
	q.done.reqs <- r
}

// commitDone runs for the queue's lifetime: it has nothing to do while no
// job finishes, and it holds no transaction between groups.
func (q *Queue) commitDone() {
	for r := range q.done.reqs {
		group := []*doneReq{r}
	drain:
		for len(group) < maxDoneGroup {
			select {
			case r := <-q.done.reqs:
				group = append(group, r)
			default:
				break drain
			}
		}
		if len(group) > 1 {
			// Busy (a fan-out): wait a little for more, so that a commit,
			// and its fsync, serves many jobs. Nobody waits for it.
			linger := time.NewTimer(doneLinger)
		fill:
			for len(group) < maxDoneGroup {
				select {
				case r := <-q.done.reqs:
					group = append(group, r)
				case <-linger.C:
					break fill
				}
			}
			linger.Stop()
		}
		ns, err := q.commitGroup(group)
		if err != nil && len(group) > 1 {
			// One failing effect must not fail the others: each on its own.
			for _, r := range group {
				n, err := q.commitGroup([]*doneReq{r})
				q.doneLogged(r.j, n[0], err)
			}
			continue
		}
		for i, r := range group {
			q.doneLogged(r.j, ns[i], err)
		}
	}
}

func (q *Queue) doneLogged(j *Job, n int64, err error) {
	defer q.done.pending.Done()
	switch {
	case err != nil:
		// The lease will expire and the job run again: at least once.
		q.log.Error("record job done", "kind", j.Kind, "job", j.ID, "err", scrub(err.Error()))
	case n == 0:
		q.log.Warn("job done after its lease was taken over", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
	default:
		q.log.Debug("job done", "kind", j.Kind, "job", j.ID, "attempt", j.Attempt)
	}
}

// commitGroup marks the group's jobs done, with their effects, in one
// transaction. On error nothing of it is committed and every n is 0.
func (q *Queue) commitGroup(group []*doneReq) ([]int64, error) {
	ns := make([]int64, len(group))
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	now := nowMS()
	// One fenced UPDATE per attempt number in the group (usually one):
	// each job is matched by id and attempt, and RETURNING says which were
	// still ours. The ids go as one parameter, so the statement's text is
	// the same for every group (prepared once).
	byAttempt := map[int][]int64{}
	for _, r := range group {
		byAttempt[r.j.Attempt] = append(byAttempt[r.j.Attempt], r.j.ID)
	}
	query := `UPDATE jobs SET state = 'done', finished_at = ?, locked_until = 0
		WHERE state = 'running' AND attempt = ? AND ` + store.IDIn(q.db.Dialect, "id") + ` RETURNING id`
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		clear(ns)
		ours := make(map[int64]bool, len(group))
		if err := fencedUpdate(ctx, tx, query, now, byAttempt, ours); err != nil {
			return err
		}
		var results map[string][]any
		var commits map[string]GroupCommit
		for i, r := range group {
			if !ours[r.j.ID] {
				continue
			}
			ns[i] = 1
			if r.effect != nil {
				if err := callEffect(ctx, tx, r.effect); err != nil {
					return err
				}
			}
			if r.result != nil && r.commit != nil {
				if results == nil {
					results, commits = map[string][]any{}, map[string]GroupCommit{}
				}
				results[r.j.Kind] = append(results[r.j.Kind], r.result)
				commits[r.j.Kind] = r.commit
			}
		}
		for kind, rs := range results {
			if err := callGroupCommit(ctx, tx, commits[kind], rs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		clear(ns)
	}
	return ns, err
}

func callEffect(ctx context.Context, tx *store.Tx, f TxFunc) (err error) {
	defer recoverTo(&err)
	return f(ctx, tx)
}
