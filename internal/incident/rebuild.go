package incident

import (
	"context"
	"fmt"
)

// RebuildIndex reads and decrypts every incident into the search indexes.
// It runs when Faro is unsealed; the indexes live only in memory.
//
// It streams: one query walks the incidents in id order with their
// testimonies, each incident's words go to the index's tokenisers as soon
// as its last testimony is read, and only the clear fields (short) are
// kept for the second index. Holding every decrypted record and narrative
// before building, as it first did, was most of the memory peak at unseal
// (about 800 MiB for 100k records). Only the fields that are searched are
// decrypted: place, sources, narratives and pseudonyms, not positions.
func (s *Store) RebuildIndex(ctx context.Context) (int, error) {
	s.Index.Reset()
	s.Clear.Reset()
	type clearDoc struct {
		id     int64
		fields []string
	}
	var clears []clearDoc
	n, failed := 0, 0
	var err error
	s.Index.BulkLoad(func(yield func(id int64, fields ...string)) {
		err = s.eachIndexText(ctx, func(id int64, clear []string, full []string, bad int) {
			n++
			failed += bad
			clears = append(clears, clearDoc{id, clear})
			yield(id, full...)
		})
	})
	if err != nil {
		s.Index.Reset()
		return 0, err
	}
	s.Clear.BulkLoad(func(yield func(id int64, fields ...string)) {
		for _, d := range clears {
			yield(d.id, d.fields...)
		}
	})
	if failed > 0 {
		return n, fmt.Errorf("%w: %d encrypted fields could not be read", ErrIndexPartial, failed)
	}
	return n, nil
}

// rebuildQuery lists every incident's searchable columns with each of
// its testimonies (or none), grouped by incident.
const rebuildQuery = `SELECT i.id, i.ref, i.units, i.uniforms, i.vehicles, i.tags, i.adm1, i.adm2, i.place, i.sources,
	t.id, t.narrative, t.pseudonym
	FROM incidents i LEFT JOIN testimonies t ON t.incident_id = i.id
	ORDER BY i.id, t.created_at, t.id`

// eachIndexText calls fn once per incident, in id order, with the words
// of its clear fields, all its searchable words (as clearText and
// indexText give them) and how many of its encrypted fields could not be
// read. A record whose encrypted fields cannot be read is still
// searchable by what could be: one damaged record must not leave search
// empty for everyone.
func (s *Store) eachIndexText(ctx context.Context, fn func(id int64, clear, full []string, bad int)) error {
	rows, err := s.DB.Query(ctx, rebuildQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		cur          int64
		clear, full  []string
		bad          int
		started      bool
		place, src   []byte
		tid          *int64
		narr, pseudo []byte
	)
	for rows.Next() {
		var id int64
		var inc Incident
		var tags string
		tid = nil
		if err := rows.Scan(&id, &inc.Ref, &inc.Units, &inc.Uniforms, &inc.Vehicles, &tags, &inc.Adm1, &inc.Adm2,
			&place, &src, &tid, &narr, &pseudo); err != nil {
			return err
		}
		if !started || id != cur {
			if started {
				fn(cur, clear, full, bad)
			}
			started, cur, bad = true, id, 0
			inc.Tags = splitCodes(tags)
			clear = clearText(&inc)
			var e1, e2 error
			inc.Place, e1 = s.open("incidents", id, "place", place)
			inc.Sources, e2 = s.open("incidents", id, "sources", src)
			if e1 != nil || e2 != nil {
				bad++
			}
			full = append(clearText(&inc), inc.Place, inc.Sources)
		}
		if tid == nil {
			continue
		}
		n, e1 := s.open("testimonies", *tid, "narrative", narr)
		p, e2 := s.open("testimonies", *tid, "pseudonym", pseudo)
		if e1 != nil || e2 != nil {
			bad++
			continue
		}
		full = append(full, n, p)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if started {
		fn(cur, clear, full, bad)
	}
	return nil
}
