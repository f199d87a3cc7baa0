package publish_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/store/storetest"
)

// siteEnv is a whole Faro behind an httptest server, with a visitor.
type siteEnv struct {
	t      *testing.T
	app    *app.App
	srv    *httptest.Server
	hc     *http.Client
	bundle *i18n.Bundle
	logs   *apptest.Logs
}

// eachSiteEngine runs fn on SQLite, and on PostgreSQL when configured.
func eachSiteEngine(t *testing.T, fn func(e *siteEnv)) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.Env) != "" {
		engines = append(engines, "postgres")
	}
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			var opts apptest.Options
			if eng == "postgres" {
				opts.Database = storetest.PostgresDSN(t)
			}
			a, logs := apptest.New(t, opts)
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)
			b, err := i18n.Load()
			if err != nil {
				t.Fatal(err)
			}
			e := &siteEnv{t: t, app: a, srv: srv, bundle: b, logs: logs}
			e.hc = e.newVisitor()
			fn(e)
		})
	}
}

func (e *siteEnv) newVisitor() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type siteRes struct {
	*http.Response
	Body string
}

func (e *siteEnv) do(hc *http.Client, req *http.Request) siteRes {
	e.t.Helper()
	res, err := hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return siteRes{res, string(b)}
}

func (e *siteEnv) get(path string, hdr ...string) siteRes {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.do(e.hc, req)
}

func (e *siteEnv) mustGet(path string) string {
	e.t.Helper()
	r := e.get(path)
	if r.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	return r.Body
}

func ip(n int) *int         { return &n }
func fp(f float64) *float64 { return &f }
func (e *siteEnv) tr(lang, key string, args ...any) string {
	return e.bundle.Localizer(lang).T(key, args...)
}

// add stores public records through the dataset Store.
func (e *siteEnv) add(recs ...*publish.Record) {
	e.t.Helper()
	for _, r := range recs {
		if _, err := e.app.Public.Upsert(context.Background(), nil, r); err != nil {
			e.t.Fatalf("upsert: %v", err)
		}
	}
}

// mmp returns an IOM-like record.
func mmp(id string, on string, lat, lon float64, dm int, typ, cause, route string) *publish.Record {
	return &publish.Record{Source: publish.SourceMMP, SourceID: id, Type: typ, OccurredOn: on, DatePrecision: "day",
		Lat: fp(lat), Lon: fp(lon), Place: "Off the coast " + id, Country: "Libya", Region: "Mediterranean", Route: route,
		Cause: cause, Dead: ip(dm - 1), Missing: ip(1), DeadAndMissing: ip(dm), Survivors: ip(3),
		Attribution: "IOM Missing Migrants Project", Licence: "CC BY 4.0", URL: "https://missingmigrants.iom.int/x/" + id,
		Raw: `{"Web ID":"` + id + `","internal":"RAW-ONLY-` + id + `"}`}
}

func fixtures() []*publish.Record {
	return []*publish.Record{
		mmp("1001", "2019-01-15", 33.1, 12.1, 10, "Incident", "Drowning", "Central Mediterranean"),
		mmp("1002", "2019-01-20", 33.12, 12.12, 5, "Incident", "Drowning", "Central Mediterranean"),
		mmp("1003", "2019-03-02", 36.0, -5.5, 2, "Incident", "Vehicle accident", "Western Mediterranean"),
		mmp("1004", "2018-07-09", 31.8, -111.0, 1, "Incident", "Harsh conditions", "US-Mexico border crossing"),
		{Source: publish.SourceFaro, SourceID: "F-1", Type: "pushback", OccurredOn: "2019-03-04", DatePrecision: "week",
			Place: "Evros", Country: "GR", Route: "Eastern Mediterranean", Cause: "", Dead: ip(0), Missing: ip(2),
			Suppressed: "origins", Lat: fp(41.2), Lon: fp(26.3)},
	}
}

var hrefRe = regexp.MustCompile(`href="(/public[^"]*)"`)

func TestSiteMapStatsIncident(t *testing.T) {
	eachSiteEngine(t, func(e *siteEnv) {
		e.add(fixtures()...)
		body := e.mustGet("/public")
		// Two records 2 km apart share a cluster of 2 at the world view;
		// the others show alone, linked to their pages.
		if !strings.Contains(body, `class="cluster"`) || !strings.Contains(body, `>2</text>`) {
			t.Errorf("map: no cluster of 2")
		}
		if n := strings.Count(body, `class="cluster one"`); n != 3 {
			t.Errorf("map: %d single incidents, want 3", n)
		}
		if !strings.Contains(body, "IOM Missing Migrants Project, CC BY 4.0") {
			t.Errorf("map: IOM source and licence not cited")
		}
		if !strings.Contains(body, `<svg`) || strings.Contains(body, "tile") {
			t.Errorf("map: no inline SVG map, or a tile reference")
		}
		if !strings.Contains(body, `id="suppressed"`) {
			t.Errorf("map: no suppression notice")
		}
		// Zooming into the cluster splits nothing (2 km apart at a 0.05° cell
		// would), but the link keeps the filters and gives a bbox.
		m := regexp.MustCompile(`<a href="(/public\?bbox=[^"]+)" class="cluster"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("map: no zoom link on the cluster")
		}
		zoom := e.mustGet(strings.ReplaceAll(m[1], "&amp;", "&"))
		if !strings.Contains(zoom, "/public/incidents/") {
			t.Errorf("zoomed map lists no incidents")
		}

		// Filters.
		f := e.mustGet("/public?year=2018")
		if strings.Count(f, `class="cluster one"`)+strings.Count(f, `class="cluster"`) != 1 {
			t.Errorf("map filtered by year: want one circle")
		}
		if r := e.get("/public?year=abc"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad year: %d, want 400", r.StatusCode)
		}
		if r := e.get("/public?bbox=1,2,3"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("bad bbox: %d, want 400", r.StatusCode)
		}

		// Statistics: exact totals.
		st := e.mustGet("/public/stats")
		for id, want := range map[string]string{"total-incidents": "5", "total-people": "20", "total-dead": "14", "total-missing": "6"} {
			if !strings.Contains(st, `id="`+id+`">`+want+`<`) {
				t.Errorf("stats %s: want %s", id, want)
			}
		}
		for _, id := range []string{"month", "year", "route", "type", "cause"} {
			if !strings.Contains(st, `id="table-`+id+`"`) {
				t.Errorf("stats: no table %s", id)
			}
		}
		if strings.Count(st, `role="img"`) < 5 {
			t.Errorf("stats: fewer than 5 charts with role=img")
		}
		if !strings.Contains(st, `<th scope="row">Central Mediterranean</th><td>2</td><td>15</td>`) {
			t.Errorf("stats: route table row wrong")
		}
		if !strings.Contains(st, `<th scope="row">2019-01</th><td>2</td><td>15</td>`) {
			t.Errorf("stats: month table row wrong")
		}
		if !strings.Contains(e.mustGet("/public/stats?route=Western+Mediterranean"), `id="total-people">2<`) {
			t.Errorf("stats filtered by route: total wrong")
		}

		// Incident page: public fields, never the raw source row.
		var id int64
		if err := e.app.DB.QueryRow(context.Background(), `SELECT id FROM public_records WHERE source_id = '1001'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		inc := e.mustGet("/public/incidents/" + strconv.FormatInt(id, 10))
		for _, want := range []string{"Off the coast 1001", "Drowning", "Central Mediterranean", "2019-01-15",
			"IOM Missing Migrants Project, CC BY 4.0", `href="https://missingmigrants.iom.int/x/1001"`} {
			if !strings.Contains(inc, want) {
				t.Errorf("incident page lacks %q", want)
			}
		}
		if strings.Contains(inc, "RAW-ONLY") {
			t.Errorf("incident page shows the raw source row")
		}
		if r := e.get("/public/incidents/999999"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown incident: %d", r.StatusCode)
		}
		if r := e.get("/public/incidents/x"); r.StatusCode != http.StatusNotFound {
			t.Errorf("bad incident id: %d", r.StatusCode)
		}
	})
}

func TestSiteCachingETag(t *testing.T) {
	eachSiteEngine(t, func(e *siteEnv) {
		e.add(fixtures()[:2]...)
		// A first visit gets its CSRF cookie: no shared cache may keep that.
		if cc := e.get("/public").Header.Get("Cache-Control"); cc != "private, max-age=60" {
			t.Errorf("first visit: Cache-Control %q, want private", cc)
		}
		for _, path := range []string{"/public", "/public/stats", "/public?year=2019"} {
			r := e.get(path)
			tag := r.Header.Get("ETag")
			if r.StatusCode != 200 || tag == "" {
				t.Fatalf("%s: %d, ETag %q", path, r.StatusCode, tag)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=60" {
				t.Errorf("%s: Cache-Control %q", path, cc)
			}
			if v := strings.Join(r.Header.Values("Vary"), ","); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
				t.Errorf("%s: Vary %q", path, v)
			}
			if r2 := e.get(path, "If-None-Match", tag); r2.StatusCode != http.StatusNotModified {
				t.Errorf("%s with If-None-Match: %d, want 304", path, r2.StatusCode)
			}
			// Another language is another ETag.
			if r3 := e.get(path, "If-None-Match", tag, "Accept-Language", "fr"); r3.StatusCode != 200 || r3.Header.Get("ETag") == tag {
				t.Errorf("%s in French: %d, same ETag", path, r3.StatusCode)
			}
		}
		// A change of the dataset changes the ETag and the page.
		r := e.get("/public/stats")
		e.add(fixtures()[2])
		r2 := e.get("/public/stats", "If-None-Match", r.Header.Get("ETag"))
		if r2.StatusCode != 200 || !strings.Contains(r2.Body, `id="total-incidents">3<`) {
			t.Errorf("after a change: %d, want 200 with 3 incidents", r2.StatusCode)
		}
	})
}

func TestSiteLanguagesAndRTL(t *testing.T) {
	eachSiteEngine(t, func(e *siteEnv) {
		e.add(fixtures()...)
		for _, lang := range e.bundle.Langs() {
			for _, path := range []string{"/public", "/public/stats"} {
				r := e.get(path, "Accept-Language", lang)
				want := e.tr(lang, map[string]string{"/public": "site.map.title", "/public/stats": "site.stats.title"}[path])
				if !strings.Contains(r.Body, want) {
					t.Errorf("%s in %s: no title", path, lang)
				}
			}
		}
		ar := e.get("/public/stats", "Accept-Language", "ar").Body
		if !strings.Contains(ar, `dir="rtl"`) {
			t.Errorf("Arabic stats page is not dir=rtl")
		}
		// The anonymous visitor's language switch, back to the page.
		page := e.get("/public/stats")
		m := regexp.MustCompile(`name="csrf" value="([^"]*)"`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatal("no csrf field")
		}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/lang",
			strings.NewReader(url.Values{"lang": {"es"}, "back": {"/public/stats"}, "csrf": {m[1]}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := e.do(e.hc, req)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/public/stats" {
			t.Fatalf("language switch: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if es := e.get("/public/stats", "If-None-Match", page.Header.Get("ETag")); es.StatusCode != 200 || !strings.Contains(es.Body, `lang="es"`) {
			t.Errorf("after switching to Spanish: %d, page not in Spanish", es.StatusCode)
		}
	})
}

// TestSiteNeverShowsRestrictedData plants canaries in a documented,
// verified incident (encrypted fields and clear ones) and crawls every
// /public page linked from the site: none may show.
func TestSiteNeverShowsRestrictedData(t *testing.T) {
	eachSiteEngine(t, func(e *siteEnv) {
		ctx := context.Background()
		e.add(fixtures()...)
		canaries := []string{"CANARY-PLACE-7731", "CANARY-NARRATIVE-7731", "CANARY-PSEUDONYM-7731", "CANARY-CONTACT-7731",
			"CANARY-SOURCES-7731", "CANARY-UNIT-7731", "CANARY-TAG-7731", "37.12345"}
		inc := &incident.Incident{Type: "pushback", OccurredAt: time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC), DatePrecision: "day",
			Country: "GR", Place: canaries[0], Point: &incident.Point{Lat: 37.12345, Lon: 26.54321}, Sources: canaries[4],
			Units: canaries[5], Tags: []string{canaries[6]}, Counts: incident.Counts{Dead: ip(1)}}
		tm := &incident.Testimony{Language: "en", Narrative: canaries[1], Pseudonym: canaries[2], WitnessContact: canaries[3],
			ConsentScope: "public_anonymised", TakenOn: time.Now()}
		if err := e.app.Incidents.Create(ctx, inc, tm); err != nil {
			t.Fatalf("create incident: %v", err)
		}
		_ = e.app.Incidents.Submit(ctx, inc.ID)
		_ = e.app.Incidents.SetVerification(ctx, inc.ID, incident.Verified)
		// Publication runs: whatever of the incident may be public is in
		// public_records now, coarsened.
		published, _, err := e.app.Publisher.Refresh(ctx)
		if err != nil {
			t.Fatalf("publish: %v", err)
		}
		t.Logf("%d own record(s) published", published)

		seen := map[string]bool{}
		queue := []string{"/public", "/public/stats"}
		for _, l := range e.bundle.Langs() {
			queue = append(queue, "/public?lang-probe="+l)
		}
		for len(queue) > 0 && len(seen) < 400 {
			p := queue[0]
			queue = queue[1:]
			if seen[p] {
				continue
			}
			seen[p] = true
			r := e.get(p)
			if r.StatusCode != 200 {
				t.Errorf("crawl %s: %d", p, r.StatusCode)
				continue
			}
			for _, c := range canaries {
				if strings.Contains(r.Body, c) {
					t.Errorf("canary leaked on a public page")
				}
			}
			for _, m := range hrefRe.FindAllStringSubmatch(r.Body, -1) {
				u := strings.ReplaceAll(m[1], "&amp;", "&")
				if !seen[u] {
					queue = append(queue, u)
				}
			}
		}
		if len(seen) < 10 {
			t.Errorf("crawl reached only %d pages", len(seen))
		}
		// The incident's own public page was among them.
		var own int64
		if err := e.app.DB.QueryRow(ctx, `SELECT id FROM public_records WHERE source = ? AND source_id <> 'F-1'`, publish.SourceFaro).Scan(&own); err != nil {
			t.Fatalf("the documented incident was not published: %v", err)
		}
		if !seen["/public/incidents/"+strconv.FormatInt(own, 10)] {
			t.Errorf("the crawl never reached the published incident's page")
		}
		for _, c := range canaries {
			if strings.Contains(e.logs.String(), c) {
				t.Errorf("canary leaked into the log")
			}
		}
	})
}

// TestSiteWhileSealed: the public site reads only public_records, which
// are stored in the clear, so it answers while the vault is sealed.
func TestSiteWhileSealed(t *testing.T) {
	eachSiteEngine(t, func(e *siteEnv) {
		e.add(fixtures()...)
		e.app.Vault.Seal()
		for _, p := range []string{"/public", "/public/stats"} {
			if r := e.get(p); r.StatusCode != 200 || !strings.Contains(r.Body, "IOM Missing Migrants Project") {
				t.Errorf("%s while sealed: %d", p, r.StatusCode)
			}
		}
	})
}
