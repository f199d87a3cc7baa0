package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
)

type deliveryArgs struct {
	Delivery int64 `json:"delivery"`
}

func TestEnqueueRunDone(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		got := make(chan *Job, 1)
		q.Handle("deliver", func(ctx context.Context, j *Job) error { got <- j; return nil })
		id := enqueue(t, db, q, "deliver", deliveryArgs{42}, Options{})
		start(t, q)
		j := <-got
		var a deliveryArgs
		if err := json.Unmarshal(j.Args, &a); err != nil || a.Delivery != 42 {
			t.Fatalf("args %s: %v", j.Args, err)
		}
		if j.ID != id || j.Attempt != 1 || j.MaxAttempts != DefaultMaxAttempts || j.Final {
			t.Fatalf("job %+v", j)
		}
		s := waitState(t, q, id, StateDone, 5*time.Second)
		if s.Attempts != 1 || s.FinishedAt.IsZero() || s.Kind != "deliver" {
			t.Fatalf("status %+v", s)
		}
	})
}

func TestEnqueueRolledBackLeavesNoJob(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		var id int64
		boom := errors.New("boom")
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			var err error
			id, err = q.Enqueue(context.Background(), tx, "deliver", deliveryArgs{1}, Options{})
			if err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := q.Status(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("job of a rolled back transaction: %v", err)
		}
	})
}

func TestRunAtInFuture(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		ran := make(chan time.Time, 1)
		q.Handle("deliver", func(ctx context.Context, j *Job) error { ran <- time.Now(); return nil })
		due := time.Now().Add(300 * time.Millisecond)
		id := enqueue(t, db, q, "deliver", nil, Options{RunAt: due})
		start(t, q)
		if at := <-ran; at.Before(due) {
			t.Fatalf("ran %v before due", due.Sub(at))
		}
		waitState(t, q, id, StateDone, 5*time.Second)
	})
}

func TestKeyDedup(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		o := Options{Key: "escalate:case:7", RunAt: time.Now().Add(time.Hour)}
		a := enqueue(t, db, q, "escalate", deliveryArgs{7}, o)
		b := enqueue(t, db, q, "escalate", deliveryArgs{8}, o)
		if a != b {
			t.Fatalf("same key gave jobs %d and %d", a, b)
		}
		other := enqueue(t, db, q, "escalate", deliveryArgs{7}, Options{Key: "escalate:case:8"})
		if other == a {
			t.Fatal("different keys gave one job")
		}
		noKey1 := enqueue(t, db, q, "escalate", nil, Options{})
		noKey2 := enqueue(t, db, q, "escalate", nil, Options{})
		if noKey1 == noKey2 {
			t.Fatal("jobs without a key were merged")
		}
		// Once the job is finished, the key is free again.
		if _, err := db.Exec(context.Background(), `UPDATE jobs SET state = 'done' WHERE id = ?`, a); err != nil {
			t.Fatal(err)
		}
		if c := enqueue(t, db, q, "escalate", deliveryArgs{7}, o); c == a {
			t.Fatal("key of a finished job still blocks a new one")
		}
	})
}

// Two transactions enqueueing the same key at once (PostgreSQL): one job,
// and neither transaction fails.
func TestKeyDedupConcurrent(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		var wg sync.WaitGroup
		ids := make([]int64, 8)
		for i := range ids {
			wg.Go(func() {
				err := db.InTx(context.Background(), func(tx *store.Tx) error {
					var err error
					ids[i], err = q.Enqueue(context.Background(), tx, "escalate", nil, Options{Key: "k", RunAt: time.Now().Add(time.Hour)})
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("ids %v", ids)
			}
		}
	})
}

func TestCancel(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		id := enqueue(t, db, q, "escalate", nil, Options{Key: "esc:1", RunAt: time.Now().Add(time.Hour)})
		cancel := func(key string) bool {
			var ok bool
			err := db.InTx(context.Background(), func(tx *store.Tx) error {
				var err error
				ok, err = q.Cancel(context.Background(), tx, key)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !cancel("esc:1") {
			t.Fatal("pending job not cancelled")
		}
		if s := waitState(t, q, id, StateCancelled, time.Second); s.FinishedAt.IsZero() {
			t.Fatal("no finished_at")
		}
		if cancel("esc:1") || cancel("unknown") || cancel("") {
			t.Fatal("cancel of nothing said true")
		}
		// A running job is not cancelled.
		id2 := enqueue(t, db, q, "escalate", nil, Options{Key: "esc:1"})
		if id2 == id {
			t.Fatal("cancelled job still holds its key")
		}
		if _, err := db.Exec(context.Background(), `UPDATE jobs SET state = 'running' WHERE id = ?`, id2); err != nil {
			t.Fatal(err)
		}
		if cancel("esc:1") {
			t.Fatal("running job cancelled")
		}
	})
}

func TestRetryWithBackoffThenFailed(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Backoff = func(n int) time.Duration { return time.Duration(n) * 100 * time.Millisecond }
		var mu sync.Mutex
		var seen []*Job
		var at []time.Time
		q.Handle("deliver", func(ctx context.Context, j *Job) error {
			mu.Lock()
			seen, at = append(seen, j), append(at, time.Now())
			mu.Unlock()
			return errors.New("smtp 451 4.7.1")
		})
		id := enqueue(t, db, q, "deliver", nil, Options{MaxAttempts: 3})
		start(t, q)
		s := waitState(t, q, id, StateFailed, 10*time.Second)
		if s.Attempts != 3 || s.LastError != "smtp 451 4.7.1" || s.FinishedAt.IsZero() {
			t.Fatalf("status %+v", s)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 3 {
			t.Fatalf("%d attempts", len(seen))
		}
		for i, j := range seen {
			if j.Attempt != i+1 || j.Final != (i == 2) {
				t.Fatalf("attempt %d: %+v", i+1, j)
			}
		}
		for i := 1; i < len(at); i++ {
			if gap, want := at[i].Sub(at[i-1]), time.Duration(i)*100*time.Millisecond; gap < want {
				t.Fatalf("retry %d after %v, backoff %v", i, gap, want)
			}
		}
	})
}

func TestPermanent(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		var n atomic.Int32
		q.Handle("deliver", func(ctx context.Context, j *Job) error {
			n.Add(1)
			return Permanent(errors.New("webhook 410"))
		})
		id := enqueue(t, db, q, "deliver", nil, Options{})
		start(t, q)
		s := waitState(t, q, id, StateFailed, 5*time.Second)
		time.Sleep(100 * time.Millisecond)
		if n.Load() != 1 || s.Attempts != 1 || s.LastError != "webhook 410" {
			t.Fatalf("runs %d, status %+v", n.Load(), s)
		}
	})
}

func TestPanicIsAnError(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Handle("deliver", func(ctx context.Context, j *Job) error {
			if j.Attempt == 1 {
				panic("nil map")
			}
			return nil
		})
		q.HandleTx("escalate", func(ctx context.Context, tx *store.Tx, j *Job) error {
			if j.Attempt == 1 {
				var tiers []int
				_ = tiers[j.Attempt] // index out of range: a runtime panic
			}
			return nil
		})
		a := enqueue(t, db, q, "deliver", nil, Options{})
		b := enqueue(t, db, q, "escalate", nil, Options{})
		start(t, q)
		for _, id := range []int64{a, b} {
			s := waitState(t, q, id, StateDone, 5*time.Second)
			if s.Attempts != 2 || !strings.HasPrefix(s.LastError, "panic") {
				t.Fatalf("status %+v", s)
			}
		}
	})
}

func TestLastErrorHoldsNoPersonalData(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Handle("deliver", func(ctx context.Context, j *Job) error {
			return Permanent(errors.New("smtp 550 5.1.1 <canary.person@example.org> at https://hook.example/t/SECRETTOKEN phone +34 612 345 678\nmore"))
		})
		id := enqueue(t, db, q, "deliver", nil, Options{})
		start(t, q)
		s := waitState(t, q, id, StateFailed, 5*time.Second)
		for _, canary := range []string{"canary", "SECRETTOKEN", "612", "more"} {
			if strings.Contains(s.LastError, canary) {
				t.Fatal("canary leaked into last_error")
			}
		}
		if !strings.HasPrefix(s.LastError, "smtp 550 5.1.1") {
			t.Fatalf("status code lost: %q", s.LastError)
		}
	})
}

// A worker that died mid-job (here: a claim that is never finished)
// leaves a lease; once it expires another queue takes the job.
func TestLeaseExpiryReclaims(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		dead := testQueue(db)
		dead.Lease = 300 * time.Millisecond
		dead.Handle("deliver", func(ctx context.Context, j *Job) error { return nil })
		id := enqueue(t, db, dead, "deliver", nil, Options{})
		claimedAt := time.Now() // the lease counts from before the claim
		js, err := dead.newClaimer().claim(context.Background(), dead, 10, false)
		if err != nil || len(js) != 1 || js[0].ID != id {
			t.Fatalf("claim: %v %v", js, err)
		}
		q := testQueue(db)
		got := make(chan *Job, 1)
		q.Handle("deliver", func(ctx context.Context, j *Job) error { got <- j; return nil })
		start(t, q)
		j := <-got
		if time.Since(claimedAt) < dead.Lease {
			t.Fatal("job taken before its lease expired")
		}
		if j.Attempt != 2 {
			t.Fatalf("attempt %d", j.Attempt)
		}
		waitState(t, q, id, StateDone, 5*time.Second)
		// The dead worker's late report changes nothing.
		dead.finishErr(context.Background(), js[0], errors.New("late"))
		if s, _ := q.Status(context.Background(), id); s.State != StateDone {
			t.Fatalf("stale worker overwrote the job: %+v", s)
		}
	})
}

// A worker dying on the last attempt: the job ends failed, not retried
// forever (a job that crashes the process must not crash it again and
// again).
func TestLeaseExpiryOnLastAttemptFails(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		dead := testQueue(db)
		dead.Lease = 100 * time.Millisecond
		dead.Handle("deliver", func(ctx context.Context, j *Job) error { return nil })
		id := enqueue(t, db, dead, "deliver", nil, Options{MaxAttempts: 1})
		if js, err := dead.newClaimer().claim(context.Background(), dead, 10, false); err != nil || len(js) != 1 {
			t.Fatalf("claim: %v %v", js, err)
		}
		time.Sleep(150 * time.Millisecond)
		q := testQueue(db)
		q.Handle("deliver", func(ctx context.Context, j *Job) error { t.Error("ran again"); return nil })
		start(t, q)
		s := waitState(t, q, id, StateFailed, 5*time.Second)
		if !strings.Contains(s.LastError, "lease") {
			t.Fatalf("status %+v", s)
		}
	})
}

// A long Handler keeps its lease: another queue polling meanwhile does
// not take the job over.
func TestLongHandlerKeepsLease(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		var runs atomic.Int32
		h := func(ctx context.Context, j *Job) error {
			runs.Add(1)
			select {
			case <-time.After(2500 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		a, b := testQueue(db), testQueue(db)
		// Shorter than the handler, long enough for a heartbeat write to
		// get through a loaded machine's SQLite writer.
		a.Lease, b.Lease = time.Second, time.Second
		a.Handle("deliver", h)
		b.Handle("deliver", h)
		id := enqueue(t, db, a, "deliver", nil, Options{})
		start(t, a)
		start(t, b)
		s := waitState(t, a, id, StateDone, 10*time.Second)
		if runs.Load() != 1 || s.Attempts != 1 {
			t.Fatalf("runs %d, status %+v", runs.Load(), s)
		}
	})
}

// TxHandler effects commit with the job's completion or not at all: a
// failed attempt leaves no effect and is retried.
func TestTxHandlerAtomic(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		createEffects(t, db)
		q := testQueue(db)
		q.HandleTx("escalate", func(ctx context.Context, tx *store.Tx, j *Job) error {
			if _, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, j.ID); err != nil {
				return err
			}
			if j.Attempt < 3 {
				return errors.New("tier lookup failed")
			}
			return nil
		})
		id := enqueue(t, db, q, "escalate", nil, Options{})
		failing := enqueue(t, db, q, "escalate", nil, Options{MaxAttempts: 2})
		start(t, q)
		s := waitState(t, q, id, StateDone, 5*time.Second)
		if s.Attempts != 3 || countEffects(t, db, id) != 1 {
			t.Fatalf("status %+v, effects %d", s, countEffects(t, db, id))
		}
		waitState(t, q, failing, StateFailed, 5*time.Second)
		if n := countEffects(t, db, failing); n != 0 {
			t.Fatalf("failed job left %d effects", n)
		}
	})
}

// Stopping Run cancels the handlers in flight and gives their jobs back,
// uncounted and due at once.
func TestShutdownGivesJobBack(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		started := make(chan struct{})
		q.Handle("deliver", func(ctx context.Context, j *Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		id := enqueue(t, db, q, "deliver", nil, Options{})
		stop := start(t, q)
		<-started
		stop()
		s, err := q.Status(context.Background(), id)
		if err != nil || s.State != StatePending || s.Attempts != 0 || s.RunAt.After(time.Now()) {
			t.Fatalf("status %+v, %v", s, err)
		}
		q2 := testQueue(db)
		q2.Handle("deliver", func(ctx context.Context, j *Job) error { return nil })
		start(t, q2)
		waitState(t, q2, id, StateDone, 5*time.Second)
	})
}

// A queue only claims the kinds it has handlers for.
func TestUnknownKindNotClaimed(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Handle("deliver", func(ctx context.Context, j *Job) error { return nil })
		other := enqueue(t, db, q, "other", nil, Options{})
		mine := enqueue(t, db, q, "deliver", nil, Options{})
		start(t, q)
		waitState(t, q, mine, StateDone, 5*time.Second)
		time.Sleep(50 * time.Millisecond)
		if s, _ := q.Status(context.Background(), other); s.State != StatePending || s.Attempts != 0 {
			t.Fatalf("foreign job touched: %+v", s)
		}
	})
}

func TestStats(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		enqueue(t, db, q, "deliver", nil, Options{RunAt: time.Now().Add(time.Hour)})
		enqueue(t, db, q, "deliver", nil, Options{RunAt: time.Now().Add(time.Hour), Key: "x"})
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := q.Cancel(context.Background(), tx, "x")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := q.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"pending": 1, "running": 0, "done": 0, "failed": 0, "cancelled": 1}
		for k, v := range want {
			if m[k] != v {
				t.Fatalf("stats %v, want %v", m, want)
			}
		}
	})
}

func TestEnqueueRefusesBadInput(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		cases := []struct {
			kind string
			args any
			o    Options
			want error
		}{
			{"", nil, Options{}, ErrBadKind},
			{"a b", nil, Options{}, ErrBadKind},
			{"deliver", nil, Options{Key: "a\x00b"}, ErrBadKey},
			{"deliver", nil, Options{Key: "\xff"}, ErrBadKey},
			{"deliver", nil, Options{Key: strings.Repeat("k", 300)}, ErrBadKey},
			{"deliver", func() {}, Options{}, ErrBadArgs},
			{"deliver", strings.Repeat("x", 20000), Options{}, ErrBadArgs},
		}
		for _, c := range cases {
			err := db.InTx(context.Background(), func(tx *store.Tx) error {
				_, err := q.Enqueue(context.Background(), tx, c.kind, c.args, c.o)
				return err
			})
			if !errors.Is(err, c.want) {
				t.Errorf("%q: %v, want %v", c.kind, err, c.want)
			}
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 3: 8 * time.Second, 9: 512 * time.Second, 10: 10 * time.Minute, 60: 10 * time.Minute} {
		for range 20 {
			if d := Backoff(n); d < want*8/10 || d > want*12/10 {
				t.Fatalf("Backoff(%d) = %v, want %v ± 20%%", n, d, want)
			}
		}
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"smtp 550 5.1.1":                   "smtp 550 5.1.1",
		"http 503":                         "http 503",
		"dial 10.0.12.134:25 refused":      "dial [number] refused",
		"to a.b@c.d failed":                "to [redacted] failed",
		"get https://x.example/a?t=1: 404": "get [redacted] 404",
		"sms to +34 612 345 678 rejected":  "sms to [number] rejected",
		"line1\nline2":                     "line1 line2",
		"at 36.12345,-5.6789 boat":         "at [number] boat",
		"timeout after 30s":                "timeout after 30s",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

// Enqueue wakes the queue after commit: a job due now does not wait for
// the next poll.
func TestEnqueueWakesQueue(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Poll = time.Hour
		q.Handle("deliver", func(ctx context.Context, j *Job) error { return nil })
		start(t, q)
		time.Sleep(50 * time.Millisecond) // let Run make its first, empty claim
		id := enqueue(t, db, q, "deliver", nil, Options{})
		waitState(t, q, id, StateDone, 10*time.Second)
	})
}

// Finished jobs are deleted after Retention; pending ones never are.
func TestRetentionPrunesFinishedJobs(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		q := testQueue(db)
		q.Retention = time.Millisecond
		done := enqueue(t, db, q, "deliver", nil, Options{})
		pending := enqueue(t, db, q, "deliver", nil, Options{RunAt: time.Now().Add(time.Hour)})
		if _, err := db.Exec(context.Background(), `UPDATE jobs SET state = 'done', finished_at = ? WHERE id = ?`, nowMS()-1000, done); err != nil {
			t.Fatal(err)
		}
		q.sweep(context.Background())
		if _, err := q.Status(context.Background(), done); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finished job kept: %v", err)
		}
		if _, err := q.Status(context.Background(), pending); err != nil {
			t.Fatalf("pending job pruned: %v", err)
		}
	})
}
