package incident_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// TestRebuildIndexMatchesWrites: the index rebuilt at unseal finds what
// the index kept current on every write found, word for word, in both
// indexes (all words; clear fields only), for records with no, one and
// several testimonies, edited ones and deleted ones. A record whose
// encrypted field cannot be read any more is still found by its clear
// fields, the others are untouched, and the rebuild says it is partial.
func TestRebuildIndexMatchesWrites(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "doc", auth.Reviewer)
		ctx := e.as(u)
		at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
		bare := &incident.Incident{Type: "pushback", OccurredAt: at, DatePrecision: "day", Place: "orchard gate",
			Units: "unit kestrel", Tags: []string{"night", "river"}, Adm1: "Unska"}
		e.create(t, u, bare, nil)
		one := &incident.Incident{Type: "violence", OccurredAt: at, DatePrecision: "day", Sources: "phone call from lemberg"}
		e.create(t, u, one, &incident.Testimony{Narrative: "they burned the quillon shoes", Pseudonym: "Zaid B.", Language: "en", ConsentScope: "internal"})
		two := &incident.Incident{Type: "death", OccurredAt: at, DatePrecision: "day", Vehicles: "grey marrowvan"}
		first := &incident.Testimony{Narrative: "الشرطة أخذت هواتفنا", Language: "ar", ConsentScope: "internal"}
		e.create(t, u, two, first)
		if err := e.Incidents.SaveTestimony(ctx, &incident.Testimony{IncidentID: two.ID, Narrative: "dogs at the tavrin bridge", Language: "en", ConsentScope: "partners"}); err != nil {
			t.Fatal(err)
		}
		first.Narrative = "la police a pris nos téléphones près de Velmar"
		if err := e.Incidents.SaveTestimony(ctx, first); err != nil {
			t.Fatal(err)
		}
		gone := &incident.Incident{Type: "other", OccurredAt: at, DatePrecision: "day", Place: "sandwell hollow"}
		e.create(t, u, gone, &incident.Testimony{Narrative: "nothing left of sandwell", Language: "en", ConsentScope: "internal"})
		if err := e.Incidents.Delete(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}

		words := []string{"orchard", "kestrel", "night", "river", "unska", "lemberg", "quillon", "zaid", "marrowvan",
			"الشرطة", "هواتفنا", "tavrin", "velmar", "telephones", "sandwell", "pushback", bare.Ref, two.Ref}
		snapshot := func() map[string][2][]int64 {
			out := map[string][2][]int64{}
			for _, w := range words {
				full, clear := e.Incidents.Index.Search(w), e.Incidents.Clear.Search(w)
				slices.Sort(full)
				slices.Sort(clear)
				out[w] = [2][]int64{full, clear}
			}
			return out
		}
		before := snapshot()
		if len(before["quillon"][0]) != 1 || len(before["sandwell"][0]) != 0 || len(before["kestrel"][1]) != 1 {
			t.Fatalf("the index kept on writes is not what this test assumes: %v", before)
		}
		if n, err := e.Incidents.RebuildIndex(e.ctx); err != nil || n != 3 {
			t.Fatalf("rebuild: %d records, %v; want 3", n, err)
		}
		after := snapshot()
		for _, w := range words {
			if !slices.Equal(before[w][0], after[w][0]) || !slices.Equal(before[w][1], after[w][1]) {
				t.Errorf("%q: on writes %v, rebuilt %v", w, before[w], after[w])
			}
		}

		// Damage one record's encrypted place.
		if _, err := e.DB.Exec(e.ctx, "UPDATE incidents SET place = ? WHERE id = ?", []byte("not a ciphertext"), bare.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Incidents.RebuildIndex(e.ctx); !errors.Is(err, incident.ErrIndexPartial) {
			t.Fatalf("rebuild with a damaged record: %v, want ErrIndexPartial", err)
		}
		if got := e.Incidents.Index.Search("kestrel"); !slices.Equal(got, []int64{bare.ID}) {
			t.Errorf("damaged record not found by its clear field: %v", got)
		}
		if got := e.Incidents.Index.Search("quillon"); !slices.Equal(got, []int64{one.ID}) {
			t.Errorf("another record lost by the damage: %v", got)
		}
	})
}
