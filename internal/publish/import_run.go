package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/store"
)

// errNoID stops the first reading at the first row without an ID (only an
// HXL file without an ID column has such rows).
var errNoID = errors.New("row without ID")

// Audit action and record type of an import.
const (
	AuditImport       = "import"
	AuditImportRecord = "public_records"
)

// run checks the whole input, then writes it (see the comment at the top
// of import.go for why twice).
func (im *Importer) run(ctx context.Context, r io.Reader, source string, actor int64, read readFunc) (ImportReport, error) {
	rep := ImportReport{Source: source}
	o := im.options()
	rw, first := newRewindable(r)

	seen := map[string]int{} // source ID → line of its first row
	var dups []mmp.Rejection
	skip := map[int]bool{} // lines of rows rejected here
	mr, err := read(o, first, func(row *mmp.HXLRow) error {
		if row.SourceID == "" {
			return errNoID
		}
		if l, ok := seen[row.SourceID]; ok {
			skip[row.Line] = true
			dups = append(dups, mmp.Rejection{Line: row.Line, Code: CodeDuplicateID,
				Reason: fmt.Sprintf("same ID as the row on line %d", l)})
			return nil
		}
		seen[row.SourceID] = row.Line
		return nil
	})
	rep.Layout, rep.HXL, rep.UnknownColumns, rep.Blank = mr.Layout, mr.HXL, mr.UnknownColumns, mr.Blank
	rep.Accepted = mr.Accepted - len(dups)
	rep.RejectedRows = mr.RejectedRows + len(dups)
	rep.Rejected = append(mr.Rejected, dups...)
	sortRejections(rep.Rejected)
	switch {
	case errors.Is(err, errNoID):
		return rep, ErrNoIDColumn
	case err != nil:
		return rep, err
	}
	seen = nil

	in, err := rw.again()
	if err != nil {
		return rep, err
	}
	w := &importWriter{im: im, source: source, actor: actor, rep: &rep}
	now := im.now().Unix()
	mr2, err := read(o, in, func(row *mmp.HXLRow) error {
		if skip[row.Line] {
			return nil
		}
		rec := mapRow(source, row)
		rec.UpdatedAt = now
		return w.add(ctx, rec, row.Line)
	})
	if err == nil && (mr2.Accepted != mr.Accepted || mr2.RejectedRows != mr.RejectedRows) {
		err = ErrChanged
	}
	if err == nil {
		err = w.flush(ctx, true)
	}
	if err != nil && rep.Written {
		// Say in the log what reached the database before it failed.
		w.auditPartial(ctx)
	}
	return rep, err
}

// importWriter writes rows in batches, each in one transaction, and the
// audit entry with the last.
type importWriter struct {
	im     *Importer
	source string
	actor  int64
	rep    *ImportReport
	batch  []Record
	lines  []int // of the batch's rows, for error messages
}

func (w *importWriter) batchSize() int {
	if w.im.BatchSize > 0 {
		return w.im.BatchSize
	}
	return DefaultImportBatch
}

func (w *importWriter) add(ctx context.Context, r Record, line int) error {
	w.batch = append(w.batch, r)
	w.lines = append(w.lines, line)
	if len(w.batch) < w.batchSize() {
		return nil
	}
	return w.flush(ctx, false)
}

// flush writes the batch; with final, the audit entry of the whole import
// goes in the same transaction.
func (w *importWriter) flush(ctx context.Context, final bool) error {
	if len(w.batch) == 0 && !final {
		return nil
	}
	var created, updated, unchanged int
	err := w.im.DB.InTx(ctx, func(tx *store.Tx) error {
		created, updated, unchanged = 0, 0, 0 // InTx may run fn again
		old, err := loadExisting(ctx, tx, w.source, w.batch)
		if err != nil {
			return err
		}
		var changed []*Record
		var lines []int
		for i := range w.batch {
			r := &w.batch[i]
			r.fillDate()
			if o, ok := old[r.SourceID]; ok && sameContent(o, r) {
				unchanged++
				continue
			}
			changed = append(changed, r)
			lines = append(lines, w.lines[i])
		}
		if bu, ok := w.im.Store.(batchUpserter); ok {
			// One version bump and a few multi-row INSERTs for the batch,
			// without a SELECT per row: old already holds its stored rows.
			created, updated, err = bu.UpsertBatch(ctx, tx, changed, old)
			if err != nil {
				return fmt.Errorf("store the rows of lines %d-%d: %w", w.lines[0], w.lines[len(w.lines)-1], err)
			}
			changed = nil
		}
		for i := range changed {
			r := changed[i]
			c, err := w.im.Store.Upsert(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("store the row on line %d: %w", lines[i], err)
			}
			if c {
				created++
			} else {
				updated++
			}
		}
		if !final {
			return nil
		}
		return w.im.Audit.Append(ctx, tx, w.auditEntry(created, updated, unchanged, ""))
	})
	if err != nil {
		return err
	}
	w.rep.Created += created
	w.rep.Updated += updated
	w.rep.Unchanged += unchanged
	w.rep.Written = w.rep.Written || len(w.batch) > 0
	w.batch, w.lines = w.batch[:0], w.lines[:0]
	return nil
}

// batchUpserter stores a transaction's changed rows at once, given the
// stored rows of their IDs. *Store is one.
type batchUpserter interface {
	UpsertBatch(ctx context.Context, tx *store.Tx, recs []*Record, known map[string]*Record) (created, updated int, err error)
}

// auditEntry names the import and its counts (never the content).
func (w *importWriter) auditEntry(created, updated, unchanged int, note string) audit.Entry {
	id := fmt.Sprintf("%s created=%d updated=%d unchanged=%d rejected=%d",
		w.source, w.rep.Created+created, w.rep.Updated+updated, w.rep.Unchanged+unchanged, w.rep.RejectedRows)
	if note != "" {
		id += " " + note
	}
	return audit.Entry{Actor: w.actor, Action: AuditImport, RecordType: AuditImportRecord, RecordID: id}
}

// auditPartial records an import that failed after some batches were
// written; best effort, since the database may be what failed.
func (w *importWriter) auditPartial(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	_ = w.im.DB.InTx(ctx, func(tx *store.Tx) error {
		return w.im.Audit.Append(ctx, tx, w.auditEntry(0, 0, 0, "incomplete"))
	})
}

// loadExisting reads the stored records of source with the batch's IDs.
func loadExisting(ctx context.Context, tx *store.Tx, source string, batch []Record) (map[string]*Record, error) {
	out := make(map[string]*Record, len(batch))
	if len(batch) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(batch)+1)
	args = append(args, source)
	for i := range batch {
		args = append(args, batch[i].SourceID)
	}
	q := `SELECT ` + recordCols + ` FROM public_records WHERE source = ? AND source_id IN (?` +
		strings.Repeat(", ?", len(batch)-1) + `)`
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out[r.SourceID] = r
	}
	return out, rows.Err()
}
