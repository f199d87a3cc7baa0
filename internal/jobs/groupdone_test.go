package jobs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// Many jobs enqueued at once all run, and a CommitHandler's effect is
// committed with each job's done mark, once per job.
func TestEnqueueManyAndCommitHandler(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createEffects(t, db)
		q := testQueue(db)
		var ran atomic.Int64
		q.HandleCommit("send", func(ctx context.Context, j *Job) (TxFunc, error) {
			ran.Add(1)
			return func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, j.ID)
				return err
			}, nil
		})
		const n = 700 // more than one INSERT chunk and one done group
		args := make([]any, n)
		for i := range args {
			args[i] = map[string]int{"i": i}
		}
		var ids []int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			ids, err = q.EnqueueMany(ctx, tx, "send", args, Options{})
			return err
		})
		if err != nil || len(ids) != n {
			t.Fatalf("EnqueueMany: %d ids, %v", len(ids), err)
		}
		start(t, q)
		for _, id := range ids {
			waitState(t, q, id, StateDone, 30*time.Second)
		}
		for _, id := range ids[:20] {
			if c := countEffects(t, db, id); c != 1 {
				t.Errorf("job %d: effect committed %d times", id, c)
			}
		}
		var total int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM effects`).Scan(&total); err != nil || total != n {
			t.Errorf("%d effects (%v), want %d", total, err, n)
		}
		if int(ran.Load()) < n {
			t.Errorf("handler ran %d times for %d jobs", ran.Load(), n)
		}
	})
}

// A failing effect fails only its own job's done mark (the group falls
// back to one transaction each); the job runs again after its lease.
func TestFailingEffectLeavesOthersDone(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Lease = 300 * time.Millisecond
		var bad, badEffects, badRuns atomic.Int64
		q.HandleCommit("send", func(ctx context.Context, j *Job) (TxFunc, error) {
			if j.ID == bad.Load() {
				badRuns.Add(1)
			}
			return func(ctx context.Context, tx *store.Tx) error {
				// Fails in its group and again on its own: not done.
				if j.ID == bad.Load() && badEffects.Add(1) <= 2 {
					return errors.New("effect failed")
				}
				return nil
			}, nil
		})
		var ids []int64
		for range 10 {
			ids = append(ids, enqueue(t, db, q, "send", nil, Options{}))
		}
		bad.Store(ids[3])
		start(t, q)
		for _, id := range ids {
			waitState(t, q, id, StateDone, 10*time.Second)
		}
		if badRuns.Load() < 2 {
			t.Errorf("the job whose effect failed ran %d times, want again after its lease", badRuns.Load())
		}
	})
}

// Stopping Run gives back the jobs it claimed ahead, uncounted.
func TestStopGivesBackClaimedAhead(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Concurrency = 1
		release := make(chan struct{})
		started := make(chan struct{}, 100)
		q.Handle("slow", func(ctx context.Context, j *Job) error {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		})
		var ids []int64
		for range 5 {
			ids = append(ids, enqueue(t, db, q, "slow", nil, Options{}))
		}
		stop := start(t, q)
		<-started
		stop()
		close(release)
		for _, id := range ids {
			s := waitState(t, q, id, StatePending, time.Second)
			if s.Attempts != 0 {
				t.Errorf("job %d: %d attempts counted after a stop, want 0", id, s.Attempts)
			}
		}
	})
}
