package publish

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// insertGridRows writes n random rows, with the awkward cases the map
// meets: no position, unknown counts, positions on a cell's edge (x.5 after
// scaling, where the databases round differently), equal dates.
func insertGridRows(t *testing.T, db *store.DB, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	edges := []float64{0.25, -0.25, 5, -5, 15, 35, -15, 0.75, 2.5, 0.005, 0.015, 0.025, 0.05, 1.5}
	opt := func(v int) any {
		if rng.IntN(5) == 0 {
			return nil
		}
		return v
	}
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			var lat, lon any
			switch rng.IntN(6) {
			case 0: // no position
			case 1:
				lat, lon = edges[rng.IntN(len(edges))], edges[rng.IntN(len(edges))]
			default:
				lat, lon = 30+rng.Float64()*10, -10+rng.Float64()*30
			}
			y, m := 2015+rng.IntN(4), 1+rng.IntN(12)
			on := fmt.Sprintf("%04d-%02d-%02d", y, m, 1+rng.IntN(3))
			if rng.IntN(8) == 0 {
				on = on[:7]
			}
			_, err := tx.Exec(context.Background(), `INSERT INTO public_records (source, source_id, type, occurred_on, year, month,
				lat, lon, place, route, cause, dead, missing, dead_and_missing, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
				"test", fmt.Sprint(i), []string{"Incident", "Split Incident"}[rng.IntN(2)], on, y, m, lat, lon,
				"Place "+fmt.Sprint(i%7), []string{"A", "B", ""}[rng.IntN(3)], []string{"Drowning", "Violence"}[rng.IntN(2)],
				opt(rng.IntN(5)), opt(rng.IntN(3)), opt(rng.IntN(8)), 1)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSiteGridMatchesSQL checks that the in-memory map answers what the
// SQL it replaces answers, on both databases: same cells, counts, people
// and first ids, same positions (up to rounding of the sums), same list.
func TestSiteGridMatchesSQL(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertGridRows(t, db, 600)
		q := &siteDB{db: db}
		g, err := q.Grid(ctx, "1")
		if err != nil || g.tooBig {
			t.Fatalf("grid: %v, too big %v", err, g != nil && g.tooBig)
		}
		boxes := []geo.BBox{siteDefaultView, {MinLat: 30, MaxLat: 35, MinLon: -10, MaxLon: 0},
			{MinLat: -1, MaxLat: 1, MinLon: -1, MaxLon: 1}, {MinLat: 0.25, MaxLat: 5, MinLon: -5, MaxLon: 0.25}}
		filters := []siteFilter{{}, {Year: 2016}, {Type: "Incident", Route: "A"}, {Cause: "Violence", Year: 2017},
			{Route: ""}, {Type: "nothing"}, {Year: 1999}}
		for _, box := range boxes {
			for _, f := range filters {
				for _, cell := range siteCellLevels {
					want, err := q.Clusters(ctx, f, box, cell)
					if err != nil {
						t.Fatal(err)
					}
					got, err := g.Clusters(f, box, cell)
					if err != nil {
						t.Fatal(err)
					}
					sameClusters(t, fmt.Sprintf("%v %+v %g", box, f, cell), got, want)
				}
				want, err := q.List(ctx, f, &box, 50)
				if err != nil {
					t.Fatal(err)
				}
				got, err := q.listByIDs(ctx, g.ListIDs(f, box, 50))
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%v %+v: list of %d, want %d", box, f, len(got), len(want))
				}
				for i := range got {
					a, b := got[i], want[i]
					if a.ID != b.ID || a.OccurredOn != b.OccurredOn || a.Type != b.Type || a.Place != b.Place ||
						(a.People == nil) != (b.People == nil) || (a.People != nil && *a.People != *b.People) {
						t.Fatalf("%v %+v: list item %d is %+v, want %+v", box, f, i, a, b)
					}
				}
			}
		}
		// The view's version is kept; another version is read again.
		if g2, _ := q.Grid(ctx, "1"); g2 != g {
			t.Error("grid read again for the same version")
		}
		if g3, _ := q.Grid(ctx, "2"); g3 == g {
			t.Error("grid kept for a new version")
		}
	})
}

func sameClusters(t *testing.T, what string, got, want []siteCluster) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d clusters, want %d", what, len(got), len(want))
	}
	// The SQL leaves clusters of equal count in any order.
	order := func(a, b siteCluster) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.FirstID, b.FirstID))
	}
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortStableFunc(got, order)
	slices.SortStableFunc(want, order)
	for i := range got {
		a, b := got[i], want[i]
		if a.Incidents != b.Incidents || a.People != b.People || a.FirstID != b.FirstID ||
			math.Abs(a.Lat-b.Lat) > 1e-9 || math.Abs(a.Lon-b.Lon) > 1e-9 {
			t.Fatalf("%s: cluster %d is %+v, want %+v", what, i, a, b)
		}
	}
}

// TestSiteGridBounded: past siteGridMax positions the grid is not kept and
// the map falls back on the SQL, with the same answers.
func TestSiteGridBounded(t *testing.T) {
	old := siteGridMax
	siteGridMax = 10
	t.Cleanup(func() { siteGridMax = old })
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertGridRows(t, db, 40)
		q := &siteDB{db: db}
		g, err := q.Grid(ctx, "1")
		if err != nil || !g.tooBig || len(g.points) != 0 {
			t.Fatalf("grid over the bound: %v, too big %v", err, g != nil && g.tooBig)
		}
		box := siteDefaultView
		got, err := q.MapClusters(ctx, "1", siteFilter{}, box, 1)
		if err != nil {
			t.Fatal(err)
		}
		want, err := q.Clusters(ctx, siteFilter{}, box, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameClusters(t, "fallback", got, want)
		list, err := q.MapList(ctx, "1", siteFilter{}, box, 5)
		if err != nil || len(list) != 5 {
			t.Fatalf("fallback list: %d, %v", len(list), err)
		}
	})
}

// TestSiteCubeMatchesSQL: the statistics cube the site keeps (on SQLite
// summed from one scan of the table) has the cells of the SQL GROUP BY.
func TestSiteCubeMatchesSQL(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertGridRows(t, db, 400)
		if _, err := db.Exec(ctx, `UPDATE public_records SET suppressed = 'origins', attribution = 'X', licence = ''
			WHERE id % 7 = 0`); err != nil {
			t.Fatal(err)
		}
		q := &siteDB{db: db}
		got, err := q.Cube(ctx, "1")
		if err != nil {
			t.Fatal(err)
		}
		want, err := loadSiteCube(ctx, db, "1")
		if err != nil {
			t.Fatal(err)
		}
		order := func(a, b siteCubeCell) int {
			return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Type, b.Type),
				cmp.Compare(a.Cause, b.Cause), cmp.Compare(a.Route, b.Route), cmp.Compare(a.Attribution, b.Attribution),
				cmp.Compare(a.Licence, b.Licence), cmp.Compare(fmt.Sprint(a.Suppressed), fmt.Sprint(b.Suppressed)))
		}
		g, w := slices.Clone(got.cells), slices.Clone(want.cells)
		slices.SortFunc(g, order)
		slices.SortFunc(w, order)
		if !slices.Equal(g, w) {
			t.Fatalf("cube of %d cells differs from the SQL's %d", len(g), len(w))
		}
		if g, _ := q.Grid(ctx, "1"); g == nil || len(g.points) == 0 {
			t.Fatal("no grid")
		}
	})
}

// BenchmarkSiteGridClusters is one new map view's clustering and list from
// memory over 100k positions (world view filtered by a year, and a zoomed
// view), without the database.
//
//	go test ./internal/publish/ -run '^$' -bench SiteGridClusters
func BenchmarkSiteGridClusters(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	gb := newSiteGridBuilder("1", store.SQLite, true)
	for i := range 100_000 {
		y := 2014 + rng.IntN(10)
		gb.add(sitePoint{Lat: 20 + rng.Float64()*20, Lon: -20 + rng.Float64()*50, ID: int64(i + 1), People: 3, HasPeople: true},
			int64(y), "Incident", "Drowning", []string{"A", "B", "C"}[rng.IntN(3)], fmt.Sprintf("%d-%02d-01", y, 1+rng.IntN(12)))
	}
	g := gb.done()
	zoom := geo.BBox{MinLat: 30, MaxLat: 34, MinLon: 10, MaxLon: 18}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := g.Clusters(siteFilter{Year: 2019}, siteDefaultView, siteCellFor(360)); err != nil {
			b.Fatal(err)
		}
		if _, err := g.Clusters(siteFilter{}, zoom, siteCellFor(8)); err != nil {
			b.Fatal(err)
		}
		g.ListIDs(siteFilter{Year: 2019}, siteDefaultView, 50)
		g.ListIDs(siteFilter{Route: "B"}, zoom, 50)
	}
}
