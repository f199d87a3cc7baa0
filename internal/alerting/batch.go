package alerting

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/store"
)

// A fan-out's delivery jobs are claimed by the queue in batches, and their
// successes committed in groups (jobs.HandleGroup). Per delivery that
// would still cost a read of its row before the send and an UPDATE of it
// after; here both are done once per batch: prepareDeliveries reads the
// rows of a claimed batch in one query, and commitSent marks a group's
// sent deliveries in one UPDATE.

// prefetchTTL bounds how old a row read ahead may be when its job starts;
// an older one is read again. (The row only decides whether to send: the
// outcome's UPDATE is still guarded by the row's status at commit time.)
const prefetchTTL = 5 * time.Second

type prefetched struct {
	d  *delivery
	at time.Time
}

type prefetchCache struct {
	mu sync.Mutex
	m  map[int64]prefetched
}

// prepareDeliveries reads the deliveries of a claimed batch of jobs in
// one query, for deliver to take.
func (s *Service) prepareDeliveries(ctx context.Context, js []*jobs.Job) {
	ids := make([]int64, 0, len(js))
	for _, j := range js {
		var a DeliverArgs
		if json.Unmarshal(j.Args, &a) == nil && a.Delivery != 0 {
			ids = append(ids, a.Delivery)
		}
	}
	if len(ids) < 2 {
		return
	}
	_, arg := store.IDList(s.DB.Dialect, ids)
	rows, err := s.DB.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE `+store.IDIn(s.DB.Dialect, "id"), arg)
	if err != nil {
		return // each job reads its own row
	}
	defer rows.Close()
	now := time.Now()
	var got []*delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return
		}
		got = append(got, d)
	}
	if rows.Err() != nil {
		return
	}
	s.prefetch.put(got, now)
}

// keepInserted keeps the rows of deliveries just inserted (after their
// transaction committed), as a read right then would return them: their
// jobs, handed to this process's workers, start without a read.
func (s *Service) keepInserted(ds []*delivery) { s.prefetch.put(ds, time.Now()) }

func (p *prefetchCache) put(ds []*delivery, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[int64]prefetched{}
	}
	for id, e := range p.m {
		if now.Sub(e.at) > prefetchTTL {
			delete(p.m, id) // its job never ran here (given back, taken over)
		}
	}
	for _, d := range ds {
		p.m[d.ID] = prefetched{d: d, at: now}
	}
}

// loadDelivery returns the delivery's row, read ahead if that is fresh.
func (s *Service) loadDelivery(ctx context.Context, id int64) (*delivery, error) {
	p := &s.prefetch
	p.mu.Lock()
	e, ok := p.m[id]
	if ok {
		delete(p.m, id)
	}
	p.mu.Unlock()
	if ok && time.Since(e.at) < prefetchTTL {
		return e.d, nil
	}
	return scanDelivery(s.DB.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`, id))
}

// sent is a delivery's successful send, to be recorded.
type sent struct {
	d    *delivery
	note string
	at   int64
}

// commitSent records sent deliveries in tx: one UPDATE per distinct
// (time, note) — usually one or two for a group — then each delivery's
// timeline entry, or once per summary entry its settling. A delivery
// acknowledged meanwhile keeps that status.
func (s *Service) commitSent(ctx context.Context, tx *store.Tx, results []any) error {
	type key struct {
		at   int64
		note string
	}
	byKey := map[key][]*sent{}
	var keys []key
	for _, r := range results {
		x := r.(*sent)
		k := key{x.at, x.note}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], x)
	}
	query := `UPDATE deliveries SET status = ?, attempts = attempts + 1, sent_at = ?, last_error = ?
		WHERE status IN (?, ?) AND ` + store.IDIn(tx.Dialect, "id") + ` RETURNING id`
	var batches []int64
	seenBatch := map[int64]bool{}
	for _, k := range keys {
		xs := byKey[k]
		ids := make([]int64, len(xs))
		for i, x := range xs {
			ids[i] = x.d.ID
		}
		_, arg := store.IDList(tx.Dialect, ids)
		rows, err := tx.Query(ctx, query, StatusSent, k.at, k.note, StatusPending, StatusFailed, arg)
		if err != nil {
			return err
		}
		updated := make(map[int64]bool, len(xs))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			updated[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range xs {
			d := x.d
			switch {
			case !updated[d.ID]:
				// acknowledged meanwhile: keep that
			case d.Batch != 0:
				if x.note != "" {
					if err := s.noteOutcome(ctx, tx, d, StatusSent, x.note); err != nil {
						return err
					}
				}
				if !seenBatch[d.Batch] {
					seenBatch[d.Batch] = true
					batches = append(batches, d.Batch)
				}
			default:
				if err := s.Cases.SetEventStatus(ctx, tx, d.Event, StatusSent, x.note); err != nil {
					return err
				}
			}
		}
	}
	for _, b := range batches {
		if err := s.settleBatch(ctx, tx, b); err != nil {
			return err
		}
	}
	return nil
}
