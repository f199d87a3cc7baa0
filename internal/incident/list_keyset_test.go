package incident_test

import (
	"slices"
	"testing"

	"github.com/faro-project/faro/internal/incident"
)

// pageThrough lists f page by page, following the cursor of each page's
// last row as the list page's Next link does, and returns every id.
func pageThrough(t *testing.T, e *env, f incident.Filter, v incident.Viewer, per int, cursor bool) ([]int64, int) {
	t.Helper()
	var all []int64
	total := -1
	f.PerPage = per
	for page := 1; page < 1000; page++ {
		f.Page = page
		items, n, err := e.Incidents.List(e.ctx, f, v)
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && n != total {
			t.Errorf("page %d: total %d, first page said %d", page, n, total)
		}
		total = n
		all = append(all, summaryIDs(items)...)
		if len(items) < per {
			break
		}
		if cursor {
			if c := f.Cursor(items[len(items)-1]); c != "" {
				f.After = false
				f.ParseCursor(c)
			}
		}
	}
	return all, total
}

// Keyset pages (Next links), OFFSET pages (old links, Prev links) and the
// search walk used for words with very many hits all give the same list as
// the brute-force expectation, for every sort, filter and viewer.
func TestListKeysetAndSearchWalkAgreeWithBruteForce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := seedCorpus(t, e, 60)
		filters := map[string]incident.Filter{"none": {}, "country": {Country: "GR"}, "drafts": {Status: incident.StatusDraft}}
		for _, k := range keywords {
			for _, q := range k.queries {
				filters["text "+q] = incident.Filter{Query: q}
			}
		}
		filters["text and country"] = incident.Filter{Query: "viol", Country: "GR"}
		filters["nothing matches"] = incident.Filter{Query: "zanzibarqq"}
		viewers := c.viewers(t, e)
		for _, walk := range []int{1 << 30, 0} {
			restore := incident.SetWalkHits(walk)
			for fname, f := range filters {
				for _, sortBy := range []string{"", "occurred_asc", "updated", "ref"} {
					f.Sort = sortBy
					for vname, v := range viewers {
						want := c.expect(f, v)
						for _, cursor := range []bool{false, true} {
							got, total := pageThrough(t, e, f, v, 4, cursor)
							if !slices.Equal(got, want) || total != len(want) {
								t.Errorf("walk %v cursor %v filter %q sort %q viewer %s: %d rows (total %d), want %d (same set: %v)",
									walk == 0, cursor, fname, sortBy, vname, len(got), total, len(want), sameSet(got, want))
							}
						}
					}
				}
			}
			restore()
		}
	})
}

func TestParseCursorIgnoresGarbage(t *testing.T) {
	for _, c := range []string{"", "x", "1.", ".2", "1.2.3", "a.b", "99999999999999999999.1"} {
		var f incident.Filter
		f.ParseCursor(c)
		if f.After {
			t.Errorf("cursor %q accepted", c)
		}
	}
	var f incident.Filter
	f.ParseCursor("-86400.42")
	if !f.After || f.AfterKey != -86400 || f.AfterID != 42 {
		t.Errorf("valid cursor read as %+v", f)
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"1700000000.123", "", "1.2.3", "-5.-6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fl incident.Filter
		fl.ParseCursor(s)
		if fl.After && fl.Cursor(incident.Summary{ID: fl.AfterID}) == "" {
			t.Fatal("accepted cursor has no form")
		}
	})
}
