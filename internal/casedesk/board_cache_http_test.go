package casedesk_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
)

// TestHTTPBoardFragmentCached: the board fragment is served from one
// render per change, yet every change shows on the next fetch, each role
// and language gets its own copy (a viewer never the documenter's), the
// phone never appears in any copy, and sealing the vault drops them all.
func TestHTTPBoardFragmentCached(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		srv := e.server(t)
		doc := e.signedIn(t, srv, e.user(t, "dana", auth.Documenter))
		view := e.signedIn(t, srv, e.user(t, "vic", auth.Viewer))
		phone := secret("+49")
		c1 := e.openSea(t, e.user(t, "olga", auth.Documenter), "CM", casedesk.Details{Phone: phone}, fixAt(35, 14))

		d1 := doc.Get("/cases?part=board")
		wantStatus(t, d1, http.StatusOK, "documenter fragment")
		mustHold(t, "documenter fragment", d1.Body, c1.Ref)
		// Filled by the documenter first: the viewer's copy must be one
		// rendered for a viewer, byte for byte what a fresh render gives.
		v1 := view.Get("/cases?part=board")
		wantStatus(t, v1, http.StatusOK, "viewer fragment")
		if n := e.CasePages.BoardCacheSize(); n != 2 {
			t.Errorf("%d copies kept for two roles, want 2", n)
		}
		e.CasePages.DropBoardCache()
		if fresh := view.Get("/cases?part=board"); fresh.Body != v1.Body {
			t.Error("the viewer's cached fragment differs from one rendered for the viewer")
		}
		if again := view.Get("/cases?part=board"); again.Body != v1.Body {
			t.Error("a second fetch without a change differs")
		}

		// Language: a Spanish documenter never gets the English copy.
		doc.Lang = "es"
		es := doc.Get("/cases?part=board")
		mustHold(t, "Spanish fragment", es.Body, "Relevo de turno")
		doc.Lang = ""
		mustHold(t, "English fragment", doc.Get("/cases?part=board").Body, "Shift handover")

		// Every kind of change shows on the very next fetch.
		c2 := e.openSea(t, e.user(t, "omar", auth.Documenter), "WM", casedesk.Details{Phone: phone}, nil)
		mustHold(t, "fragment after a new case", view.Get("/cases?part=board").Body, c2.Ref)
		note := secret("handover")
		r := doc.Post("/cases/handover", url.Values{"text": {note}})
		wantStatus(t, r, http.StatusSeeOther, "handover")
		mustHold(t, "fragment after a handover", view.Get("/cases?part=board").Body, note)
		r = doc.Post("/cases/"+strconv.FormatInt(c2.ID, 10)+"/close", url.Values{"outcome": {"rescued"}, "rescued": {"40"}, "dead": {"0"},
			"missing": {"0"}, "rescued_by": {"Ocean Viking"}, "taken_to": {"Pozzallo"}})

		wantStatus(t, r, http.StatusSeeOther, "close")
		if b := view.Get("/cases?part=board").Body; strings.Contains(b, `id="case-`+strconv.FormatInt(c2.ID, 10)+`"`) {
			t.Error("a closed case is still among the open cases of the cached board")
		}
		for _, c := range []*client{doc, view} {
			for _, lang := range []string{"", "es", "ar"} {
				c.Lang = lang
				mustNotHold(t, "board fragment", c.Get("/cases?part=board").Body, phone)
			}
			c.Lang = ""
		}

		if e.CasePages.BoardCacheSize() == 0 {
			t.Fatal("nothing cached before the seal")
		}
		e.Vault.Seal()
		if n := e.CasePages.BoardCacheSize(); n != 0 {
			t.Errorf("%d decrypted boards kept after the seal", n)
		}
		if r := view.Get("/cases?part=board"); r.StatusCode == http.StatusOK && strings.Contains(r.Body, c1.Ref) {
			t.Error("the board is served while sealed")
		}
	})
}
