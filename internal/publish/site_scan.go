package publish

import (
	"context"
	"database/sql"
	"fmt"
)

// scan reads the dataset at version once and returns both the statistics
// cube and the map's grid (SQLite only). SQLite
// (modernc, pure Go) spends more on sorting than on reading: the cube's
// GROUP BY over eight columns and the grid's ORDER BY took 1.5 s and 1.9 s
// each with 100k rows on the loaded development machine, one plain scan
// about 1 s. The grouping and the sort are done here instead, with SQLite's
// semantics: GROUP BY on equal values, TEXT compared bytewise (BINARY).
func (q *siteDB) scan(ctx context.Context, version string) (*siteCube, *siteGrid, error) {
	rows, err := q.db.Query(ctx, `SELECT id, lat, lon, year, month, type, cause, route, attribution, licence,
		CASE WHEN suppressed <> '' THEN 1 ELSE 0 END, `+sitePeople+`, dead, missing, survivors, occurred_on
		FROM public_records`)
	if err != nil {
		return nil, nil, fmt.Errorf("public dataset: %w", err)
	}
	defer rows.Close()
	type cellKey struct {
		year, month                             int
		typ, cause, route, attribution, licence string
		suppressed                              bool
	}
	index := map[cellKey]int{}
	cube := &siteCube{version: version}
	b := newSiteGridBuilder(version, q.db.Dialect, true)
	var k cellKey
	var date string
	var supp int
	var lat, lon sql.NullFloat64
	var people, dead, missing, survivors sql.NullInt64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &lat, &lon, &k.year, &k.month, &k.typ, &k.cause, &k.route, &k.attribution, &k.licence,
			&supp, &people, &dead, &missing, &survivors, &date); err != nil {
			return nil, nil, fmt.Errorf("public dataset: %w", err)
		}
		k.suppressed = supp != 0
		j, ok := index[k]
		if !ok {
			j = len(cube.cells)
			index[k] = j
			cube.cells = append(cube.cells, siteCubeCell{Year: k.year, Month: k.month, Type: k.typ, Cause: k.cause,
				Route: k.route, Attribution: k.attribution, Licence: k.licence, Suppressed: k.suppressed})
		}
		c := &cube.cells[j]
		c.Incidents++
		c.People += people.Int64 // zero when unknown: SUM leaves NULL out
		c.Dead += dead.Int64
		c.Missing += missing.Int64
		c.Survivors += survivors.Int64
		if lat.Valid && lon.Valid {
			b.add(sitePoint{Lat: lat.Float64, Lon: lon.Float64, ID: id, People: people.Int64, HasPeople: people.Valid},
				int64(k.year), k.typ, k.cause, k.route, date)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("public dataset: %w", err)
	}
	cube.index()
	return cube, b.done(), nil
}
