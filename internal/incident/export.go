package incident

import (
	"context"
)

// exportBatch is how many rows an export reads at a time.
const exportBatch = 200

// Each calls fn for every incident of the filtered list v may see, in the
// list's order, reading a batch of rows at a time (keyset pagination), so
// memory stays constant however long the list is. f's page fields are
// ignored. With sensitive, the encrypted fields and the testimonies are
// decrypted: the caller has checked the permission and written the
// export's audit entry. fn's error stops the walk and is returned.
func (s *Store) Each(ctx context.Context, f Filter, v Viewer, sensitive bool, fn func(*Incident) error) error {
	where, args, empty := s.where(f, v)
	if empty {
		return nil
	}
	type key struct {
		at  int64
		id  int64
		ref string
	}
	// The list's order and keyset condition, so that an export walks the
	// records exactly as the list pages them (ties included).
	sp := sortOf(f.Sort)
	order, after := sp.order, sp.after
	afterArgs := func(k key) []any { return []any{k.at, k.id} }
	if sp.after == "" {
		order, after = "ref DESC", "ref < ?"
		afterArgs = func(k key) []any { return []any{k.ref} }
	}
	var last *key
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		q, qargs := where, append([]any(nil), args...)
		if last != nil {
			q += " AND " + after
			qargs = append(qargs, afterArgs(*last)...)
		}
		rows, err := s.DB.Query(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE "+q+" ORDER BY "+order+" LIMIT ?",
			append(qargs, exportBatch)...)
		if err != nil {
			return err
		}
		var batch []*incidentRow
		for rows.Next() {
			r, err := scanIncident(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			inc := &r.inc
			if sensitive {
				if err := s.openIncident(inc, r); err != nil {
					return err
				}
				if inc.Testimonies, err = s.testimonies(ctx, inc.ID, true); err != nil {
					return err
				}
			}
			if err := fn(inc); err != nil {
				return err
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		end := &batch[len(batch)-1].inc
		k := key{id: end.ID, ref: end.Ref, at: unix(end.OccurredAt)}
		if f.Sort == "updated" {
			k.at = unix(end.UpdatedAt)
		}
		last = &k
	}
}
