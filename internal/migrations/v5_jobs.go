package migrations

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// jobs: the durable job table (internal/jobs). Times are Unix
// MILLISECONDS (unlike the rest of the schema): retries and leases are
// counted in seconds, and a one-second grain would make a job due "now"
// wait up to a second longer than it should.
//
// args holds ids only and last_error only an error class or status code:
// the table is not encrypted. key is NULL for a job without one; the
// partial unique index makes at most one pending-or-running job per key,
// which is what Enqueue's ON CONFLICT relies on.
func jobs(ctx context.Context, tx *store.Tx) error {
	id, _ := tx.Types()
	return store.ExecAll(ctx, tx,
		fmt.Sprintf(`CREATE TABLE jobs (
			id %s,
			kind TEXT NOT NULL,
			args TEXT NOT NULL,
			key TEXT,
			state TEXT NOT NULL,
			attempt INTEGER NOT NULL DEFAULT 0,
			max_attempts INTEGER NOT NULL,
			run_at BIGINT NOT NULL,
			locked_until BIGINT NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			finished_at BIGINT NOT NULL DEFAULT 0)`, id),
		`CREATE UNIQUE INDEX jobs_key ON jobs (key) WHERE state IN ('pending', 'running')`,
		// The claim looks for pending jobs by run_at and running jobs by
		// lease; partial indexes keep the done jobs out of both.
		`CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'pending'`,
		`CREATE INDEX jobs_lease ON jobs (locked_until) WHERE state = 'running'`,
		`CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed', 'cancelled')`,
	)
}
