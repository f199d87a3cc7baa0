package alerting

import (
	"context"
	"encoding/json"
	"time"

	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/store"
)

// QueueScheduler is a Scheduler over Faro's job queue.
type QueueScheduler struct{ Q *jobs.Queue }

// Enqueue adds a job in tx and wakes the workers once tx commits.
func (qs QueueScheduler) Enqueue(ctx context.Context, tx *store.Tx, kind string, args any, runAt time.Time, maxAttempts int, key string) error {
	if _, err := qs.Q.Enqueue(ctx, tx, kind, args, jobs.Options{RunAt: runAt, MaxAttempts: maxAttempts, Key: key}); err != nil {
		return err
	}
	tx.AfterCommit(qs.Q.Wake)
	return nil
}

// Cancel cancels the pending job with key, in tx.
func (qs QueueScheduler) Cancel(ctx context.Context, tx *store.Tx, key string) (bool, error) {
	return qs.Q.Cancel(ctx, tx, key)
}

// RegisterJobs registers the delivery and escalation handlers on q.
// Deliveries are network side effects (at least once, retried);
// escalations are database effects committed with the job (exactly once).
func (s *Service) RegisterJobs(q *jobs.Queue) {
	// A sent delivery's status is committed with the job's done mark, in
	// the queue's group commit: one transaction, and one UPDATE, for many
	// deliveries; the rows of a claimed batch are read in one query.
	q.HandleGroup(JobDeliver, s.prepareDeliveries, func(ctx context.Context, j *jobs.Job) (any, error) {
		var a DeliverArgs
		if err := json.Unmarshal(j.Args, &a); err != nil {
			return nil, jobs.Permanent(err)
		}
		x, err := s.deliver(ctx, a, j.Final)
		if IsPermanent(err) {
			return nil, jobs.Permanent(err)
		}
		if x == nil {
			return nil, err // a nil *sent must not become a non-nil result
		}
		return x, err
	}, s.commitSent)
	q.HandleTx(JobEscalate, func(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
		var a EscalateArgs
		if err := json.Unmarshal(j.Args, &a); err != nil {
			return jobs.Permanent(err)
		}
		return s.Escalate(ctx, tx, a)
	})
}

// EnqueueMany adds one job of kind per args in tx, in few statements,
// claimed already for this process's workers if they run (jobs.Options
// Local): a fan-out's deliveries start as soon as tx commits, without
// being claimed back from the table.
func (qs QueueScheduler) EnqueueMany(ctx context.Context, tx *store.Tx, kind string, args []any, maxAttempts int) error {
	_, err := qs.Q.EnqueueMany(ctx, tx, kind, args, jobs.Options{MaxAttempts: maxAttempts, Local: true})
	return err
}
