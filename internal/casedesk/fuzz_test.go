package casedesk_test

import (
	"net/url"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/casedesk"
)

var fuzzNow = time.Date(2026, 11, 25, 14, 7, 33, 0, time.UTC)

// FuzzParseCase: the new-case form never panics, and what it accepts is
// within its lists and limits.
func FuzzParseCase(f *testing.F) {
	f.Add("kind=sea&region=CM&phase=distress&severity=4&people=45&position=34%C2%B045%2730%22N+12%C2%B020%2715%22E&phone=%2B8816+314&condition=water")
	f.Add("kind=raid&region=SD&raid_type=home&place=gate+3&radius=500")
	f.Add("kind=land&region=SD&position=31%2C9+-112%2C8&position_at=2026-11-25T13:00&departed_at=2026-11-24+22:10")
	f.Add("kind=sea&region=cm&people=-1&severity=9&phone=abc&position=35+1+17&condition=x")
	f.Add("kind=sea&region=CM&position=https://maps.google.com/?q=35.1,14.2&notes=%00")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		c, fix, errs := casedesk.ParseCase(form, func(code string) bool { return code == "CM" || code == "SD" }, fuzzNow)
		if len(errs) > 0 {
			return
		}
		if !contains(casedesk.Kinds, c.Kind) || (c.Region != "CM" && c.Region != "SD") || c.Severity < 1 || c.Severity > 5 {
			t.Fatalf("accepted kind %q region %q severity %d", c.Kind, c.Region, c.Severity)
		}
		if c.People != nil && (*c.People < 0 || *c.People > 100000) {
			t.Fatalf("accepted people %d", *c.People)
		}
		for _, s := range []string{c.Details.Notes, c.Details.Phone, c.Details.Boat, c.Details.Place} {
			if !utf8.ValidString(s) {
				t.Fatal("accepted invalid UTF-8")
			}
		}
		if fix != nil && (fix.Point.Lat < -90 || fix.Point.Lat > 90 || fix.Point.Lon < -180 || fix.Point.Lon > 180 || fix.At.After(fuzzNow.Add(10*time.Minute))) {
			t.Fatalf("accepted fix %+v", fix)
		}
		if c.Kind == casedesk.KindRaid && c.Phase != "" {
			t.Fatal("a raid report with a phase")
		}
	})
}

// FuzzParseEntry: a timeline entry never panics; an accepted one has a
// known kind, a time to the minute not in the future, and a position when
// it is a position entry.
func FuzzParseEntry(f *testing.F) {
	f.Add("kind=position&position=N+35+34.134+W+001+17.386&at=2026-11-25T14:05")
	f.Add("kind=call&text=no+answer&position=35.5689,+-1.2898")
	f.Add("kind=note&text=")
	f.Add("kind=ack&text=RCC+Rome+acknowledged&at=2030-01-01T00:00")
	f.Add("kind=position&position=geo:35.1,14.2&at=25/11/2026")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		e, errs := casedesk.ParseEntry(form, fuzzNow)
		if len(errs) > 0 {
			return
		}
		if !contains(casedesk.EntryKinds, e.Kind) || e.At.After(fuzzNow.Add(10*time.Minute)) || e.At.Second() != 0 {
			t.Fatalf("accepted %q at %v", e.Kind, e.At)
		}
		if e.Kind == casedesk.EventPosition && e.Fix == nil {
			t.Fatal("a position entry without a position")
		}
		if e.Kind != casedesk.EventPosition && e.Text == "" {
			t.Fatal("an entry without text")
		}
	})
}

// FuzzParseClose: closing never panics; an accepted distress closing has
// an outcome and all three counts.
func FuzzParseClose(f *testing.F) {
	f.Add("outcome=rescued&rescued=45&dead=0&missing=0&rescued_by=Ocean+Viking&taken_to=Pozzallo", "sea")
	f.Add("outcome=shipwreck&rescued=1&dead=0&missing=0", "sea")
	f.Add("outcome=ended", "raid")
	f.Add("outcome=rescued&rescued=", "land")
	f.Fuzz(func(t *testing.T, raw, kind string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		cl, errs := casedesk.ParseClose(form, kind)
		if len(errs) > 0 {
			return
		}
		if cl.Outcome == "" {
			t.Fatal("accepted a closing without an outcome")
		}
		if kind != casedesk.KindRaid && (cl.Rescued == nil || cl.Dead == nil || cl.Missing == nil) {
			t.Fatal("accepted a distress closing without its counts")
		}
		if cl.Outcome == casedesk.OutcomeRescued && kind != casedesk.KindRaid && (cl.RescuedBy == "" || cl.TakenTo == "" || *cl.Rescued == 0) {
			t.Fatal("accepted a rescue without who, where or anyone rescued")
		}
	})
}
