package publish

import (
	"context"
	"errors"
	"strings"

	"github.com/faro-project/faro/internal/store"
)

// insertChunk is how many rows one multi-row INSERT carries: 29 columns a
// row keeps a statement at about 2,900 parameters, far below SQLite's
// (32,766) and PostgreSQL's (65,535) limits.
const insertChunk = 100

const insertCols = `INSERT INTO public_records (source, source_id, type, occurred_on, date_precision, year, month,
	lat, lon, place, country, region, route, cause, dead, missing, dead_and_missing, survivors, females, males, minors,
	origins, suppressed, summary, attribution, licence, url, raw, updated_at) VALUES `

const insertRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// UpsertBatch stores recs like Upsert, in tx, but counts the version once
// for the whole transaction (when anything changed) instead of once per
// row, and inserts the new rows with multi-row INSERTs. known holds the
// stored records of recs' source IDs, all of them, as the importer has
// already read them (nil: UpsertBatch reads them itself); a record absent
// from known is taken as new. The records must share one Source.
func (s *Store) UpsertBatch(ctx context.Context, tx *store.Tx, recs []*Record, known map[string]*Record) (created, updated int, err error) {
	if len(recs) == 0 {
		return 0, 0, nil
	}
	source := recs[0].Source
	for _, r := range recs {
		if r.Source == "" || r.SourceID == "" {
			return 0, 0, errors.New("publish: record without source or source id")
		}
		if r.Source != source {
			return 0, 0, errors.New("publish: batch of records from more than one source")
		}
		r.fillDate()
	}
	if known == nil {
		batch := make([]Record, len(recs))
		for i, r := range recs {
			batch[i] = Record{SourceID: r.SourceID}
		}
		if known, err = loadExisting(ctx, tx, source, batch); err != nil {
			return 0, 0, err
		}
	}
	var fresh []*Record
	pending := map[string]bool{} // source IDs in fresh
	for _, r := range recs {
		if pending[r.SourceID] {
			// The same ID twice in one batch: the first must be stored
			// before the second can update it.
			if err := s.insertMany(ctx, tx, fresh, known); err != nil {
				return 0, 0, err
			}
			fresh, pending = fresh[:0], map[string]bool{}
		}
		old, ok := known[r.SourceID]
		if !ok {
			fresh = append(fresh, r)
			pending[r.SourceID] = true
			created++
			continue
		}
		r.ID = old.ID
		if sameContent(old, r) {
			r.UpdatedAt = old.UpdatedAt
			continue
		}
		if err := s.update(ctx, tx, r); err != nil {
			return 0, 0, err
		}
		known[r.SourceID] = r
		updated++
	}
	if err := s.insertMany(ctx, tx, fresh, known); err != nil {
		return 0, 0, err
	}
	if created+updated > 0 {
		return created, updated, bumpVersion(ctx, tx)
	}
	return 0, 0, nil
}

// insertMany inserts recs, insertChunk rows a statement, sets their IDs
// and adds them to known.
func (s *Store) insertMany(ctx context.Context, tx *store.Tx, recs []*Record, known map[string]*Record) error {
	now := store.Now()
	for len(recs) > 0 {
		n := min(len(recs), insertChunk)
		chunk := recs[:n]
		recs = recs[n:]
		args := make([]any, 0, n*29)
		bySID := make(map[string]*Record, n)
		for _, r := range chunk {
			r.UpdatedAt = now
			args = append(append(args, r.values()...), r.UpdatedAt)
			bySID[r.SourceID] = r
		}
		q := insertCols + insertRow + strings.Repeat(", "+insertRow, n-1) + " RETURNING id, source_id"
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		// Neither engine promises RETURNING's order: match by source ID.
		got := 0
		for rows.Next() {
			var id int64
			var sid string
			if err := rows.Scan(&id, &sid); err != nil {
				rows.Close()
				return err
			}
			if r, ok := bySID[sid]; ok {
				r.ID = id
				known[sid] = r
				got++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if got != n {
			return errors.New("publish: insert returned fewer rows than it was given")
		}
	}
	return nil
}

// update rewrites the stored record r.ID with r.
func (s *Store) update(ctx context.Context, tx *store.Tx, r *Record) error {
	r.UpdatedAt = store.Now()
	_, err := tx.Exec(ctx, `UPDATE public_records SET source = ?, source_id = ?, type = ?, occurred_on = ?, date_precision = ?,
		year = ?, month = ?, lat = ?, lon = ?, place = ?, country = ?, region = ?, route = ?, cause = ?, dead = ?, missing = ?,
		dead_and_missing = ?, survivors = ?, females = ?, males = ?, minors = ?, origins = ?, suppressed = ?, summary = ?,
		attribution = ?, licence = ?, url = ?, raw = ?, updated_at = ? WHERE id = ?`,
		append(r.values(), r.UpdatedAt, r.ID)...)
	return err
}
