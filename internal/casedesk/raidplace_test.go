package casedesk_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
)

// TestParseCaseRaidNeedsAPlace: a raid report says where it happened —
// a position, or a place with a radius — and each gap has its own message.
func TestParseCaseRaidNeedsAPlace(t *testing.T) {
	regionOK := func(code string) bool { return code == "SD" }
	for _, tc := range []struct {
		name, query string
		field, key  string // "" field: accepted
	}{
		{"nothing", "raid_type=home", "place", "casedesk.err.raid_place"},
		{"place without radius", "raid_type=home&place=gate+3", "radius", "casedesk.err.raid_radius"},
		{"place with zero radius", "raid_type=home&place=gate+3&radius=0", "radius", "casedesk.err.raid_radius"},
		{"radius without place", "raid_type=home&radius=300", "place", "casedesk.err.raid_place"},
		{"blank place", "raid_type=home&place=+++&radius=300", "place", "casedesk.err.raid_place"},
		{"place and radius", "raid_type=home&place=gate+3&radius=300", "", ""},
		{"position only", "raid_type=home&position=31.9,-112.8", "", ""},
		{"unreadable position", "raid_type=home&position=35+1+17", "position", "casedesk.err.position_ambiguous"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, _ := url.ParseQuery("kind=raid&region=SD&" + tc.query)
			_, _, errs := casedesk.ParseCase(form, regionOK, day)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Errorf("refused: %v", errs)
				}
				return
			}
			if errs[tc.field] != tc.key {
				t.Errorf("errors %v, want %s: %s", errs, tc.field, tc.key)
			}
		})
	}
	// A distress case needs neither.
	form, _ := url.ParseQuery("kind=sea&region=SD")
	if _, _, errs := casedesk.ParseCase(form, regionOK, day); len(errs) != 0 {
		t.Errorf("sea case without a position refused: %v", errs)
	}
}

// TestHTTPRaidWithoutPlace: the message reaches the reporter in their
// language, next to the field, and nothing is stored.
func TestHTTPRaidWithoutPlace(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		srv := e.server(t)
		doc := e.signedIn(t, srv, e.user(t, "dana", auth.Documenter))
		for _, tc := range []struct {
			lang string
			form url.Values
			want string
		}{
			{"es", url.Values{"kind": {"raid"}, "region": {"SD"}, "raid_type": {"home"}}, "Indique la posición de la redada, o describa el lugar"},
			{"en", url.Values{"kind": {"raid"}, "region": {"SD"}, "raid_type": {"home"}, "place": {"gate 3"}}, "Give a radius in metres around the place"},
			{"ar", url.Values{"kind": {"raid"}, "region": {"SD"}, "raid_type": {"home"}}, "أعطِ موقع المداهمة"},
			{"fr", url.Values{"kind": {"raid"}, "region": {"SD"}, "raid_type": {"home"}, "place": {"gate 3"}}, "Donnez un rayon en mètres"},
		} {
			doc.Lang = tc.lang
			r := doc.Post("/cases", tc.form)
			wantStatus(t, r, http.StatusUnprocessableEntity, "raid report without a place ("+tc.lang+")")
			if !strings.Contains(html.UnescapeString(r.Body), tc.want) {
				t.Errorf("%s: the message is not shown in the reporter's language", tc.lang)
			}
		}
		if board, _ := e.Cases.Board(e.ctx); len(board) != 0 {
			t.Error("a raid report without a place was stored")
		}
		doc.Lang = ""
		r := doc.Post("/cases", url.Values{"kind": {"raid"}, "region": {"SD"}, "raid_type": {"home"}, "place": {"gate 3"}, "radius": {"300"}})
		wantStatus(t, r, http.StatusSeeOther, "raid report with place and radius")
	})
}
