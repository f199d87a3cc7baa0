package casedesk_test

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
)

func TestChangedFields(t *testing.T) {
	a := casedesk.Details{Men: ptr(3), Conditions: []string{"water", "fuel"}, Phone: "+39 1"}
	b := a
	b.Conditions = []string{"fuel", "water"}
	if got := casedesk.ChangedFields(a, b); len(got) != 0 {
		t.Errorf("same details, reordered conditions: changed %v", got)
	}
	b.Men, b.Women, b.Phone, b.Notes = ptr(4), ptr(0), "+39 2", "n"
	if got := strings.Join(casedesk.ChangedFields(a, b), ","); got != "men,women,phone,notes" {
		t.Errorf("changed %s", got)
	}
}

// TestUpdateDetails: the change is stored sealed, audited, named on the
// timeline by field (never by value) and published after the commit.
func TestUpdateDetails(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		rec := &recorder{}
		e.Cases.Live = rec
		c := e.openSea(t, u, "CM", casedesk.Details{Men: ptr(30), Phone: "+39 333 1"}, fixAt(35, 14))
		rec.take()
		phone, notes := "+39 333 "+fmt.Sprint(len(secret("x"))), secret("notes")
		d := c.Details
		d.Men, d.Minors, d.Phone, d.Notes = ptr(25), ptr(6), phone, notes
		changed, err := e.Cases.UpdateDetails(e.as(u), c.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(changed, ",") != "men,minors,phone,notes" {
			t.Errorf("changed %v", changed)
		}
		got, _ := e.Cases.Get(e.ctx, c.ID)
		if *got.Details.Men != 25 || *got.Details.Minors != 6 || got.Details.Phone != phone || got.Details.Notes != notes {
			t.Error("details not stored")
		}
		var raw []byte
		if err := e.DB.QueryRow(e.ctx, "SELECT details FROM cases WHERE id = ?", c.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		mustNotHold(t, "details column", string(raw), notes)
		tl, err := e.Cases.Timeline(e.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tl[0].Kind != casedesk.EventDetails || tl[0].Text != "men,minors,phone,notes" {
			t.Errorf("latest timeline entry %s %q", tl[0].Kind, tl[0].Text)
		}
		for _, ev := range tl {
			mustNotHold(t, "timeline", ev.Text, notes, phone)
		}
		if evs, _ := e.Audit.Of(e.ctx, "case", fmt.Sprint(c.ID), "update"); len(evs) != 1 {
			t.Errorf("%d audit updates of the case, want 1", len(evs))
		}
		if pub, _ := rec.take(); !contains(pub, "cases") || !contains(pub, "case:"+fmt.Sprint(c.ID)) {
			t.Errorf("published %v", pub)
		}

		// Saving the same details again writes nothing.
		n := len(tl)
		if changed, err := e.Cases.UpdateDetails(e.as(u), c.ID, d); err != nil || len(changed) != 0 {
			t.Errorf("unchanged save: %v %v", changed, err)
		}
		if tl, _ := e.Cases.Timeline(e.ctx, c.ID); len(tl) != n {
			t.Error("an unchanged save added a timeline entry")
		}
		if pub, _ := rec.take(); len(pub) != 0 {
			t.Errorf("an unchanged save published %v", pub)
		}
		bad := d
		bad.Conditions = []string{"x"}
		if _, err := e.Cases.UpdateDetails(e.as(u), c.ID, bad); !errors.Is(err, casedesk.ErrInvalid) {
			t.Errorf("unknown condition: %v, want ErrInvalid", err)
		}
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeRescued}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Cases.UpdateDetails(e.as(u), c.ID, casedesk.Details{}); !errors.Is(err, casedesk.ErrState) {
			t.Errorf("editing a closed case: %v, want ErrState", err)
		}
	})
}

// TestHTTPEditDetails: the form on the case page (no JavaScript needed)
// shows the current details, saves a change, names the fields on the
// timeline in the reader's language, and re-shows errors as on opening.
func TestHTTPEditDetails(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		srv := e.server(t)
		dana := e.user(t, "dana", auth.Documenter)
		doc := e.signedIn(t, srv, dana)
		viewer := e.signedIn(t, srv, e.user(t, "vic", auth.Viewer))
		relatives := secret("relatives")
		c := e.openSea(t, dana, "CM", casedesk.Details{Women: ptr(7), Relatives: relatives, Conditions: []string{"fuel"}}, fixAt(35, 14))
		path := fmt.Sprintf("/cases/%d", c.ID)

		page := doc.Get(path).Body
		for _, want := range []string{`action="` + path + `/details"`, `id="det-women" name="women" value="7"`, `value="fuel" checked`} {
			if !strings.Contains(page, want) {
				t.Errorf("details form lacks %s", want)
			}
		}
		if strings.Contains(viewer.Get(path).Body, `action="`+path+`/details"`) {
			t.Error("a viewer is offered the details form")
		}
		wantStatus(t, viewer.Post(path+"/details", url.Values{"women": {"8"}}), http.StatusForbidden, "viewer edits details")

		form := url.Values{"women": {"8"}, "men": {"20"}, "relatives": {relatives}, "condition": {"fuel", "water"}, "boat": {"grey rubber"}, "language": {"tigrinya"}}
		r := doc.Post(path+"/details", form)
		wantStatus(t, r, http.StatusSeeOther, "save details")
		got, _ := e.Cases.Get(e.ctx, c.ID)
		if *got.Details.Women != 8 || *got.Details.Men != 20 || got.Details.Boat != "grey rubber" || len(got.Details.Conditions) != 2 || got.Details.Relatives != relatives {
			t.Errorf("details after save: %+v", got.Details)
		}
		doc.Lang = "es"
		page = html.UnescapeString(doc.Get(path).Body)
		if !strings.Contains(page, "Datos actualizados") || !strings.Contains(page, "Cambiado: Idioma hablado, Hombres, Mujeres, Situación, Embarcación") {
			t.Error("the timeline does not name the changed fields in Spanish")
		}
		mustNotHold(t, "timeline for a viewer", viewer.Get(path).Body, relatives)

		// Validation as on opening: a bad count and a bad phone come back
		// with messages and what was typed; nothing is stored.
		doc.Lang = "fr"
		r = doc.Post(path+"/details", url.Values{"women": {"-1"}, "phone": {"call me"}, "notes": {"kept"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "invalid details")
		body := html.UnescapeString(r.Body)
		if !strings.Contains(body, "Écrivez le téléphone avec des chiffres seulement") || !strings.Contains(body, `value="call me"`) || !strings.Contains(body, ">kept</textarea>") {
			t.Error("invalid details are not shown back with their messages")
		}
		if g, _ := e.Cases.Get(e.ctx, c.ID); *g.Details.Women != 8 {
			t.Error("invalid details were stored")
		}

		// A raid report without a position keeps a place with a radius.
		raid := &casedesk.Case{Kind: casedesk.KindRaid, Region: "SD", Details: casedesk.Details{RaidType: "home", Place: "gate 3", RadiusM: 300}}
		if err := e.Cases.Open(e.as(dana), raid, nil); err != nil {
			t.Fatal(err)
		}
		rpath := fmt.Sprintf("/cases/%d", raid.ID)
		doc.Lang = "en"
		r = doc.Post(rpath+"/details", url.Values{"raid_type": {"home"}, "place": {"gate 3"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "raid details without radius")
		if !strings.Contains(html.UnescapeString(r.Body), "Give a radius in metres around the place") {
			t.Error("raid radius message not shown")
		}
		wantStatus(t, doc.Post(rpath+"/details", url.Values{"raid_type": {"home"}, "place": {"gate 4"}, "radius": {"200"}}), http.StatusSeeOther, "raid details")

		// A closed case is not edited.
		if err := e.Cases.Close(e.as(dana), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeRescued}); err != nil {
			t.Fatal(err)
		}
		r = doc.Post(path+"/details", url.Values{"women": {"9"}})
		wantStatus(t, r, http.StatusSeeOther, "details of a closed case")
		if g, _ := e.Cases.Get(e.ctx, c.ID); *g.Details.Women != 8 {
			t.Error("a closed case's details were changed")
		}
	})
}

// FuzzParseDetails: the details form never panics, and what it accepts
// the store accepts too.
func FuzzParseDetails(f *testing.F) {
	f.Add("women=8&men=20&condition=fuel&condition=water&boat=grey&departed_at=2026-11-25T01:00&phone=%2B39+333", false)
	f.Add("raid_type=home&place=gate+3&radius=300", true)
	f.Add("raid_type=home&place=gate+3", true)
	f.Add("women=-1&phone=call+me&notes=%00&radius=x", false)
	f.Fuzz(func(t *testing.T, raw string, raid bool) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		c := &casedesk.Case{Kind: casedesk.KindSea}
		if raid {
			c.Kind = casedesk.KindRaid
		}
		d, errs := casedesk.ParseDetails(form, c, fuzzNow)
		if len(errs) > 0 {
			return
		}
		if raid && (d.RaidType == "" || d.Place == "" || d.RadiusM <= 0) {
			t.Fatal("accepted a raid report without type or place")
		}
		if err := casedesk.CheckDetails(d); err != nil {
			t.Fatalf("parsed details the store refuses: %v", err)
		}
	})
}
