package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// A GroupHandler kind: prepare sees every claimed job before it runs,
// each job's result is committed once with its done mark, and commits
// carry many results at a time.
func TestHandleGroup(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createEffects(t, db)
		q := testQueue(db)
		var mu sync.Mutex
		prepared := map[int64]bool{}
		var unprepared, commits atomic.Int64
		q.HandleGroup("send",
			func(ctx context.Context, js []*Job) {
				mu.Lock()
				defer mu.Unlock()
				for _, j := range js {
					prepared[j.ID] = true
				}
			},
			func(ctx context.Context, j *Job) (any, error) {
				mu.Lock()
				ok := prepared[j.ID]
				mu.Unlock()
				if !ok {
					unprepared.Add(1)
				}
				var a struct{ I int }
				if err := json.Unmarshal(j.Args, &a); err != nil {
					return nil, Permanent(err)
				}
				if a.I%10 == 0 {
					return nil, nil // nothing to record
				}
				return j.ID, nil
			},
			func(ctx context.Context, tx *store.Tx, results []any) error {
				commits.Add(1)
				for _, r := range results {
					if _, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, r.(int64)); err != nil {
						return err
					}
				}
				return nil
			})
		const n = 600
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
		for i, id := range ids {
			want := 1
			if i%10 == 0 {
				want = 0
			}
			if c := countEffects(t, db, id); c != want {
				t.Errorf("job %d: result committed %d times, want %d", id, c, want)
			}
		}
		if unprepared.Load() != 0 {
			t.Errorf("%d jobs ran unprepared", unprepared.Load())
		}
		if c := commits.Load(); c == 0 || c >= n*9/10 {
			t.Errorf("%d commits for %d results: not grouped", c, n*9/10)
		}
	})
}

// A GroupCommit that fails for one result fails only that job's done
// mark (the group is committed again job by job); the job runs again
// after its lease. A panicking prepare is only a missed optimisation.
func TestGroupCommitFailureLeavesOthersDone(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Lease = 300 * time.Millisecond
		var bad, badFails, badRuns atomic.Int64
		q.HandleGroup("send",
			func(context.Context, []*Job) { panic("prepare failed") },
			func(ctx context.Context, j *Job) (any, error) {
				if j.ID == bad.Load() {
					badRuns.Add(1)
				}
				return j.ID, nil
			},
			func(ctx context.Context, tx *store.Tx, results []any) error {
				for _, r := range results {
					// Fails in its group and again on its own: not done.
					if r.(int64) == bad.Load() && badFails.Add(1) <= 2 {
						return errors.New("commit failed")
					}
				}
				return nil
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
			t.Errorf("the job whose result failed to commit ran %d times, want again after its lease", badRuns.Load())
		}
	})
}
