package publish

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestSiteParseQuery(t *testing.T) {
	for _, c := range []struct {
		raw     string
		ok      bool
		canon   string
		hasBBox bool
	}{
		{"", true, "", false},
		{"year=2019&type=Incident&cause=Drowning&route=Central+Mediterranean", true,
			"cause=Drowning&route=Central+Mediterranean&type=Incident&year=2019", false},
		{"year=+2019+&zzz=1", true, "year=2019", false},
		{"year=19", false, "", false},
		{"year=abc", false, "", false},
		{"bbox=-10,30,20,45", true, "bbox=-10%2C30%2C20%2C45", true},
		{"bbox=-10.004,30,20.126,45", true, "bbox=-10%2C30%2C20.13%2C45", true},
		{"bbox=1,2,3", false, "", false},
		{"bbox=20,30,-10,45", false, "", false},
		{"bbox=-190,30,20,45", false, "", false},
		{"bbox=NaN,30,20,45", false, "", false},
		{"bbox=1,1,1.01,1.01", false, "", false},
		{"type=" + strings.Repeat("x", 201), false, "", false},
	} {
		v, _ := url.ParseQuery(c.raw)
		q, err := parseSiteQuery(v, true)
		if (err == nil) != c.ok {
			t.Errorf("%q: error %v, want ok=%v", c.raw, err, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		if got := q.values().Encode(); got != c.canon {
			t.Errorf("%q: canonical %q, want %q", c.raw, got, c.canon)
		}
		if (q.BBox != nil) != c.hasBBox {
			t.Errorf("%q: bbox %v", c.raw, q.BBox)
		}
	}
	// The statistics page takes no bbox: it is ignored, not an error.
	v, _ := url.ParseQuery("bbox=junk&year=2019")
	if q, err := parseSiteQuery(v, false); err != nil || q.BBox != nil {
		t.Errorf("stats query with bbox: %v, %v", q, err)
	}
}

// FuzzSiteQuery: any query string parses or is refused without panic, and
// a parsed query's canonical form parses back to the same query, so cache
// keys and links are stable.
func FuzzSiteQuery(f *testing.F) {
	for _, s := range []string{"", "year=2019", "bbox=-10,30,20,45&type=a%26b", "bbox=1e308,1,2,3", "route=%00&cause=%FF",
		"bbox=-180,-90,180,90", "year=2019&year=2020"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseSiteQuery(v, true)
		if err != nil {
			return
		}
		q2, err := parseSiteQuery(q.values(), true)
		if err != nil {
			t.Fatalf("canonical form %q refused: %v", q.values().Encode(), err)
		}
		if q2.values().Encode() != q.values().Encode() {
			t.Fatalf("canonical form not stable: %q then %q", q.values().Encode(), q2.values().Encode())
		}
		if q.BBox != nil {
			links := siteMapLinks(q, *q.BBox)
			for _, l := range links {
				u, err := url.Parse(l.Href)
				if err != nil || u.Path != "/public" {
					t.Fatalf("bad link %q", l.Href)
				}
				if _, err := parseSiteQuery(u.Query(), true); err != nil {
					t.Fatalf("link %q does not parse: %v", l.Href, err)
				}
			}
		}
	})
}

func TestChartScale(t *testing.T) {
	for _, c := range []struct{ v, step, top int64 }{
		{0, 1, 4}, {1, 1, 1}, {4, 1, 4}, {7, 2, 8}, {30, 10, 30}, {33912, 10000, 40000}, {52, 20, 60}, {100, 50, 100},
	} {
		if s, top := chartScale(c.v); s != c.step || top != c.top {
			t.Errorf("chartScale(%d) = %d, %d; want %d, %d", c.v, s, top, c.step, c.top)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for _, c := range []struct {
		n    int64
		lang string
		want string
	}{{0, "en", "0"}, {999, "en", "999"}, {33912, "en", "33,912"}, {33912, "es", "33.912"}, {1234567, "fr", "1\u202f234\u202f567"}, {-1000, "ar", "-1,000"}} {
		if got := groupDigits(c.n, c.lang); got != c.want {
			t.Errorf("groupDigits(%d, %s) = %q, want %q", c.n, c.lang, got, c.want)
		}
	}
}

func TestFillGaps(t *testing.T) {
	got := fillGaps([]siteCount{{Key: "2018-11", People: 3}, {Key: "2019-02", People: 1}}, siteByMonth)
	var keys []string
	for _, c := range got {
		keys = append(keys, fmt.Sprintf("%s:%d", c.Key, c.People))
	}
	if s := strings.Join(keys, " "); s != "2018-11:3 2018-12:0 2019-01:0 2019-02:1" {
		t.Errorf("months: %s", s)
	}
	if got := fillGaps([]siteCount{{Key: "2014"}, {Key: "2016"}}, siteByYear); len(got) != 3 || got[1].Key != "2015" {
		t.Errorf("years: %+v", got)
	}
}

func TestSiteCacheBounded(t *testing.T) {
	c := newSiteCache(3)
	for i := range 10 {
		c.put(fmt.Sprint(i), i)
	}
	if c.len() != 3 {
		t.Fatalf("cache holds %d, want 3", c.len())
	}
	if _, ok := c.get("6"); ok {
		t.Errorf("oldest entry still there")
	}
	c.get("7") // 7 becomes the most recent: 8 goes next
	c.put("10", 10)
	if _, ok := c.get("7"); !ok {
		t.Errorf("recently used entry evicted")
	}
	if _, ok := c.get("8"); ok {
		t.Errorf("least recently used entry kept")
	}
}

func TestSiteETagMatch(t *testing.T) {
	tag := `W/"abc"`
	for h, want := range map[string]bool{"": false, `W/"abc"`: true, `"abc"`: true, `"x", W/"abc"`: true, "*": true, `"abd"`: false} {
		if got := siteETagMatch(h, tag); got != want {
			t.Errorf("If-None-Match %q: %v, want %v", h, got, want)
		}
	}
}

func TestBarChartMirrorsInRTL(t *testing.T) {
	bars := []chartBar{{"Central Mediterranean", 30}, {"<script>", 3}}
	num := func(n int64) string { return fmt.Sprint(n) }
	ltr, rtl := string(barChart("T", bars, num, false)), string(barChart("T", bars, num, true))
	if !strings.Contains(ltr, `x="230" y="19" text-anchor="end"`) || !strings.Contains(rtl, `x="490" y="19" text-anchor="start"`) {
		t.Errorf("labels not mirrored:\n%s\n%s", ltr, rtl)
	}
	if strings.Contains(ltr, "<script>") || !strings.Contains(ltr, `role="img" aria-label="T"`) {
		t.Errorf("chart not escaped or without accessible name")
	}
	if n := strings.Count(string(columnChart("T", []chartBar{{"2019", 5}, {"2020", 0}}, num)), "<rect"); n != 2 {
		t.Errorf("column chart: %d columns, want 2", n)
	}
}
