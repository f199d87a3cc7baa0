package publish

import (
	"context"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// TestSiteServesOldGridDuringRebuild: after a change, pages keep being
// built from the version in memory while the new one is read in the
// background, and switch to the newest once it is whole.
func TestSiteServesOldGridDuringRebuild(t *testing.T) {
	old := siteSyncMax
	siteSyncMax = 0
	t.Cleanup(func() { siteSyncMax = old })
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertGridRows(t, db, 40)
		q := &siteDB{db: db, rebuilt: make(chan string, 4)}
		started, release := make(chan string, 4), make(chan struct{})
		q.beforeBuild = func(v string) { started <- v; <-release }

		s1, err := q.Serve(ctx, "1") // nothing kept yet: read now
		if err != nil || s1.version != "1" {
			t.Fatalf("first view: %v", err)
		}
		g1, err := s1.Grid(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		n1 := len(g1.points)

		lat, lon := 35.0, 10.0
		if _, err := NewStore(db).Upsert(ctx, nil, &Record{Source: SourceMMP, SourceID: "late", OccurredOn: "2019-05-01",
			Lat: &lat, Lon: &lon}); err != nil {
			t.Fatal(err)
		}
		s2, err := q.Serve(ctx, "2")
		if err != nil || s2 != s1 {
			t.Fatalf("view during the rebuild not answered from the previous version: %v", err)
		}
		if v := <-started; v != "2" {
			t.Fatalf("rebuild of %q, want 2", v)
		}
		if s, _ := q.Serve(ctx, "3"); s != s1 {
			t.Fatal("second view during the rebuild not answered from the previous version")
		}
		if s, _ := q.Serve(ctx, "1"); s != s1 {
			t.Fatal("an older version asked for replaced the one kept")
		}
		close(release)
		for v := ""; v != "3"; {
			select {
			case v = <-q.rebuilt:
			case <-time.After(30 * time.Second):
				t.Fatal("rebuild never finished")
			}
		}
		s3, err := q.Serve(ctx, "3")
		if err != nil || s3.version != "3" {
			t.Fatalf("after the rebuild: version %q, %v", s3.version, err)
		}
		g3, err := s3.Grid(ctx, db)
		if err != nil || len(g3.points) != n1+1 {
			t.Fatalf("new grid has %d points, want %d (%v)", len(g3.points), n1+1, err)
		}
		if len(g1.points) != n1 {
			t.Fatal("the previous grid was changed in place")
		}
	})
}

func TestSiteNewer(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"2", "1", true}, {"10", "9", true}, {"1", "2", false}, {"3", "3", false}, {"x", "y", true}, {"x", "x", false}} {
		if got := siteNewer(c.a, c.b); got != c.want {
			t.Errorf("siteNewer(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// TestSiteWarm: the read-ahead Faro runs at start-up leaves the current
// version's statistics and positions in memory, so the first visitor's
// page is built from them.
func TestSiteWarm(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insertGridRows(t, db, 40)
		st := NewStore(db)
		s := &site{st: st, q: &siteDB{db: db}}
		if err := s.warm(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := st.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.q.mu.Lock()
		cur := s.q.cur
		s.q.mu.Unlock()
		if cur == nil || cur.version != v {
			t.Fatalf("after the read-ahead the site holds %v, want version %s", cur, v)
		}
		cur.mu.Lock()
		g := cur.grid
		cur.mu.Unlock()
		if g == nil || len(g.points) == 0 {
			t.Error("the map's positions were not read ahead")
		}
	})
}
