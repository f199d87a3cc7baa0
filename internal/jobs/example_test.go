package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/store"
)

// The hotline's pattern: raising an alert schedules its escalation in the
// same transaction; acknowledging it cancels the escalation in the
// acknowledging transaction; the escalation itself is a TxHandler (it
// only writes: exactly once) that enqueues deliveries, which are Handlers
// (network: at least once, retried).
func Example() {
	ctx := context.Background()
	db, err := store.Open(ctx, "faro.db")
	if err != nil {
		return
	}
	q := jobs.New(db, slog.Default())

	type alertArgs struct {
		Alert int64 `json:"alert"` // ids only: the jobs table is not encrypted
	}
	q.HandleTx("alert.escalate", func(ctx context.Context, tx *store.Tx, j *jobs.Job) error {
		var a alertArgs
		if err := json.Unmarshal(j.Args, &a); err != nil {
			return jobs.Permanent(err)
		}
		// Check again here, in tx, that the alert is still unacknowledged:
		// Cancel cannot stop an escalation that has already started.
		_, err := q.Enqueue(ctx, tx, "alert.deliver", a, jobs.Options{Key: fmt.Sprintf("alert.deliver:%d:tier2", a.Alert)})
		return err
	})
	q.Handle("alert.deliver", func(ctx context.Context, j *jobs.Job) error {
		status := 503 // … send the webhook, SMS or email …
		if status >= 400 && status < 500 {
			return jobs.Permanent(fmt.Errorf("webhook %d", status)) // a class, not the response body
		}
		if status >= 500 {
			return fmt.Errorf("webhook %d", status) // retried with backoff
		}
		return nil
	})
	go q.Run(ctx)

	// In the request that raises alert 42:
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		// … insert the alert …
		_, err := q.Enqueue(ctx, tx, "alert.escalate", alertArgs{42}, jobs.Options{
			RunAt: time.Now().Add(15 * time.Minute),
			Key:   "alert.escalate:42",
		})
		return err
	})
	// In the request that acknowledges it:
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		// … mark the alert acknowledged …
		_, err := q.Cancel(ctx, tx, "alert.escalate:42")
		return err
	})
}
