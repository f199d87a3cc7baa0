package publish

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseFilter(t *testing.T) {
	good := map[string]Filter{
		"":                     {},
		"year=2019&type=death": {Year: 2019, Type: "death"},
		"source=iom-mmp&route=Central+Mediterranean&country=ES": {Source: SourceMMP, Route: "Central Mediterranean", Country: "ES"},
		"year=&type=": {},
		"other=1":     {},
	}
	for q, want := range good {
		v, _ := url.ParseQuery(q)
		got, err := ParseFilter(v)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v, %v", q, got, err)
		}
	}
	for _, q := range []string{"year=19", "year=abc", "year=99999", "type=%00", "bbox=1,2,3", "bbox=0,95,1,96", "bbox=a,b,c,d",
		"bbox=0,10,1,5", "bbox=NaN,1,2,3", "route=" + string(make([]byte, 300))} {
		v, _ := url.ParseQuery(q)
		if _, err := ParseFilter(v); err == nil {
			t.Errorf("%q accepted", q)
		}
	}
	v, _ := url.ParseQuery("bbox=170,-10,-170,10")
	f, err := ParseFilter(v)
	if err != nil || f.BBox == nil || f.BBox.MinLon != 170 || f.BBox.MaxLon != -170 {
		t.Errorf("antimeridian box: %+v %v", f.BBox, err)
	}
}

// FuzzParseFilter: any query either fails cleanly or gives a filter that
// survives a round trip through Query, with a valid box.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "year=2019", "type=death&source=iom-mmp", "bbox=-10,30,5,45", "bbox=170,-10,-170,10",
		"year=%20&bbox=1,2,3,4", "route=%E2%80%AE", "country=%FF", "bbox=1e308,1,1,1", "year=2019&year=2020"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		flt, err := ParseFilter(q)
		if err != nil {
			return
		}
		if b := flt.BBox; b != nil && (b.MinLat > b.MaxLat || b.MinLat < -90 || b.MaxLat > 90) {
			t.Fatalf("bad box accepted: %+v", b)
		}
		again, err := ParseFilter(flt.Query())
		if err != nil {
			t.Fatalf("round trip refused: %v", err)
		}
		if !reflect.DeepEqual(again, flt) {
			t.Fatalf("round trip changed the filter: %+v → %+v", flt, again)
		}
		// The SQL always has as many placeholders as arguments.
		where, args := flt.where()
		n := 0
		for _, c := range where {
			if c == '?' {
				n++
			}
		}
		if n != len(args) {
			t.Fatalf("%d placeholders for %d args", n, len(args))
		}
	})
}

// FuzzCheckPublicText: the public text form's input check never lets a
// text through without named consent, nor one too long or not UTF-8.
func FuzzCheckPublicText(f *testing.F) {
	for _, s := range []string{"", " ", "Words\r\nmore", "\xff", strings.Repeat("é", MaxPublicText+1), "\u202e"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, named bool) {
		text, problem := checkPublicText(raw, named)
		if problem != "" {
			return
		}
		if text != "" && !named {
			t.Fatal("text accepted without named consent")
		}
		if !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxPublicText || strings.Contains(text, "\r\n") {
			t.Fatal("bad text accepted")
		}
	})
}
