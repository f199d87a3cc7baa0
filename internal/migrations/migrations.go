// Package migrations holds Faro's schema history: an ordered, append-only
// list of Go functions, each applied once in its own transaction. Never
// edit a released migration; add a new one.
package migrations

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// All returns every migration in order.
func All() []store.Migration {
	return []store.Migration{
		{Version: 1, Name: "accounts and sessions", Up: accounts},
		{Version: 2, Name: "vault and audit log", Up: vaultAndAudit},
		{Version: 3, Name: "teams, vocabularies, incidents and testimonies", Up: incidents},
		{Version: 4, Name: "incident list indexes", Up: incidentListIndexes},
		{Version: 5, Name: "durable jobs", Up: jobs},
		{Version: 6, Name: "case desk", Up: caseDesk},
		{Version: 7, Name: "responders, channels and message templates", Up: responders},
		{Version: 8, Name: "publication and open data", Up: publication},
		{Version: 9, Name: "alert rules, deliveries and broadcast alerts", Up: alerting},
		{Version: 10, Name: "covering incident list indexes", Up: incidentCoveringIndexes},
		{Version: 11, Name: "escalation messages name kind and phase in their language", Up: escalationNames},
	}
}

func accounts(ctx context.Context, tx *store.Tx) error {
	id, blob := tx.Types()
	return store.ExecAll(ctx, tx,
		`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		fmt.Sprintf(`CREATE TABLE users (
			id %s,
			login TEXT NOT NULL UNIQUE,
			display_name %[2]s NOT NULL,
			password_hash TEXT NOT NULL,
			role TEXT NOT NULL,
			lang TEXT NOT NULL DEFAULT '',
			totp_secret %[2]s,
			totp_enabled INTEGER NOT NULL DEFAULT 0,
			totp_last_step BIGINT NOT NULL DEFAULT 0,
			disabled INTEGER NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`, id, blob),
		fmt.Sprintf(`CREATE TABLE sessions (
			id %s,
			token_hash TEXT NOT NULL UNIQUE,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			state TEXT NOT NULL,
			csrf TEXT NOT NULL,
			user_agent TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			last_seen_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL)`, id),
		`CREATE INDEX sessions_user ON sessions (user_id)`,
		fmt.Sprintf(`CREATE TABLE login_failures (
			id %s,
			key_hash TEXT NOT NULL,
			at BIGINT NOT NULL)`, id),
		`CREATE INDEX login_failures_key ON login_failures (key_hash, at)`,
		fmt.Sprintf(`CREATE TABLE invites (
			id %s,
			token_hash TEXT NOT NULL UNIQUE,
			login TEXT NOT NULL,
			role TEXT NOT NULL,
			created_by BIGINT NOT NULL REFERENCES users(id),
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			used_at BIGINT NOT NULL DEFAULT 0)`, id),
	)
}

func vaultAndAudit(ctx context.Context, tx *store.Tx) error {
	_, blob := tx.Types()
	return store.ExecAll(ctx, tx,
		fmt.Sprintf(`CREATE TABLE vault (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			method TEXT NOT NULL,
			threshold INTEGER NOT NULL,
			shares INTEGER NOT NULL,
			tag %[1]s NOT NULL,
			salt %[1]s NOT NULL,
			kdf TEXT NOT NULL,
			key_check %[1]s NOT NULL,
			created_at BIGINT NOT NULL)`, blob),
		fmt.Sprintf(`CREATE TABLE data_keys (
			id BIGINT PRIMARY KEY,
			wrapped %s NOT NULL,
			active INTEGER NOT NULL,
			created_at BIGINT NOT NULL)`, blob),
		fmt.Sprintf(`CREATE TABLE secrets (
			name TEXT PRIMARY KEY,
			value %s NOT NULL)`, blob),
		fmt.Sprintf(`CREATE TABLE audit_log (
			idx BIGINT PRIMARY KEY,
			at BIGINT NOT NULL,
			actor BIGINT NOT NULL,
			action TEXT NOT NULL,
			record_type TEXT NOT NULL,
			record_id TEXT NOT NULL,
			leaf %[1]s NOT NULL)`, blob),
		`CREATE INDEX audit_log_record ON audit_log (record_type, record_id, action)`,
		fmt.Sprintf(`CREATE TABLE audit_head (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			size BIGINT NOT NULL,
			root %[1]s NOT NULL,
			range_hashes %[1]s NOT NULL,
			checkpoint TEXT NOT NULL)`, blob),
		fmt.Sprintf(`CREATE TABLE evidence (
			id TEXT PRIMARY KEY,
			sha256 TEXT NOT NULL,
			size BIGINT NOT NULL,
			content_type TEXT NOT NULL,
			meta %s NOT NULL,
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL)`, blob),
	)
}

func incidents(ctx context.Context, tx *store.Tx) error {
	id, blob := tx.Types()
	stmts := []string{
		fmt.Sprintf(`CREATE TABLE teams (id %s, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL)`, id),
		`CREATE TABLE user_teams (
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
			PRIMARY KEY (user_id, team_id))`,
		`CREATE TABLE vocab (
			kind TEXT NOT NULL,
			code TEXT NOT NULL,
			position INTEGER NOT NULL,
			builtin INTEGER NOT NULL,
			labels TEXT NOT NULL DEFAULT '{}',
			PRIMARY KEY (kind, code))`,
		fmt.Sprintf(`CREATE TABLE incidents (
			id BIGINT PRIMARY KEY,
			ref TEXT NOT NULL UNIQUE,
			status TEXT NOT NULL,
			team_id BIGINT REFERENCES teams(id),
			type TEXT NOT NULL DEFAULT '',
			occurred_at BIGINT NOT NULL DEFAULT 0,
			date_precision TEXT NOT NULL DEFAULT 'day',
			country TEXT NOT NULL DEFAULT '',
			adm1 TEXT NOT NULL DEFAULT '',
			adm2 TEXT NOT NULL DEFAULT '',
			place %[1]s,
			point %[1]s,
			point_precision_m INTEGER NOT NULL DEFAULT 0,
			coarse_lat DOUBLE PRECISION,
			coarse_lon DOUBLE PRECISION,
			group_size INTEGER, dead INTEGER, missing INTEGER, survivors INTEGER,
			minors INTEGER, women INTEGER, men INTEGER,
			origins TEXT NOT NULL DEFAULT '',
			units TEXT NOT NULL DEFAULT '',
			uniforms TEXT NOT NULL DEFAULT '',
			vehicles TEXT NOT NULL DEFAULT '',
			officers INTEGER,
			violence TEXT NOT NULL DEFAULT '',
			asylum_asked INTEGER,
			interpreter_present INTEGER,
			sources %[1]s,
			source_quality INTEGER,
			verification TEXT NOT NULL DEFAULT 'unverified',
			verified_by BIGINT NOT NULL DEFAULT 0,
			verified_at BIGINT NOT NULL DEFAULT 0,
			tags TEXT NOT NULL DEFAULT '',
			consent_scope TEXT NOT NULL DEFAULT '',
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`, blob),
		`CREATE INDEX incidents_occurred ON incidents (occurred_at)`,
		`CREATE INDEX incidents_status ON incidents (status, created_by)`,
		`CREATE INDEX incidents_team ON incidents (team_id)`,
		fmt.Sprintf(`CREATE TABLE testimonies (
			id BIGINT PRIMARY KEY,
			incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
			language TEXT NOT NULL DEFAULT '',
			narrative %[1]s,
			pseudonym %[1]s,
			interviewer %[1]s,
			interpreter %[1]s,
			witness_contact %[1]s,
			taken_on BIGINT NOT NULL DEFAULT 0,
			consent_scope TEXT NOT NULL DEFAULT 'internal',
			consent_date BIGINT NOT NULL DEFAULT 0,
			consent_how TEXT NOT NULL DEFAULT '',
			created_by BIGINT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`, blob),
		`CREATE INDEX testimonies_incident ON testimonies (incident_id)`,
		`CREATE TABLE incident_evidence (
			incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
			evidence_id TEXT NOT NULL REFERENCES evidence(id),
			testimony_id BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (incident_id, evidence_id))`,
		`CREATE TABLE incident_refs (day TEXT PRIMARY KEY, last INTEGER NOT NULL)`,
		fmt.Sprintf(`CREATE TABLE api_tokens (
			id %s,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			name TEXT NOT NULL,
			token_hash TEXT NOT NULL UNIQUE,
			role TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			last_used_at BIGINT NOT NULL DEFAULT 0,
			revoked_at BIGINT NOT NULL DEFAULT 0)`, id),
	}
	for kind, codes := range builtinVocab {
		for i, code := range codes {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO vocab (kind, code, position, builtin) VALUES ('%s', '%s', %d, 1)`, kind, code, i))
		}
	}
	return store.ExecAll(ctx, tx, stmts...)
}

// builtinVocab is the vocabulary Faro ships with; labels come from the
// catalogues (key vocab.<kind>.<code>). Admins add more entries as data.
var builtinVocab = map[string][]string{
	"incident_type": {"pushback", "chain_pushback", "violence", "detention_abuse", "death", "disappearance", "family_separation", "destruction_of_aid", "other"},
	"violence":      {"beating", "kicking", "dog_attack", "electric_shock", "forced_undressing", "theft_or_destruction", "shots_fired", "reckless_driving", "denial_of_food_water", "other"},
}
