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
