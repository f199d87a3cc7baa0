package publish

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
)

// siteGrid is what the map needs of every published position, read once per
// dataset version and kept in memory: id, position, the filter fields
// (as small codes) and the people counted. Without it every new view (a
// zoom, a pan, a filter) is a GROUP BY over the whole table, 0.3-5 s with
// 100k rows; with it a view is a scan of the points in the view's latitude
// band, a few milliseconds. About 60 bytes a point: 6 MB for 100k.
type siteGrid struct {
	version string
	dialect store.Dialect
	// points are by latitude: a view scans its band, in memory order.
	points []sitePoint
	// byDate indexes points in the order the map's list shows them
	// (occurred_on DESC, id DESC), as the database sorts them, so that the
	// list is the first matches of a walk, in the database's collation.
	byDate []int32
	codes  [3]map[string]uint32
	// tooBig: more than siteGridMax positions; the SQL of site_query.go
	// answers instead, so that memory stays bounded.
	tooBig bool
}

// siteGridMax bounds the positions kept in memory (about 30 MB). The IOM
// Missing Migrants Project, the largest source, has some tens of thousands.
var siteGridMax = 500_000

type sitePoint struct {
	Lat, Lon  float64
	ID        int64
	People    int64 // sitePeople, when HasPeople
	Year      int32
	Code      [3]uint32 // type, cause, route
	HasPeople bool
}

// Grid returns the positions of the dataset at version, reading them when
// the version is not the one kept (see Cube).
func (q *siteDB) Grid(ctx context.Context, version string) (*siteGrid, error) {
	s, err := q.exact(ctx, version)
	if err != nil {
		return nil, err
	}
	return s.Grid(ctx, q.db)
}

// siteGridBuilder collects a grid's points as the rows come.
type siteGridBuilder struct {
	g      *siteGrid
	dates  []string // occurred_on of each point, when sorting here
	sortUs bool
	n      int
}

func newSiteGridBuilder(version string, dialect store.Dialect, sortUs bool) *siteGridBuilder {
	g := &siteGrid{version: version, dialect: dialect}
	for i := range g.codes {
		g.codes[i] = map[string]uint32{}
	}
	return &siteGridBuilder{g: g, sortUs: sortUs}
}

// add takes one row with a position.
func (b *siteGridBuilder) add(p sitePoint, year int64, typ, cause, route, date string) {
	if b.g.tooBig {
		return
	}
	if b.n++; b.n > siteGridMax {
		b.g = &siteGrid{version: b.g.version, tooBig: true}
		b.dates = nil
		return
	}
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.IsInf(p.Lat, 0) || math.IsInf(p.Lon, 0) {
		return // never inside a view's box
	}
	p.Year = int32(max(math.MinInt32, min(math.MaxInt32, year)))
	for i, s := range []string{typ, cause, route} {
		c, ok := b.g.codes[i][s]
		if !ok {
			c = uint32(len(b.g.codes[i]))
			b.g.codes[i][s] = c
		}
		p.Code[i] = c
	}
	b.g.points = append(b.g.points, p)
	if b.sortUs {
		b.dates = append(b.dates, date)
	}
}

func (b *siteGridBuilder) done() *siteGrid {
	g := b.g
	if g.tooBig {
		return g
	}
	if b.sortUs {
		sortByDate(g.points, b.dates)
		b.dates = nil
	}
	// Now by date; reorder by latitude and keep the date order as indexes.
	idx := make([]int32, len(g.points))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(g.points[a].Lat, g.points[b].Lat) })
	byLat := make([]sitePoint, len(g.points))
	g.byDate = make([]int32, len(g.points))
	for k, i := range idx {
		byLat[k] = g.points[i]
		g.byDate[i] = int32(k)
	}
	g.points = byLat
	return g
}

// loadSiteGrid reads the grid alone (PostgreSQL, whose sort and GROUP BY
// are cheap: the statistics keep their own query, see scanLocked for SQLite).
// The list's order (occurred_on DESC, id DESC) is the database's, in its
// collation.
func loadSiteGrid(ctx context.Context, db *store.DB, version string) (*siteGrid, error) {
	rows, err := db.Query(ctx, `SELECT id, lat, lon, year, type, cause, route, `+sitePeople+`
		FROM public_records WHERE lat IS NOT NULL AND lon IS NOT NULL
		ORDER BY occurred_on DESC, id DESC LIMIT ?`, siteGridMax+1)
	if err != nil {
		return nil, fmt.Errorf("public positions: %w", err)
	}
	defer rows.Close()
	b := newSiteGridBuilder(version, db.Dialect, false)
	var typ, cause, route string
	var people sql.NullInt64
	for rows.Next() {
		var p sitePoint
		var year int64
		if err := rows.Scan(&p.ID, &p.Lat, &p.Lon, &year, &typ, &cause, &route, &people); err != nil {
			return nil, fmt.Errorf("public positions: %w", err)
		}
		p.People, p.HasPeople = people.Int64, people.Valid
		if b.add(p, year, typ, cause, route, ""); b.g.tooBig {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public positions: %w", err)
	}
	return b.done(), nil
}

// sortByDate orders points as ORDER BY occurred_on DESC, id DESC does in
// SQLite (dates[i] is points[i]'s occurred_on, compared bytewise).
func sortByDate(points []sitePoint, dates []string) {
	idx := make([]int32, len(points))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		return cmp.Or(strings.Compare(dates[b], dates[a]), cmp.Compare(points[b].ID, points[a].ID))
	})
	sorted := make([]sitePoint, len(points))
	for i, j := range idx {
		sorted[i] = points[j]
	}
	copy(points, sorted)
}

// siteGridFilter is a siteFilter in the grid's codes.
type siteGridFilter struct {
	year  int32
	any   bool // no year
	code  [3]uint32
	check [3]bool
	none  bool // a value no point has: nothing matches
}

func (g *siteGrid) filter(f siteFilter) siteGridFilter {
	gf := siteGridFilter{any: f.Year == 0}
	if f.Year != 0 {
		if f.Year < math.MinInt32 || f.Year > math.MaxInt32 {
			gf.none = true
		}
		gf.year = int32(f.Year)
	}
	for i, s := range []string{f.Type, f.Cause, f.Route} {
		if s == "" {
			continue
		}
		c, ok := g.codes[i][s]
		gf.code[i], gf.check[i], gf.none = c, true, gf.none || !ok
	}
	return gf
}

func (gf *siteGridFilter) match(p *sitePoint, box geo.BBox) bool {
	return p.Lat >= box.MinLat && p.Lat <= box.MaxLat && p.Lon >= box.MinLon && p.Lon <= box.MaxLon &&
		(gf.any || p.Year == gf.year) &&
		(!gf.check[0] || p.Code[0] == gf.code[0]) && (!gf.check[1] || p.Code[1] == gf.code[1]) &&
		(!gf.check[2] || p.Code[2] == gf.code[2])
}

// round is the database's ROUND(x): SQLite rounds halves away from zero
// (by adding 0.5 and truncating), PostgreSQL's round(double precision) to
// even. Done the same way so that a point falls in the same cell.
func (g *siteGrid) round(x float64) float64 {
	if g.dialect == store.Postgres {
		return math.RoundToEven(x)
	}
	if math.Abs(x) >= 1<<62 {
		return x
	}
	if x < 0 {
		return -float64(int64(-x + 0.5))
	}
	return float64(int64(x + 0.5))
}

// Clusters is siteDB.Clusters from memory: the same cells, sums and first
// ids. Ties in count are ordered by first id (the SQL leaves them in any
// order).
func (g *siteGrid) Clusters(f siteFilter, box geo.BBox, cell float64) ([]siteCluster, error) {
	if !(cell > 0) || math.IsInf(cell, 0) {
		return nil, fmt.Errorf("public clusters: bad cell size")
	}
	gf := g.filter(f)
	if gf.none {
		return nil, nil
	}
	// The SQL multiplies by the decimal text of 1/cell: the same number.
	inv, err := strconv.ParseFloat(strconv.FormatFloat(1/cell, 'f', -1, 64), 64)
	if err != nil {
		return nil, fmt.Errorf("public clusters: %w", err)
	}
	type acc struct {
		lat, lon      float64
		n, people, id int64
	}
	var cells []acc
	// Cells are found by their two rounded indexes packed in one integer
	// (they fit: at most 180 × 1/cell, with cell ≥ 1e-6), else by the pair.
	packed := inv <= 1e6
	index := map[[2]float64]int{}
	byInt := map[int64]int{}
	lo := sort.Search(len(g.points), func(i int) bool { return g.points[i].Lat >= box.MinLat })
	for i := lo; i < len(g.points); i++ {
		p := &g.points[i]
		if p.Lat > box.MaxLat {
			break
		}
		if !gf.match(p, box) {
			continue
		}
		ky, kx := g.round(p.Lat*inv), g.round(p.Lon*inv)
		var j int
		var ok bool
		if packed {
			k := int64(ky)<<32 | int64(uint32(int32(kx)))
			if j, ok = byInt[k]; !ok {
				byInt[k] = len(cells)
			}
		} else {
			k := [2]float64{ky, kx}
			if j, ok = index[k]; !ok {
				index[k] = len(cells)
			}
		}
		if !ok {
			j = len(cells)
			cells = append(cells, acc{id: p.ID})
		}
		c := &cells[j]
		c.lat += p.Lat
		c.lon += p.Lon
		c.n++
		c.id = min(c.id, p.ID)
		if p.HasPeople {
			c.people += p.People
		}
	}
	out := make([]siteCluster, len(cells))
	for i, c := range cells {
		out[i] = siteCluster{Lat: c.lat / float64(c.n), Lon: c.lon / float64(c.n), Incidents: c.n, People: c.people, FirstID: c.id}
	}
	slices.SortFunc(out, func(a, b siteCluster) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.FirstID, b.FirstID))
	})
	return out, nil
}

// ListIDs returns the ids of up to limit filtered points in box, latest
// first: the rows siteDB.List would return.
func (g *siteGrid) ListIDs(f siteFilter, box geo.BBox, limit int) []int64 {
	gf := g.filter(f)
	if gf.none {
		return nil
	}
	var ids []int64
	for _, i := range g.byDate {
		if len(ids) >= limit {
			break
		}
		if p := &g.points[i]; gf.match(p, box) {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// listByIDs reads the list items of ids (primary key lookups), in the
// order of ids. An id deleted since the grid was read is left out.
func (q *siteDB) listByIDs(ctx context.Context, ids []int64) ([]siteListItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.db.Query(ctx, `SELECT id, occurred_on, type, place, source, `+sitePeople+` FROM public_records
		WHERE id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("public list: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]siteListItem, len(ids))
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
		byID[it.ID] = it
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public list: %w", err)
	}
	out := make([]siteListItem, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// MapClusters gives the clusters of a view of the dataset at version.
func (q *siteDB) MapClusters(ctx context.Context, version string, f siteFilter, box geo.BBox, cell float64) ([]siteCluster, error) {
	g, err := q.Grid(ctx, version)
	if err != nil {
		return nil, err
	}
	return q.gridClusters(ctx, g, f, box, cell)
}

// gridClusters answers from the in-memory grid g, or the SQL when the
// dataset is too big for it.
func (q *siteDB) gridClusters(ctx context.Context, g *siteGrid, f siteFilter, box geo.BBox, cell float64) ([]siteCluster, error) {
	if g.tooBig {
		return q.Clusters(ctx, f, box, cell)
	}
	return g.Clusters(f, box, cell)
}

// MapList gives the list under the map of a view of the dataset at version.
func (q *siteDB) MapList(ctx context.Context, version string, f siteFilter, box geo.BBox, limit int) ([]siteListItem, error) {
	g, err := q.Grid(ctx, version)
	if err != nil {
		return nil, err
	}
	return q.gridList(ctx, g, f, box, limit)
}

// gridList is MapList from the grid g.
func (q *siteDB) gridList(ctx context.Context, g *siteGrid, f siteFilter, box geo.BBox, limit int) ([]siteListItem, error) {
	if g.tooBig {
		return q.List(ctx, f, &box, limit)
	}
	return q.listByIDs(ctx, g.ListIDs(f, box, limit))
}
