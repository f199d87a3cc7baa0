package migrations

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// caseDesk: distress cases, raid reports, timelines, positions, handover notes (internal/casedesk).
//
// Case and event ids are random (like incidents) so that encrypted fields
// can be bound to their record before the row is written. Everything a
// person said or where they are (phones, contacts, notes, positions) is in
// BLOB columns sealed by the vault; codes, counts and times are clear so
// that the board sorts and counts without decrypting.
func caseDesk(ctx context.Context, tx *store.Tx) error {
	_, blob := tx.Types()
	return store.ExecAll(ctx, tx,
		`CREATE TABLE case_regions (
			code TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			created_at BIGINT NOT NULL)`,
		// One counter per UTC day and region: references 2026-11-25-CM-014.
		`CREATE TABLE case_seq (
			day TEXT NOT NULL,
			region TEXT NOT NULL,
			last INTEGER NOT NULL,
			PRIMARY KEY (day, region))`,
		fmt.Sprintf(`CREATE TABLE cases (
			id BIGINT PRIMARY KEY,
			ref TEXT NOT NULL UNIQUE,
			kind TEXT NOT NULL,
			region TEXT NOT NULL REFERENCES case_regions(code),
			status TEXT NOT NULL,
			phase TEXT NOT NULL DEFAULT '',
			severity INTEGER NOT NULL DEFAULT 0,
			verification TEXT NOT NULL DEFAULT '',
			people INTEGER,
			details %[1]s,
			opened_by BIGINT NOT NULL,
			opened_at BIGINT NOT NULL,
			last_contact_at BIGINT NOT NULL,
			last_fix_at BIGINT NOT NULL DEFAULT 0,
			updated_at BIGINT NOT NULL,
			closed_at BIGINT NOT NULL DEFAULT 0,
			closed_by BIGINT NOT NULL DEFAULT 0,
			outcome TEXT NOT NULL DEFAULT '',
			outcome_note %[1]s,
			rescued INTEGER,
			dead INTEGER,
			missing INTEGER,
			incident_id BIGINT)`, blob),
		`CREATE INDEX cases_open ON cases (status, last_contact_at)`,
		fmt.Sprintf(`CREATE TABLE case_events (
			id BIGINT PRIMARY KEY,
			case_id BIGINT NOT NULL REFERENCES cases(id),
			at BIGINT NOT NULL,
			author BIGINT NOT NULL,
			kind TEXT NOT NULL,
			body %[1]s,
			fix %[1]s,
			status TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL)`, blob),
		`CREATE INDEX case_events_case ON case_events (case_id, at)`,
		fmt.Sprintf(`CREATE TABLE case_handover (
			id BIGINT PRIMARY KEY,
			author BIGINT NOT NULL,
			body %s NOT NULL,
			at BIGINT NOT NULL)`, blob),
		`CREATE INDEX case_handover_at ON case_handover (at)`,
	)
}
