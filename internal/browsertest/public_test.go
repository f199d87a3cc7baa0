package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/faro-project/faro/internal/publish"
)

// TestPublicSiteVisitor walks the public site as a visitor without an
// account: the map shows the imported IOM points, the page switches to
// Spanish, an incident opens from its point, the statistics show, and the
// CSV downloads. No request may leave Faro's host (no tile server, no
// font or script from elsewhere), and the console stays clean.
func TestPublicSiteVisitor(t *testing.T) {
	chromium := chromiumPath(t)
	e := startApp(t)
	ctx := context.Background()
	requireLang(t, e.bundle, "es")
	en, es := e.bundle.Localizer("en"), e.bundle.Localizer("es")

	// Four invented rows in the IOM 2019 layout, far apart so each is a
	// point of its own on the world map, imported as an operator would.
	const mmpFile = `"Web ID","Region of Incident","Reported Date","Reported Year","Reported Month","Number Dead","Minimum Estimated Number of Missing","Total Dead and Missing","Number of Survivors","Number of Females","Number of Males","Number of Children","Cause of Death","Location Description","Information Source","Location Coordinates","Migration Route","URL","UNSD Geographical Grouping","Source Quality"
"40001","Mediterranean","June 12, 2019","2019","Jun","3","12","15","","","","","Drowning","Off Zuwara, Libya","Test source","33.0, 12.1","Central Mediterranean","https://missingmigrants.iom.int/incident/40001","Northern Africa","3"
"40002","US-Mexico Border","February 03, 2019","2019","Feb","1","","1","","","","","Harsh environmental conditions / lack of adequate shelter, food, water","Near Sasabe, Arizona","Test source","31.5, -111.5","US-Mexico border crossing","https://missingmigrants.iom.int/incident/40002","Northern America","5"
"40003","Mediterranean","September 21, 2019","2019","Sep","2","4","6","","","","","Drowning","Strait of Gibraltar","Test source","35.9, -5.6","Western Mediterranean","https://missingmigrants.iom.int/incident/40003","Southern Europe","2"
"40004","Horn of Africa","November 30, 2018","2018","Nov","20","10","30","","","","","Drowning","Bab-el-Mandeb","Test source","12.6, 43.3","Horn of Africa to Yemen","https://missingmigrants.iom.int/incident/40004","Western Asia","4"
`
	rep, err := publish.NewImporter(e.app.DB, e.app.Public, e.app.Audit).ImportMMP(ctx, strings.NewReader(mmpFile), 0)
	if err != nil || rep.Created != 4 {
		t.Fatalf("import the MMP rows: created %d, rejected %v, err %v", rep.Created, rep.Rejected, err)
	}

	b := newBrowser(t, chromium, e, "public")
	b.navigate("/public")
	b.expectPath("/public")
	b.expectText("h1", en.T("site.map.title"))
	if got := run(b, "count the points on the map", chromedp.Evaluate[int](`document.querySelectorAll("#site-map svg a.cluster").length`)); got != 4 {
		t.Errorf("the map shows %d points, want the 4 imported", got)
	}
	if got := run(b, "read the map's caption", chromedp.TextContent(chromedp.CSS("#site-map figcaption"))); !strings.Contains(got, "IOM Missing Migrants Project, CC BY 4.0") {
		t.Errorf("the map does not cite IOM and the licence: %q", got)
	}
	b.shot("map")

	// Spanish, with the footer form (app.js sends it on change).
	b.submitWith("pick Spanish (app.js submits the form)", chromedp.SetValue(chromedp.ID("lang-select"), "es"))
	b.expectPath("/public")
	b.expectText("h1", es.T("site.map.title"))
	b.shot("map-es")

	// An incident, from its point on the map.
	b.submit("open an incident from its point", `#site-map svg a.one`)
	loc := run(b, "read the location", chromedp.Location())
	if !strings.Contains(loc, "/public/incidents/") {
		t.Fatalf("the point led to %s, want an incident page", loc)
	}
	b.expectText("h1", es.T("site.incident.title"))
	if got := b.text("#source"); !strings.Contains(got, "IOM Missing Migrants Project, CC BY 4.0") {
		t.Errorf("the incident page does not cite its source: %q", got)
	}
	b.shot("incident-es")

	// Statistics, then the CSV from their page.
	b.submit("open the statistics", "#nav-stats")
	b.expectPath("/public/stats")
	b.expectText("h1", es.T("site.stats.title"))
	b.expectText("#total-people", "52")
	if got := run(b, "count the charts", chromedp.Evaluate[int](`document.querySelectorAll("svg.chart[role=img]").length`)); got != 5 {
		t.Errorf("%d charts, want 5", got)
	}
	b.shot("stats-es")

	dir := t.TempDir()
	b.do("allow downloads", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	b.do("download the CSV", chromedp.Click(chromedp.CSS("#download-csv"), chromedp.NodeVisible))
	csv := waitDownload(t, dir, 30*time.Second)
	if !strings.Contains(csv, "Zuwara") || !strings.Contains(csv, "#") {
		t.Errorf("the downloaded CSV lacks the records or its HXL row (%d bytes)", len(csv))
	}

	// Arabic: the page mirrors, the charts' numbers stay readable.
	b.submitWith("pick Arabic (app.js submits the form)", chromedp.SetValue(chromedp.ID("lang-select"), "ar"))
	b.expectPath("/public/stats")
	b.expectRTL("ar")
	b.expectText("#total-people", "52")
	b.shot("stats-ar")
	b.finish()
}

// waitDownload waits for one finished file in dir and returns its text.
func waitDownload(t *testing.T, dir string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			if strings.HasSuffix(f, ".crdownload") {
				continue
			}
			if b, err := os.ReadFile(f); err == nil && len(b) > 0 {
				return string(b)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no file downloaded within %v", limit)
	return ""
}
