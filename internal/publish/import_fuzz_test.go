package publish

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// impFuzzSeeds are small files with the problems the issue lists.
func impFuzzSeeds(f *testing.F, files ...string) {
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		impHeader + "T1,Mediterranean,\"December 30, 2019\",2019,Dec,1,,1,\"35.5, -1.2\",Western Mediterranean\n",
		impHeader + "T1,,2019-12-30,,,1,,1,\"35,5 -1,2\",\nT1,,2019-12-30,,,2,,2,,\n",
		impHeader + "T1,,05/06/2019,,,-1,,1,,\n",
		impHeader + "T1,Med\"iterranean,2019-12-01,2019,Dec,1,,1,,\n",
		impHeader + "T1,,2019-12-01,2019,Dec,1,,1,,C\xf4te\n",
		"\xEF\xBB\xBF" + impHeader + "\"T1\",\"\",\"Dec 1, 2019\",\"2019\",\"Dec\",\"1\",\"\",\"1\",\"\",\"\"\n",
		"Main ID,Incident Type,Number of Dead,Coordinates,Incident Date\nM1,Incident,3,\"10, 20\",2021-02-03\n",
		"#event+id,#date,#affected+killed,#geo+lat,#geo+lon\nH1,2021-01-01,2,\"36,9\",\"27,3\"\n",
		"Incident,Date\n#event+id,#date\nH1,14/07/2021\n",
		"",
	} {
		f.Add([]byte(s))
	}
}

// impFuzz imports data and checks what the importer promises: no panic;
// a refused file stores nothing; otherwise exactly the accepted rows are
// stored, each with its cells as published and no negative count.
func impFuzz(t *testing.T, db *store.DB, data []byte, hxl bool) {
	ctx := context.Background()
	if _, err := db.Exec(ctx, "DELETE FROM public_records"); err != nil {
		t.Fatal(err)
	}
	im := &Importer{DB: db, Store: NewStore(db), Audit: &impAudit{}, MaxBytes: 1 << 20, BatchSize: 3,
		Now: func() time.Time { return impTestNow }}
	var (
		rep ImportReport
		err error
	)
	if hxl {
		rep, err = im.ImportHXL(ctx, bytes.NewReader(data), "fuzz", 0)
	} else {
		rep, err = im.ImportMMP(ctx, bytes.NewReader(data), 0)
	}
	// What the reader alone accepts, first row of each ID.
	o := mmp.Options{MaxBytes: 1 << 20, Now: func() time.Time { return impTestNow }}
	want := map[string][]string{}
	keep := func(r mmp.Record) error {
		if _, dup := want[r.SourceID]; !dup {
			want[r.SourceID] = r.Cells
		}
		return nil
	}
	if hxl {
		o.ReadHXL(bytes.NewReader(data), func(r mmp.HXLRow) error { return keep(r.Record) })
	} else {
		o.Read(bytes.NewReader(data), keep)
	}
	n := 0
	ferr := NewStore(db).Each(ctx, Filter{}, func(r *Record) error {
		n++
		_, cells, derr := DecodeRaw(r.Raw)
		if derr != nil || !slices.Equal(cells, want[r.SourceID]) {
			t.Errorf("stored row %d is not an accepted row as published", r.ID)
		}
		for _, c := range []*int{r.Dead, r.Missing, r.DeadAndMissing, r.Survivors, r.Females, r.Males, r.Minors} {
			if c != nil && *c < 0 {
				t.Errorf("stored row %d has a negative count", r.ID)
			}
		}
		return nil
	})
	if ferr != nil {
		t.Fatal(ferr)
	}
	switch {
	case err != nil && n != 0:
		t.Fatalf("refused file (%v) but %d rows stored", err, n)
	case err == nil && (n != len(want) || n != rep.Accepted || rep.Created != n):
		t.Fatalf("%d stored, %d distinct accepted IDs, report %v", n, len(want), rep)
	}
	for _, r := range rep.Rejected {
		if r.Line < 2 || r.Code == "" || r.Reason == "" {
			t.Errorf("rejection without line or reason: %+v", r)
		}
	}
}

func FuzzImportMMP(f *testing.F) {
	impFuzzSeeds(f, "../mmp/testdata/newer.csv")
	db := storetest.SQLite(f, migrations.All())
	f.Fuzz(func(t *testing.T, data []byte) { impFuzz(t, db, data, false) })
}

func FuzzImportHXL(f *testing.F) {
	impFuzzSeeds(f, "../mmp/testdata/hxl.csv")
	db := storetest.SQLite(f, migrations.All())
	f.Fuzz(func(t *testing.T, data []byte) { impFuzz(t, db, data, true) })
}
