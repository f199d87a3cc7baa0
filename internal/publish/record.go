// Package publish is Faro's public face: the rules that decide what of
// the documentation may be published (verification, consent, coarsening
// of place and time, suppression of small cells), the public_records
// table that holds only the result, the public site and the open data
// exports. Nothing here reads an encrypted field except an approved
// public text.
package publish

// Source names for public_records.source.
const (
	// SourceFaro marks records documented in this Faro instance,
	// coarsened and suppressed before they got here.
	SourceFaro = "faro"
	// SourceMMP marks rows imported from the IOM Missing Migrants Project,
	// republished as IOM published them.
	SourceMMP = "iom-mmp"
)

// Record is one row of the public dataset (table public_records). Every
// field may be shown to anyone. Nil counts are unknown, not zero.
type Record struct {
	ID       int64
	Source   string // SourceFaro, SourceMMP, or "hxl:<name>" for a generic import
	SourceID string // incident ref, MMP Web ID / Main ID; unique per source

	Type          string // incident type code (vocabulary), or the source's type text
	OccurredOn    string // YYYY-MM-DD: the first day of the (coarsened) period
	DatePrecision string // "day", "week", "month", "year" or "" (unknown)
	Year, Month   int    // of OccurredOn; 0 when unknown

	// Lat and Lon are already coarsened for Faro's own records (grid cell
	// centre) and as published for sources; nil when unknown.
	Lat, Lon *float64
	Place    string // public place text: admin area, or the source's location
	Country  string
	Region   string // MMP Region of Incident, or the admin area for Faro's records
	Route    string // migration route
	Cause    string // cause of death, as the source wrote it

	Dead, Missing, DeadAndMissing, Survivors *int
	Females, Males, Minors                   *int

	Origins string // countries of origin, "; " separated; "" when unknown or suppressed
	// Suppressed names the fields withheld from this record because a
	// cell they form counted fewer than k people, comma separated
	// ("origins"), so that outputs can say so.
	Suppressed string
	// Summary is public text: only a reviewer-approved text under
	// "public with name" consent, or the source's own description.
	Summary string

	Attribution string // e.g. "IOM Missing Migrants Project"
	Licence     string // e.g. "CC BY 4.0"
	URL         string // the source's own link, as published; never followed
	// Raw is the source row as published: a JSON array of [column, cell]
	// pairs in the file's order (see EncodeRaw), so that the row can be
	// re-exported in the source's layout; "" for Faro's own.
	Raw string

	UpdatedAt int64 // unix seconds
}
