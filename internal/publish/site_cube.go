package publish

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/faro-project/faro/internal/store"
)

// siteCube is the public dataset summed by every value the statistics
// filter or break down by (year, month, type, cause, route) and by source:
// one SQL GROUP BY per dataset version. Every statistics page, totals and
// filter list for any filter is then summed from its few thousand cells
// in memory instead of scanning 100k rows again.
type siteCube struct {
	version string
	cells   []siteCubeCell

	// Filled by index once per version, so that a page sums integers
	// instead of hashing 23k cells' strings a few times over (that was
	// 10 ms a view).
	at      []siteCellIndex
	keys    [siteGroups][]string // each breakdown's distinct keys
	sources [][2]string          // attribution, licence
	values  [siteGroups][]string // the filter form's lists, sorted
}

// siteCellIndex places cells[i] in the cube's keys and sources.
type siteCellIndex struct {
	group [siteGroups]int32 // index in keys[g]; -1: left out (unknown year or month)
	src   int32
}

// siteGroups is the number of siteGroup values.
const siteGroups = int(siteByCause) + 1

type siteCubeCell struct {
	Year, Month              int
	Type, Cause, Route       string
	Attribution, Licence     string
	Suppressed               bool
	Incidents, People        int64
	Dead, Missing, Survivors int64
}

// Cube returns the breakdowns of the dataset at version, reading them
// (with loadSnap) when the version is not the one kept. The public pages
// use Serve instead, which never waits for a newer version once one is kept.
func (q *siteDB) Cube(ctx context.Context, version string) (*siteCube, error) {
	s, err := q.exact(ctx, version)
	if err != nil {
		return nil, err
	}
	return s.cube, nil
}

// groupKey is a cell's key in breakdown g; ok false when left out.
func (x *siteCubeCell) groupKey(g siteGroup) (string, bool) {
	switch g {
	case siteByYear:
		if x.Year == 0 {
			return "", false
		}
		return strconv.Itoa(x.Year), true
	case siteByMonth:
		if x.Year == 0 || x.Month == 0 {
			return "", false
		}
		return fmt.Sprintf("%04d-%02d", x.Year, x.Month), true
	case siteByRoute:
		return x.Route, true
	case siteByType:
		return x.Type, true
	default:
		return x.Cause, true
	}
}

// index fills the cube's keys, sources and filter values.
func (c *siteCube) index() {
	c.at = make([]siteCellIndex, len(c.cells))
	var keyAt [siteGroups]map[string]int32
	for g := range keyAt {
		keyAt[g] = map[string]int32{}
	}
	srcAt := map[[2]string]int32{}
	for i := range c.cells {
		x := &c.cells[i]
		for g := range siteGroups {
			k, ok := x.groupKey(siteGroup(g))
			if !ok {
				c.at[i].group[g] = -1
				continue
			}
			j, seen := keyAt[g][k]
			if !seen {
				j = int32(len(c.keys[g]))
				keyAt[g][k] = j
				c.keys[g] = append(c.keys[g], k)
			}
			c.at[i].group[g] = j
		}
		src := [2]string{x.Attribution, x.Licence}
		j, seen := srcAt[src]
		if !seen {
			j = int32(len(c.sources))
			srcAt[src] = j
			c.sources = append(c.sources, src)
		}
		c.at[i].src = j
	}
	for _, g := range []siteGroup{siteByYear, siteByType, siteByCause, siteByRoute} {
		var vs []string
		for _, k := range c.keys[g] {
			if k != "" {
				vs = append(vs, k)
			}
		}
		slices.Sort(vs)
		c.values[g] = vs
	}
}

// loadSiteCube reads the cube with one GROUP BY.
func loadSiteCube(ctx context.Context, db *store.DB, version string) (*siteCube, error) {
	rows, err := db.Query(ctx, `SELECT year, month, type, cause, route, attribution, licence,
		CASE WHEN suppressed <> '' THEN 1 ELSE 0 END, COUNT(*), COALESCE(SUM(`+sitePeople+`), 0),
		COALESCE(SUM(dead), 0), COALESCE(SUM(missing), 0), COALESCE(SUM(survivors), 0)
		FROM public_records GROUP BY year, month, type, cause, route, attribution, licence, CASE WHEN suppressed <> '' THEN 1 ELSE 0 END`)
	if err != nil {
		return nil, fmt.Errorf("public breakdowns: %w", err)
	}
	defer rows.Close()
	c := &siteCube{version: version}
	for rows.Next() {
		var x siteCubeCell
		var supp int
		if err := rows.Scan(&x.Year, &x.Month, &x.Type, &x.Cause, &x.Route, &x.Attribution, &x.Licence, &supp,
			&x.Incidents, &x.People, &x.Dead, &x.Missing, &x.Survivors); err != nil {
			return nil, err
		}
		x.Suppressed = supp != 0
		c.cells = append(c.cells, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public breakdowns: %w", err)
	}
	return c, nil
}

func (x *siteCubeCell) match(f siteFilter) bool {
	return (f.Year == 0 || x.Year == f.Year) && (f.Type == "" || x.Type == f.Type) &&
		(f.Cause == "" || x.Cause == f.Cause) && (f.Route == "" || x.Route == f.Route)
}

// Totals sums the filtered records, with their sources.
func (c *siteCube) Totals(f siteFilter) siteTotals {
	var t siteTotals
	src := make([]int64, len(c.sources))
	for i := range c.cells {
		x := &c.cells[i]
		if !x.match(f) {
			continue
		}
		t.Incidents += x.Incidents
		t.People += x.People
		t.Dead += x.Dead
		t.Missing += x.Missing
		t.Survivors += x.Survivors
		if x.Suppressed {
			t.Suppressed += x.Incidents
		}
		src[c.at[i].src] += x.Incidents
	}
	for j, n := range src {
		if n > 0 {
			t.Sources = append(t.Sources, siteSource{Attribution: c.sources[j][0], Licence: c.sources[j][1], Incidents: n})
		}
	}
	slices.SortFunc(t.Sources, func(a, b siteSource) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Attribution, b.Attribution), cmp.Compare(a.Licence, b.Licence))
	})
	return t
}

// Counts breaks the filtered records down: years and months in time order
// (unknown ones left out), the rest by people then incidents, largest
// first ("" is not known).
func (c *siteCube) Counts(f siteFilter, g siteGroup) []siteCount {
	sums := make([]siteCount, len(c.keys[g]))
	for i := range c.cells {
		x := &c.cells[i]
		j := c.at[i].group[g]
		if j < 0 || !x.match(f) {
			continue
		}
		sums[j].Incidents += x.Incidents
		sums[j].People += x.People
	}
	out := make([]siteCount, 0, len(sums))
	for j, s := range sums {
		if s.Incidents > 0 { // a group no record of the filter falls in is left out
			s.Key = c.keys[g][j]
			out = append(out, s)
		}
	}
	if g == siteByYear || g == siteByMonth {
		slices.SortFunc(out, func(a, b siteCount) int { return cmp.Compare(a.Key, b.Key) })
		out = fillGaps(out, g)
	} else {
		slices.SortFunc(out, func(a, b siteCount) int {
			return cmp.Or(cmp.Compare(b.People, a.People), cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Key, b.Key))
		})
	}
	return out
}

// Values lists the known values of a breakdown, for the filter form. The
// slice is the cube's: not to be changed.
func (c *siteCube) Values(g siteGroup) []string { return c.values[g] }

// fillGaps adds the years or months with nothing between the first and
// the last, so that a time chart's columns are evenly spaced in time.
func fillGaps(in []siteCount, g siteGroup) []siteCount {
	if len(in) < 2 {
		return in
	}
	key := func(i int) string { // i: year, or year*12+month-1
		if g == siteByYear {
			return strconv.Itoa(i)
		}
		return fmt.Sprintf("%04d-%02d", i/12, i%12+1)
	}
	idx := func(k string) int {
		y, _ := strconv.Atoi(k[:4])
		if g == siteByYear {
			return y
		}
		m, _ := strconv.Atoi(k[5:7])
		return y*12 + m - 1
	}
	first, last := idx(in[0].Key), idx(in[len(in)-1].Key)
	if last-first > 12*300 {
		return in // nonsense dates: not worth thousands of empty columns
	}
	out := make([]siteCount, 0, last-first+1)
	j := 0
	for i := first; i <= last; i++ {
		if j < len(in) && idx(in[j].Key) == i {
			out = append(out, in[j])
			j++
			continue
		}
		out = append(out, siteCount{Key: key(i)})
	}
	return out
}
