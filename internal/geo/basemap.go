package geo

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
)

// The world's land and country borders from Natural Earth (public domain),
// quantised to 0.05°: 1:110m for world and continent maps, 1:50m (which has
// the Aegean islands, Malta, the Canaries, Mayotte) for closer views. Made
// by scripts/basemap/build.mjs; see the README there for the source and how
// to regenerate them.
var (
	//go:embed basemap/land-110m.json
	basemap110m []byte
	//go:embed basemap/land-50m.json
	basemap50m []byte
)

// detailScale is the scale, in pixels per degree of latitude, from which
// RenderSVG draws the 1:50m basemap (a 960-pixel world map is 2.7; the
// Mediterranean at 800 pixels is about 19).
const detailScale = 6.0

// simplifyPx is how far, in pixels, simplified outlines may stray.
const simplifyPx = 0.6

// BBox is an area in degrees. MinLon must be below MaxLon: to show the
// Pacific across the antimeridian, use longitudes beyond 180 (170..190).
type BBox struct{ MinLat, MinLon, MaxLat, MaxLon float64 }

// World is the whole map.
var World = BBox{MinLat: -90, MinLon: -180, MaxLat: 90, MaxLon: 180}

// Contains reports whether p is inside the box (edges included).
func (b BBox) Contains(p Point) bool {
	return p.Lat >= b.MinLat && p.Lat <= b.MaxLat && p.Lon >= b.MinLon && p.Lon <= b.MaxLon
}

// Marker is a point drawn as a circle with class "marker" plus Class, and
// Label as its tooltip (and, with MapOptions.Labels, as text beside it).
type Marker struct {
	Point
	Label string
	Class string // extra class names, e.g. "boat latest"; other characters are dropped
}

// MapOptions says what RenderSVG draws.
type MapOptions struct {
	// BBox is the area that must be visible; the picture shows more along
	// one axis when its shape differs from the box's. The zero BBox fits
	// Points and Track with a margin, or shows the World when there are none.
	BBox BBox
	// Width and Height in pixels. Width defaults to 640; Height defaults
	// to the box's shape (at most 2×Width).
	Width, Height int
	// Padding is kept free around BBox, in pixels, so that markers on its
	// edge show whole.
	Padding int
	// MinSpan is the least width and height, in degrees, of a box fitted
	// to Points and Track, so that there is coast to see; default 2.
	MinSpan float64
	// TrueScale draws an equirectangular projection with the box's centre
	// latitude as standard parallel, so shapes look right there (the
	// Mediterranean is less stretched). The default is plate carrée.
	TrueScale bool

	Points []Marker
	Track  []Point // drawn as one line, in order, class "track"

	Borders   bool    // country borders, class "border"
	Graticule float64 // degrees between grid lines, class "graticule"; 0 for none
	Labels    bool    // write marker labels as <text class="label">
	Title     string  // accessible name of the picture
	// MarkerRadius in pixels, default 5.
	MarkerRadius float64
}

// Projection maps positions to pixels of the picture RenderSVG draws for the
// same options, e.g. to place HTML over the map or to read a click on an
// <input type=image> back as a position.
type Projection struct {
	Width, Height float64
	lon0, lat0    float64 // centre
	kx, ky        float64 // pixels per degree
}

// XY returns the pixel position of p, origin top left.
func (pr Projection) XY(p Point) (x, y float64) {
	return pr.Width/2 + (p.Lon-pr.lon0)*pr.kx, pr.Height/2 - (p.Lat-pr.lat0)*pr.ky
}

// Point returns the position at pixel x, y.
func (pr Projection) Point(x, y float64) Point {
	return Point{Lat: pr.lat0 - (y-pr.Height/2)/pr.ky, Lon: pr.lon0 + (x-pr.Width/2)/pr.kx}
}

// View returns the area the whole picture covers.
func (pr Projection) View() BBox {
	tl, br := pr.Point(0, 0), pr.Point(pr.Width, pr.Height)
	return BBox{MinLat: br.Lat, MinLon: tl.Lon, MaxLat: tl.Lat, MaxLon: br.Lon}
}

// ErrMapOptions is returned for options RenderSVG cannot draw.
var ErrMapOptions = errors.New("geo: bad map options")

// fit returns the box to show.
func (o *MapOptions) fit() (BBox, error) {
	b := o.BBox
	if b == (BBox{}) {
		pts := make([]Point, 0, len(o.Points)+len(o.Track))
		for _, m := range o.Points {
			pts = append(pts, m.Point)
		}
		pts = append(pts, o.Track...)
		if len(pts) == 0 {
			return World, nil
		}
		b = BBox{MinLat: 90, MinLon: 180, MaxLat: -90, MaxLon: -180}
		for _, p := range pts {
			if !validPoint(p) {
				return b, fmt.Errorf("%w: point %v out of range", ErrMapOptions, p)
			}
			b.MinLat, b.MaxLat = min(b.MinLat, p.Lat), max(b.MaxLat, p.Lat)
			b.MinLon, b.MaxLon = min(b.MinLon, p.Lon), max(b.MaxLon, p.Lon)
		}
		// A margin of 20% and at least MinSpan across.
		span := o.MinSpan
		if !(span > 0 && span <= 180) {
			span = 2
		}
		grow := func(lo, hi float64) (float64, float64) {
			m := max((hi-lo)*0.2, (span-(hi-lo))/2)
			return lo - m, hi + m
		}
		b.MinLat, b.MaxLat = grow(b.MinLat, b.MaxLat)
		b.MinLon, b.MaxLon = grow(b.MinLon, b.MaxLon)
		if b.MinLat < -90 { // keep the box on the globe; the picture may show more
			b.MinLat, b.MaxLat = -90, min(b.MaxLat-b.MinLat-90, 90)
		}
		if b.MaxLat > 90 {
			b.MinLat, b.MaxLat = max(90-(b.MaxLat-b.MinLat), -90), 90
		}
		return b, nil
	}
	for _, v := range []float64{b.MinLat, b.MinLon, b.MaxLat, b.MaxLon} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return b, fmt.Errorf("%w: box %v", ErrMapOptions, b)
		}
	}
	if !(b.MinLat < b.MaxLat && b.MinLon < b.MaxLon) || b.MinLat < -90 || b.MaxLat > 90 ||
		b.MinLon < -540 || b.MaxLon > 540 || b.MaxLon-b.MinLon > 360 {
		return b, fmt.Errorf("%w: box %+v", ErrMapOptions, b)
	}
	return b, nil
}

func validPoint(p Point) bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -540 && p.Lon <= 540
}

// Projection returns how RenderSVG places positions for these options.
func (o MapOptions) Projection() (Projection, error) {
	b, err := o.fit()
	if err != nil {
		return Projection{}, err
	}
	w, h, pad := o.Width, o.Height, o.Padding
	if w == 0 {
		w = 640
	}
	lat0, lon0 := (b.MinLat+b.MaxLat)/2, (b.MinLon+b.MaxLon)/2
	c := 1.0
	if o.TrueScale {
		c = max(math.Cos(lat0*math.Pi/180), 0.1)
	}
	dLon, dLat := (b.MaxLon-b.MinLon)*c, b.MaxLat-b.MinLat
	if h == 0 && w > 2*pad {
		h = int(math.Round(float64(w-2*pad)*dLat/dLon)) + 2*pad
		h = min(max(h, 2*pad+1), 2*w)
	}
	if w <= 2*pad || h <= 2*pad || w > 20000 || h > 20000 || pad < 0 {
		return Projection{}, fmt.Errorf("%w: size %d×%d with padding %d", ErrMapOptions, w, h, pad)
	}
	k := min(float64(w-2*pad)/dLon, float64(h-2*pad)/dLat)
	return Projection{Width: float64(w), Height: float64(h), lon0: lon0, lat0: lat0, kx: k * c, ky: k}, nil
}

// shape is a land ring or a border line in degrees.
type shape struct {
	pts  []float64 // lon, lat, lon, lat, ...
	bbox BBox
}

type basemap struct{ land, borders []shape }

var (
	load110m = sync.OnceValues(func() (*basemap, error) { return decodeBasemap(basemap110m) })
	load50m  = sync.OnceValues(func() (*basemap, error) { return decodeBasemap(basemap50m) })
)

func decodeBasemap(data []byte) (*basemap, error) {
	var doc struct {
		Scale   float64   `json:"scale"`
		Land    [][]int32 `json:"land"`
		Borders [][]int32 `json:"borders"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("geo: basemap: %w", err)
	}
	if doc.Scale <= 0 {
		return nil, errors.New("geo: basemap: no scale")
	}
	decode := func(lines [][]int32) []shape {
		out := make([]shape, 0, len(lines))
		for _, l := range lines {
			s := shape{pts: make([]float64, len(l)&^1), bbox: BBox{MinLat: 90, MinLon: 540, MaxLat: -90, MaxLon: -540}}
			var x, y int32
			for i := 0; i+1 < len(l); i += 2 {
				x, y = x+l[i], y+l[i+1]
				lon, lat := float64(x)/doc.Scale, float64(y)/doc.Scale
				s.pts[i], s.pts[i+1] = lon, lat
				s.bbox.MinLon, s.bbox.MaxLon = min(s.bbox.MinLon, lon), max(s.bbox.MaxLon, lon)
				s.bbox.MinLat, s.bbox.MaxLat = min(s.bbox.MinLat, lat), max(s.bbox.MaxLat, lat)
			}
			if len(s.pts) >= 4 {
				out = append(out, s)
			}
		}
		return out
	}
	return &basemap{land: decode(doc.Land), borders: decode(doc.Borders)}, nil
}

// Fallback colours as presentation attributes: any page CSS rule for the
// class names wins over them, and the picture still reads without CSS.
const (
	attrSea       = ` fill="#dce9f2"`
	attrLand      = ` fill="#f3f0e8" stroke="#a39e92" stroke-width=".5" stroke-linejoin="round"`
	attrBorder    = ` fill="none" stroke="#b5ada0" stroke-width=".5"`
	attrGraticule = ` fill="none" stroke="#c3d5e3" stroke-width=".5"`
	attrTrack     = ` fill="none" stroke="#c0392b" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"`
	attrMarkers   = ` fill="#c0392b" stroke="#fff" stroke-width="1.5"`
	attrLabels    = ` font-size="12" fill="#222"`
)

// RenderSVG draws an offline map: the sea, land from the embedded basemap,
// optionally a grid and country borders, then the track and markers, as an
// SVG with class names for styling (.map, .sea, .land, .border, .graticule,
// .track, .marker, .label) and no external references. Land is simplified
// to the output's pixel grid and cut to the picture.
func RenderSVG(w io.Writer, opts MapOptions) error {
	pr, err := opts.Projection()
	if err != nil {
		return err
	}
	load := load110m
	if pr.ky >= detailScale {
		load = load50m
	}
	bm, err := load()
	if err != nil {
		return err
	}
	W, H := pr.Width, pr.Height
	bw := bufio.NewWriterSize(w, 16<<10)
	var buf []byte
	buf = append(buf, `<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 `...)
	buf = strconv.AppendInt(buf, int64(W), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(H), 10)
	buf = append(buf, `" width="`...)
	buf = strconv.AppendInt(buf, int64(W), 10)
	buf = append(buf, `" height="`...)
	buf = strconv.AppendInt(buf, int64(H), 10)
	buf = append(buf, `" role="img"`...)
	if opts.Title != "" {
		buf = append(buf, ` aria-label="`...)
		buf = appendEscaped(buf, opts.Title)
		buf = append(buf, `"><title>`...)
		buf = appendEscaped(buf, opts.Title)
		buf = append(buf, `</title>`...)
	} else {
		buf = append(buf, '>')
	}
	buf = append(buf, `<rect class="sea" width="100%" height="100%"`+attrSea+`/>`...)

	// Clip a little outside the picture so cut edges never show.
	const margin = 2.0
	clip := rect{-margin, -margin, W + margin, H + margin}
	view := pr.View()
	view = BBox{
		MinLat: view.MinLat - margin/pr.ky, MaxLat: view.MaxLat + margin/pr.ky,
		MinLon: view.MinLon - margin/pr.kx, MaxLon: view.MaxLon + margin/pr.kx,
	}
	r := rendererPool.Get().(*renderer)
	defer rendererPool.Put(r)
	r.pr, r.clip, r.d = pr, clip, r.d[:0]

	if opts.Graticule > 0 && opts.Graticule <= 180 {
		d := r.graticule(view, opts.Graticule)
		if len(d) > 0 {
			buf = append(buf, `<path class="graticule"`+attrGraticule+` d="`...)
			buf = append(buf, d...)
			buf = append(buf, `"/>`...)
		}
	}

	r.d = r.d[:0]
	for _, shift := range []float64{-360, 0, 360} {
		v := BBox{MinLat: view.MinLat, MaxLat: view.MaxLat, MinLon: view.MinLon - shift, MaxLon: view.MaxLon - shift}
		if v.MaxLon < -180 || v.MinLon > 180 {
			continue
		}
		for i := range bm.land {
			r.ring(&bm.land[i], v, shift)
		}
	}
	if len(r.d) > 0 {
		buf = append(buf, `<path class="land" fill-rule="evenodd"`+attrLand+` d="`...)
		buf = append(buf, r.d...)
		buf = append(buf, `"/>`...)
	}
	if opts.Borders {
		r.d = r.d[:0]
		for _, shift := range []float64{-360, 0, 360} {
			v := BBox{MinLat: view.MinLat, MaxLat: view.MaxLat, MinLon: view.MinLon - shift, MaxLon: view.MaxLon - shift}
			if v.MaxLon < -180 || v.MinLon > 180 {
				continue
			}
			for i := range bm.borders {
				r.line(&bm.borders[i], v, shift)
			}
		}
		if len(r.d) > 0 {
			buf = append(buf, `<path class="border"`+attrBorder+` d="`...)
			buf = append(buf, r.d...)
			buf = append(buf, `"/>`...)
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	buf = buf[:0]

	if len(opts.Track) > 1 {
		// Every point in one place draws nothing (appendTrack drops it).
		buf = appendTrack(buf, pr, Track{Points: opts.Track})
	}

	rad := opts.MarkerRadius
	if rad <= 0 || math.IsNaN(rad) || rad > 100 {
		rad = 5
	}
	var labels []byte
	started := false
	for _, m := range opts.Points {
		x, y := pr.XY(m.Point)
		if !finite(x, y) || x < -rad || y < -rad || x > W+rad || y > H+rad {
			continue
		}
		if !started {
			buf = append(buf, `<g class="markers"`+attrMarkers+`>`...)
			started = true
		}
		buf = append(buf, `<circle class="marker`...)
		buf = appendClasses(buf, m.Class)
		buf = append(buf, `" cx="`...)
		buf = appendTenths(buf, int64(math.Round(x*10)), true)
		buf = append(buf, `" cy="`...)
		buf = appendTenths(buf, int64(math.Round(y*10)), true)
		buf = append(buf, `" r="`...)
		buf = appendTenths(buf, int64(math.Round(rad*10)), true)
		if m.Label != "" {
			buf = append(buf, `"><title>`...)
			buf = appendEscaped(buf, m.Label)
			buf = append(buf, `</title></circle>`...)
			if opts.Labels {
				labels = append(labels, `<text class="label`...)
				labels = appendClasses(labels, m.Class)
				labels = append(labels, `" x="`...)
				labels = appendTenths(labels, int64(math.Round((x+rad+3)*10)), true)
				labels = append(labels, `" y="`...)
				labels = appendTenths(labels, int64(math.Round((y+4)*10)), true)
				labels = append(labels, `">`...)
				labels = appendEscaped(labels, m.Label)
				labels = append(labels, `</text>`...)
			}
		} else {
			buf = append(buf, `"/>`...)
		}
	}
	if started {
		buf = append(buf, `</g>`...)
	}
	if len(labels) > 0 {
		buf = append(buf, `<g class="labels"`+attrLabels+`>`...)
		buf = append(buf, labels...)
		buf = append(buf, `</g>`...)
	}
	buf = append(buf, `</svg>`...)
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

func finite(x, y float64) bool {
	return !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0)
}

type rect struct{ x0, y0, x1, y1 float64 }

// rendererPool keeps renderers' scratch buffers between maps.
var rendererPool = sync.Pool{New: func() any { return new(renderer) }}

type renderer struct {
	pr     Projection
	clip   rect
	d      []byte    // path data being built
	xy, tb []float64 // scratch: projected points, clipping buffer
	ip     []int64   // scratch: rounded points
	keep   []bool    // scratch: simplify
	stack  []int     // scratch: simplify
}

// ring adds a land ring to r.d: projected, cut to the picture when it
// crosses its edge, snapped to whole pixels, without repeated and collinear
// points, skipped when it covers less than a pixel.
func (r *renderer) ring(s *shape, view BBox, shift float64) {
	b := s.bbox
	if b.MaxLon < view.MinLon || b.MinLon > view.MaxLon || b.MaxLat < view.MinLat || b.MinLat > view.MaxLat {
		return
	}
	xy := r.project(s, shift)
	if !(b.MinLon >= view.MinLon && b.MaxLon <= view.MaxLon && b.MinLat >= view.MinLat && b.MaxLat <= view.MaxLat) {
		xy = r.clipPolygon(xy)
	}
	xy = r.simplify(xy, true)
	ip := r.snap(xy, true)
	if len(ip) < 6 {
		return
	}
	var area int64
	for i := 0; i < len(ip); i += 2 {
		j := (i + 2) % len(ip)
		area += ip[i]*ip[j+1] - ip[j]*ip[i+1]
	}
	if area == 0 || area == 1 || area == -1 { // under half a pixel
		return
	}
	r.d = append(r.d, 'M')
	r.d = appendInt(r.d, ip[0], true)
	r.d = appendInt(r.d, ip[1], false)
	r.d = append(r.d, 'l')
	for i := 2; i < len(ip); i += 2 {
		r.d = appendInt(r.d, ip[i]-ip[i-2], i == 2)
		r.d = appendInt(r.d, ip[i+1]-ip[i-1], false)
	}
	r.d = append(r.d, 'z')
}

// line adds the parts of a border line near the picture to r.d.
func (r *renderer) line(s *shape, view BBox, shift float64) {
	b := s.bbox
	if b.MaxLon < view.MinLon || b.MinLon > view.MaxLon || b.MaxLat < view.MinLat || b.MinLat > view.MaxLat {
		return
	}
	xy := r.project(s, shift)
	c := r.clip
	// Keep runs of segments whose bounding box meets the picture; the SVG
	// viewport cuts the rest.
	var run []float64
	flush := func() {
		ip := r.snap(r.simplify(run, false), false)
		if len(ip) >= 4 {
			r.d = append(r.d, 'M')
			r.d = appendInt(r.d, ip[0], true)
			r.d = appendInt(r.d, ip[1], false)
			r.d = append(r.d, 'l')
			for i := 2; i < len(ip); i += 2 {
				r.d = appendInt(r.d, ip[i]-ip[i-2], i == 2)
				r.d = appendInt(r.d, ip[i+1]-ip[i-1], false)
			}
		}
		run = run[:0]
	}
	for i := 0; i+3 < len(xy); i += 2 {
		x0, y0, x1, y1 := xy[i], xy[i+1], xy[i+2], xy[i+3]
		if max(x0, x1) < c.x0 || min(x0, x1) > c.x1 || max(y0, y1) < c.y0 || min(y0, y1) > c.y1 {
			flush()
			continue
		}
		if len(run) == 0 {
			run = append(run, x0, y0)
		}
		run = append(run, x1, y1)
	}
	flush()
}

func (r *renderer) project(s *shape, shift float64) []float64 {
	xy := r.xy[:0]
	for i := 0; i+1 < len(s.pts); i += 2 {
		x, y := r.pr.XY(Point{Lat: s.pts[i+1], Lon: s.pts[i] + shift})
		xy = append(xy, x, y)
	}
	r.xy = xy
	return xy
}

// clipPolygon cuts a ring to the clip rectangle (Sutherland–Hodgman). Parts
// outside collapse onto the rectangle's edges, just outside the picture.
func (r *renderer) clipPolygon(xy []float64) []float64 {
	c := r.clip
	in := xy
	out := r.tb[:0]
	for edge := 0; edge < 4; edge++ {
		out = out[:0]
		n := len(in) / 2
		if n == 0 {
			break
		}
		inside := func(x, y float64) bool {
			switch edge {
			case 0:
				return x >= c.x0
			case 1:
				return x <= c.x1
			case 2:
				return y >= c.y0
			}
			return y <= c.y1
		}
		px, py := in[2*n-2], in[2*n-1]
		pin := inside(px, py)
		for i := 0; i < n; i++ {
			x, y := in[2*i], in[2*i+1]
			cin := inside(x, y)
			if cin != pin {
				var t float64
				switch edge {
				case 0:
					t = (c.x0 - px) / (x - px)
				case 1:
					t = (c.x1 - px) / (x - px)
				case 2:
					t = (c.y0 - py) / (y - py)
				default:
					t = (c.y1 - py) / (y - py)
				}
				out = append(out, px+t*(x-px), py+t*(y-py))
			}
			if cin {
				out = append(out, x, y)
			}
			px, py, pin = x, y, cin
		}
		in, out = out, in // the next edge reads what this one wrote
	}
	r.xy, r.tb = in, out // keep both buffers for reuse
	return in
}

// simplify drops points that stray less than simplifyPx from the outline
// kept (Douglas–Peucker), in place. A closed ring is simplified as the line
// from its first point round to its first point again.
func (r *renderer) simplify(xy []float64, closed bool) []float64 {
	n := len(xy) / 2
	if n < 3 {
		return xy
	}
	last := n - 1
	if closed {
		last = n // the first point again
	}
	at := func(i int) (float64, float64) {
		if i == n {
			i = 0
		}
		return xy[2*i], xy[2*i+1]
	}
	keep := r.keep[:0]
	for range last + 1 {
		keep = append(keep, false)
	}
	keep[0], keep[last] = true, true
	stack := append(r.stack[:0], 0, last)
	const tol2 = simplifyPx * simplifyPx
	for len(stack) > 0 {
		a, b := stack[len(stack)-2], stack[len(stack)-1]
		stack = stack[:len(stack)-2]
		ax, ay := at(a)
		bx, by := at(b)
		dx, dy := bx-ax, by-ay
		l2 := dx*dx + dy*dy
		far, fi := -1.0, -1
		for i := a + 1; i < b; i++ {
			x, y := at(i)
			var d2 float64
			if l2 == 0 {
				d2 = (x-ax)*(x-ax) + (y-ay)*(y-ay)
			} else {
				c := dy*(x-ax) - dx*(y-ay)
				d2 = c * c / l2
			}
			if d2 > far {
				far, fi = d2, i
			}
		}
		if far > tol2 {
			keep[fi] = true
			stack = append(stack, a, fi, fi, b)
		}
	}
	out := xy[:0]
	for i := 0; i < n; i++ {
		if keep[i] {
			out = append(out, xy[2*i], xy[2*i+1])
		}
	}
	r.keep, r.stack = keep, stack
	return out
}

// snap rounds to whole pixels and drops repeated points and points on a
// straight line between their neighbours.
func (r *renderer) snap(xy []float64, closed bool) []int64 {
	ip := r.ip[:0]
	for i := 0; i+1 < len(xy); i += 2 {
		x, y := int64(math.Round(xy[i])), int64(math.Round(xy[i+1]))
		n := len(ip)
		if n >= 2 && ip[n-2] == x && ip[n-1] == y {
			continue
		}
		if n >= 4 && collinear(ip[n-4], ip[n-3], ip[n-2], ip[n-1], x, y) {
			ip[n-2], ip[n-1] = x, y
			continue
		}
		ip = append(ip, x, y)
	}
	if closed {
		for len(ip) >= 4 {
			n := len(ip)
			if ip[0] == ip[n-2] && ip[1] == ip[n-1] {
				ip = ip[:n-2]
				continue
			}
			if n >= 6 && collinear(ip[n-4], ip[n-3], ip[n-2], ip[n-1], ip[0], ip[1]) {
				ip = ip[:n-2]
				continue
			}
			break
		}
	}
	r.ip = ip
	return ip
}

// collinear reports whether b lies on the line from a to c, going forward.
func collinear(ax, ay, bx, by, cx, cy int64) bool {
	cross := (bx-ax)*(cy-by) - (by-ay)*(cx-bx)
	dot := (bx-ax)*(cx-bx) + (by-ay)*(cy-by)
	return cross == 0 && dot >= 0
}

func (r *renderer) graticule(view BBox, step float64) []byte {
	var d []byte
	W, H := r.pr.Width, r.pr.Height
	lonFrom := math.Ceil(max(view.MinLon, -540)/step) * step
	for lon, n := lonFrom, 0; lon <= view.MaxLon && n < 400; lon, n = lon+step, n+1 {
		x, _ := r.pr.XY(Point{Lon: lon})
		d = append(d, 'M')
		d = appendTenths(d, int64(math.Round(x*10)), true)
		d = append(d, " 0V"...)
		d = strconv.AppendInt(d, int64(H), 10)
	}
	latFrom := math.Ceil(max(view.MinLat, -90)/step) * step
	for lat, n := latFrom, 0; lat <= min(view.MaxLat, 90) && n < 400; lat, n = lat+step, n+1 {
		_, y := r.pr.XY(Point{Lat: lat})
		d = append(d, "M0 "...)
		d = appendTenths(d, int64(math.Round(y*10)), true)
		d = append(d, 'H')
		d = strconv.AppendInt(d, int64(W), 10)
	}
	return d
}

// appendInt writes v, with a space before it unless it is first or its
// minus sign separates it from the number before.
func appendInt(b []byte, v int64, first bool) []byte {
	if !first && v >= 0 {
		b = append(b, ' ')
	}
	return strconv.AppendInt(b, v, 10)
}

// appendTenths writes v/10 with at most one decimal: 1234 → "123.4",
// 1230 → "123", -5 → "-.5".
func appendTenths(b []byte, v int64, first bool) []byte {
	if !first && v >= 0 {
		b = append(b, ' ')
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	if v >= 10 || v%10 == 0 {
		b = strconv.AppendInt(b, v/10, 10)
	}
	if v%10 != 0 {
		b = append(b, '.')
		b = strconv.AppendInt(b, v%10, 10)
	}
	return b
}

// appendClasses writes " name" for each class name made of letters, digits,
// '-' and '_' (other characters are dropped).
func appendClasses(b []byte, classes string) []byte {
	for _, c := range strings.Fields(classes) {
		c = strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				return r
			}
			return -1
		}, c)
		if c != "" {
			b = append(b, ' ')
			b = append(b, c...)
		}
	}
	return b
}

// appendEscaped writes s escaped for XML text and attribute values, without
// control characters XML does not allow.
func appendEscaped(b []byte, s string) []byte {
	for _, r := range s {
		switch r {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		case '\'':
			b = append(b, "&#39;"...)
		default:
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
				continue
			}
			b = append(b, string(r)...)
		}
	}
	return b
}
