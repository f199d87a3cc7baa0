package jobs

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

const killLocal = "local" // TestKillChild mode: Local jobs, killed before most ran

// localKind is a GroupHandler kind whose result is an effect row, so that
// a run counts only if its done mark committed.
func localKind(q *Queue, run func(j *Job)) {
	q.HandleGroup("fan", nil, func(ctx context.Context, j *Job) (any, error) {
		run(j)
		return j.ID, nil
	}, func(ctx context.Context, tx *store.Tx, results []any) error {
		for _, r := range results {
			if _, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, r.(int64)); err != nil {
				return err
			}
		}
		return nil
	})
}

// waitLocal waits until q's Run takes Local jobs of kind fan.
func waitLocal(t testing.TB, q *Queue) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !q.local.handles("fan") {
		if time.Now().After(deadline) {
			t.Fatal("Run never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func enqueueLocal(t testing.TB, db *store.DB, q *Queue, n int) []int64 {
	t.Helper()
	args := make([]any, n)
	for i := range args {
		args[i] = deliveryArgs{int64(i)}
	}
	var ids []int64
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		ids, err = q.EnqueueMany(context.Background(), tx, "fan", args, Options{Local: true})
		return err
	})
	if err != nil || len(ids) != n {
		t.Fatalf("EnqueueMany: %d ids, %v", len(ids), err)
	}
	return ids
}

// Local jobs are inserted running (attempt 1) for this process's Run and
// run once each without being claimed; without a Run they are pending.
func TestLocalJobsRunWithoutClaim(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		createEffects(t, db)
		q := testQueue(db)
		release := make(chan struct{})
		var mu sync.Mutex
		runs := map[int64]int{}
		localKind(q, func(j *Job) {
			<-release
			mu.Lock()
			runs[j.ID]++
			mu.Unlock()
		})
		idle := enqueueLocal(t, db, q, 3) // no Run yet: pending, as without Local
		for _, id := range idle {
			if s, _ := q.Status(context.Background(), id); s.State != StatePending || s.Attempts != 0 {
				t.Fatalf("job %d without a Run: %+v, want pending", id, s)
			}
		}
		start(t, q)
		for _, id := range idle {
			waitState(t, q, id, StateRunning, 5*time.Second)
		}
		ids := enqueueLocal(t, db, q, 700) // more than Run takes at once
		for _, id := range ids {
			if s, _ := q.Status(context.Background(), id); s.State != StateRunning || s.Attempts != 1 {
				t.Fatalf("local job %d after commit: %+v, want running, attempt 1", id, s)
			}
		}
		close(release)
		for _, id := range append(idle, ids...) {
			if s := waitState(t, q, id, StateDone, 30*time.Second); s.Attempts != 1 {
				t.Errorf("job %d: %d attempts, want 1", id, s.Attempts)
			}
		}
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		for _, id := range append(idle, ids...) {
			if runs[id] != 1 || countEffects(t, db, id) != 1 {
				t.Errorf("job %d: %d runs, %d effects, want 1 and 1", id, runs[id], countEffects(t, db, id))
			}
		}
	})
}

// Stopping Run gives its waiting Local jobs back, uncounted and due.
func TestStopGivesBackLocalJobs(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		createEffects(t, db)
		q := testQueue(db)
		q.Concurrency = 1
		started := make(chan struct{}, 100)
		q.HandleGroup("fan", nil, func(ctx context.Context, j *Job) (any, error) {
			started <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		}, func(context.Context, *store.Tx, []any) error { return nil })
		stop := start(t, q)
		waitLocal(t, q)
		ids := enqueueLocal(t, db, q, 50)
		<-started
		stop()
		for _, id := range ids {
			if s := waitState(t, q, id, StatePending, time.Second); s.Attempts != 0 {
				t.Errorf("job %d: %d attempts counted after a stop, want 0", id, s.Attempts)
			}
		}
	})
}

// Local jobs waiting longer than their lease keep it: another process's
// Run, claiming expired leases, never takes one, and each runs once.
func TestLocalBacklogKeepsLease(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		createEffects(t, db)
		var mu sync.Mutex
		runs := map[int64]int{}
		count := func(j *Job) {
			time.Sleep(25 * time.Millisecond)
			mu.Lock()
			runs[j.ID]++
			mu.Unlock()
		}
		q := testQueue(db)
		q.Concurrency = 1
		q.Lease = 600 * time.Millisecond
		localKind(q, count)
		other := testQueue(db)
		other.Lease = q.Lease
		localKind(other, count)
		start(t, q)
		start(t, other)
		waitLocal(t, q)
		ids := enqueueLocal(t, db, q, 60) // about 1.5 s of work for one worker
		for _, id := range ids {
			if s := waitState(t, q, id, StateDone, 30*time.Second); s.Attempts != 1 {
				t.Errorf("job %d: %d attempts, want 1 (its lease lapsed while it waited)", id, s.Attempts)
			}
		}
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			if runs[id] != 1 || countEffects(t, db, id) != 1 {
				t.Errorf("job %d: %d runs, %d effects, want 1 and 1", id, runs[id], countEffects(t, db, id))
			}
		}
	})
}

// A process that enqueued Local jobs is killed with most of them waiting
// and some running: after their lease a new process runs each, and every
// job's effect (committed with its done mark) exists exactly once.
func TestKillWithLocalJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	engines := map[string]func(testing.TB) string{"sqlite": storetest.SQLiteDSN}
	if os.Getenv(storetest.Env) != "" {
		engines["postgres"] = storetest.PostgresDSN
	}
	for name, newDSN := range engines {
		t.Run(name, func(t *testing.T) {
			dsn := newDSN(t)
			db := openEffectsDB(t, dsn)
			defer db.Close()
			c := startChild(t, dsn, killLocal)
			var ids []int64
			for _, f := range strings.Split(c.expect("ENQUEUED")[0], ",") {
				id, _ := strconv.ParseInt(f, 10, 64)
				ids = append(ids, id)
			}
			c.expect("BLOCKED")
			c.kill()

			var mu sync.Mutex
			runs := map[int64]int{}
			q := testQueue(db)
			localKind(q, func(j *Job) { mu.Lock(); runs[j.ID]++; mu.Unlock() })
			start(t, q)
			var before int
			for _, id := range ids {
				if countEffects(t, db, id) == 1 {
					before++
				}
				waitState(t, q, id, StateDone, 30*time.Second)
			}
			time.Sleep(200 * time.Millisecond)
			for _, id := range ids {
				if n := countEffects(t, db, id); n != 1 {
					t.Errorf("job %d took effect %d times", id, n)
				}
			}
			if before == 0 || before == len(ids) {
				t.Errorf("%d of %d jobs done before the kill: the test did not kill mid-way", before, len(ids))
			}
		})
	}
}

// localChild is TestKillChild in killLocal mode: a fan-out of Local jobs,
// of which the first few finish and the next one blocks.
func localChild(t *testing.T, db *store.DB) {
	ctx := context.Background()
	q := New(db, quietLog())
	q.Poll = 50 * time.Millisecond
	q.Lease = time.Second // so that the parent reclaims the jobs soon
	q.Concurrency = 1
	const n, quick = 200, 20
	var ran int // one worker
	localKind(q, func(j *Job) {
		if ran++; ran > quick {
			time.Sleep(300 * time.Millisecond) // the done marks of the quick ones commit
			fmt.Println("BLOCKED")
			time.Sleep(time.Minute)
		}
	})
	go func() {
		waitLocal(t, q)
		ids := enqueueLocal(t, db, q, n)
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = strconv.FormatInt(id, 10)
		}
		fmt.Println("ENQUEUED", strings.Join(list, ","))
	}()
	q.Run(ctx) // until killed
}
