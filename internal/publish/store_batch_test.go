package publish

import (
	"fmt"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// TestStoreUpsertBatch: a batch bumps the version once, inserts across
// several multi-row statements with each record's own id, updates what
// changed, leaves the version alone when nothing did, and copes with one
// ID twice in a batch.
func TestStoreUpsertBatch(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := ptCtx()
		st := NewStore(db)
		n := insertChunk*2 + 7
		batch := func(people int) []*Record {
			var recs []*Record
			for i := range n {
				p := people
				recs = append(recs, &Record{Source: SourceMMP, SourceID: fmt.Sprint("b", i), OccurredOn: "2019-02-03", Dead: &p,
					Place: fmt.Sprint("place ", i)})
			}
			return recs
		}
		write := func(recs []*Record) (created, updated int) {
			t.Helper()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				created, updated, err = st.UpsertBatch(ctx, tx, recs, nil)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return created, updated
		}
		version := func() string {
			v, err := st.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		recs := batch(1)
		if c, u := write(recs); c != n || u != 0 || version() != "1" {
			t.Fatalf("fresh batch: %d created, %d updated, version %s", c, u, version())
		}
		for _, r := range recs {
			got, err := st.Get(ctx, r.ID)
			if err != nil || got.SourceID != r.SourceID || got.Place != r.Place || got.Year != 2019 {
				t.Fatalf("record %s stored under the wrong id: %v", r.SourceID, err)
			}
		}
		if c, u := write(batch(1)); c != 0 || u != 0 || version() != "1" {
			t.Fatalf("same batch again: %d created, %d updated, version %s", c, u, version())
		}
		changed := batch(1)
		two := 2
		changed[5].Dead = &two
		if c, u := write(changed); c != 0 || u != 1 || version() != "2" {
			t.Fatalf("one changed: %d created, %d updated, version %s", c, u, version())
		}
		three := 3
		dup := []*Record{{Source: SourceMMP, SourceID: "new", Dead: &two}, {Source: SourceMMP, SourceID: "new", Dead: &three}}
		if c, u := write(dup); c != 1 || u != 1 || version() != "3" {
			t.Fatalf("same ID twice: %d created, %d updated, version %s", c, u, version())
		}
		got, err := st.Get(ctx, dup[1].ID)
		if err != nil || got.Dead == nil || *got.Dead != 3 || dup[0].ID != dup[1].ID {
			t.Fatalf("same ID twice: the second did not win: %v", err)
		}
		mixed := []*Record{{Source: SourceMMP, SourceID: "x"}, {Source: "hxl:y", SourceID: "x"}}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, _, err := st.UpsertBatch(ctx, tx, mixed, nil); return err }); err == nil {
			t.Fatal("batch of two sources accepted")
		}
	})
}
