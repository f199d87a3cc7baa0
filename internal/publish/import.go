package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/store"
)

// Importing a published dataset (the IOM Missing Migrants Project export,
// or any CSV tagged with HXL hashtags) into public_records.
//
// What a file with problems does, decided here:
//
//   - A row that cannot be read exactly (a count that is not a whole
//     number, a negative count, a date or coordinates that could be read in
//     two ways, broken quotes...) is rejected as a whole and reported with
//     its line and the reason; the file's other rows are imported. Nothing
//     of a rejected row is stored, and no value is ever guessed.
//   - A row whose ID already appeared higher up in the same file is
//     rejected too (CodeDuplicateID): which of the two is right cannot be
//     known, and the first one stays.
//   - A problem with the file as a whole (not UTF-8, no header, over the
//     size limit, a row that never ends, too many rejections, an HXL file
//     without an ID column) imports nothing at all. To be sure of that
//     before anything is written, the file is read twice: once to check it,
//     without touching the database, and once to write it. Input that
//     cannot seek (an upload) is kept in memory for the second reading,
//     never on disk; MaxBytes bounds it.
//   - Rows are written in transactions of BatchSize, so that a long import
//     does not hold SQLite's only writer for minutes; no transaction is
//     open while the input is read. If the database fails in the middle,
//     the batches already written stay (each row in them is whole and
//     valid, and importing the file again completes it).
//   - Importing the same file again changes nothing: rows are keyed by the
//     source's ID (Web ID, Main ID, #event+id), a row identical to the
//     stored one counts as unchanged and is not rewritten, a changed one
//     is updated.

// Defaults for Importer.
const (
	// DefaultImportMaxBytes bounds an imported file: the whole MMP global
	// export of 2019 is 1.7 MB, the newest releases under 20 MB.
	DefaultImportMaxBytes = 64 << 20
	DefaultImportBatch    = 500
)

// MMP attribution and licence, as IOM asks to be credited.
const (
	MMPAttribution = "IOM Missing Migrants Project"
	MMPLicence     = "CC BY 4.0"
)

// CodeDuplicateID is the rejection code of a row whose ID an earlier row
// of the same file already has (the mmp package leaves that check to the
// importer).
const CodeDuplicateID = "duplicate_id"

// Errors of the importer itself; the file-level errors of the reader are
// *mmp.Error (errors.Is with mmp.ErrNotUTF8, mmp.ErrTooLarge ...).
var (
	// ErrSourceName: the name given to a generic HXL import is not a
	// short lower-case code.
	ErrSourceName = errors.New("publish: source name must be 1 to 40 lower-case letters, digits, '-' or '_'")
	// ErrNoIDColumn: an HXL file without an ID column (#event+id ...)
	// cannot be imported again without duplicating every row.
	ErrNoIDColumn = errors.New("publish: the file has no ID column (#event+id)")
	// ErrChanged: the input differed between the check and the write.
	ErrChanged = errors.New("publish: the file changed while it was imported")
)

// Upserter stores one public record by (Source, SourceID), in tx. *Store
// is one.
type Upserter interface {
	Upsert(ctx context.Context, tx *store.Tx, r *Record) (created bool, err error)
}

// Auditor appends an audit entry in tx. *audit.Log is one.
type Auditor interface {
	Append(ctx context.Context, tx *store.Tx, e audit.Entry) error
}

// Importer imports published datasets into public_records.
type Importer struct {
	DB    *store.DB
	Store Upserter
	Audit Auditor
	// MaxBytes bounds the file (DefaultImportMaxBytes when 0).
	MaxBytes int64
	// BatchSize is the number of rows written per transaction
	// (DefaultImportBatch when 0).
	BatchSize int
	// Now is the clock (time.Now when nil): dates after it are refused,
	// and it stamps updated_at.
	Now func() time.Time
}

// NewImporter returns an importer writing through st, audited in log.
func NewImporter(db *store.DB, st Upserter, log Auditor) *Importer {
	return &Importer{DB: db, Store: st, Audit: log}
}

// ImportReport says what an import did. Counts are of rows.
type ImportReport struct {
	Source         string // SourceMMP or "hxl:<name>"
	Layout         string // mmp.Layout2019, mmp.LayoutNewer, mmp.LayoutUnknown or mmp.LayoutHXL
	HXL            bool   // the file had an HXL hashtag row
	UnknownColumns []string
	// Accepted rows were read whole; each was Created, Updated or left
	// Unchanged (when the import finished).
	Accepted                    int
	Created, Updated, Unchanged int
	// RejectedRows were refused (none of their cells stored); Rejected
	// lists why, by line, one entry per problem.
	RejectedRows int
	Rejected     []mmp.Rejection
	Blank        int // rows with every cell empty, skipped
	// Written is true once rows reached the database (false when the file
	// was refused as a whole).
	Written bool
}

// readFunc reads a file with the mmp package, passing each accepted row.
type readFunc func(o mmp.Options, in io.Reader, fn func(*mmp.HXLRow) error) (mmp.Report, error)

// ImportMMP imports an IOM Missing Migrants Project export (the 2019
// layout or the newer one, columns found by name) into source SourceMMP.
// actor is the account id for the audit log (0 for the command line).
//
// A non-nil error means the file was refused as a whole and nothing was
// written, unless it came from the database in the middle of writing
// (then Written is true). The report is filled as far as reading went.
func (im *Importer) ImportMMP(ctx context.Context, r io.Reader, actor int64) (ImportReport, error) {
	read := func(o mmp.Options, in io.Reader, fn func(*mmp.HXLRow) error) (mmp.Report, error) {
		return o.Read(in, func(rec mmp.Record) error { return fn(&mmp.HXLRow{Record: rec}) })
	}
	return im.run(ctx, r, SourceMMP, actor, read)
}

var sourceNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// ImportHXL imports a CSV file whose columns are tagged with HXL hashtags
// into source "hxl:<sourceName>". The file must have an ID column
// (#event+id, #event+code, #web+id, #meta+id), so that importing it again
// updates rather than duplicates; without one it is refused with
// ErrNoIDColumn.
func (im *Importer) ImportHXL(ctx context.Context, r io.Reader, sourceName string, actor int64) (ImportReport, error) {
	if !sourceNameRE.MatchString(sourceName) {
		return ImportReport{Layout: mmp.LayoutHXL}, ErrSourceName
	}
	read := func(o mmp.Options, in io.Reader, fn func(*mmp.HXLRow) error) (mmp.Report, error) {
		return o.ReadHXL(in, func(row mmp.HXLRow) error { return fn(&row) })
	}
	return im.run(ctx, r, "hxl:"+sourceName, actor, read)
}

func (im *Importer) options() mmp.Options {
	o := mmp.Options{MaxBytes: im.MaxBytes, Now: im.Now}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultImportMaxBytes
	}
	return o
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now()
	}
	return time.Now()
}

// rewindable gives a reader for the second reading of the input: the input
// itself when it can seek, else a copy kept in memory while it is read the
// first time.
type rewindable struct {
	seeker io.ReadSeeker
	start  int64
	buf    *bytes.Buffer
}

func newRewindable(r io.Reader) (*rewindable, io.Reader) {
	if s, ok := r.(io.ReadSeeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil {
			return &rewindable{seeker: s, start: off}, s
		}
	}
	rw := &rewindable{buf: &bytes.Buffer{}}
	return rw, io.TeeReader(r, rw.buf)
}

func (rw *rewindable) again() (io.Reader, error) {
	if rw.seeker != nil {
		if _, err := rw.seeker.Seek(rw.start, io.SeekStart); err != nil {
			return nil, err
		}
		return rw.seeker, nil
	}
	return bytes.NewReader(rw.buf.Bytes()), nil
}

// sortRejections puts the importer's own rejections among the reader's, by
// line.
func sortRejections(rs []mmp.Rejection) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Line < rs[j].Line })
}

func (rep ImportReport) String() string {
	return fmt.Sprintf("%s: %d accepted (%d created, %d updated, %d unchanged), %d rejected",
		rep.Source, rep.Accepted, rep.Created, rep.Updated, rep.Unchanged, rep.RejectedRows)
}
