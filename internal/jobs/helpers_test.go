package jobs

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testQueue is a queue with quick polling and retries, so tests take
// milliseconds where production takes seconds.
func testQueue(db *store.DB) *Queue {
	q := New(db, quietLog())
	q.Poll = 20 * time.Millisecond
	q.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	return q
}

// start runs q until the test ends and waits for Run to return then.
func start(t testing.TB, q *Queue) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { q.Run(ctx) })
	stop := func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

func enqueue(t testing.TB, db *store.DB, q *Queue, kind string, args any, o Options) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = q.Enqueue(context.Background(), tx, kind, args, o)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return id
}

// waitState polls the job's status until it is in state or d passes.
func waitState(t testing.TB, q *Queue, id int64, state string, d time.Duration) Status {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s, err := q.Status(context.Background(), id)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		if s.State == state {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: state %s (attempts %d, error %q), want %s", id, s.State, s.Attempts, s.LastError, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// effects is a table that TxHandlers write to: one row per execution
// that committed.
func createEffects(t testing.TB, db *store.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `CREATE TABLE IF NOT EXISTS effects (job_id BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
}

func countEffects(t testing.TB, db *store.DB, id int64) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM effects WHERE job_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	storetest.Each(t, migrations.All(), fn)
}

// openEffectsDB opens the database at dsn, migrated and with the effects
// table, for a test that also runs a child process on it.
func openEffectsDB(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background(), migrations.All()); err != nil {
		db.Close()
		t.Fatal(err)
	}
	createEffects(t, db)
	return db
}
