package jobs

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// BenchmarkQueueThroughput enqueues a batch of no-op jobs and times until
// all are recorded done, against a bare baseline in the same run: a
// goroutine pool of the same size doing the same no-op work from a
// channel. The ratio is the price of durability (a claim and a finish
// transaction per job, fsynced on SQLite).
func BenchmarkQueueThroughput(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchThroughput(b, storetest.SQLite(b, migrations.All())) })
	if os.Getenv(storetest.Env) != "" {
		b.Run("postgres", func(b *testing.B) { benchThroughput(b, storetest.Postgres(b, migrations.All())) })
	}
}

func noop(*Job) {}

func benchThroughput(b *testing.B, db *store.DB) {
	const batch = 200
	ctx := context.Background()
	q := New(db, quietLog())
	q.Handle("noop", func(ctx context.Context, j *Job) error { noop(j); return nil })
	start(b, q)
	var queued, bare time.Duration
	rounds := 0
	for b.Loop() {
		rounds++
		t0 := time.Now()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range batch {
				if _, err := q.Enqueue(ctx, tx, "noop", deliveryArgs{int64(i)}, Options{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for {
			var open int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')`).Scan(&open); err != nil {
				b.Fatal(err)
			}
			if open == 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		queued += time.Since(t0)

		t1 := time.Now()
		barePool(q.concurrency(), batch)
		bare += time.Since(t1)
	}
	jobs := float64(rounds * batch)
	b.ReportMetric(float64(queued.Nanoseconds())/jobs, "queue-ns/job")
	b.ReportMetric(float64(bare.Nanoseconds())/jobs, "bare-ns/job")
	b.ReportMetric(float64(queued)/float64(max(bare, 1)), "x-bare")
}

// barePool is the baseline: n no-op jobs through workers goroutines.
func barePool(workers, n int) {
	ch := make(chan *Job)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range ch {
				noop(j)
			}
		})
	}
	for i := range n {
		ch <- &Job{ID: int64(i), Kind: "noop"}
	}
	close(ch)
	wg.Wait()
}
