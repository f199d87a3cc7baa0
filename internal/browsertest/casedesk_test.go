package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/geo"
)

const (
	// caseDMS is how a boat's GPS reads its position out on the phone.
	caseDMS = `34°45'30"N 12°20'15"E`
	// laterDMS is the position an hour later.
	laterDMS = `34°52'10"N 12°31'40"E`
)

// TestCaseDeskLiveBoard: two people at the hotline, each in their own
// browser. B watches the board on a phone; A opens a distress case with a
// DMS position, then adds a second DMS position. B's board shows the case
// and then its track without a reload: a marker set on B's window
// survives, and B never navigated.
func TestCaseDeskLiveBoard(t *testing.T) {
	chromium := chromiumPath(t)
	e := startApp(t)
	ctx := context.Background()
	en := e.bundle.Localizer("en")
	if err := e.app.Cases.AddRegion(ctx, "CM", "Central Mediterranean"); err != nil {
		t.Fatal(err)
	}
	for login, role := range map[string]auth.Role{"dana": auth.Documenter, "vic": auth.Viewer} {
		if _, err := e.app.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: login, Password: password, Role: role}); err != nil {
			t.Fatalf("create user: %v", err)
		}
	}

	// B: the board on a phone, listening.
	b := newBrowser(t, chromium, e, "casedesk-board")
	b.phone()
	b.login("vic")
	b.navigate("/cases")
	b.expectText("#no-cases", en.T("casedesk.no_open"))
	b.do("mark the window", chromedp.Evaluate[chromedp.Void](`window.faroMarker = "still here"; window.faroNavigations = performance.getEntriesByType("navigation").length`))
	if ok := run(b, "wait for the event stream", chromedp.Poll[bool](`document.getElementById("board").getAttribute("data-stream") === "open"`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); !ok {
		b.fail("wait for the event stream", fmt.Errorf("the board never opened its event stream"))
	}
	b.phoneShot("empty-board")

	// A: opens a case.
	a := newBrowser(t, chromium, e, "casedesk-desk")
	a.phone()
	a.login("dana")
	a.navigate("/cases/new")
	a.phoneShot("new-case")
	a.do("fill the new case",
		chromedp.SetValue(chromedp.ID("kind"), "sea"),
		chromedp.SetValue(chromedp.ID("region"), "CM"),
		chromedp.SetValue(chromedp.ID("phase"), "distress"),
		chromedp.SendKeys(chromedp.ID("people"), "45"),
		chromedp.SendKeys(chromedp.ID("position"), caseDMS),
		chromedp.SendKeys(chromedp.ID("phone"), "+88163141592"))
	a.submit("open the case", "#case-submit")
	c, err := e.app.Cases.GetByRef(ctx, time.Now().UTC().Format("2006-01-02")+"-CM-001")
	if err != nil {
		t.Fatalf("the case is not stored: %v", err)
	}
	a.expectPath(fmt.Sprintf("/cases/%d", c.ID))
	opened := time.Now()

	// B sees it without a reload.
	sel := fmt.Sprintf("#case-%d", c.ID)
	if ok := run(b, "wait for the case on the board", chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector(%q)`, sel),
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); !ok {
		b.fail("wait for the case", fmt.Errorf("the board does not show %s", c.Ref))
	}
	t.Logf("the board showed the new case %v after the case page loaded", time.Since(opened).Round(time.Millisecond))
	if got := b.text(sel + " .ref"); got != c.Ref {
		t.Errorf("the board row reads %q, want %q", got, c.Ref)
	}
	if strings.Contains(b.text("#board"), "3141592") {
		t.Error("the board shows the caller's phone (canary leaked)")
	}

	// A adds a second position, in DMS, to the timeline.
	a.do("add a position",
		chromedp.SetValue(chromedp.ID("entry-kind"), "position"),
		chromedp.SendKeys(chromedp.ID("entry-position"), laterDMS),
		chromedp.SendKeys(chromedp.ID("entry-text"), "read out by the captain"))
	a.submit("save the position", "#entry-submit")
	added := time.Now()
	if n := run(a, "count the case page's track", chromedp.Evaluate[int](`document.querySelectorAll("#track-map path.track").length`)); n != 1 {
		t.Errorf("the case page draws %d tracks, want 1", n)
	}

	if ok := run(b, "wait for the track", chromedp.Poll[bool](`!!document.querySelector("#board-map path.track")`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); !ok {
		b.fail("wait for the track", fmt.Errorf("the board map has no track"))
	}
	t.Logf("the board drew the track %v after the position was saved", time.Since(added).Round(time.Millisecond))
	if got := b.text(sel + " .pos"); got != "34.86944, 12.52778" {
		t.Errorf("the board's last position reads %q, want 34.86944, 12.52778", got)
	}
	type page struct {
		Marker      string
		Navigations int
		Path        string
	}
	p := run(b, "read the window", chromedp.Evaluate[page](`({Marker: window.faroMarker || "", Navigations: performance.getEntriesByType("navigation").length, Path: location.pathname})`))
	if p.Marker != "still here" || p.Path != "/cases" {
		t.Errorf("the board page was reloaded or left: marker %q, path %q", p.Marker, p.Path)
	}
	b.phoneShot("board-with-track")
	a.phoneShot("case-page")
	a.finish()
	b.finish()
}

// TestCaseDeskWithoutJavaScript: a hotline volunteer whose browser runs no
// script. The board's refresh button shows a case opened meanwhile by
// someone else; on the case page the plain form adds a DMS position and
// the page that follows draws the track; the details form saves too. No
// live stream is ever asked for.
func TestCaseDeskWithoutJavaScript(t *testing.T) {
	chromium := chromiumPath(t)
	e := startApp(t)
	ctx := context.Background()
	en := e.bundle.Localizer("en")
	if err := e.app.Cases.AddRegion(ctx, "CM", "Central Mediterranean"); err != nil {
		t.Fatal(err)
	}
	dana, err := e.app.Auth.CreateUser(ctx, auth.NewUser{Login: "dana", DisplayName: "dana", Password: password, Role: auth.Documenter})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}

	b := newBrowser(t, chromium, e, "casedesk-nojs")
	b.do("turn JavaScript off",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	b.phone()
	b.login("dana")
	b.navigate("/cases")
	b.expectText("#no-cases", en.T("casedesk.no_open"))

	// Someone else opens a case meanwhile.
	c := &casedesk.Case{Kind: casedesk.KindSea, Region: "CM", Phase: casedesk.PhaseDistress, People: new(int)}
	*c.People = 45
	first, err := geo.ParsePositionDetail(caseDMS)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Cases.Open(audit.WithActor(ctx, dana.ID), c, &casedesk.Fix{Point: first.Point, PrecisionM: first.Precision}); err != nil {
		t.Fatal(err)
	}
	sel := fmt.Sprintf("#case-%d", c.ID)
	if n := run(b, "look for the case before refreshing", chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))); n != 0 {
		t.Error("the board changed without a refresh, with JavaScript off")
	}
	b.submit("refresh the board", "#refresh")
	b.expectPath("/cases")
	if got := b.text(sel + " .ref"); got != c.Ref {
		t.Errorf("after refreshing, the board row reads %q, want %q", got, c.Ref)
	}
	b.phoneShot("board-refreshed")

	// The case page: add a second position, in DMS, with the plain form.
	b.submit("open the case", sel+" a")
	path := fmt.Sprintf("/cases/%d", c.ID)
	b.expectPath(path)
	if n := run(b, "count tracks before", chromedp.Evaluate[int](`document.querySelectorAll("#track-map path.track").length`)); n != 0 {
		t.Errorf("one position drew %d tracks, want 0", n)
	}
	b.do("add a position",
		chromedp.SetValue(chromedp.ID("entry-kind"), "position"),
		chromedp.SendKeys(chromedp.ID("entry-position"), laterDMS),
		chromedp.SendKeys(chromedp.ID("entry-text"), "read out by the captain"))
	b.submit("save the position", "#entry-submit")
	b.expectPath(path)
	b.expectText(".flash", en.T("casedesk.flash.entry"))
	if n := run(b, "count the track", chromedp.Evaluate[int](`document.querySelectorAll("#track-map path.track").length`)); n != 1 {
		t.Errorf("the case page draws %d tracks after the second position, want 1", n)
	}
	if got := b.text("#last-position"); !strings.HasPrefix(got, "34.86944, 12.52778") {
		t.Errorf("last position reads %q", got)
	}
	b.phoneShot("case-track")

	// The details form, also without script.
	b.do("edit the boat", chromedp.SendKeys(chromedp.ID("det-boat"), "grey rubber boat"))
	b.submit("save the details", "#details-submit")
	b.expectText(".flash", en.T("casedesk.flash.details"))
	if got, _ := e.app.Cases.Get(ctx, c.ID); got.Details.Boat != "grey rubber boat" {
		t.Errorf("boat %q after saving the details form", got.Details.Boat)
	}

	b.mu.Lock()
	for _, r := range b.requests {
		if strings.Contains(r, "/events") {
			t.Errorf("a live stream was asked for with JavaScript off: %s", r)
		}
	}
	b.mu.Unlock()
	b.finish()
}
