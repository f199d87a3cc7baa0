package incident_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/search"
)

// A word planted in some narratives, and the queries a user would type
// to find it.
type keyword struct {
	doc     string   // as written in the testimony
	queries []string // each must find every record holding doc
}

var keywords = []keyword{
	{"Évora", []string{"evora", "EVORA", "Évora", "évo"}},
	{"أحمد", []string{"احمد", "أحمد", "احم"}},      // hamza above alef
	{"مدرسة", []string{"مدرسه", "مدرسة"}},          // ta marbuta written as ha
	{"violence", []string{"viol", "VIOLENCE"}},     // prefix
	{"Çatalca", []string{"catalca", "çatalc"}},     // cedilla
	{"Nørrebro", []string{"norrebro", "nørrebro"}}, // ø folds to o
}

// corpusRecord is one created record and what the test knows about it.
type corpusRecord struct {
	inc      *incident.Incident
	consent  string
	keywords []int // indexes into keywords
}

type corpus struct {
	recs   []*corpusRecord
	people people
}

var (
	corpusTypes     = []string{"pushback", "violence", "death", "disappearance", "detention_abuse"}
	corpusCountries = []string{"GR", "HR", "IT", "US", "BA"}
	corpusViolence  = []string{"beating", "kicking", "dog_attack", "shots_fired", "theft_or_destruction"}
)

// seedCorpus creates n records with a fixed random source: drafts and
// submitted records, three kinds of team, three date precisions, and the
// keywords above in the encrypted narratives.
func seedCorpus(t testing.TB, e *env, n int) *corpus {
	t.Helper()
	c := &corpus{people: e.people(t)}
	p := c.people
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		r := &corpusRecord{}
		author := p.doc
		if rng.IntN(4) == 0 {
			author = p.doc2
		}
		inc := &incident.Incident{
			Status:  incident.StatusSubmitted,
			Type:    corpusTypes[rng.IntN(len(corpusTypes))],
			Country: corpusCountries[rng.IntN(len(corpusCountries))],
			Adm1:    "Region " + string(rune('A'+rng.IntN(5))),
			Units:   "unit " + fmt.Sprint(rng.IntN(3)),
		}
		if rng.IntN(7) == 0 {
			inc.Status = incident.StatusDraft
		}
		switch rng.IntN(3) {
		case 0:
			inc.TeamID = p.teamA
		case 1:
			inc.TeamID = p.teamB
		}
		// Dates cluster on a few days so that ties and boundaries occur.
		d := base.AddDate(0, 0, rng.IntN(40)*7)
		switch rng.IntN(4) {
		case 0:
			inc.OccurredAt, inc.DatePrecision = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), incident.PrecisionMonth
		case 1:
			inc.OccurredAt, inc.DatePrecision = d.Add(23*time.Hour+59*time.Minute), incident.PrecisionTime
		default:
			inc.OccurredAt, inc.DatePrecision = d, incident.PrecisionDay
		}
		for _, v := range corpusViolence {
			if rng.IntN(3) == 0 {
				inc.Violence = append(inc.Violence, v)
			}
		}
		inc.Verification = incident.Verifications[rng.IntN(3)]
		if rng.IntN(3) == 0 {
			inc.Counts.Dead = ptr(rng.IntN(4))
		}
		var tm *incident.Testimony
		if rng.IntN(6) != 0 {
			var words []string
			for k := range keywords {
				if rng.IntN(3) == 0 {
					r.keywords = append(r.keywords, k)
					words = append(words, keywords[k].doc)
				}
			}
			// Filler words share no prefix with any query.
			tm = &incident.Testimony{Language: "en", ConsentScope: incident.ConsentScopes[rng.IntN(4)],
				Narrative: "We walked " + strings.Join(words, ", then ") + " at night; record " + fmt.Sprint(i) + "."}
			r.consent = tm.ConsentScope
		}
		e.create(t, author, inc, tm)
		r.inc = inc
		c.recs = append(c.recs, r)
	}
	return c
}

// expect is the brute-force answer to a list query.
func (c *corpus) expect(f incident.Filter, v incident.Viewer) []int64 {
	var out []*corpusRecord
	for _, r := range c.recs {
		i := r.inc
		visible := i.CreatedBy == v.UserID || (i.Status == incident.StatusSubmitted &&
			(v.AllTeams || i.TeamID == 0 || slices.Contains(v.Teams, i.TeamID)))
		if !visible {
			continue
		}
		if f.Status == incident.StatusDraft {
			if i.Status != incident.StatusDraft || i.CreatedBy != v.UserID {
				continue
			}
		} else if i.Status != incident.StatusSubmitted {
			continue
		}
		if !f.From.IsZero() && i.OccurredAt.Before(f.From) {
			continue
		}
		if !f.To.IsZero() && !i.OccurredAt.Before(f.To) {
			continue
		}
		if f.Country != "" && i.Country != f.Country || f.Type != "" && i.Type != f.Type ||
			f.Violence != "" && !slices.Contains(i.Violence, f.Violence) ||
			f.Verification != "" && i.Verification != f.Verification ||
			f.Consent != "" && r.consent != f.Consent || f.TeamID != 0 && i.TeamID != f.TeamID {
			continue
		}
		// Query words here are in narratives, which are encrypted: they
		// match only for those who may read the record's encrypted fields.
		if f.Query != "" && !((v.Sensitive || i.CreatedBy == v.UserID) && c.matches(r, f.Query)) {
			continue
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a].inc, out[b].inc
		switch f.Sort {
		// Ties are broken by id in the key's direction (one index
		// direction, no sort, however deep the page).
		case "occurred_asc":
			if !x.OccurredAt.Equal(y.OccurredAt) {
				return x.OccurredAt.Before(y.OccurredAt)
			}
			return x.ID < y.ID
		case "updated":
			if x.UpdatedAt.Unix() != y.UpdatedAt.Unix() {
				return x.UpdatedAt.After(y.UpdatedAt)
			}
		case "ref":
			return x.Ref > y.Ref
		default:
			if !x.OccurredAt.Equal(y.OccurredAt) {
				return x.OccurredAt.After(y.OccurredAt)
			}
		}
		return x.ID > y.ID
	})
	ids := make([]int64, len(out))
	for k, r := range out {
		ids[k] = r.inc.ID
	}
	return ids
}

// matches says whether a query (one of the keyword queries, one or more
// words) finds the record: every word must be a query of a keyword the
// record holds.
func (c *corpus) matches(r *corpusRecord, q string) bool {
	for _, w := range strings.Fields(q) {
		found := false
		for _, k := range r.keywords {
			found = found || slices.Contains(keywords[k].queries, w)
		}
		if !found {
			return false
		}
	}
	return true
}

func (c *corpus) viewers(t testing.TB, e *env) map[string]incident.Viewer {
	p := c.people
	out := map[string]incident.Viewer{}
	for _, u := range []*auth.User{p.doc, p.doc2, p.viewerA, p.viewerB, p.loner, p.reviewerA, p.coord} {
		out[u.Login] = e.viewerOf(t, u)
	}
	return out
}

func listAll(t testing.TB, e *env, f incident.Filter, v incident.Viewer) ([]int64, int) {
	t.Helper()
	f.PerPage = 200
	items, total, err := e.Incidents.List(e.ctx, f, v)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return summaryIDs(items), total
}

func TestListFiltersAgainstBruteForce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := seedCorpus(t, e, 60)
		p := c.people
		day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
		filters := map[string]incident.Filter{
			"none":                {},
			"drafts":              {Status: incident.StatusDraft},
			"from":                {From: day("2026-04-02")},
			"to (exclusive end)":  {To: day("2026-04-03")},
			"one day":             {From: day("2026-03-05"), To: day("2026-03-06")},
			"range":               {From: day("2026-02-01"), To: day("2026-06-01")},
			"empty range":         {From: day("2026-06-01"), To: day("2026-02-01")},
			"country":             {Country: "GR"},
			"unknown country":     {Country: "ZZ"},
			"type":                {Type: "death"},
			"violence":            {Violence: "dog_attack"},
			"violence 2":          {Violence: "theft_or_destruction"},
			"verification":        {Verification: incident.Corroborated},
			"consent":             {Consent: incident.ConsentPartners},
			"consent public":      {Consent: incident.ConsentPublicNamed},
			"team A":              {TeamID: p.teamA},
			"team B":              {TeamID: p.teamB},
			"combined":            {Country: "HR", Verification: incident.Verified, From: day("2026-02-01")},
			"type and violence":   {Type: "pushback", Violence: "beating"},
			"drafts of a country": {Status: incident.StatusDraft, Country: "IT"},
		}
		for _, k := range keywords {
			for _, q := range k.queries {
				filters["text "+q] = incident.Filter{Query: q}
			}
		}
		filters["two words AND"] = incident.Filter{Query: "evora احمد"}
		filters["two words AND, mixed scripts"] = incident.Filter{Query: "VIOLENCE مدرسه"}
		filters["a word in no record"] = incident.Filter{Query: "VIOLENCE nothingqq"}
		filters["text and country"] = incident.Filter{Query: "viol", Country: "GR"}
		filters["text in drafts"] = incident.Filter{Query: "evora", Status: incident.StatusDraft}
		filters["nothing matches"] = incident.Filter{Query: "zanzibarqq"}
		viewers := c.viewers(t, e)
		nonEmpty := map[string]bool{}
		for fname, f := range filters {
			for _, sortBy := range []string{"", "occurred", "occurred_asc", "updated", "ref", "bogus"} {
				f.Sort = sortBy
				for vname, v := range viewers {
					got, total := listAll(t, e, f, v)
					want := c.expect(f, v)
					if !slices.Equal(got, want) {
						t.Errorf("filter %q sort %q viewer %s: %d rows, want %d (same set: %v)", fname, sortBy, vname,
							len(got), len(want), sameSet(got, want))
					}
					if total != len(want) {
						t.Errorf("filter %q viewer %s: total %d, want %d", fname, vname, total, len(want))
					}
					if len(want) > 0 {
						nonEmpty[fname] = true
					}
				}
			}
		}
		// The corpus must exercise the filters, not pass them vacuously.
		for fname := range filters {
			if !nonEmpty[fname] && !strings.Contains(fname, "empty") && !strings.Contains(fname, "unknown") &&
				!strings.Contains(fname, "nothing") && !strings.Contains(fname, "no record") {
				t.Errorf("filter %q selects nothing for anyone: the corpus does not exercise it", fname)
			}
		}
	})
}

func sameSet(a, b []int64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func TestListPagination(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := seedCorpus(t, e, 60)
		v := e.viewerOf(t, c.people.coord)
		for _, sortBy := range []string{"", "occurred_asc", "updated", "ref"} {
			f := incident.Filter{Sort: sortBy}
			want := c.expect(f, v)
			if len(want) < 30 {
				t.Fatalf("only %d rows to page through", len(want))
			}
			const per = 7
			var all []int64
			pages := (len(want) + per - 1) / per
			for page := 1; page <= pages+1; page++ {
				f.Page, f.PerPage = page, per
				items, total, err := e.Incidents.List(e.ctx, f, v)
				if err != nil {
					t.Fatal(err)
				}
				if total != len(want) {
					t.Errorf("sort %q page %d: total %d, want %d", sortBy, page, total, len(want))
				}
				wantLen := min(per, max(0, len(want)-(page-1)*per))
				if len(items) != wantLen {
					t.Errorf("sort %q page %d: %d rows, want %d", sortBy, page, len(items), wantLen)
				}
				all = append(all, summaryIDs(items)...)
			}
			if !slices.Equal(all, want) {
				t.Errorf("sort %q: pages joined differ from the whole list (same set: %v)", sortBy, sameSet(all, want))
			}
		}
		// Out-of-range page sizes fall back to 50; page 0 is page 1.
		for _, per := range []int{0, -3, 201} {
			items, _, err := e.Incidents.List(e.ctx, incident.Filter{PerPage: per, Page: 0}, v)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 50 {
				t.Errorf("per page %d: %d rows, want the default 50", per, len(items))
			}
		}
	})
}

func TestListSummaryHoldsNoSecrets(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := seedCorpus(t, e, 10)
		items, _, err := e.Incidents.List(e.ctx, incident.Filter{}, e.viewerOf(t, c.people.coord))
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]*incident.Incident{}
		for _, r := range c.recs {
			byID[r.inc.ID] = r.inc
		}
		for _, s := range items {
			inc := byID[s.ID]
			if s.Ref != inc.Ref || s.Type != inc.Type || s.Country != inc.Country || !s.OccurredAt.Equal(inc.OccurredAt) ||
				s.DatePrecision != inc.DatePrecision || s.Verification != inc.Verification || s.TeamID != inc.TeamID {
				t.Errorf("summary of %s differs from the record", inc.Ref)
			}
			if (s.Dead == nil) != (inc.Counts.Dead == nil) || s.Dead != nil && *s.Dead != *inc.Counts.Dead {
				t.Errorf("summary of %s: dead count differs (unknown is not zero)", inc.Ref)
			}
		}
	})
}

func TestSearchIndexFollowsTheVault(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := seedCorpus(t, e, 40)
		v := e.viewerOf(t, c.people.coord)
		queries := []string{"evora", "احمد", "مدرسه", "viol", "evora viol"}
		before := map[string][]int64{}
		for _, q := range queries {
			got, _ := listAll(t, e, incident.Filter{Query: q}, v)
			if len(got) == 0 {
				t.Fatalf("query %q finds nothing before sealing", q)
			}
			before[q] = got
		}
		ix, ok := e.Incidents.Index.(*search.Index)
		if !ok {
			t.Fatalf("the store's index is a %T", e.Incidents.Index)
		}
		all, _ := listAll(t, e, incident.Filter{}, v)

		e.Vault.Seal()
		if n := ix.Len(); n != 0 {
			t.Errorf("sealed: the index still holds %d records", n)
		}
		for _, q := range queries {
			if got, total := listAll(t, e, incident.Filter{Query: q}, v); len(got) != 0 || total != 0 {
				t.Errorf("sealed: query %q still finds %d records", q, len(got))
			}
		}
		// Lists without words need no keys.
		if got, _ := listAll(t, e, incident.Filter{}, v); !slices.Equal(got, all) {
			t.Errorf("sealed: the plain list changed")
		}

		if err := e.Vault.UnsealPassphrase(e.ctx, apptest.Passphrase); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the index to be rebuilt", func() bool {
			for _, q := range queries {
				if got, _ := listAll(t, e, incident.Filter{Query: q}, v); !slices.Equal(got, before[q]) {
					return false
				}
			}
			return true
		})
		if n := ix.Len(); n != len(c.recs) {
			t.Errorf("rebuilt index holds %d records, want %d (drafts included)", n, len(c.recs))
		}
	})
}

func TestSearchFollowsWritesAndDeletes(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		v := e.viewerOf(t, p.coord)
		word := strings.ToLower(secret("w"))
		inc, tm := fullIncident(newPlanted(), 0, incident.StatusSubmitted)
		e.create(t, p.doc, inc, tm)
		find := func(q string) bool {
			got, _ := listAll(t, e, incident.Filter{Query: q}, v)
			return slices.Contains(got, inc.ID)
		}
		if find(word) {
			t.Fatalf("found before the word was written")
		}
		// A new testimony is searchable at once.
		if err := e.Incidents.SaveTestimony(e.as(p.doc), &incident.Testimony{IncidentID: inc.ID,
			Narrative: "Later they said " + word, ConsentScope: incident.ConsentInternal}); err != nil {
			t.Fatal(err)
		}
		if !find(word) {
			t.Errorf("a new testimony's narrative is not found")
		}
		// So are the encrypted place and sources, and the clear fields.
		place := strings.ToLower(secret("p"))
		inc.Place, inc.Units = "near "+place, "Zollwache Süd"
		if err := e.Incidents.Update(e.as(p.doc), inc); err != nil {
			t.Fatal(err)
		}
		if !find(place) || !find("zollwache sud") || !find(inc.Ref) {
			t.Errorf("place, units or ref not found after an update")
		}
		// A deleted record is gone from search.
		if err := e.Incidents.Delete(e.as(p.coord), inc.ID); err != nil {
			t.Fatal(err)
		}
		if find(word) || find(place) {
			t.Errorf("a deleted record is still found")
		}
	})
}
