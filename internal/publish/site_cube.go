package publish

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
)

// siteCube is the public dataset summed by every value the statistics
// filter or break down by (year, month, type, cause, route) and by source:
// one SQL GROUP BY per dataset version. Every statistics page, totals and
// filter list for any filter is then summed from its few thousand cells
// in memory instead of scanning 100k rows again.
type siteCube struct {
	version string
	cells   []siteCubeCell
}

type siteCubeCell struct {
	Year, Month              int
	Type, Cause, Route       string
	Attribution, Licence     string
	Suppressed               bool
	Incidents, People        int64
	Dead, Missing, Survivors int64
}

// Cube returns the breakdowns of the dataset at version, reading them
// when the version changed. Concurrent callers wait for one read.
func (q *siteDB) Cube(ctx context.Context, version string) (*siteCube, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cube != nil && q.cube.version == version {
		return q.cube, nil
	}
	rows, err := q.db.Query(ctx, `SELECT year, month, type, cause, route, attribution, licence,
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
	q.cube = c
	return c, nil
}

func (x *siteCubeCell) match(f siteFilter) bool {
	return (f.Year == 0 || x.Year == f.Year) && (f.Type == "" || x.Type == f.Type) &&
		(f.Cause == "" || x.Cause == f.Cause) && (f.Route == "" || x.Route == f.Route)
}

// Totals sums the filtered records, with their sources.
func (c *siteCube) Totals(f siteFilter) siteTotals {
	var t siteTotals
	src := map[[2]string]int64{}
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
		src[[2]string{x.Attribution, x.Licence}] += x.Incidents
	}
	for k, n := range src {
		t.Sources = append(t.Sources, siteSource{Attribution: k[0], Licence: k[1], Incidents: n})
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
	sums := map[string]*siteCount{}
	for i := range c.cells {
		x := &c.cells[i]
		if !x.match(f) {
			continue
		}
		var key string
		switch g {
		case siteByYear:
			if x.Year == 0 {
				continue
			}
			key = strconv.Itoa(x.Year)
		case siteByMonth:
			if x.Year == 0 || x.Month == 0 {
				continue
			}
			key = fmt.Sprintf("%04d-%02d", x.Year, x.Month)
		case siteByRoute:
			key = x.Route
		case siteByType:
			key = x.Type
		case siteByCause:
			key = x.Cause
		}
		s := sums[key]
		if s == nil {
			s = &siteCount{Key: key}
			sums[key] = s
		}
		s.Incidents += x.Incidents
		s.People += x.People
	}
	out := make([]siteCount, 0, len(sums))
	for _, s := range sums {
		out = append(out, *s)
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

// Values lists the known values of a breakdown, for the filter form.
func (c *siteCube) Values(g siteGroup) []string {
	seen := map[string]bool{}
	var out []string
	for i := range c.cells {
		x := &c.cells[i]
		var v string
		switch g {
		case siteByYear:
			if x.Year != 0 {
				v = strconv.Itoa(x.Year)
			}
		case siteByType:
			v = x.Type
		case siteByCause:
			v = x.Cause
		case siteByRoute:
			v = x.Route
		}
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

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
