package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/incident"
)

// The incident the tests record. The narrative carries a word no
// dictionary has, so that a search for it can only find this record.
const (
	searchWord = "zorbelfinch"
	// typedOnline is typed and autosaved before the line drops.
	typedOnline = "At dawn the group was stopped on the forest road near the " + searchWord + " bridge and beaten with batons."
	// typedOffline is typed after the line dropped; the tab is closed
	// before it can be saved.
	typedOffline = " Then they were driven back across the river in a van."
	// dmsPosition is typed as a phone's GPS app shows it.
	dmsPosition = `45°08'12"N 15°35'40"E`
	// wantLat and wantLon are dmsPosition in decimal degrees.
	wantLat = 45 + 8.0/60 + 12.0/3600
	wantLon = 15 + 35.0/60 + 40.0/3600
)

// TestIntakePhoneOfflineResumeReview walks the path at 360 × 740:
// a documenter records an incident with a testimony, a typed DMS position
// and a photo; the connection drops in the middle of the testimony and
// the tab is closed; a new tab resumes the draft with what was autosaved;
// a reviewer finds the record by a word of its encrypted narrative and
// verifies it.
func TestIntakePhoneOfflineResumeReview(t *testing.T) {
	chromium := chromiumPath(t)
	e := startIntakeApp(t)
	en := e.bundle.Localizer("en")
	doc := e.user(t, "dalia", "Dalia", auth.Documenter)
	rev := e.user(t, "rami", "Rami", auth.Reviewer)
	photo := writePNG(t)

	b := newBrowser(t, chromium, e.testApp, "intake")
	root := b.ctx
	closeFirst := b.openTab(root)
	b.phone()
	b.login("dalia")

	// Step 1: what and where, with the position as degrees, minutes and
	// seconds.
	b.navigate("/incidents/new")
	b.expectPath("/incidents/new")
	if got := run(b, "read the autosave address", chromedp.AttributeValue(chromedp.ID("intake"), "data-autosave")); got.Value != "/incidents/autosave" {
		t.Errorf("the new form autosaves to %q, want /incidents/autosave", got.Value)
	}
	b.fillWhatWhere()
	b.phoneShot("step1-typed")
	b.submit("save step 1", "#step-next")
	id := b.incidentID()
	b.expectPath(fmt.Sprintf("/incidents/%d/edit", id))
	b.expectStep(2)
	b.expectText(".flash", en.T("incident.saved"))

	// Back to step 1: the position is read back and drawn on a map that
	// is part of the page.
	b.submit("go back to step 1", `button[name="go"][value="-1"]`)
	b.expectStep(1)
	b.expectPosition(en)
	b.phoneShot("step1-map")
	b.submit("save step 1 again", "#step-next")
	b.expectStep(2)

	// Step 2: people and violence.
	b.fillPeople()
	b.phoneShot("step2")
	b.submit("save step 2", "#step-next")
	b.expectStep(3)

	// Step 3: the testimony, typed until an autosave has kept it.
	b.watchStatus()
	b.do("type the first part of the narrative", chromedp.SendKeys(chromedp.ID("narrative"), typedOnline))
	b.waitAutosaved(en, func() bool {
		inc := e.get(t, id, doc)
		return len(inc.Testimonies) == 1 && inc.Testimonies[0].Narrative == typedOnline
	})
	b.phoneShot("step3-autosaved")

	// The line drops. What is typed now cannot reach the server, and the
	// page says so.
	offlineFrom := b.problemCount()
	e.setLine(b, false)
	if on := run(b, "read navigator.onLine", chromedp.Evaluate[bool](`navigator.onLine`)); on {
		t.Errorf("navigator.onLine is still true after the connection was cut")
	}
	b.do("type more of the narrative while offline", chromedp.SendKeys(chromedp.ID("narrative"), typedOffline))
	b.waitStatus("the offline notice", en.T("incident.offline"), 15*time.Second)
	b.phoneShot("step3-offline")

	// The phone's tab is lost: closed, not navigated away from.
	closeFirst()

	// A new tab, back online: the drafts list leads to the record, and
	// the testimony holds everything typed before the autosave.
	b.openTab(root)
	b.phone()
	e.setLine(b, true)
	b.navigate("/incidents/drafts")
	b.expectPath("/incidents/drafts")
	b.phoneShot("drafts")
	// One draft: sending a step must not leave a second one behind (an
	// autosave on pagehide, racing the form, used to create one).
	if links := b.resultLinks(); len(links) != 1 || links[0] != fmt.Sprintf("/incidents/%d/edit", id) {
		t.Fatalf("the drafts list links to %q, want only /incidents/%d/edit", links, id)
	}
	b.submit("resume the draft", fmt.Sprintf(`table.incidents a[href="/incidents/%d/edit"]`, id))
	b.expectStep(1)
	b.expectPosition(en)
	b.submit("go to the testimony step", fmt.Sprintf(`ol.steps a[href="/incidents/%d/edit?step=3"]`, id))
	b.expectStep(3)
	b.phoneShot("step3-resumed")
	narrative := run(b, "read the resumed narrative", chromedp.Value(chromedp.ID("narrative")))
	if !strings.HasPrefix(narrative, typedOnline) {
		t.Fatalf("the resumed narrative reads %q; want at least what was autosaved before the line dropped: %q", narrative, typedOnline)
	}
	if narrative != typedOnline {
		// Only the seconds typed offline may be lost, and with the line
		// down at both ends they cannot have been saved.
		t.Errorf("the resumed narrative reads %q, want what was autosaved before the line dropped: %q", narrative, typedOnline)
	}

	// Consent, then step 4.
	b.do("choose the consent scope", chromedp.Click(chromedp.CSS(`input[name="consent_scope"][value="partners"]`), chromedp.NodeVisible))
	b.submit("save step 3", "#step-next")
	b.expectStep(4)

	// The photo, sent with a progress bar; the page reloads when it is in.
	b.watchUploadProgress()
	b.do("choose the photo", chromedp.SetUploadFiles(chromedp.ID("file"), []string{photo}))
	b.phoneShot("step4-photo-chosen")
	b.submit("upload the photo", "#upload-submit")
	b.expectStep(4)
	if p := b.uploadProgress(); p == nil || !p.Shown || p.Max != 100 {
		t.Errorf("the upload's progress bar: %+v; want it shown and filled to 100", p)
	}
	evidenceID := b.expectOneEvidenceLink()
	b.phoneShot("step4-uploaded")

	b.submit("submit the incident", "#submit-incident")
	b.expectPath(fmt.Sprintf("/incidents/%d", id))
	b.expectText(".flash", en.T("incident.submitted"))
	b.phoneShot("submitted")

	inc := e.get(t, id, doc)
	e.checkRecord(t, inc, typedOnline, incident.ConsentPartners, evidenceID, photo)
	// Requests that failed because the line was down are what this test
	// is about, not problems. (Dropped only now: the closed tab's last
	// attempt may be reported late.)
	if dropped := b.dropProblems(offlineFrom, lineDown); len(dropped) == 0 {
		t.Errorf("no request failed while offline: was the connection really cut?")
	} else {
		t.Logf("expected while offline:\n  %s", strings.Join(dropped, "\n  "))
	}
	b.finish()

	// The reviewer, in a browser of their own, finds the record by a word
	// of the narrative, which is stored encrypted.
	r := newBrowser(t, chromium, e.testApp, "intake-review")
	r.phone()
	r.login("rami")
	r.navigate("/incidents")
	r.do("open the filters", chromedp.Click(chromedp.CSS(`details.filters summary`), chromedp.NodeVisible))
	r.do("type the search word", chromedp.SendKeys(chromedp.ID("q"), searchWord))
	r.submit("search", "#filter-submit")
	r.expectPath("/incidents")
	// The words searched stay out of the address, and so out of the
	// phone's history: the link carries them sealed.
	if loc := run(r, "read the location", chromedp.Location()); strings.Contains(strings.ToLower(loc), strings.ToLower(searchWord)) || !strings.Contains(loc, "qs=") {
		t.Errorf("the search page is %s, want a sealed qs and not the word searched", loc)
	}
	r.expectText("#result-count", en.T("incident.count", 1))
	r.phoneShot("search")
	if links := r.resultLinks(); len(links) != 1 || links[0] != fmt.Sprintf("/incidents/%d", id) {
		t.Fatalf("the search for %q lists %q, want only /incidents/%d", searchWord, links, id)
	}
	r.submit("open the incident", fmt.Sprintf(`table.incidents a[href="/incidents/%d"]`, id))
	r.expectPath(fmt.Sprintf("/incidents/%d", id))
	if got := r.text("#narrative"); got != typedOnline {
		t.Errorf("the reviewer reads the narrative %q, want %q", got, typedOnline)
	}
	r.do("choose verified", chromedp.SetValue(chromedp.ID("level"), incident.Verified))
	r.submit("save the verification", "#verify-submit")
	r.expectPath(fmt.Sprintf("/incidents/%d", id))
	r.expectText(".flash", en.T("incident.verified"))
	r.expectText("#verification", en.T("verification.verified"))
	r.phoneShot("verified")
	if got := e.get(t, id, rev); got.Verification != incident.Verified || got.VerifiedBy != rev.ID {
		t.Errorf("stored verification %q by %d, want %q by %d", got.Verification, got.VerifiedBy, incident.Verified, rev.ID)
	}
	r.finish()

	e.expectNoPlaintext(t, searchWord)
}

// TestIntakeWithoutJavaScript records the same incident with scripts
// turned off: every step is saved by its button, the photo is sent by the
// plain form, and the record is submitted.
func TestIntakeWithoutJavaScript(t *testing.T) {
	chromium := chromiumPath(t)
	e := startIntakeApp(t)
	en := e.bundle.Localizer("en")
	doc := e.user(t, "nadia", "Nadia", auth.Documenter)
	photo := writePNG(t)

	b := newBrowser(t, chromium, e.testApp, "intake-nojs")
	b.do("turn JavaScript off",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	b.phone()
	b.login("nadia")

	b.navigate("/incidents/new")
	b.fillWhatWhere()
	b.phoneShot("step1")
	b.submit("save step 1", "#step-next")
	id := b.incidentID()
	b.expectStep(2)
	b.expectText(".flash", en.T("incident.saved"))
	b.submit("go back to step 1", `button[name="go"][value="-1"]`)
	b.expectStep(1)
	b.expectPosition(en)
	b.phoneShot("step1-map")
	b.submit("save step 1 again", "#step-next")
	b.expectStep(2)

	b.fillPeople()
	b.phoneShot("step2")
	b.submit("save step 2", "#step-next")
	b.expectStep(3)

	b.do("type the narrative", chromedp.SendKeys(chromedp.ID("narrative"), typedOnline+typedOffline))
	b.do("choose the consent scope", chromedp.Click(chromedp.CSS(`input[name="consent_scope"][value="partners"]`), chromedp.NodeVisible))
	b.phoneShot("step3")
	b.submit("save step 3", "#step-next")
	b.expectStep(4)

	b.do("choose the photo", chromedp.SetUploadFiles(chromedp.ID("file"), []string{photo}))
	b.submit("upload the photo", "#upload-submit")
	b.expectStep(4)
	// Only the plain form's answer carries this notice: app.js sends the
	// file itself and reloads the page without one. So app.js did not run.
	b.expectText(".flash", en.T("evidence.uploaded"))
	evidenceID := b.expectOneEvidenceLink()
	b.phoneShot("step4-uploaded")

	b.submit("submit the incident", "#submit-incident")
	b.expectPath(fmt.Sprintf("/incidents/%d", id))
	b.expectText(".flash", en.T("incident.submitted"))
	b.phoneShot("submitted")
	b.mu.Lock()
	for _, r := range b.requests {
		if strings.Contains(r, "/autosave") {
			t.Errorf("an autosave was sent with JavaScript off: %s", r)
		}
	}
	b.mu.Unlock()
	b.finish()

	// The record is in the database, complete, and listed.
	inc := e.get(t, id, doc)
	e.checkRecord(t, inc, typedOnline+typedOffline, incident.ConsentPartners, evidenceID, photo)
	items, total, err := e.app.Incidents.List(context.Background(), incident.Filter{Query: searchWord, PerPage: 50, Page: 1}, incident.Viewer{UserID: doc.ID, Sensitive: true})
	if err != nil || total != 1 || len(items) != 1 || items[0].ID != id {
		t.Errorf("search for %q: %d items (total %d), %v; want only %d", searchWord, len(items), total, err, id)
	}
	e.expectNoPlaintext(t, searchWord)
}

// --- the app, built by apptest ---

type intakeApp struct {
	*testApp
	dir  string
	logs *apptest.Logs
	line *line
}

// line stands for the phone's connection at the server's end: while it
// is down, every connection is dropped without an answer.
type line struct {
	down atomic.Bool
	h    http.Handler
}

func (l *line) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.down.Load() {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
		panic(http.ErrAbortHandler)
	}
	l.h.ServeHTTP(w, r)
}

// lineDown matches what the browser reports about requests made while the
// line is down.
var lineDown = regexp.MustCompile(`ERR_INTERNET_DISCONNECTED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_(RESET|CLOSED|REFUSED)`)

// setLine cuts or restores the connection of b's tab. The tab is taken
// offline with DevTools (requests fail, navigator.onLine turns false and
// "offline"/"online" fire), and the server drops connections too: closing
// a tab detaches DevTools first, which lifts the emulation, and the page's
// last autosave (on pagehide, or on the "online" event that the lifting
// fires) would otherwise get through, as it could not on a real dead line.
func (e *intakeApp) setLine(b *browser, up bool) {
	b.t.Helper()
	if up {
		e.line.down.Store(false)
		b.setOnline(true)
		return
	}
	b.setOnline(false)
	e.line.down.Store(true)
}

// startIntakeApp runs an initialised, unsealed Faro from apptest behind
// a test server. Warnings and errors in its log fail the test.
func startIntakeApp(t *testing.T) *intakeApp {
	t.Helper()
	dir := t.TempDir()
	a, logs := apptest.New(t, apptest.Options{DataDir: dir})
	ln := &line{h: a.Handler()}
	srv := httptest.NewServer(ln)
	t.Cleanup(func() {
		srv.Close()
		for _, entry := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec struct{ Level string }
			if entry == "" || json.Unmarshal([]byte(entry), &rec) != nil {
				continue
			}
			if rec.Level == "WARN" || rec.Level == "ERROR" {
				t.Errorf("the server logged: %s", entry)
			}
		}
		if strings.Contains(strings.ToLower(logs.String()), searchWord) {
			t.Errorf("the server's log holds a word of the narrative (%q)", searchWord)
		}
	})
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatalf("load catalogues: %v", err)
	}
	u, _ := url.Parse(srv.URL)
	return &intakeApp{testApp: &testApp{app: a, srv: srv, base: srv.URL, host: u.Host, bundle: bundle, logs: &lockedBuffer{}}, dir: dir, logs: logs, line: ln}
}

func (e *intakeApp) user(t *testing.T, login, name string, role auth.Role) *auth.User {
	t.Helper()
	u, err := e.app.Auth.CreateUser(context.Background(), auth.NewUser{Login: login, DisplayName: name, Password: password, Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return u
}

// get reads an incident as u sees it, sensitive fields included.
func (e *intakeApp) get(t *testing.T, id int64, u *auth.User) *incident.Incident {
	t.Helper()
	inc, err := e.app.Incidents.Get(context.Background(), id, incident.Viewer{UserID: u.ID, Sensitive: true})
	if err != nil {
		t.Fatalf("read incident %d: %v", id, err)
	}
	return inc
}

// checkRecord compares the stored incident with what the tests typed.
func (e *intakeApp) checkRecord(t *testing.T, inc *incident.Incident, narrative, consent, evidenceID, photo string) {
	t.Helper()
	if inc.Status != incident.StatusSubmitted {
		t.Errorf("status %q, want %q", inc.Status, incident.StatusSubmitted)
	}
	if inc.Type != "pushback" || inc.Country != "HR" || inc.Place != "Forest road above the river" {
		t.Errorf("type %q, country %q, place %q; want pushback, HR and the typed place", inc.Type, inc.Country, inc.Place)
	}
	if want := time.Date(2025, 11, 2, 4, 30, 0, 0, time.UTC); !inc.OccurredAt.Equal(want) || inc.DatePrecision != incident.PrecisionTime {
		t.Errorf("occurred %v (%s), want %v to the minute", inc.OccurredAt, inc.DatePrecision, want)
	}
	if p := inc.Point; p == nil || math.Abs(p.Lat-wantLat) > 1e-6 || math.Abs(p.Lon-wantLon) > 1e-6 {
		t.Errorf("position %+v, want %.6f, %.6f (from %s)", p, wantLat, wantLon, dmsPosition)
	}
	// Step 1 was saved twice, the second time with the position shown
	// back in decimals: the precision of the DMS as typed must stay.
	if dms, err := geo.ParsePositionDetail(dmsPosition); err != nil || inc.PointPrecisionM != int(dms.Precision) {
		t.Errorf("position precision %d m, want %d m, that of %s (%v)", inc.PointPrecisionM, int(dms.Precision), dmsPosition, err)
	}
	c := inc.Counts
	if c.GroupSize == nil || *c.GroupSize != 12 || c.Missing == nil || *c.Missing != 1 || c.Minors == nil || *c.Minors != 3 || c.Dead != nil {
		t.Errorf("counts %s, want group 12, missing 1, minors 3, dead unknown", fmtCounts(c))
	}
	if strings.Join(inc.Violence, ",") != "beating,dog_attack" {
		t.Errorf("violence %q, want beating and dog_attack", inc.Violence)
	}
	if strings.Join(inc.Origins, ",") != "AF,SY" {
		t.Errorf("origins %q, want AF and SY", inc.Origins)
	}
	if len(inc.Testimonies) != 1 {
		t.Fatalf("%d testimonies, want 1", len(inc.Testimonies))
	}
	ts := inc.Testimonies[0]
	if ts.Narrative != narrative || ts.ConsentScope != consent {
		t.Errorf("testimony %q with consent %q; want %q with %q", ts.Narrative, ts.ConsentScope, narrative, consent)
	}
	drafts, n, err := e.app.Incidents.List(context.Background(), incident.Filter{Status: incident.StatusDraft, PerPage: 50, Page: 1}, incident.Viewer{UserID: inc.CreatedBy})
	if err != nil || n != 0 {
		t.Errorf("%d drafts left behind (%v): %+v", n, err, drafts)
	}
	if len(inc.Evidence) != 1 || inc.Evidence[0] != evidenceID {
		t.Errorf("evidence %q, want [%s]", inc.Evidence, evidenceID)
	}
	f, _, err := e.app.Evidence.Stat(context.Background(), evidenceID)
	if err != nil {
		t.Fatalf("evidence %s: %v", evidenceID, err)
	}
	sent, err := os.ReadFile(photo)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(sent); f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(sent)) || f.ContentType != "image/png" {
		t.Errorf("stored evidence: sha256 %s, %d bytes, %s; want the photo sent: sha256 %x, %d bytes, image/png", f.SHA256, f.Size, f.ContentType, sum, len(sent))
	}
}

func fmtCounts(c incident.Counts) string {
	f := func(p *int) string {
		if p == nil {
			return "?"
		}
		return strconv.Itoa(*p)
	}
	return fmt.Sprintf("group %s dead %s missing %s survivors %s minors %s women %s men %s",
		f(c.GroupSize), f(c.Dead), f(c.Missing), f(c.Survivors), f(c.Minors), f(c.Women), f(c.Men))
}

// expectNoPlaintext checks that no file Faro wrote (database, journal,
// evidence) holds word in the clear.
func (e *intakeApp) expectNoPlaintext(t *testing.T, word string) {
	t.Helper()
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(bytes.ToLower(b), []byte(word)) {
			t.Errorf("%s holds %q in the clear", path, word)
		}
		return nil
	})
	if err != nil {
		t.Errorf("read the data directory: %v", err)
	}
}

// writePNG makes a small photo-like PNG in a temporary directory.
func writePNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 120, A: 255})
		}
	}
	name := filepath.Join(t.TempDir(), "river-bank.png")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

// --- browser helpers for the intake ---

// openTab opens a new tab in the browser of root and makes it the one
// the helpers drive. The returned func closes the tab, as a person
// closing it would, without closing the browser.
func (b *browser) openTab(root context.Context) func() {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithListener(b.listen))
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.fail("open a tab", err)
	}
	b.ctx = ctx
	return func() {
		b.t.Helper()
		// Close the tab while still attached to it: cancelling its
		// context would detach first, which lifts any network
		// emulation while the page is still alive.
		id := chromedp.FromContext(ctx).Target.TargetID
		cctx, cancelClose := context.WithTimeout(ctx, stepTimeout)
		defer cancelClose()
		if _, err := chromedp.CallBrowser(cctx, target.CloseTarget, target.CloseTargetParams{TargetID: id}); err != nil {
			b.fail("close the tab", err)
		}
		for {
			infos, err := chromedp.Targets(cctx)
			if err != nil {
				b.fail("wait for the tab to close", err)
			}
			if !slices.ContainsFunc(infos, func(i *target.Info) bool { return i.TargetID == id }) {
				break
			}
			if err := sleepCtx(cctx, 50*time.Millisecond); err != nil {
				b.fail("wait for the tab to close", err)
			}
		}
		// The target is gone: detaching from it can only fail.
		_ = chromedp.Cancel(ctx)
		b.ctx = root
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (b *browser) phone() {
	b.t.Helper()
	b.do("emulate a phone", chromedp.EmulateViewport(360, 740, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
}

// phoneShot checks that the page fits the phone's 360 CSS pixels (no
// sideways scrolling: a mobile browser widens its layout to what
// overflows), then saves a screenshot.
func (b *browser) phoneShot(name string) {
	b.t.Helper()
	type widths struct{ Inner, Scroll int }
	w := run(b, "measure the page", chromedp.Evaluate[widths](`({Inner: window.innerWidth, Scroll: document.documentElement.scrollWidth})`))
	if w.Inner != 360 || w.Scroll > 360 {
		b.t.Errorf("%s: the page is laid out %d CSS pixels wide and scrolls to %d; want it to fit the phone's 360", name, w.Inner, w.Scroll)
	}
	b.shot(name)
}

func (b *browser) login(login string) {
	b.t.Helper()
	b.navigate("/login")
	b.do("type login and password",
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit("log in", "#login-submit")
	b.expectPath("/")
}

// setOnline cuts or restores the tab's connection: requests fail as
// with no network, and navigator.onLine follows (with its events).
// Network.emulateNetworkConditions did both; the protocol now splits it.
func (b *browser) setOnline(online bool) {
	b.t.Helper()
	what := "go offline"
	if online {
		what = "go online"
	}
	b.do(what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		conds := []*network.Conditions{}
		if !online {
			conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: !online, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

func (b *browser) fillWhatWhere() {
	b.t.Helper()
	b.do("fill step 1",
		chromedp.SetValue(chromedp.ID("type"), "pushback"),
		chromedp.SendKeys(chromedp.ID("date"), "2025-11-02"),
		chromedp.SendKeys(chromedp.ID("time"), "04:30"),
		chromedp.SendKeys(chromedp.ID("country"), "HR"),
		chromedp.SendKeys(chromedp.ID("place"), "Forest road above the river"),
		chromedp.SendKeys(chromedp.ID("position"), dmsPosition))
	if got := run(b, "read the position field", chromedp.Value(chromedp.ID("position"))); got != dmsPosition {
		b.t.Errorf("the position field holds %q after typing %q", got, dmsPosition)
	}
}

func (b *browser) fillPeople() {
	b.t.Helper()
	b.do("fill step 2",
		chromedp.SendKeys(chromedp.ID("group_size"), "12"),
		chromedp.SendKeys(chromedp.ID("missing"), "1"),
		chromedp.SendKeys(chromedp.ID("minors"), "3"),
		chromedp.SendKeys(chromedp.ID("origins"), "AF, SY"),
		chromedp.Click(chromedp.CSS(`input[name="violence"][value="beating"]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name="violence"][value="dog_attack"]`), chromedp.NodeVisible))
}

var editPath = regexp.MustCompile(`^/incidents/([0-9]+)/edit$`)

// incidentID reads the record's id from an edit page's address.
func (b *browser) incidentID() int64 {
	b.t.Helper()
	loc := run(b, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.fail("read the location", err)
	}
	m := editPath.FindStringSubmatch(u.Path)
	if m == nil {
		b.fail("find the incident id", fmt.Errorf("at %s, want /incidents/{id}/edit", loc))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// expectStep checks that the page is step n of the intake form.
func (b *browser) expectStep(n int) {
	b.t.Helper()
	got := run(b, "read the step", chromedp.Evaluate[string](`(document.querySelector('#intake input[name="step"]') || {value: ""}).value`))
	if got != strconv.Itoa(n) {
		b.fail("check the step", fmt.Errorf("the page shows step %q, want %d", got, n))
	}
}

// expectPosition checks that step 1 reads the typed position back and
// draws it on an inline map.
func (b *browser) expectPosition(en *i18n.Localizer) {
	b.t.Helper()
	b.expectText("#parsed-position", en.T("incident.parsed_position", fmt.Sprintf("%.5f, %.5f", wantLat, wantLon)))
	if n := len(run(b, "find the map", chromedp.Nodes(chromedp.CSS(`#position-map svg`), chromedp.AtLeast(0)))); n != 1 {
		b.t.Errorf("found %d inline SVG maps under #position-map, want 1", n)
	}
}

// waitStatus waits until #autosave-status reads want.
func (b *browser) waitStatus(what, want string, timeout time.Duration) {
	b.t.Helper()
	ok := run(b, "wait for "+what, chromedp.Poll[bool](
		fmt.Sprintf(`document.getElementById("autosave-status").textContent === %q`, want),
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if !ok {
		b.fail("wait for "+what, fmt.Errorf("#autosave-status reads %q", b.text("#autosave-status")))
	}
}

// watchStatus records every text the autosave status line shows, from
// now on, in window.faroStatus.
func (b *browser) watchStatus() {
	b.t.Helper()
	b.do("watch the autosave status", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById("autosave-status");
		window.faroStatus = [];
		new MutationObserver(() => window.faroStatus.push(s.textContent)).observe(s, {childList: true, characterData: true, subtree: true});
	})()`))
}

// waitAutosaved waits until the status line has announced an autosave
// (since watchStatus) and stored says the server holds everything typed:
// a save that started while keys were still being typed holds only part
// of the text, and the next one, a few seconds later, the rest.
func (b *browser) waitAutosaved(en *i18n.Localizer, stored func() bool) {
	b.t.Helper()
	before, after, _ := strings.Cut(en.T("incident.autosaved", "{1}"), "{1}")
	start := time.Now()
	ok := run(b, "wait for an autosave", chromedp.Poll[bool](
		fmt.Sprintf(`(window.faroStatus || []).some(s => s.length > %d && s.startsWith(%q) && s.endsWith(%q))`,
			len(before)+len(after), before, after),
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if !ok {
		b.fail("wait for an autosave", fmt.Errorf("#autosave-status reads %q", b.text("#autosave-status")))
	}
	for deadline := time.Now().Add(15 * time.Second); !stored(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.fail("wait for an autosave", fmt.Errorf("the status reads %q, but the server still lacks what was typed", b.text("#autosave-status")))
		}
	}
	b.t.Logf("autosaved within %v: %q", time.Since(start).Round(100*time.Millisecond), b.text("#autosave-status"))
}

// problemCount is how many problems the browser has reported so far.
func (b *browser) problemCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.problems)
}

// dropProblems removes the problems reported since from that match re,
// and returns them.
func (b *browser) dropProblems(from int, re *regexp.Regexp) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var kept, dropped []string
	for i, p := range b.problems {
		if i >= from && re.MatchString(p) {
			dropped = append(dropped, p)
		} else {
			kept = append(kept, p)
		}
	}
	b.problems = kept
	return dropped
}

// resultLinks lists the addresses the incident table links to.
func (b *browser) resultLinks() []string {
	b.t.Helper()
	return run(b, "read the incident list", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("table.incidents tbody tr a"), a => a.getAttribute("href"))`))
}

type uploadSeen struct {
	Shown bool
	Max   float64
}

// watchUploadProgress records what the upload's progress bar shows into
// sessionStorage, which survives the reload that follows the upload.
func (b *browser) watchUploadProgress() {
	b.t.Helper()
	b.do("watch the progress bar", chromedp.Evaluate[chromedp.Void](`(() => {
		const bar = document.querySelector("form[data-upload] progress");
		sessionStorage.removeItem("faroUpload");
		new MutationObserver(() => {
			const seen = JSON.parse(sessionStorage.getItem("faroUpload") || '{"Shown": false, "Max": 0}');
			seen.Shown = seen.Shown || !bar.hidden;
			seen.Max = Math.max(seen.Max, bar.value);
			sessionStorage.setItem("faroUpload", JSON.stringify(seen));
		}).observe(bar, {attributes: true});
	})()`))
}

func (b *browser) uploadProgress() *uploadSeen {
	b.t.Helper()
	return run(b, "read what the progress bar showed", chromedp.Evaluate[*uploadSeen](`JSON.parse(sessionStorage.getItem("faroUpload") || "null")`))
}

// expectOneEvidenceLink checks that step 4 links one evidence file and
// returns its id.
func (b *browser) expectOneEvidenceLink() string {
	b.t.Helper()
	links := run(b, "read the evidence links", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('section.card a[href^="/evidence/"]'), a => a.getAttribute("href"))`))
	if len(links) != 1 {
		b.fail("find the evidence link", fmt.Errorf("step 4 links %q, want one file", links))
	}
	return strings.TrimPrefix(links[0], "/evidence/")
}
