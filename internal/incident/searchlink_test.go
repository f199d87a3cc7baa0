package incident_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/incident"
)

// TestHTTPSearchStaysOutOfAddresses: words typed into the list's search
// never appear in an address (the redirect, the pager, the export form),
// which a browser keeps in its history; the sealed link works only for the
// person who searched.
func TestHTTPSearchStaysOutOfAddresses(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		const name = "Zorawar" // an invented name, searched for in the narratives
		for i := range 55 {
			inc := &incident.Incident{Status: incident.StatusSubmitted, TeamID: p.teamA, Type: "pushback", Country: "HR"}
			tm := &incident.Testimony{Language: "en", Narrative: fmt.Sprintf("Statement %d: %s was pushed back at night.", i, name),
				ConsentScope: incident.ConsentInternal}
			e.create(t, p.doc, inc, tm)
		}
		rev := e.signedIn(t, srv, p.reviewerA)

		r := rev.Post("/incidents/find", url.Values{"q": {name}, "country": {"HR"}, "type": {""}})
		wantStatus(t, r, http.StatusSeeOther, "posting the search")
		loc := r.Location()
		if strings.Contains(strings.ToLower(loc), strings.ToLower(name)) || !strings.Contains(loc, "qs=") || !strings.Contains(loc, "country=HR") {
			t.Fatalf("the search redirects to %q: want the filters and a sealed qs, without the words", loc)
		}
		page := rev.Get(loc)
		wantStatus(t, page, http.StatusOK, "the sealed search link")
		if !strings.Contains(page.Body, `value="`+name+`"`) {
			t.Error("the search box does not show the words searched")
		}
		var hrefs []string
		for _, part := range strings.Split(page.Body, `href="`)[1:] {
			hrefs = append(hrefs, part[:strings.IndexByte(part, '"')])
		}
		next := ""
		for _, h := range hrefs {
			if strings.Contains(strings.ToLower(h), strings.ToLower(name)) {
				t.Errorf("a link holds the search words: %s", h)
			}
			if strings.Contains(h, "page=2") {
				next = strings.ReplaceAll(h, "&amp;", "&")
			}
		}
		if next == "" || !strings.Contains(next, "qs=") {
			t.Fatalf("no next-page link carrying the sealed search (55 results, 50 a page): %q", next)
		}
		if strings.Contains(page.Body, `type="hidden" name="q"`) || !strings.Contains(page.Body, `type="hidden" name="qs"`) {
			t.Error("the export form carries the search in clear, or not at all")
		}
		if p2 := rev.Get(next); p2.StatusCode != http.StatusOK || !strings.Contains(p2.Body, name) {
			t.Errorf("page 2 of the sealed search: %d", p2.StatusCode)
		}
		// The export form's link exports the same records.
		qs, _ := url.ParseQuery(loc[strings.IndexByte(loc, '?')+1:])
		csv := rev.Get("/incidents/export.csv?qs=" + url.QueryEscape(qs.Get("qs")))
		if lines := strings.Count(strings.TrimSpace(csv.Body), "\n"); csv.StatusCode != http.StatusOK || lines != 55 {
			t.Errorf("export of the sealed search: %d with %d rows, want 55", csv.StatusCode, lines)
		}
		// Someone else given the link learns nothing from it.
		other := e.signedIn(t, srv, p.coord)
		o := other.Get(loc)
		wantStatus(t, o, http.StatusUnprocessableEntity, "another person's search link")
		mustNotHold(t, "another person's search link", o.Body, name)
		if !strings.Contains(o.Body, htmlEscape(e.Web.I18n.Localizer("en").T("incident.search_link"))) {
			t.Error("another person's search link is not explained")
		}
		// A damaged link is refused the same way.
		bad := rev.Get("/incidents?qs=AAAA" + qs.Get("qs")[4:])
		wantStatus(t, bad, http.StatusUnprocessableEntity, "a damaged search link")
		// A typed ?q= address still works, and its pager seals the words.
		typed := rev.Get("/incidents?q=" + name)
		wantStatus(t, typed, http.StatusOK, "a typed q address")
		if strings.Contains(typed.Body, "page=2&amp;q=") || strings.Contains(typed.Body, "q="+name+"&amp;") {
			t.Error("the pager of a typed ?q= address carries the words")
		}
	})
}

// FuzzOpenSearch: whatever arrives as "qs" opens to nothing and changes
// nothing but the error, unless it is a link sealed for this user.
func FuzzOpenSearch(f *testing.F) {
	e := newEnv(f, "sqlite")
	sealed, err := e.Incidents.SealSearch(7, "river crossing")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, tok string) {
		q := url.Values{"qs": {tok}, "country": {"HR"}}
		err := e.Incidents.OpenSearch(7, q)
		switch {
		case tok == "":
			if err != nil || q.Get("q") != "" {
				t.Fatalf("an empty qs: %v, q=%q", err, q.Get("q"))
			}
		case tok == sealed:
			if err != nil || q.Get("q") != "river crossing" {
				t.Fatalf("the sealed link: %v", err)
			}
		default:
			if err == nil {
				t.Fatalf("a qs that was never sealed opened")
			}
			if q.Has("q") || q.Has("qs") || q.Get("country") != "HR" {
				t.Fatalf("a refused qs changed the other filters or left a search: %v", q)
			}
		}
	})
}
