package jobs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

const (
	killStorm    = "storm"
	envEnqueue   = "FARO_JOBS_KILL_ENQUEUE"
	stormJobs    = 60 // of each kind
	stormKills   = 6
	stormTxSleep = 3 * time.Millisecond
)

// TestKillStorm kills a child running many escalations and deliveries
// again and again at random moments (inside transactions, between claim
// and finish, during handlers), then finishes the work in the parent:
// every escalation took effect exactly once and every delivery is done.
func TestKillStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	engines := []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteDSN}}
	if os.Getenv(storetest.Env) != "" {
		engines = append(engines, struct {
			name string
			dsn  func(testing.TB) string
		}{"postgres", storetest.PostgresDSN})
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { killStormOn(t, e.dsn(t)) })
	}
}

func killStormOn(t *testing.T, dsn string) {
	ctx := context.Background()
	db := openEffectsDB(t, dsn)
	defer db.Close()
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	cut := 0
	for i := range stormKills {
		var env []string
		if i == 0 {
			env = append(env, envEnqueue+"=1")
		}
		c := startChild(t, dsn, killStorm, env...)
		c.expect("READY")
		time.Sleep(time.Duration(50+rng.IntN(450)) * time.Millisecond)
		c.kill()
		var running int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE state = 'running'`).Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running > 0 {
			cut++
		}
	}
	t.Logf("%d of %d kills cut a claimed job short", cut, stormKills)
	var mid int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM effects`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	t.Logf("escalations done before the last restart: %d of %d", mid, stormJobs)

	q := New(db, quietLog())
	q.Poll = 50 * time.Millisecond
	stormHandlers(q)
	start(t, q)
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m[StateDone] == 2*stormJobs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %v", m)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rows, err := db.Query(ctx, `SELECT j.id, COUNT(e.job_id) FROM jobs j LEFT JOIN effects e ON e.job_id = j.id
		WHERE j.kind = 'escalate' GROUP BY j.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var effects int
		if err := rows.Scan(&id, &effects); err != nil {
			t.Fatal(err)
		}
		if effects != 1 {
			t.Errorf("escalation %d took effect %d times", id, effects)
		}
		n++
	}
	if n != stormJobs {
		t.Fatalf("%d escalations", n)
	}
}

func stormHandlers(q *Queue) {
	q.HandleTx("escalate", func(ctx context.Context, tx *store.Tx, j *Job) error {
		if _, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, j.ID); err != nil {
			return err
		}
		time.Sleep(stormTxSleep) // widen the window for a kill inside the transaction
		return nil
	})
	q.Handle("deliver", func(ctx context.Context, j *Job) error {
		select {
		case <-time.After(20 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// stormChild is the child's side of TestKillStorm.
func stormChild(t *testing.T, db *store.DB) {
	ctx := context.Background()
	q := New(db, quietLog())
	q.Poll = 50 * time.Millisecond
	q.Lease = 500 * time.Millisecond
	q.Concurrency = 4
	stormHandlers(q)
	if os.Getenv(envEnqueue) != "" {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range stormJobs {
				at := time.Now().Add(time.Duration(rand.IntN(3000)) * time.Millisecond)
				if _, err := q.Enqueue(ctx, tx, "escalate", deliveryArgs{int64(i)}, Options{RunAt: at, Key: fmt.Sprintf("escalate:case:%d", i)}); err != nil {
					return err
				}
				if _, err := q.Enqueue(ctx, tx, "deliver", deliveryArgs{int64(i)}, Options{RunAt: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("READY")
	q.Run(ctx)
}
