package alerting

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// eachOnTimeline is the largest dispatch whose deliveries each get their
// own timeline entry (a rescue centre, a ship and a lawyer: a coordinator
// wants each line). A larger one — a raid broadcast to a whole network —
// gets one entry summarising it: thousands of lines would bury the case's
// own history and cost one encrypted row and one audit-log append each in
// the case's transaction. Every delivery keeps its own row and status in
// deliveries (the alerts pages); a failure still gets its own timeline
// entry; the summary's status turns sent (or failed, if any failed) once
// none is pending.
const eachOnTimeline = 20

// insertChunk is how many deliveries one INSERT adds (11 parameters each).
const insertChunk = 300

type newDelivery struct {
	t            target
	ch           Channel
	hash         string
	sealed       []byte
	event, batch int64
}

// batchScheduler is a Scheduler that enqueues many jobs in few statements.
type batchScheduler interface {
	EnqueueMany(ctx context.Context, tx *store.Tx, kind string, args []any, maxAttempts int) error
}

// createDeliveries writes the deliveries of one dispatch, their timeline
// entries and their jobs, in tx, and returns how many it made.
func (s *Service) createDeliveries(ctx context.Context, tx *store.Tx, c *Case, targets []target, stage string, tier int) (int, error) {
	var ds []newDelivery
	for _, t := range targets {
		for _, ch := range t.resp.Channels {
			ds = append(ds, newDelivery{t: t, ch: ch})
		}
	}
	if len(ds) == 0 {
		return 0, nil
	}
	for i := range ds {
		token, hash := newToken()
		sealed, err := s.Cipher.Encrypt(tokenLocation(hash), []byte(token))
		if err != nil {
			return 0, err
		}
		ds[i].hash, ds[i].sealed = hash, sealed
	}
	if len(ds) <= eachOnTimeline {
		for i, d := range ds {
			text := fmt.Sprintf("%s → %s (%s, tier %d)", stageLabel(stage), d.t.resp.Name, d.ch.Channel, tier)
			ev, err := s.Cases.AddEvent(ctx, tx, c.ID, EventDelivery, text, StatusPending)
			if err != nil {
				return 0, err
			}
			ds[i].event = ev
		}
	} else {
		batch, err := s.Cases.AddEvent(ctx, tx, c.ID, EventDelivery, summaryText(ds, stage, tier), StatusPending)
		if err != nil {
			return 0, err
		}
		for i := range ds {
			ds[i].batch = batch
		}
	}
	ids, err := s.insertDeliveries(ctx, tx, c.ID, ds, stage, tier)
	if err != nil {
		return 0, err
	}
	// Before the jobs' own AfterCommit (which may hand them to this
	// process's workers at once): their rows, as inserted, for deliver.
	rows := insertedRows(c.ID, ds, ids, stage, tier)
	tx.AfterCommit(func() { s.keepInserted(rows) })
	if err := s.enqueueDeliveries(ctx, tx, ids); err != nil {
		return 0, err
	}
	// One audit entry for the dispatch: the deliveries are its parts.
	return len(ds), s.audit(ctx, tx, "dispatch", "case", strconv.FormatInt(c.ID, 10))
}

// insertedRows are the deliveries' rows as insertDeliveries wrote them.
func insertedRows(caseID int64, ds []newDelivery, ids []int64, stage string, tier int) []*delivery {
	rows := make([]*delivery, len(ds))
	for i, d := range ds {
		rows[i] = &delivery{ID: ids[i], Case: caseID, Responder: d.t.resp.ID, ChannelID: d.ch.ID, Rule: d.t.rule.ID,
			Event: d.event, Batch: d.batch, Channel: d.ch.Channel, Stage: stage, Status: StatusPending, Tier: tier,
			tokenHash: d.hash, sealedToken: d.sealed}
	}
	return rows
}

// summaryText: "Alert → 10000 deliveries (webhook 9000, email 1000, tier 1)".
func summaryText(ds []newDelivery, stage string, tier int) string {
	by := map[string]int{}
	for _, d := range ds {
		by[d.ch.Channel]++
	}
	var parts []string
	for _, ch := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%s %d", ch, by[ch]))
	}
	return fmt.Sprintf("%s → %d deliveries (%s, tier %d)", stageLabel(stage), len(ds), strings.Join(parts, ", "), tier)
}

// insertDeliveries adds the rows in multi-row INSERTs and returns their
// ids in the order of ds.
func (s *Service) insertDeliveries(ctx context.Context, tx *store.Tx, caseID int64, ds []newDelivery, stage string, tier int) ([]int64, error) {
	now := s.opts.Now().Unix()
	ids := make([]int64, 0, len(ds))
	for start := 0; start < len(ds); start += insertChunk {
		chunk := ds[start:min(start+insertChunk, len(ds))]
		var b strings.Builder
		b.WriteString(`INSERT INTO deliveries (case_id, responder_id, channel_id, channel, rule_id, tier, stage, status,
			ack_token_hash, ack_token, event_id, batch_event_id, created_at) VALUES `)
		params := make([]any, 0, 12*len(chunk))
		for i, d := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			params = append(params, caseID, d.t.resp.ID, d.ch.ID, d.ch.Channel, d.t.rule.ID, tier, stage, StatusPending,
				d.hash, d.sealed, d.event, d.batch, now)
		}
		b.WriteString(` RETURNING id, ack_token_hash`)
		rows, err := tx.Query(ctx, b.String(), params...)
		if err != nil {
			return nil, err
		}
		byHash := make(map[string]int64, len(chunk))
		for rows.Next() {
			var id int64
			var hash string
			if err := rows.Scan(&id, &hash); err != nil {
				rows.Close()
				return nil, err
			}
			byHash[hash] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, d := range chunk {
			id, ok := byHash[d.hash]
			if !ok {
				return nil, fmt.Errorf("alerting: delivery row missing after insert")
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *Service) enqueueDeliveries(ctx context.Context, tx *store.Tx, ids []int64) error {
	if bs, ok := s.Jobs.(batchScheduler); ok {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = DeliverArgs{Delivery: id}
		}
		return bs.EnqueueMany(ctx, tx, JobDeliver, args, s.opts.MaxAttempts)
	}
	for _, id := range ids {
		if err := s.Jobs.Enqueue(ctx, tx, JobDeliver, DeliverArgs{Delivery: id}, time.Time{}, s.opts.MaxAttempts, ""); err != nil {
			return err
		}
	}
	return nil
}

// settleBatch turns a summary entry sent (or failed, if any delivery
// failed) once none of its deliveries is pending. It runs with every
// outcome of a summarised dispatch. On PostgreSQL the summary entry's row
// is locked first: two deliveries finishing at once would otherwise each
// still see the other pending (neither commit visible to the other) and
// neither would settle; with the lock, the later one reads after the
// earlier one's commit.
func (s *Service) settleBatch(ctx context.Context, tx *store.Tx, batch int64) error {
	if tx.Dialect == store.Postgres {
		if _, err := tx.Exec(ctx, `SELECT id FROM case_events WHERE id = ? FOR UPDATE`, batch); err != nil {
			return err
		}
	}
	has := func(status string) (bool, error) {
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE batch_event_id = ? AND status = ? LIMIT 1) AS x`,
			batch, status).Scan(&n)
		return n > 0, err
	}
	pending, err := has(StatusPending)
	if err != nil || pending {
		return err
	}
	failed, err := has(StatusFailed)
	if err != nil {
		return err
	}
	status := StatusSent
	if failed {
		status = StatusFailed
	}
	return s.Cases.SetEventStatus(ctx, tx, batch, status, "")
}
