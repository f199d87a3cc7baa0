package publish

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// BenchmarkImportMMP measures the import of the real 2019 export (5,987
// rows) in rows per second, on SQLite and PostgreSQL (when
// FARO_TEST_POSTGRES is set), against the bare baseline of parsing only
// (mmp.Read with a callback that does nothing) in the same run. "fresh"
// imports into an empty dataset; "again" re-imports the same file (every
// row unchanged). See docs/performance-import.md.
func BenchmarkImportMMP(b *testing.B) {
	data := impReal(b)
	now := func() time.Time { return impTestNow }
	b.Run("baseline-parse-only", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			rep, err := mmp.Options{Now: now}.Read(bytes.NewReader(data), func(mmp.Record) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
			rows += rep.Accepted
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
	engines := map[string]func(testing.TB) *store.DB{
		"sqlite": func(tb testing.TB) *store.DB { return storetest.SQLite(tb, migrations.All()) },
	}
	if os.Getenv(storetest.Env) != "" {
		engines["postgres"] = func(tb testing.TB) *store.DB { return storetest.Postgres(tb, migrations.All()) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := engines[name]
		if !ok {
			continue
		}
		b.Run(name+"/fresh", func(b *testing.B) {
			rows := 0
			for b.Loop() {
				b.StopTimer()
				db := open(b)
				im := impNew(b, db)
				b.StartTimer()
				rep, err := im.ImportMMP(context.Background(), bytes.NewReader(data), 0)
				if err != nil || rep.Created != 5987 {
					b.Fatalf("%v, %v", rep, err)
				}
				rows += rep.Accepted
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(name+"/again", func(b *testing.B) {
			db := open(b)
			im := impNew(b, db)
			if _, err := im.ImportMMP(context.Background(), bytes.NewReader(data), 0); err != nil {
				b.Fatal(err)
			}
			rows := 0
			for b.Loop() {
				rep, err := im.ImportMMP(context.Background(), bytes.NewReader(data), 0)
				if err != nil || rep.Unchanged != 5987 {
					b.Fatalf("%v, %v", rep, err)
				}
				rows += rep.Accepted
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
