package incident_test

import (
	"slices"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/incident"
)

// The search walk counts either by walking on or, once its page is full,
// by looking the hits up by id; both give the brute-force list and total,
// through offset and keyset pages, for every sort and viewer.
func TestListWalkCountsByIDOrByWalkAlike(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := seedCorpus(t, e, 60)
		filters := map[string]incident.Filter{"text and country": {Query: "viol", Country: "GR"}}
		for _, k := range keywords {
			for _, q := range k.queries {
				filters["text "+q] = incident.Filter{Query: q}
			}
		}
		viewers := c.viewers(t, e)
		defer incident.SetWalkHits(0)()
		for _, rows := range []int{0, 1 << 20} {
			restore := incident.SetLookupRows(rows)
			for fname, f := range filters {
				for _, sortBy := range []string{"", "occurred_asc", "updated", "ref"} {
					f.Sort = sortBy
					for vname, v := range viewers {
						want := c.expect(f, v)
						for _, cursor := range []bool{false, true} {
							got, total := pageThrough(t, e, f, v, 3, cursor)
							if !slices.Equal(got, want) || total != len(want) {
								t.Errorf("lookup rows %d cursor %v filter %q sort %q viewer %s: %d rows (total %d), want %d (same set: %v)",
									rows, cursor, fname, sortBy, vname, len(got), total, len(want), sameSet(got, want))
							}
						}
					}
				}
			}
			restore()
		}
	})
}

// The violence filter follows edits: a code removed from a record no
// longer finds it, one added does, in a plain list, a search handed to
// SQL and a search walk; a code is matched whole, not as part of another.
func TestViolenceFilterFollowsEdits(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		inc := &incident.Incident{Status: incident.StatusSubmitted, Type: "pushback", Country: "HR",
			OccurredAt: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), DatePrecision: incident.PrecisionDay,
			Violence: []string{"beating", "dog_attack"}}
		e.create(t, p.doc, inc, &incident.Testimony{Narrative: "the quokkariver crossing", ConsentScope: incident.ConsentInternal})
		// A neighbour whose codes contain the others' as parts.
		other := &incident.Incident{Status: incident.StatusSubmitted, Type: "pushback", Country: "HR",
			OccurredAt: inc.OccurredAt, DatePrecision: incident.PrecisionDay, Violence: []string{"beating_severe", "dog"}}
		e.create(t, p.doc, other, &incident.Testimony{Narrative: "the quokkariver bank", ConsentScope: incident.ConsentInternal})
		v := e.viewerOf(t, p.reviewerA)
		check := func(stage, code string, want ...int64) {
			t.Helper()
			for _, walk := range []int{1 << 30, 0} {
				restore := incident.SetWalkHits(walk)
				for _, q := range []string{"", "quokkariver"} {
					for _, f := range []incident.Filter{{Violence: code, Query: q}, {Violence: code, Query: q, Country: "HR", Type: "pushback"}} {
						got, total := listAll(t, e, f, v)
						slices.Sort(got)
						w := slices.Clone(want)
						slices.Sort(w)
						if !slices.Equal(got, w) || total != len(w) {
							t.Errorf("%s: violence %q query %q walk %v filter %+v: %d rows (total %d), want %d", stage, code, q, walk == 0, f, len(got), total, len(w))
						}
					}
				}
				restore()
			}
		}
		check("created", "beating", inc.ID)
		check("created", "dog_attack", inc.ID)
		check("created", "dog", other.ID)
		check("created", "kicking")

		edited := e.get(t, p.doc, inc.ID)
		edited.Violence = []string{"dog_attack", "kicking"}
		if err := e.Incidents.Update(e.as(p.doc), edited); err != nil {
			t.Fatal(err)
		}
		check("edited", "beating")
		check("edited", "dog_attack", inc.ID)
		check("edited", "kicking", inc.ID)
		check("edited", "beating_severe", other.ID)

		edited.Violence = nil
		if err := e.Incidents.Update(e.as(p.doc), edited); err != nil {
			t.Fatal(err)
		}
		check("cleared", "dog_attack")
		check("cleared", "kicking")
	})
}
