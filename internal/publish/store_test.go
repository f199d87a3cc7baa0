package publish

import (
	"errors"
	"fmt"
	"testing"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

func TestStoreUpsertEachStats(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		st := NewStore(db)
		st.pageSize = 3 // several pages
		v0, err := st.Version(ptCtx())
		if err != nil || v0 != "0" {
			t.Fatalf("empty version %q, %v", v0, err)
		}
		for i := 1; i <= 10; i++ {
			r := &Record{Source: SourceMMP, SourceID: fmt.Sprint(i), OccurredOn: fmt.Sprintf("%d-0%d-15", 2014+i%3, 1+i%4),
				DatePrecision: "day", Route: []string{"Central Mediterranean", "Western Mediterranean"}[i%2],
				Type: "death", Cause: []string{"Drowning", "Hypothermia", ""}[i%3], Dead: ptInt(i)}
			if i%2 == 0 {
				r.Missing = ptInt(1)
				r.DeadAndMissing = ptInt(i + 1)
			}
			if i == 7 {
				r.Suppressed = "origins"
			}
			if i <= 5 {
				r.Lat, r.Lon = ptFloat(35+float64(i)/10), ptFloat(-5)
			}
			created, err := st.Upsert(ptCtx(), nil, r)
			if err != nil || !created || r.ID == 0 {
				t.Fatalf("Upsert %d: created %v, %v", i, created, err)
			}
		}
		v1, _ := st.Version(ptCtx())
		// Same content: no write, same version; new content: update, not a duplicate.
		same := &Record{Source: SourceMMP, SourceID: "1", OccurredOn: "2015-02-15", DatePrecision: "day",
			Route: "Western Mediterranean", Type: "death", Cause: "Hypothermia", Dead: ptInt(1), Lat: ptFloat(35.1), Lon: ptFloat(-5)}
		if created, err := st.Upsert(ptCtx(), nil, same); err != nil || created {
			t.Fatalf("re-upsert: created %v, %v", created, err)
		}
		if v, _ := st.Version(ptCtx()); v != v1 {
			t.Errorf("version moved on an unchanged upsert")
		}
		same.Dead = ptInt(100)
		if created, err := st.Upsert(ptCtx(), nil, same); err != nil || created {
			t.Fatalf("update: created %v, %v", created, err)
		}
		if v, _ := st.Version(ptCtx()); v == v1 {
			t.Errorf("version did not move on an update")
		}
		all := ptAll(t, st, Filter{})
		if len(all) != 10 {
			t.Fatalf("%d records, want 10 (no duplicate)", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID <= all[i-1].ID {
				t.Fatal("Each not in id order")
			}
		}
		if got, err := st.Get(ptCtx(), same.ID); err != nil || *got.Dead != 100 {
			t.Errorf("Get after update: %v", err)
		}
		if _, err := st.Get(ptCtx(), 999999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get missing: %v, want ErrNotFound", err)
		}
		if n := len(ptAll(t, st, Filter{Year: 2015})); n != 4 {
			t.Errorf("year filter: %d", n)
		}
		if n := len(ptAll(t, st, Filter{Route: "Central Mediterranean", Source: SourceMMP, Type: "death"})); n != 5 {
			t.Errorf("route filter: %d", n)
		}
		if n := len(ptAll(t, st, Filter{BBox: &geo.BBox{MinLat: 35.15, MaxLat: 35.35, MinLon: -6, MaxLon: -4}})); n != 2 {
			t.Errorf("bbox filter: %d", n)
		}
		if n := len(ptAll(t, st, Filter{BBox: &geo.BBox{MinLat: 30, MaxLat: 40, MinLon: 170, MaxLon: -4}})); n != 5 {
			t.Errorf("bbox across the antimeridian: %d", n)
		}
		s, err := st.Stats(ptCtx(), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		// dead: 100 + 2..10 = 154; missing 5; dead_and_missing only where known: 3+5+7+9+11 = 35.
		if s.Records != 10 || s.Dead != 154 || s.Missing != 5 || s.DeadAndMissing != 35 || s.Suppressed != 1 {
			t.Errorf("totals %+v suppressed %d", s.Totals, s.Suppressed)
		}
		if len(s.ByYear) != 3 || s.ByYear[0].Key != "2014" || len(s.ByMonth) == 0 || s.ByMonth[0].Key > s.ByMonth[len(s.ByMonth)-1].Key {
			t.Errorf("by year %v by month %v", s.ByYear, s.ByMonth)
		}
		if len(s.ByRoute) != 2 || s.ByRoute[0].DeadAndMissing < s.ByRoute[1].DeadAndMissing || len(s.ByCause) != 3 || len(s.ByType) != 1 {
			t.Errorf("by route %v by cause %v", s.ByRoute, s.ByCause)
		}
		n, err := st.DeleteSource(ptCtx(), nil, SourceMMP, func(id string) bool { return id != "3" })
		if err != nil || n != 1 || len(ptAll(t, st, Filter{})) != 9 {
			t.Errorf("DeleteSource: %d, %v", n, err)
		}
	})
}
