package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// Two queues on one database (two processes' worth of connections) race
// for many jobs: every job runs once, Handler and TxHandler alike. On
// PostgreSQL this is SKIP LOCKED at work; on SQLite the single write lock.
func TestTwoQueuesNeverRunAJobTwice(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		createEffects(t, db)
		db2, err := store.Open(context.Background(), db.DSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db2.Close() })

		var mu sync.Mutex
		runs := map[int64]int{}
		byQueue := [2]int{}
		queues := [2]*Queue{testQueue(db), testQueue(db2)}
		for i, q := range queues {
			q.Concurrency = 8
			q.Handle("deliver", func(ctx context.Context, j *Job) error {
				mu.Lock()
				runs[j.ID]++
				byQueue[i]++
				mu.Unlock()
				return nil
			})
			q.HandleTx("escalate", func(ctx context.Context, tx *store.Tx, j *Job) error {
				_, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, j.ID)
				return err
			})
		}
		const n = 200
		var deliveries, escalations []int64
		err = db.InTx(context.Background(), func(tx *store.Tx) error {
			for i := range n {
				kind := "deliver"
				if i%2 == 1 {
					kind = "escalate"
				}
				id, err := queues[0].Enqueue(context.Background(), tx, kind, deliveryArgs{int64(i)}, Options{})
				if err != nil {
					return err
				}
				if kind == "deliver" {
					deliveries = append(deliveries, id)
				} else {
					escalations = append(escalations, id)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		start(t, queues[0])
		start(t, queues[1])
		deadline := time.Now().Add(60 * time.Second)
		for {
			m, err := queues[0].Stats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if m[StateDone] == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("stats after 60 s: %v", m)
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range deliveries {
			if runs[id] != 1 {
				t.Fatalf("delivery %d ran %d times", id, runs[id])
			}
		}
		for _, id := range escalations {
			if c := countEffects(t, db, id); c != 1 {
				t.Fatalf("escalation %d took effect %d times", id, c)
			}
		}
		t.Logf("deliveries run by queue: %v", byQueue)
	})
}
