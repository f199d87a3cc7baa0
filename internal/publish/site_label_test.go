package publish_test

import (
	"html"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/publish"
)

// TestSiteLabelsFaroTypes: Faro's own type codes are shown through the
// catalogue in the visitor's language (map list, statistics, filters,
// incident page); imported sources' types stay as their publisher wrote
// them.
func TestSiteLabelsFaroTypes(t *testing.T) {
	eachSiteEngine(t, func(e *siteEnv) {
		e.add(fixtures()...)
		var id int64
		if err := e.app.Public.Each(t.Context(), publish.Filter{Source: publish.SourceFaro}, func(r *publish.Record) error {
			id = r.ID
			return nil
		}); err != nil || id == 0 {
			t.Fatalf("no Faro record: %v", err)
		}
		for _, lang := range []string{"en", "es", "fr", "ar"} {
			label := html.EscapeString(e.tr(lang, "vocab.incident_type.pushback"))
			if label == "vocab.incident_type.pushback" || label == "pushback" {
				t.Fatalf("%s: no catalogue label", lang)
			}
			pages := map[string]string{
				"/public":       `<td>` + label + `</td>`,
				"/public/stats": `<option value="pushback">` + label + `</option>`,
				"/public/incidents/" + strconv.FormatInt(id, 10): `<dd id="f-type">` + label + `</dd>`,
			}
			for path, want := range pages {
				body := e.get(path, "Accept-Language", lang).Body
				if !strings.Contains(body, want) {
					t.Errorf("%s in %s: Faro's type not labelled", path, lang)
				}
				if strings.Contains(body, ">pushback<") {
					t.Errorf("%s in %s: raw type code shown", path, lang)
				}
			}
			stats := e.get("/public/stats", "Accept-Language", lang).Body
			if !strings.Contains(stats, `<th scope="row">`+label+`</th>`) {
				t.Errorf("stats in %s: type breakdown not labelled", lang)
			}
			// An imported source's type stays as published.
			if !strings.Contains(stats, `<option value="Incident">Incident</option>`) {
				t.Errorf("stats in %s: imported type changed", lang)
			}
		}
	})
}
