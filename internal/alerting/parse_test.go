package alerting

import (
	"errors"
	"net/url"
	"testing"

	"github.com/faro-project/faro/internal/geo"
)

func TestParseArea(t *testing.T) {
	a, err := ParseArea("polygon", "32 10\n38, 10\n38°N 16°E\n32 16\n32 10\n", "", "")
	if err != nil || len(a.Polygon) != 4 {
		t.Fatalf("polygon: %v %+v", err, a)
	}
	if !a.Contains(geo.Point{Lat: 35.5, Lon: 12.6}) || a.Contains(geo.Point{Lat: 36.8, Lon: 3.0}) {
		t.Error("point in polygon")
	}
	c, err := ParseArea("circle", "", "34.0522, -118.2437", "5,5")
	if err != nil || c.RadiusKm != 5.5 {
		t.Fatalf("circle: %v %+v", err, c)
	}
	if !c.Contains(geo.Point{Lat: 34.06, Lon: -118.25}) || c.Contains(geo.Point{Lat: 34.5, Lon: -118.2}) {
		t.Error("point in circle")
	}
	if a, err := ParseArea("any", "", "", ""); err != nil || a.Kind() != AreaAny || !a.Contains(geo.Point{}) {
		t.Error("any area")
	}
	bad := []struct{ kind, poly, centre, radius, field string }{
		{"polygon", "1 1\n2 2", "", "", "polygon"},
		{"polygon", "1 1\n2 2\n3 3", "", "", "polygon"},
		{"polygon", "1 1\nnowhere\n3 4", "", "", "polygon"},
		{"polygon", "0 -170\n1 170\n2 -170", "", "", "polygon"},
		{"circle", "", "35 1 17", "5", "centre"},
		{"circle", "", "35.5 12.6", "-1", "radius_km"},
		{"circle", "", "35.5 12.6", "NaN", "radius_km"},
		{"circle", "", "35.5 12.6", "99999", "radius_km"},
		{"square", "", "", "", "area_kind"},
	}
	for _, b := range bad {
		_, err := ParseArea(b.kind, b.poly, b.centre, b.radius)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != b.field || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %q %q %q: %v, want an error on %s", b.kind, b.poly, b.centre, b.radius, err, b.field)
		}
	}
	// The stored form round-trips.
	back, err := decodeArea(a.encode())
	if err != nil || len(back.Polygon) != 4 {
		t.Errorf("round trip: %v", err)
	}
}

func TestDistance(t *testing.T) {
	// Lampedusa to Malta, about 200 km.
	d := DistanceKm(geo.Point{Lat: 35.5, Lon: 12.6}, geo.Point{Lat: 35.9, Lon: 14.5})
	if d < 170 || d > 190 {
		t.Errorf("distance %.1f km", d)
	}
}

func TestParseReply(t *testing.T) {
	for _, c := range []struct {
		in  string
		ack bool
		ref string
	}{
		{"ACK 2026-11-25-CM-014", true, "2026-11-25-CM-014"},
		{"ok", true, ""},
		{"OK.", true, ""},
		{"Recibido", true, ""},
		{"reçu", true, ""},
		{"RECU 2026-11-25-cm-014", true, "2026-11-25-CM-014"},
		{"تم", true, ""},
		{" تم الاستلام ", true, ""},
		{"ricevuto!", true, ""},
		{"2026-11-25-CM-014 ok", true, "2026-11-25-CM-014"},
		{"not ok", false, ""},
		{"where are they", false, ""},
		{"", false, ""},
		{"okay we will call you back in an hour", false, ""},
	} {
		r := ParseReply(c.in)
		if r.Ack != c.ack || r.Ref != c.ref {
			t.Errorf("ParseReply(%q) = %+v, want ack=%v ref=%q", c.in, r, c.ack, c.ref)
		}
	}
}

func TestTwilioSignature(t *testing.T) {
	// The example of Twilio's request validation libraries.
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"}}
	u := "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got := TwilioSignature("12345", u, form); got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("signature %s", got)
	}
	if !VerifyTwilio("12345", u, form, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") || VerifyTwilio("12345", u, form, "x") || VerifyTwilio("", u, form, "") {
		t.Error("verify")
	}
}

func TestRuleValidate(t *testing.T) {
	r := Rule{}
	err := r.Validate()
	for _, f := range []string{"name", "kinds", "tier", "ack_minutes", "broadcast_hours", "responders"} {
		found := false
		for _, e := range unwrapAll(err) {
			var fe *FieldError
			if errors.As(e, &fe) && fe.Field == f {
				found = true
			}
		}
		if !found {
			t.Errorf("empty rule: no error on %s", f)
		}
	}
	ok := Rule{Name: "x", Kinds: []string{"sea"}, Tier: 1, AckMinutes: 5, BroadcastHours: 12, Responders: []int64{1}}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
