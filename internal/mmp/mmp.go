// Package mmp reads CSV exports of the IOM Missing Migrants Project (MMP),
// and generic CSV files tagged with HXL hashtags, one row at a time, into
// typed records, with a report of every column it did not understand and
// every row it refused, by line number and reason.
//
// MMP data is published by IOM under CC BY 4.0: whatever shows or ships
// figures derived from it must credit "IOM Missing Migrants Project". MMP
// counts incidents, not people: a Record is one incident, and its counts are
// numbers of people in that incident.
//
// Rules shared by Read and ReadHXL:
//
//   - Columns are found by name (Read) or hashtag (ReadHXL), never by
//     position. Two columns for the same field make the file unreadable
//     (ErrColumnConflict) rather than have one silently win.
//   - An empty cell means "not known": counts stay nil, never 0, and an
//     empty coordinate cell leaves Lat and Lon nil.
//   - A row with any cell that cannot be read exactly is rejected as a
//     whole, with one Rejection per problem, and is not passed to fn:
//     nothing is imported half-read or guessed. Reasons name the line and
//     the column, never the cell's content, so reports can be logged.
//   - The input is read as a stream, one row in memory at a time (the rows
//     passed to fn are the caller's to keep). Memory does not grow with the
//     file, except for the list of rejections, which Options.MaxRejected
//     bounds.
//   - An error (rather than a rejection) means the file as a whole cannot be
//     trusted: not UTF-8, no header, too large, a row too long, too many
//     rejections. Rows before the error have already been passed to fn;
//     callers that import should do so in a transaction and roll it back
//     when Read returns an error.
//
// Rows are not checked against each other: a source ID repeated within one
// file is passed to fn twice, and the importer, which looks IDs up in its
// store anyway, is the place to notice it.
package mmp

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Record is one MMP incident. Text fields are the cell, trimmed; nil
// pointers are empty cells (not known).
type Record struct {
	// Line is the line of the file where the row starts; the header is
	// line 1.
	Line int
	// SourceID is the Web ID (2019 layout) or Main ID (newer layout): the
	// key under which importing the file again updates the incident.
	SourceID string
	// IncidentID is the newer layout's Incident ID.
	IncidentID   string
	IncidentType string
	Region       string
	// IncidentDate is the Reported Date (2019) or Incident Date (newer), at
	// midnight UTC; when the date cell is empty but the year and month cells
	// are not, it is the first of that month. It is the zero time when the
	// date is not known, and then DatePrecision is "".
	IncidentDate  time.Time
	DatePrecision string // PrecisionDay, PrecisionMonth or ""
	// ReportedYear is the Reported Year (2019) or Incident Year (newer)
	// cell, or the year of IncidentDate when that cell is empty or absent.
	ReportedYear     *int
	Dead             *int // Number Dead, Number of Dead
	Missing          *int // Minimum Estimated Number of Missing
	TotalDeadMissing *int // Total (Number of) Dead and Missing
	Survivors        *int
	Females          *int
	Males            *int
	Children         *int
	CauseOfDeath     string
	Location         string // Location Description, Location of Incident
	InfoSource       string // Information Source
	// Lat and Lon are the Location Coordinates or Coordinates, decimal
	// degrees WGS 84; both nil or both set.
	Lat, Lon          *float64
	Route             string // Migration Route
	URL               string // as published; not checked, never followed
	UNSDGroup         string // UNSD Geographical Grouping
	SourceQuality     *int   // 1 (one media source) to 5 (official record)
	CountryOfOrigin   string // as published: names, possibly several
	RegionOfOrigin    string
	CountryOfIncident string

	// Columns and Cells are the row as published, for re-export in the
	// source's own layout: the header's cells (for ReadHXL, the header
	// line when there is one, else the hashtags), exactly as written and
	// shared by every row (do not modify), and this row's cells, untrimmed,
	// one per column.
	Columns []string
	Cells   []string
}

// Report says what Read or ReadHXL made of a file.
type Report struct {
	Layout string // Layout2019, LayoutNewer, LayoutUnknown or LayoutHXL
	// HXL is true when the line under the header was an HXL hashtag row
	// (Read skips it; ReadHXL maps columns by it).
	HXL bool
	// UnknownColumns are the columns that were not mapped to any field,
	// as written in the header (or, for ReadHXL, the hashtag); their cells
	// are not imported.
	UnknownColumns []string
	// Accepted counts the rows passed to fn.
	Accepted int
	// RejectedRows counts the rows refused; Rejected says why, with one
	// entry per problem (a row can have several).
	RejectedRows int
	Rejected     []Rejection
	// Blank counts rows whose cells are all empty, which are skipped.
	Blank int
}

// Rejection is one reason a row was refused.
type Rejection struct {
	Line   int    // where the row starts; the header is line 1
	Column string // the column's header or hashtag; "" for the whole row
	Code   string // one of the Code constants, stable
	Reason string // English, for people; never quotes the cell
}

func (r Rejection) String() string { return fmt.Sprintf("line %d: %s", r.Line, r.Reason) }

// Rejection codes.
const (
	CodeCSV                   = "csv_syntax"               // broken quotes: the row cannot be split into cells
	CodeCellCount             = "cell_count"               // fewer cells than the header, or more that are not empty
	CodeMissingID             = "missing_id"               // the key column (Web ID, Main ID, #event+id ...) is empty
	CodeBadID                 = "bad_id"                   // the key is too long or has control characters
	CodeBadCount              = "bad_count"                // a count that is not a whole number
	CodeNegativeCount         = "negative_count"           // a count below zero
	CodeCountTooLarge         = "count_too_large"          // a count over MaxCount
	CodeTotalMismatch         = "total_mismatch"           // total is not dead + missing
	CodeBadDate               = "bad_date"                 // date (or year, month, weekday) not understood
	CodeAmbiguousDate         = "ambiguous_date"           // 05/06/2019: day/month or month/day?
	CodeDateOutOfRange        = "date_out_of_range"        // before MinYear or in the future
	CodeDateMismatch          = "date_mismatch"            // date not in the year or month the other cells give
	CodeBadCoordinates        = "bad_coordinates"          // coordinates not understood
	CodeAmbiguousCoordinates  = "ambiguous_coordinates"    // "35,5": one number or two?
	CodeCoordinatesOutOfRange = "coordinates_out_of_range" // latitude beyond ±90, longitude beyond ±180
	CodeZeroCoordinates       = "zero_coordinates"         // 0, 0
	CodeIncompleteCoordinates = "incomplete_coordinates"   // latitude without longitude or the reverse (HXL)
	CodeBadSourceQuality      = "bad_source_quality"       // not 1 to 5
	CodeBadCountryCode        = "bad_country_code"         // not 2 or 3 letters (HXL #country+code)
)

// Kinds of Error, for errors.Is.
var (
	ErrNotUTF8           = errors.New("mmp: file is not UTF-8")
	ErrNoHeader          = errors.New("mmp: no header row")
	ErrNoKeyColumn       = errors.New("mmp: no Web ID or Main ID column")
	ErrColumnConflict    = errors.New("mmp: columns conflict")
	ErrNoHashtags        = errors.New("mmp: no HXL hashtag row")
	ErrTooLarge          = errors.New("mmp: file too large")
	ErrRowTooLong        = errors.New("mmp: row too long")
	ErrTooManyRejections = errors.New("mmp: too many rejected rows")
	ErrRead              = errors.New("mmp: cannot read the file")
)

// Error is a problem that stops the reading of a file. Kind is one of the
// Err variables.
type Error struct {
	Line   int // the line where it was found; 0 when not about one line
	Kind   error
	Detail string
	Err    error // the underlying error, if any
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Line > 0 {
		s += fmt.Sprintf(" (line %d)", e.Line)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives Kind, and the underlying error if there is one.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Defaults for Options.
const (
	DefaultMaxBytes     = 200 << 20 // 200 MB; the 2019 global export is 1.7 MB
	DefaultMaxRowBytes  = 1 << 20   // 1 MB; an MMP row is well under 2 KB
	DefaultMaxRejected  = 10_000
	maxIDLen            = 128
	maxColumns          = 1000
	readBufferSize      = 64 << 10
	maxHeaderSniffBytes = readBufferSize
)

// Options bound what Read and ReadHXL accept. The zero value means the
// defaults.
type Options struct {
	// MaxBytes is the size of the largest file read; reading stops with
	// ErrTooLarge as soon as the input goes beyond it. 0 means
	// DefaultMaxBytes; negative means no limit.
	MaxBytes int64
	// MaxRowBytes is the size of the longest row (quoted line breaks
	// included); a longer one, usually a quote that is never closed, stops
	// reading with ErrRowTooLong. 0 means DefaultMaxRowBytes.
	MaxRowBytes int
	// MaxRejected is how many rejections are listed before reading stops
	// with ErrTooManyRejections: a file with that many bad rows is not what
	// it claims to be. 0 means DefaultMaxRejected.
	MaxRejected int
	// Now is the clock dates are checked against (nothing may happen in the
	// future). nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRowBytes <= 0 {
		o.MaxRowBytes = DefaultMaxRowBytes
	}
	if o.MaxRejected <= 0 {
		o.MaxRejected = DefaultMaxRejected
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Read reads an MMP CSV export (the 2019 layout, the newer one, or the HDX
// copy with snake_case names and a hashtag row) with the default Options,
// and calls fn with each row it accepts, in file order. See Options.Read.
func Read(r io.Reader, fn func(Record) error) (Report, error) {
	return Options{}.Read(r, fn)
}

// Read reads an MMP CSV export and calls fn with each row it accepts, in
// file order. If fn returns an error, Read stops and returns it as is.
//
// The input must be UTF-8 (a byte-order mark is skipped), with a header on
// its first line naming the columns; the separator may be a comma, a
// semicolon or a tab (whichever the header line uses most). Columns are
// matched by name, ignoring case, spaces and punctuation; the header must
// have a Web ID or Main ID column. A line of HXL hashtags right under the
// header is skipped.
func (o Options) Read(r io.Reader, fn func(Record) error) (Report, error) {
	o = o.withDefaults()
	rep := Report{Layout: LayoutUnknown}
	src, err := openSource(r, o)
	if err != nil {
		return rep, err
	}
	header, line, err := src.next()
	if err != nil {
		return rep, headerErr(err, line)
	}
	if header == nil {
		return rep, &Error{Kind: ErrNoHeader, Detail: "the file is empty"}
	}
	if err := checkColumns(header, line); err != nil {
		return rep, err
	}
	cols, layout, unknown, err := mapMMPHeader(header, line)
	if err != nil {
		return rep, err
	}
	rep.Layout, rep.UnknownColumns = layout, unknown
	src.header = slices.Clone(header)
	p := newRowParser(cols, o.Now())
	return rep, src.rows(&rep, p, true, func(row *HXLRow) error { return fn(row.Record) })
}

// checkColumns refuses a header too wide to be a table of incidents
// (rather than list a million unknown columns).
func checkColumns(header []string, line int) error {
	if len(header) > maxColumns {
		return &Error{Line: line, Kind: ErrNoHeader, Detail: fmt.Sprintf("the line has %d cells; this reader takes at most %d columns", len(header), maxColumns)}
	}
	return nil
}

// headerErr explains why the first line could not be read.
func headerErr(err error, line int) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, errCSVSyntax) {
		return &Error{Line: line, Kind: ErrNoHeader, Detail: "the header line is not valid CSV (a quote is not closed or is followed by other text)"}
	}
	return &Error{Line: line, Kind: ErrRead, Err: err}
}
