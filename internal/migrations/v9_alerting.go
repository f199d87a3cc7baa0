package migrations

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// alerting: alert rules, deliveries, acknowledgements, escalations and
// broadcast alerts (internal/alerting).
//
// Rule areas are operational settings, not personal data, so they stay in
// the clear (JSON in area). A delivery's ack token is kept twice: its
// SHA-256 for lookup, and sealed by the vault so a retried job can put the
// same link in the message again. last_error holds an error class, never a
// peer's answer (which could echo an address).
func alerting(ctx context.Context, tx *store.Tx) error {
	id, blob := tx.Types()
	return store.ExecAll(ctx, tx,
		fmt.Sprintf(`CREATE TABLE alert_rules (
			id %s,
			name TEXT NOT NULL,
			kinds TEXT NOT NULL,
			area TEXT NOT NULL DEFAULT '',
			min_phase TEXT NOT NULL DEFAULT '',
			min_severity INTEGER NOT NULL DEFAULT 0,
			tier INTEGER NOT NULL DEFAULT 1,
			ack_minutes INTEGER NOT NULL DEFAULT 15,
			template TEXT NOT NULL DEFAULT '',
			broadcast_hours INTEGER NOT NULL DEFAULT 12,
			active INTEGER NOT NULL DEFAULT 1,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`, id),
		`CREATE TABLE rule_responders (
			rule_id BIGINT NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
			responder_id BIGINT NOT NULL,
			PRIMARY KEY (rule_id, responder_id))`,
		fmt.Sprintf(`CREATE TABLE deliveries (
			id %s,
			case_id BIGINT NOT NULL,
			responder_id BIGINT NOT NULL,
			channel_id BIGINT NOT NULL,
			channel TEXT NOT NULL,
			rule_id BIGINT NOT NULL,
			tier INTEGER NOT NULL,
			stage TEXT NOT NULL,
			status TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '',
			ack_token_hash TEXT NOT NULL UNIQUE,
			ack_token %s,
			event_id BIGINT NOT NULL DEFAULT 0,
			batch_event_id BIGINT NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			sent_at BIGINT NOT NULL DEFAULT 0,
			acked_at BIGINT NOT NULL DEFAULT 0,
			ack_via TEXT NOT NULL DEFAULT '')`, id, blob),
		`CREATE INDEX deliveries_case ON deliveries (case_id, tier)`,
		`CREATE INDEX deliveries_responder ON deliveries (responder_id, created_at)`,
		// A summarised dispatch's timeline entry settles when none of its
		// deliveries is pending: one seek per outcome.
		`CREATE INDEX deliveries_batch ON deliveries (batch_event_id, status)`,
		`CREATE TABLE alert_case_state (
			case_id BIGINT PRIMARY KEY,
			phase_rank INTEGER NOT NULL DEFAULT 0,
			tier INTEGER NOT NULL DEFAULT 0,
			stage TEXT NOT NULL DEFAULT '',
			acked INTEGER NOT NULL DEFAULT 0)`,
		fmt.Sprintf(`CREATE TABLE broadcast_alerts (
			id %s,
			case_id BIGINT NOT NULL UNIQUE,
			ref TEXT NOT NULL,
			rule_id BIGINT NOT NULL,
			lat DOUBLE PRECISION NOT NULL,
			lon DOUBLE PRECISION NOT NULL,
			radius_km DOUBLE PRECISION NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			created_by BIGINT NOT NULL DEFAULT 0)`, id),
		`CREATE INDEX broadcast_alerts_expiry ON broadcast_alerts (expires_at)`,
	)
}
