package publish

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/geo"
)

// The public map: the offline Natural Earth basemap with the published
// incidents grouped into grid cells, one circle per cell sized by its
// count; a circle of one incident links to its page, a bigger one zooms
// into its cell. Zooming is by links (a bbox in the query), so the map
// works without JavaScript and never asks a tile server for anything.

const (
	siteMapWidth = 960
	// siteMapCells is about how many cells span the map's width.
	siteMapCells = 28
	// siteMinSpan is the narrowest view, in degrees: coarsened positions are
	// about 10 km apart, closer views show nothing more.
	siteMinSpan = 0.2
)

// siteDefaultView is the inhabited world, without the poles.
var siteDefaultView = geo.BBox{MinLat: -58, MinLon: -180, MaxLat: 78, MaxLon: 180}

// siteCellLevels are the cluster cell sizes in degrees: a fixed ladder, so that
// views of about the same size share their SQL and their cache entries.
var siteCellLevels = []float64{10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01}

// siteCellFor returns the cell size for a view span degrees wide.
func siteCellFor(span float64) float64 {
	for _, c := range siteCellLevels {
		if c <= span/siteMapCells {
			return c
		}
	}
	return siteCellLevels[len(siteCellLevels)-1]
}

var errSiteQuery = errors.New("publish: bad public site query")

// siteQuery is a parsed, checked query of the map or statistics page.
type siteQuery struct {
	Filter siteFilter
	BBox   *geo.BBox // nil: the default view
}

// parseSiteQuery reads year, type, cause, route and (map only) bbox.
// Unknown parameters are ignored; malformed known ones are an error.
func parseSiteQuery(v url.Values, withBBox bool) (siteQuery, error) {
	var q siteQuery
	if y := strings.TrimSpace(v.Get("year")); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > 2200 {
			return q, fmt.Errorf("%w: year", errSiteQuery)
		}
		q.Filter.Year = n
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"type", &q.Filter.Type}, {"cause", &q.Filter.Cause}, {"route", &q.Filter.Route}} {
		s := v.Get(f.name)
		if len(s) > 200 {
			return q, fmt.Errorf("%w: %s too long", errSiteQuery, f.name)
		}
		*f.dst = s
	}
	if withBBox {
		if s := strings.TrimSpace(v.Get("bbox")); s != "" {
			b, err := siteParseBBox(s)
			if err != nil {
				return q, err
			}
			q.BBox = &b
		}
	}
	return q, nil
}

// siteParseBBox reads "minLon,minLat,maxLon,maxLat" (the order of GeoJSON's
// bbox), rounded to 0.01° so that near-equal views share a cache entry.
func siteParseBBox(s string) (geo.BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return geo.BBox{}, fmt.Errorf("%w: bbox needs 4 numbers", errSiteQuery)
	}
	var n [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return geo.BBox{}, fmt.Errorf("%w: bbox number", errSiteQuery)
		}
		n[i] = math.Round(f*100) / 100
	}
	b := geo.BBox{MinLon: n[0], MinLat: n[1], MaxLon: n[2], MaxLat: n[3]}
	if b.MinLat < -90 || b.MaxLat > 90 || b.MinLon < -180 || b.MaxLon > 180 ||
		b.MaxLat-b.MinLat < siteMinSpan/2 || b.MaxLon-b.MinLon < siteMinSpan/2 {
		return geo.BBox{}, fmt.Errorf("%w: bbox out of range", errSiteQuery)
	}
	return b, nil
}

func siteFormatBBox(b geo.BBox) string {
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
	return f(b.MinLon) + "," + f(b.MinLat) + "," + f(b.MaxLon) + "," + f(b.MaxLat)
}

// siteClampBBox keeps a box on the globe and at least siteMinSpan across.
func siteClampBBox(b geo.BBox) geo.BBox {
	grow := func(lo, hi, min, max float64) (float64, float64) {
		if hi-lo < siteMinSpan {
			c := (lo + hi) / 2
			lo, hi = c-siteMinSpan/2, c+siteMinSpan/2
		}
		if hi-lo > max-min {
			return min, max
		}
		if lo < min {
			lo, hi = min, min+(hi-lo)
		}
		if hi > max {
			lo, hi = max-(hi-lo), max
		}
		return lo, hi
	}
	b.MinLat, b.MaxLat = grow(b.MinLat, b.MaxLat, -90, 90)
	b.MinLon, b.MaxLon = grow(b.MinLon, b.MaxLon, -180, 180)
	return b
}

// values returns the canonical form of the query, for links, the cache
// key and the ETag.
func (q siteQuery) values() url.Values {
	v := url.Values{}
	if q.Filter.Year != 0 {
		v.Set("year", strconv.Itoa(q.Filter.Year))
	}
	if q.Filter.Type != "" {
		v.Set("type", q.Filter.Type)
	}
	if q.Filter.Cause != "" {
		v.Set("cause", q.Filter.Cause)
	}
	if q.Filter.Route != "" {
		v.Set("route", q.Filter.Route)
	}
	if q.BBox != nil {
		v.Set("bbox", siteFormatBBox(*q.BBox))
	}
	return v
}

// BBoxText is the view for the filter form's hidden field.
func (q siteQuery) BBoxText() string {
	if q.BBox == nil {
		return ""
	}
	return siteFormatBBox(*q.BBox)
}

// YearText is the chosen year, to mark it in the form.
func (q siteQuery) YearText() string {
	if q.Filter.Year == 0 {
		return ""
	}
	return strconv.Itoa(q.Filter.Year)
}

// withBBox returns the map link for the same filters over box.
func (q siteQuery) withBBox(box *geo.BBox) string {
	q.BBox = box
	if box != nil {
		b := siteClampBBox(*box)
		q.BBox = &b
	}
	if s := q.values().Encode(); s != "" {
		return "/public?" + s
	}
	return "/public"
}

// siteMapLink is one zoom or pan link under the map.
type siteMapLink struct {
	Key  string // catalogue key of its text
	Href string
}

// mapClusterLabel gives a circle's tooltip.
type siteMapLabeler func(incidents, sitePeople int64) string

// siteRenderMap draws the basemap for the query's view with the clusters on
// it, and returns the links to zoom and pan.
func siteRenderMap(q siteQuery, title string, label siteMapLabeler, num func(int64) string,
	clusters func(view geo.BBox, cell float64) ([]siteCluster, error)) (template.HTML, []siteMapLink, error) {
	box := siteDefaultView
	if q.BBox != nil {
		box = *q.BBox
	}
	opts := geo.MapOptions{BBox: box, Width: siteMapWidth, Borders: true, Title: title}
	pr, err := opts.Projection()
	if err != nil {
		return "", nil, err
	}
	// The picture may show more than the box along one axis: cluster what
	// shows, kept on the globe.
	view := pr.View()
	view.MinLat, view.MaxLat = max(view.MinLat, -90), min(view.MaxLat, 90)
	view.MinLon, view.MaxLon = max(view.MinLon, -180), min(view.MaxLon, 180)
	cell := siteCellFor(box.MaxLon - box.MinLon)
	cs, err := clusters(view, cell)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	if err := geo.RenderSVG(&buf, opts); err != nil {
		return "", nil, err
	}
	svg := bytes.TrimSuffix(bytes.TrimSpace(buf.Bytes()), []byte("</svg>"))
	var maxN int64 = 1
	for _, c := range cs {
		maxN = max(maxN, c.Incidents)
	}
	var b strings.Builder
	b.Grow(len(svg) + 200*len(cs))
	b.Write(svg)
	b.WriteString(`<g class="clusters">`)
	for _, c := range cs {
		x, y := pr.XY(geo.Point{Lat: c.Lat, Lon: c.Lon})
		r := 5 + 17*math.Sqrt(float64(c.Incidents)/float64(maxN))
		tip := template.HTMLEscapeString(label(c.Incidents, c.People))
		href := "/public/incidents/" + strconv.FormatInt(c.FirstID, 10)
		class := "cluster one"
		if c.Incidents > 1 {
			class = "cluster"
			// Zoom to the cell and its neighbours.
			ky, kx := math.Round(c.Lat/cell), math.Round(c.Lon/cell)
			z := geo.BBox{MinLat: (ky - 1.5) * cell, MaxLat: (ky + 1.5) * cell, MinLon: (kx - 1.5) * cell, MaxLon: (kx + 1.5) * cell}
			href = q.withBBox(&z)
		}
		b.WriteString(`<a href="` + template.HTMLEscapeString(href) + `" class="` + class + `"><title>` + tip + `</title>`)
		b.WriteString(`<circle cx="` + svgNum(x) + `" cy="` + svgNum(y) + `" r="` + svgNum(r) + `" fill="#c0392b" fill-opacity="0.75" stroke="#fff" stroke-width="1.5"/>`)
		if c.Incidents > 1 {
			b.WriteString(`<text x="` + svgNum(x) + `" y="` + svgNum(y+4) + `" text-anchor="middle" font-family="sans-serif" font-size="11" fill="#fff">` +
				template.HTMLEscapeString(num(c.Incidents)) + `</text>`)
		}
		b.WriteString(`</a>`)
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String()), siteMapLinks(q, box), nil
}

// siteMapLinks are zoom out, the whole map, and a step in each direction.
func siteMapLinks(q siteQuery, box geo.BBox) []siteMapLink {
	dLat, dLon := box.MaxLat-box.MinLat, box.MaxLon-box.MinLon
	shift := func(lat, lon float64) *geo.BBox {
		return &geo.BBox{MinLat: box.MinLat + lat, MaxLat: box.MaxLat + lat, MinLon: box.MinLon + lon, MaxLon: box.MaxLon + lon}
	}
	cy, cx := (box.MinLat+box.MaxLat)/2, (box.MinLon+box.MaxLon)/2
	var links []siteMapLink
	if q.BBox != nil {
		out := &geo.BBox{MinLat: cy - dLat, MaxLat: cy + dLat, MinLon: cx - dLon, MaxLon: cx + dLon}
		links = append(links, siteMapLink{"site.map.zoomout", q.withBBox(out)}, siteMapLink{"site.map.whole", q.withBBox(nil)})
	}
	if dLon > siteMinSpan*2 {
		in := &geo.BBox{MinLat: cy - dLat/4, MaxLat: cy + dLat/4, MinLon: cx - dLon/4, MaxLon: cx + dLon/4}
		links = append(links, siteMapLink{"site.map.zoomin", q.withBBox(in)})
	}
	if q.BBox != nil {
		links = append(links,
			siteMapLink{"site.map.north", q.withBBox(shift(dLat/2, 0))},
			siteMapLink{"site.map.south", q.withBBox(shift(-dLat/2, 0))},
			siteMapLink{"site.map.west", q.withBBox(shift(0, -dLon/2))},
			siteMapLink{"site.map.east", q.withBBox(shift(0, dLon/2))})
	}
	return links
}
