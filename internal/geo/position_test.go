package geo

import (
	"errors"
	"math"
	"strings"
	"testing"
)

const tol = 1e-6

// The reference point of the brief: 35°34'08"N 1°17'23"W.
var (
	refDMSLat = 35 + 34.0/60 + 8.0/3600
	refDMSLon = -(1 + 17.0/60 + 23.0/3600)
)

func TestParsePosition(t *testing.T) {
	tests := []struct {
		in       string
		lat, lon float64
		format   Format
	}{
		// Decimal degrees, dot or comma decimals, any separator.
		{"35.5689, -1.2898", 35.5689, -1.2898, FormatDecimal},
		{"35.5689,-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"35.5689 -1.2898", 35.5689, -1.2898, FormatDecimal},
		{"35.5689;-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"35.5689/-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"  (35.5689, -1.2898)  ", 35.5689, -1.2898, FormatDecimal},
		{"+35.5689 +1.2898", 35.5689, 1.2898, FormatDecimal},
		{"35,5689 -1,2898", 35.5689, -1.2898, FormatDecimal},
		{"35,5689; -1,2898", 35.5689, -1.2898, FormatDecimal},
		{"35,5689, -1,2898", 35.5689, -1.2898, FormatDecimal},
		{"35,5689,-1,2898", 35.5689, -1.2898, FormatDecimal},
		{"35,5 -1,2", 35.5, -1.2, FormatDecimal},
		{"35,1", 35, 1, FormatDecimal},
		{"35 −1.2898", 35, -1.2898, FormatDecimal}, // U+2212 minus
		{"35.5689\t-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"-33.9249, 18.4241", -33.9249, 18.4241, FormatDecimal},
		{"90, 180", 90, 180, FormatDecimal},
		{"-90 -180", -90, -180, FormatDecimal},
		{"0, 0", 0, 0, FormatDecimal},
		{"٣٥٫٥٦٨٩، -١٫٢٨٩٨", 35.5689, -1.2898, FormatDecimal}, // Arabic-Indic digits
		{"Lat: 35.5689 Lon: -1.2898", 35.5689, -1.2898, FormatDecimal},
		{"lon=-1.2898&lat=35.5689", 35.5689, -1.2898, FormatDecimal},
		{"Position (WGS84): 35.5689, -1.2898", 35.5689, -1.2898, FormatDecimal},

		// Hemisphere letters, before or after, any case; E/W first swaps.
		{"35.5689N 1.2898W", 35.5689, -1.2898, FormatDecimal},
		{"35.5689n 1.2898w", 35.5689, -1.2898, FormatDecimal},
		{"35.5689 N, 1.2898 W", 35.5689, -1.2898, FormatDecimal},
		{"N 35.5689 W 1.2898", 35.5689, -1.2898, FormatDecimal},
		{"N35.5689 W1.2898", 35.5689, -1.2898, FormatDecimal},
		{"N35.5689W1.2898", 35.5689, -1.2898, FormatDecimal},
		{"35.5689N1.2898W", 35.5689, -1.2898, FormatDecimal},
		{"S33.9 E18.4", -33.9, 18.4, FormatDecimal},
		{"1.2898W 35.5689N", 35.5689, -1.2898, FormatDecimal},
		{"E 18.4 S 33.9", -33.9, 18.4, FormatDecimal},
		{"35.5689N -1.2898", 35.5689, -1.2898, FormatDecimal},
		{"35.5689 N 1.2898", 35.5689, 1.2898, FormatDecimal},
		{"N35.5 1.2W", 35.5, -1.2, FormatDecimal},
		{"35.5689 North 1.2898 West", 35.5689, -1.2898, FormatDecimal},
		{"35.5689 nord 1.2898 ouest", 35.5689, -1.2898, FormatDecimal},

		// Degrees, minutes, seconds.
		{`35°34'08"N 1°17'23"W`, refDMSLat, refDMSLon, FormatDMS},
		{`35°34'08"N, 1°17'23"W`, refDMSLat, refDMSLon, FormatDMS},
		{"35 34 08 N 1 17 23 W", refDMSLat, refDMSLon, FormatDMS},
		{"35 34 08 1 17 23", refDMSLat, -refDMSLon, FormatDMS},
		{"35°34′08.5″N, 1°17′23″W", 35 + 34.0/60 + 8.5/3600, refDMSLon, FormatDMS},
		{"35º34’08”N 1º17’23”W", refDMSLat, refDMSLon, FormatDMS},
		{"35°34'08''N 1°17'23''W", refDMSLat, refDMSLon, FormatDMS},
		{"N 35° 34' 08\" W 1° 17' 23\"", refDMSLat, refDMSLon, FormatDMS},
		{`35°34'08"N1°17'23"W`, refDMSLat, refDMSLon, FormatDMS},
		{`35°34'08" -1°17'23"`, refDMSLat, refDMSLon, FormatDMS},
		{`-0°30'00" 0°30'00"`, -0.5, 0.5, FormatDMS},
		{"35 deg 34' 08\" N 1 deg 17' 23\" W", refDMSLat, refDMSLon, FormatDMS},

		// Degrees and decimal minutes.
		{"N 35 34.134 W 001 17.386", 35 + 34.134/60, -(1 + 17.386/60), FormatDM},
		{"35°34.134'N 1°17.386'W", 35 + 34.134/60, -(1 + 17.386/60), FormatDM},
		{"35°34,134'N 1°17,386'W", 35 + 34.134/60, -(1 + 17.386/60), FormatDM},
		{"35 34.134 -1 17.386", 35 + 34.134/60, -(1 + 17.386/60), FormatDM},
		{"35 34 1 17", 35 + 34.0/60, 1 + 17.0/60, FormatDM},
		{"35°34.134 1°17.386", 35 + 34.134/60, 1 + 17.386/60, FormatDM},
		{"35 34.134N 1 17.386W", 35 + 34.134/60, -(1 + 17.386/60), FormatDM},

		// Links.
		{"https://maps.google.com/?q=35.5689,-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps?q=35.5689%2C-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps/@35.5689,-1.2898,15z", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps/place/35%C2%B034'08.0%22N+1%C2%B017'23.0%22W/@35.5,-1.2,17z", refDMSLat, refDMSLon, FormatDMS},
		{"https://www.google.com/maps/place/Somewhere/@35.5,-1.2,17z/data=!3m1!4b1!4m5!3m4!1s0x0:0x0!8m2!3d35.5689!4d-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps/search/35.5689,+-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"google.com/maps/@35.5689,-1.2898,15z", 35.5689, -1.2898, FormatDecimal},
		{"https://www.openstreetmap.org/#map=12/35.5689/-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"https://www.openstreetmap.org/?mlat=35.5689&mlon=-1.2898#map=9/35.0/-1.0", 35.5689, -1.2898, FormatDecimal},
		{"https://www.openstreetmap.org/search?query=35.5689%2C-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"https://maps.apple.com/?ll=35.5689,-1.2898&q=Boat", 35.5689, -1.2898, FormatDecimal},
		{"https://www.bing.com/maps?cp=35.5689~-1.2898&lvl=11", 35.5689, -1.2898, FormatDecimal},
		{"geo:35.5689,-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"geo:35.5689,-1.2898,12;u=30", 35.5689, -1.2898, FormatDecimal},
		{"geo:0,0?q=35.5689,-1.2898(Boat)", 35.5689, -1.2898, FormatDecimal},
		{"Boat seen here: https://maps.google.com/?q=35.5689,-1.2898 at 14:02", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps/dir//35.5689,-1.2898/", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps/search/?api=1&query=35.5689%2C-1.2898", 35.5689, -1.2898, FormatDecimal},
		{"https://www.google.com/maps/@?api=1&map_action=map&center=35.5689,-1.2898&zoom=12", 35.5689, -1.2898, FormatDecimal},
		{"https://www.openstreetmap.org/?lat=35.5689&lon=-1.2898&zoom=12", 35.5689, -1.2898, FormatDecimal},
		{"https://www.waze.com/ul?ll=35.5689%2C-1.2898&navigate=yes", 35.5689, -1.2898, FormatDecimal},
	}
	for _, tt := range tests {
		p, err := ParsePositionDetail(tt.in)
		if err != nil {
			t.Errorf("ParsePosition(%q): %v", tt.in, err)
			continue
		}
		if math.Abs(p.Lat-tt.lat) > tol || math.Abs(p.Lon-tt.lon) > tol {
			t.Errorf("ParsePosition(%q) = %v, want %.7f, %.7f", tt.in, p.Point, tt.lat, tt.lon)
		}
		if p.Format != tt.format {
			t.Errorf("ParsePosition(%q) format %q, want %q", tt.in, p.Format, tt.format)
		}
	}
}

func TestParsePositionRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrEmpty},
		{"   \t ", ErrEmpty},
		{"abc", ErrFormat},
		{"35.5689", ErrFormat},
		{"91 0", ErrOutOfRange},
		{"-90.0001, 0", ErrOutOfRange},
		{"0, 180.5", ErrOutOfRange},
		{"100, 35", ErrOutOfRange},
		{"35 61 00 N 1 0 0 W", ErrOutOfRange},
		{"35 34 60 N 1 0 0 W", ErrOutOfRange},
		{"35°60'N 1°W", ErrOutOfRange},
		{"35.5 N 1.2 N", ErrHemisphere},
		{"1.2 E 35.5 W", ErrHemisphere},
		{"-35.5 S 1.2 W", ErrHemisphere},
		{"35.5 N -1.2 W", ErrHemisphere},
		{"lat E 35.5, 1.2", ErrHemisphere},
		{"1e400, 2", ErrFormat},
		{"1e4 2", ErrFormat},
		{"35.5.5 1.2", ErrFormat},
		{"35.5, 1.2, 3.4", ErrFormat},
		{"35.5 1.2 3.4", ErrFormat},
		{"35.5° 30' 1° 2'", ErrFormat},
		{"35°34'08\" 1°17'23\" 5", ErrFormat},
		{"35'34 1 2", ErrFormat},
		{"35 1 17", ErrAmbiguous},
		{"35 34 1 17 23", ErrAmbiguous},
		{"35.5 - 1.2", ErrAmbiguous},
		{"35.5N 1.2O", ErrAmbiguous},
		{"35,5,1", ErrAmbiguous},
		{"35,56,1,28 4", ErrFormat},
		{"14:02 35.5, -1.2", ErrFormat},
		{"2: 35.5, -1.2", ErrFormat},
		{"35:34:08N 1:17:23W", ErrFormat},
		{"[-1.2898, 35.5689, 12]", ErrFormat},
		{"35.5689 -1.2898 12", ErrFormat},
		{"35.5, -1.2; 35.6, -1.3", ErrFormat},
		{"Boat 3: 35.5, -1.2", ErrFormat},
		{"35 N S 1", ErrHemisphere},
		{"N 35 N", ErrFormat},
		{"N", ErrFormat},
		{"°", ErrFormat},
		{"35.5 ; ; 1.2", ErrFormat},
		{"35.5 # 1.2", ErrFormat},
		{"https://maps.app.goo.gl/AbCdEf123", ErrNoCoordinates},
		{"https://www.google.com/maps/place/Lampedusa", ErrNoCoordinates},
		{"https://maps.google.com/?q=91,0", ErrOutOfRange},
		{"geo:91,0", ErrOutOfRange},
		{"geo:0,0?q=Lampedusa", ErrNoCoordinates},
		{"geo:abc", ErrFormat},
		{"geo:35.5,-1.2;crs=utm", ErrFormat},
		{"https://www.google.com/maps/dir/35.5,-1.2/36.0,-1.0/", ErrAmbiguous},
		{strings.Repeat("1", 5000), ErrFormat},
	}
	for _, tt := range tests {
		p, err := ParsePosition(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParsePosition(%q) = %v, %v; want error %v", tt.in, p, err, tt.want)
		}
	}
}

func TestPrecision(t *testing.T) {
	if got := Precision(4); math.Abs(got-11.132) > 1e-9 {
		t.Errorf("Precision(4) = %v", got)
	}
	p, err := ParsePositionDetail("35.5, -1.2")
	if err != nil || math.Abs(p.Precision-11132) > 1e-6 {
		t.Errorf("precision of 35.5, -1.2: %v %v", p.Precision, err)
	}
	p, err = ParsePositionDetail("N 35 34.134 W 001 17.386")
	if err != nil || math.Abs(p.Precision-metresPerDegree/60000) > 1e-6 {
		t.Errorf("precision of DM: %v %v", p.Precision, err)
	}
	p, err = ParsePositionDetail(`35°34'08"N 1°17'23.5"W`)
	if err != nil || math.Abs(p.Precision-metresPerDegree/3600) > 1e-6 {
		t.Errorf("precision of DMS: %v %v", p.Precision, err)
	}
}

func TestFormatting(t *testing.T) {
	p := Point{Lat: refDMSLat, Lon: refDMSLon}
	if got, want := p.DMS(), "35°34′08.0″N 1°17′23.0″W"; got != want {
		t.Errorf("DMS() = %q, want %q", got, want)
	}
	if got, want := p.String(), "35.56889, -1.28972"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	q := Point{Lat: 35 + 34.134/60, Lon: -(1 + 17.386/60)}
	if got, want := q.DM(), "35°34.134′N 1°17.386′W"; got != want {
		t.Errorf("DM() = %q, want %q", got, want)
	}
	// Rounding carries into minutes and degrees.
	r := Point{Lat: 10.999999999, Lon: -0.0000001}
	if got, want := r.DMS(), "11°00′00.0″N 0°00′00.0″E"; got != want {
		t.Errorf("DMS() = %q, want %q", got, want)
	}
	if got, want := r.String(), "11.00000, 0.00000"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, pt := range []Point{p, q, {-33.9, 18.4}, {89.99999, -179.99999}, {0, 0}} {
		for _, s := range []string{pt.String(), pt.DMS(), pt.DM()} {
			back, err := ParsePosition(s)
			if err != nil || math.Abs(back.Lat-pt.Lat) > 3e-5 || math.Abs(back.Lon-pt.Lon) > 3e-5 {
				t.Errorf("%v shown as %q re-parses to %v, %v", pt, s, back, err)
			}
		}
	}
}

func FuzzParsePosition(f *testing.F) {
	for _, s := range []string{
		"35.5689, -1.2898", "35,5689 -1,2898", "35.5689N 1.2898W", "S33.9 E18.4",
		`35°34'08"N 1°17'23"W`, "35 34 08 N 1 17 23 W", "N 35 34.134 W 001 17.386",
		"https://maps.google.com/?q=35.5689,-1.2898", "geo:35.5,-1.2", "https://www.openstreetmap.org/#map=12/35.5689/-1.2898",
		"91 0", "1e400, 2", "35.5 N 1.2 N", "35 1 17", "", "lat 1 lon 2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePosition(s)
		if err != nil {
			if p != (Point{}) {
				t.Fatalf("error %v with non-zero point %v", err, p)
			}
			return
		}
		if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180) {
			t.Fatalf("ParsePosition(%q) = %v out of range", s, p)
		}
		back, err := ParsePosition(p.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not re-parse: %v", p.String(), s, err)
		}
		if math.Abs(back.Lat-p.Lat) > 1e-5 || math.Abs(back.Lon-p.Lon) > 1e-5 {
			t.Fatalf("%q → %v → %q → %v", s, p, p.String(), back)
		}
		if _, err := ParsePosition(p.DMS()); err != nil {
			t.Fatalf("DMS() %q of %q does not re-parse: %v", p.DMS(), s, err)
		}
	})
}
