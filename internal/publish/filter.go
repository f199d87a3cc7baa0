package publish

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/geo"
)

// ErrBadFilter is returned by ParseFilter for a query it cannot read.
var ErrBadFilter = errors.New("publish: bad filter")

// maxFilterText bounds a text filter: nothing in the dataset is longer.
const maxFilterText = 200

// ParseFilter reads the open data filters from a query string:
// year (1900 to 2200), type, source, route, country (text up to 200
// characters) and bbox ("minLon,minLat,maxLon,maxLat"). Other parameters
// are ignored; an empty one is no filter.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	if y := strings.TrimSpace(q.Get("year")); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 2200 {
			return f, fmt.Errorf("%w: year must be a year between 1900 and 2200", ErrBadFilter)
		}
		f.Year = n
	}
	for _, t := range []struct {
		name string
		dst  *string
	}{{"type", &f.Type}, {"source", &f.Source}, {"route", &f.Route}, {"country", &f.Country}} {
		v := strings.TrimSpace(q.Get(t.name))
		if !cleanText(v) {
			return f, fmt.Errorf("%w: %s is too long or not text", ErrBadFilter, t.name)
		}
		*t.dst = v
	}
	if b := strings.TrimSpace(q.Get("bbox")); b != "" {
		box, err := parseDataBBox(b)
		if err != nil {
			return f, err
		}
		f.BBox = &box
	}
	return f, nil
}

func cleanText(s string) bool {
	if len(s) > maxFilterText || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// parseDataBBox reads "minLon,minLat,maxLon,maxLat" (the order of RFC
// 7946 bounding boxes); minLon above maxLon crosses the antimeridian.
func parseDataBBox(s string) (geo.BBox, error) {
	parts := strings.Split(s, ",")
	bad := fmt.Errorf("%w: bbox must be minLon,minLat,maxLon,maxLat in degrees", ErrBadFilter)
	if len(parts) != 4 {
		return geo.BBox{}, bad
	}
	var v [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return geo.BBox{}, bad
		}
		v[i] = x
	}
	b := geo.BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	if b.MinLat < -90 || b.MaxLat > 90 || b.MinLat > b.MaxLat || b.MinLon < -180 || b.MaxLon > 180 || b.MinLon > 180 || b.MaxLon < -180 {
		return geo.BBox{}, bad
	}
	return b, nil
}

// Query writes f back as a query string (ParseFilter's inverse).
func (f Filter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Year != 0 {
		q.Set("year", strconv.Itoa(f.Year))
	}
	set("type", f.Type)
	set("source", f.Source)
	set("route", f.Route)
	set("country", f.Country)
	if b := f.BBox; b != nil {
		q.Set("bbox", fmt.Sprintf("%s,%s,%s,%s", fmtDeg(b.MinLon), fmtDeg(b.MinLat), fmtDeg(b.MaxLon), fmtDeg(b.MaxLat)))
	}
	return q
}

func fmtDeg(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
