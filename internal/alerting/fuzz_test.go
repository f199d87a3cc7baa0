package alerting

import (
	"errors"
	"math"
	"testing"

	"github.com/faro-project/faro/internal/geo"
)

// FuzzParseArea: any form input gives an area or a field error, never a
// panic, and an accepted area holds only finite, in-range numbers.
func FuzzParseArea(f *testing.F) {
	f.Add("polygon", "32 10\n38 10\n38 16\n32 16", "", "")
	f.Add("circle", "", "34.0522, -118.2437", "5")
	f.Add("circle", "", "35°34′08″N 1°17′23″W", "1e308")
	f.Add("polygon", "0 0\n0 0\n0 0", "", "")
	f.Add("any", "", "", "")
	f.Fuzz(func(t *testing.T, kind, poly, centre, radius string) {
		a, err := ParseArea(kind, poly, centre, radius)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		pts := append([]geo.Point(nil), a.Polygon...)
		if a.Centre != nil {
			pts = append(pts, *a.Centre)
			if !(a.RadiusKm > 0 && a.RadiusKm <= maxRadiusKm) {
				t.Fatalf("radius %v", a.RadiusKm)
			}
		}
		for _, p := range pts {
			if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180 {
				t.Fatalf("point %v", p)
			}
		}
		a.Contains(geo.Point{Lat: 1, Lon: 1})
		if _, err := decodeArea(a.encode()); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseReply: inbound SMS and Signal text never panics, and a reply
// longer than the limit is never taken for an acknowledgement.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"ACK 2026-11-25-CM-014", "ok", "recibido", "reçu", "تم", "not ok", "", "2026-11-25-CM-014"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseReply(s)
		if len(s) > maxReply && r.Ack {
			t.Fatal("long text acknowledged")
		}
		if r.Ref != "" && !refPattern.MatchString(r.Ref) {
			t.Fatalf("ref %q", r.Ref)
		}
	})
}

// FuzzParseSignal: any body the Signal hook is sent is read or refused.
func FuzzParseSignal(f *testing.F) {
	f.Add([]byte(`{"envelope":{"sourceNumber":"+34600000002","dataMessage":{"message":"ok"}}}`))
	f.Add([]byte(`{"envelope":{"source":"+34600000002","receiptMessage":{}}}`))
	f.Add([]byte(`{"envelope":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		from, text, ok, err := parseSignal(b)
		if err != nil && (ok || from != "" || text != "") {
			t.Fatal("error with a message")
		}
	})
}

// FuzzRuleForm: the rule form never panics and an accepted rule is valid.
func FuzzRuleForm(f *testing.F) {
	f.Add("Lampedusa", "sea", "circle", "", "35.5 12.6", "50", "alert", "0", "1", "15", "", "12", "7")
	f.Add("", "raid", "polygon", "1 1\n2 2\n1 2", "", "", "", "x", "0", "-1", "BAD", "999", "x")
	f.Fuzz(func(t *testing.T, name, kind, area, poly, centre, radius, phase, sev, tier, ack, tmpl, hours, resp string) {
		form := map[string][]string{"name": {name}, "kinds": {kind}, "area_kind": {area}, "polygon": {poly}, "centre": {centre},
			"radius_km": {radius}, "min_phase": {phase}, "min_severity": {sev}, "tier": {tier}, "ack_minutes": {ack},
			"template": {tmpl}, "broadcast_hours": {hours}, "responders": {resp}}
		r, err := parseRuleForm(form)
		if err == nil {
			if verr := r.Validate(); verr != nil {
				t.Fatalf("accepted an invalid rule: %v", verr)
			}
		}
	})
}
