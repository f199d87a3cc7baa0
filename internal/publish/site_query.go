package publish

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
)

// The public site's own reads of public_records: aggregates and grid
// clusters computed by the database, so that a page never loads the whole
// dataset (100k rows) into memory. Nothing here reads any other table:
// the site keeps working while the vault is sealed.

// siteFilter is what a visitor may narrow the public site to.
type siteFilter struct {
	Year  int
	Type  string
	Cause string
	Route string
}

// where returns the SQL condition (starting with " WHERE" or "") and its
// arguments, optionally limited to a box.
func (f siteFilter) where(box *geo.BBox) (string, []any) {
	var conds []string
	var args []any
	if f.Year != 0 {
		conds, args = append(conds, "year = ?"), append(args, f.Year)
	}
	if f.Type != "" {
		conds, args = append(conds, "type = ?"), append(args, f.Type)
	}
	if f.Cause != "" {
		conds, args = append(conds, "cause = ?"), append(args, f.Cause)
	}
	if f.Route != "" {
		conds, args = append(conds, "route = ?"), append(args, f.Route)
	}
	if box != nil {
		conds = append(conds, "lat IS NOT NULL AND lon IS NOT NULL AND lat >= ? AND lat <= ? AND lon >= ? AND lon <= ?")
		args = append(args, box.MinLat, box.MaxLat, box.MinLon, box.MaxLon)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// sitePeople is the number of dead and missing a row counts: the source's
// total when it gave one, else what its parts add up to. Unknown stays
// out of the sum rather than counting as zero.
const sitePeople = "COALESCE(dead_and_missing, dead + missing, dead, missing)"

// siteDB reads public_records for the site. The dataset Store gives
// records and the version; the aggregates the pages need (grid clusters,
// breakdowns under a cause filter) are here.
type siteDB struct {
	db *store.DB

	// mu guards cur, want and building; a first read (cur nil) holds it
	// so that concurrent callers wait for one read.
	mu  sync.Mutex
	cur *siteSnap // the version served (site_snap.go)
	// want is the newest version asked for while a rebuild runs;
	// building is true while one does.
	want     string
	building bool
	// beforeBuild, when set (tests), runs in the rebuild before it reads.
	beforeBuild func(version string)
	// rebuilt, when set (tests), gets each finished rebuild's version.
	rebuilt chan string
}

// siteTotals are the headline figures of a filter.
type siteTotals struct {
	Incidents  int64
	People     int64 // dead and missing
	Dead       int64
	Missing    int64
	Survivors  int64
	Suppressed int64 // records with a field withheld
	Sources    []siteSource

	// The counts written for the page's language.
	IncidentsText, PeopleText, DeadText, MissingText, SurvivorsText string
}

// format fills the Text fields.
func (t *siteTotals) format(num func(int64) string) {
	t.IncidentsText, t.PeopleText, t.DeadText = num(t.Incidents), num(t.People), num(t.Dead)
	t.MissingText, t.SurvivorsText = num(t.Missing), num(t.Survivors)
}

// siteSource is one source of the records counted, for attribution.
type siteSource struct {
	Attribution, Licence string
	Incidents            int64
}

// siteCount is one bar: a group's incidents and sitePeople.
type siteCount struct {
	Key       string // the group's value: "2019", "2019-03", a route
	Label     string // Key as the visitor reads it (a Faro type code through the catalogue)
	Incidents int64
	People    int64

	IncidentsText, PeopleText string // for the page's language
}

// siteGroup is what a breakdown groups by.
type siteGroup int

const (
	siteByYear siteGroup = iota
	siteByMonth
	siteByRoute
	siteByType
	siteByCause
)

// siteCluster is the records of one grid cell: where they are on
// average, how many, and the first one's id (the link when alone).
type siteCluster struct {
	Lat, Lon  float64
	Incidents int64
	People    int64
	FirstID   int64
}

// Clusters groups the filtered records inside box into cells of cell
// degrees, in the database: a scan of the table, used only when the
// dataset is too big for the in-memory grid (MapClusters).
func (q *siteDB) Clusters(ctx context.Context, f siteFilter, box geo.BBox, cell float64) ([]siteCluster, error) {
	if !(cell > 0) || math.IsInf(cell, 0) {
		return nil, fmt.Errorf("public clusters: bad cell size")
	}
	w, args := f.where(&box)
	// The cell size is a number we chose, not visitor input; written into
	// the SQL so that the GROUP BY expression is the select expression on
	// both databases.
	inv := strconv.FormatFloat(1/cell, 'f', -1, 64)
	gy, gx := "ROUND(lat * "+inv+")", "ROUND(lon * "+inv+")"
	rows, err := q.db.Query(ctx, `SELECT AVG(lat), AVG(lon), COUNT(*), COALESCE(SUM(`+sitePeople+`), 0), MIN(id)
		FROM public_records`+w+` GROUP BY `+gy+`, `+gx+` ORDER BY 3 DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("public clusters: %w", err)
	}
	defer rows.Close()
	var out []siteCluster
	for rows.Next() {
		var c siteCluster
		if err := rows.Scan(&c.Lat, &c.Lon, &c.Incidents, &c.People, &c.FirstID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// siteListItem is one incident in the list under the map.
type siteListItem struct {
	ID         int64
	OccurredOn string
	Type       string
	Place      string
	Source     string // of the record: Faro's own types are labelled (siteTypeLabel)
	People     *int
}

// List returns up to limit of the filtered records in box, latest first,
// in the database (see MapList).
func (q *siteDB) List(ctx context.Context, f siteFilter, box *geo.BBox, limit int) ([]siteListItem, error) {
	w, args := f.where(box)
	rows, err := q.db.Query(ctx, `SELECT id, occurred_on, type, place, source, `+sitePeople+` FROM public_records`+w+
		` ORDER BY occurred_on DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("public list: %w", err)
	}
	defer rows.Close()
	var out []siteListItem
	for rows.Next() {
		var it siteListItem
		var n sql.NullInt64
		if err := rows.Scan(&it.ID, &it.OccurredOn, &it.Type, &it.Place, &it.Source, &n); err != nil {
			return nil, err
		}
		if n.Valid {
			v := int(n.Int64)
			it.People = &v
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
