package migrations

import (
	"context"

	"github.com/faro-project/faro/internal/store"
)

// incidentListIndexes: composite indexes for the incident list's common
// filter + sort pairs (issue 4 performance). Each filter column comes
// first, then the sort key and id, so a filtered page walks the index in
// order and stops after a page instead of sorting every match. Every
// index also carries status, team_id and created_by, the columns of the
// visibility rule, so counting (up to CountCap) and skipping (OFFSET) a
// list filtered on one column never reads a table row. Statistics are
// refreshed so the planner knows the new indexes at once.
func incidentListIndexes(ctx context.Context, tx *store.Tx) error {
	return store.ExecAll(ctx, tx,
		`CREATE INDEX IF NOT EXISTS incidents_status_occurred ON incidents (status, occurred_at, id, team_id, created_by)`,
		`CREATE INDEX IF NOT EXISTS incidents_status_updated ON incidents (status, updated_at, id, team_id, created_by)`,
		`CREATE INDEX IF NOT EXISTS incidents_type_occurred ON incidents (type, occurred_at, id, status, team_id, created_by)`,
		`CREATE INDEX IF NOT EXISTS incidents_verification_occurred ON incidents (verification, occurred_at, id, status, team_id, created_by)`,
		`CREATE INDEX IF NOT EXISTS incidents_team_occurred ON incidents (team_id, occurred_at, id, status, created_by)`,
		`CREATE INDEX IF NOT EXISTS incidents_country_occurred ON incidents (country, occurred_at, id, status, team_id, created_by)`,
		`CREATE INDEX IF NOT EXISTS incidents_consent_occurred ON incidents (consent_scope, occurred_at, id, status, team_id, created_by)`,
		`ANALYZE incidents`,
	)
}
