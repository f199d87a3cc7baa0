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
	}
}

func accounts(ctx context.Context, tx *store.Tx) error {
	id, _ := tx.Types()
	return store.ExecAll(ctx, tx,
		`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		fmt.Sprintf(`CREATE TABLE users (
			id %s,
			login TEXT NOT NULL UNIQUE,
			display_name TEXT NOT NULL,
			password_hash TEXT NOT NULL,
			role TEXT NOT NULL,
			lang TEXT NOT NULL DEFAULT '',
			totp_secret TEXT NOT NULL DEFAULT '',
			totp_enabled INTEGER NOT NULL DEFAULT 0,
			totp_last_step BIGINT NOT NULL DEFAULT 0,
			disabled INTEGER NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`, id),
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
