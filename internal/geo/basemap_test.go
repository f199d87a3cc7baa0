package geo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

var mediterranean = BBox{MinLat: 30, MinLon: -6, MaxLat: 46, MaxLon: 36}

func render(t testing.TB, o MapOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderSVG(&b, o); err != nil {
		t.Fatalf("RenderSVG(%+v): %v", o, err)
	}
	return b.String()
}

// checkSVG parses the SVG and fails on anything that could reach outside it.
func checkSVG(t *testing.T, svg string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	root := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%.300s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root && (se.Name.Local != "svg" || se.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root element %v", se.Name)
			}
			root = false
			switch se.Name.Local {
			case "svg", "title", "rect", "path", "g", "circle", "text":
			default:
				t.Errorf("unexpected element <%s>", se.Name.Local)
			}
		}
	}
	rest := strings.Replace(svg, `xmlns="http://www.w3.org/2000/svg"`, "", 1)
	for _, bad := range []string{"http", "<image", "href", "url(", "@import", "<style", "<script", "font-face", "data:"} {
		if strings.Contains(strings.ToLower(rest), bad) {
			t.Errorf("SVG contains %q", bad)
		}
	}
}

type circle struct {
	Class string  `xml:"class,attr"`
	CX    float64 `xml:"cx,attr"`
	CY    float64 `xml:"cy,attr"`
	Title string  `xml:"title"`
}

func circles(t *testing.T, svg string) []circle {
	t.Helper()
	var doc struct {
		G []struct {
			Circles []circle `xml:"circle"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatal(err)
	}
	var out []circle
	for _, g := range doc.G {
		out = append(out, g.Circles...)
	}
	return out
}

func TestRenderSVGMarkerPosition(t *testing.T) {
	o := MapOptions{
		BBox:  BBox{MinLat: 30, MinLon: -10, MaxLat: 40, MaxLon: 10},
		Width: 400, Height: 200,
		Points: []Marker{
			{Point{35, 0}, "centre", "boat"},
			{Point{32.5, -5}, "south-west", "relay old"},
		},
	}
	svg := render(t, o)
	checkSVG(t, svg)
	cs := circles(t, svg)
	if len(cs) != 2 {
		t.Fatalf("%d circles, want 2:\n%s", len(cs), svg)
	}
	want := []circle{{"marker boat", 200, 100, "centre"}, {"marker relay old", 100, 150, "south-west"}}
	for i, c := range cs {
		if c.Class != want[i].Class || c.Title != want[i].Title || math.Abs(c.CX-want[i].CX) > 0.05 || math.Abs(c.CY-want[i].CY) > 0.05 {
			t.Errorf("circle %d = %+v, want %+v", i, c, want[i])
		}
	}
	pr, err := o.Projection()
	if err != nil {
		t.Fatal(err)
	}
	if x, y := pr.XY(Point{32.5, -5}); x != 100 || y != 150 {
		t.Errorf("XY = %v, %v", x, y)
	}
	if p := pr.Point(100, 150); math.Abs(p.Lat-32.5) > 1e-9 || math.Abs(p.Lon+5) > 1e-9 {
		t.Errorf("Point = %v", p)
	}
	if v := pr.View(); v != o.BBox {
		t.Errorf("View = %+v", v)
	}
}

func TestRenderSVGSizes(t *testing.T) {
	world := render(t, MapOptions{Width: 960, Borders: true, Graticule: 30})
	checkSVG(t, world)
	t.Logf("world 960×480 with borders and graticule: %d bytes", len(world))
	if len(world) > 60_000 {
		t.Errorf("world map is %d bytes", len(world))
	}
	med := render(t, MapOptions{BBox: mediterranean, Width: 800, Borders: true})
	checkSVG(t, med)
	t.Logf("Mediterranean 800 wide with borders: %d bytes", len(med))
	if len(med) > 20_000 {
		t.Errorf("Mediterranean map is %d bytes", len(med))
	}
	for _, o := range []MapOptions{
		{BBox: mediterranean, Width: 800, Borders: true, TrueScale: true},
		{BBox: BBox{MinLat: 35, MinLon: 22, MaxLat: 41, MaxLon: 30}, Width: 600, Borders: true, TrueScale: true},  // Aegean
		{BBox: BBox{MinLat: 10, MinLon: -30, MaxLat: 60, MaxLon: 45}, Width: 800, Borders: true, TrueScale: true}, // Europe and North Africa
		{BBox: BBox{MinLat: 25, MinLon: -120, MaxLat: 35, MaxLon: -100}, Width: 640, Borders: true},               // US–Mexico border
		{Width: 1920, Borders: true},
	} {
		svg := render(t, o)
		checkSVG(t, svg)
		t.Logf("%+v %dpx wide: %d bytes", o.BBox, o.Width, len(svg))
		if len(svg) > 60_000 {
			t.Errorf("%+v: %d bytes", o.BBox, len(svg))
		}
	}
}

// The antimeridian: no land edge may run across the world except along the
// south pole, where Antarctica is closed.
func TestRenderSVGNoBandAcrossTheWorld(t *testing.T) {
	svg := render(t, MapOptions{Width: 720})
	i := strings.Index(svg, `class="land"`)
	d := svg[i:]
	d = d[strings.Index(d, ` d="`)+4:]
	d = d[:strings.IndexByte(d, '"')]
	for _, sub := range strings.Split(d, "M")[1:] {
		sub = strings.TrimSuffix(sub, "z")
		head, tail, _ := strings.Cut(sub, "l")
		xy := nums(head)
		x, y := xy[0], xy[1]
		rel := nums(tail)
		for k := 0; k+1 < len(rel); k += 2 {
			nx, ny := x+rel[k], y+rel[k+1]
			if math.Abs(nx-x) > 360 && (y < 358 || ny < 358) {
				t.Fatalf("land edge from %v,%v to %v,%v crosses the map", x, y, nx, ny)
			}
			x, y = nx, ny
		}
	}
}

// nums splits compact SVG path numbers: "3-4 5" → 3, -4, 5.
func nums(s string) []float64 {
	s = strings.ReplaceAll(s, "-", " -")
	var out []float64
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err == nil {
			out = append(out, v)
		}
	}
	return out
}

func TestRenderSVGEscapesAndFits(t *testing.T) {
	o := MapOptions{
		Title: `Case 2026-11-25-CM-014 <b>&"'`,
		Points: []Marker{
			{Point{35.5, 12.6}, `<script>alert("x")</script> & co`, `boat" onload="x`},
			{Point{34.9, 12.1}, "", "relay"},
		},
		Track:  []Point{{34.9, 12.1}, {35.2, 12.3}, {35.5, 12.6}},
		Labels: true,
	}
	svg := render(t, o)
	checkSVG(t, svg)
	if strings.Contains(svg, "<script") || strings.Contains(svg, `onload="`) || strings.Contains(svg, "<b>") {
		t.Errorf("unescaped input:\n%s", svg)
	}
	if !strings.Contains(svg, `class="track"`) || !strings.Contains(svg, `class="label boat onloadx"`) {
		t.Errorf("missing track or label:\n%s", svg)
	}
	pr, err := o.Projection()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range o.Points {
		if !pr.View().Contains(m.Point) {
			t.Errorf("fitted view %+v misses %v", pr.View(), m.Point)
		}
	}
	if cs := circles(t, svg); len(cs) != 2 {
		t.Errorf("%d markers, want 2", len(cs))
	}
	// Markers outside the picture are left out.
	o.BBox = mediterranean
	o.Points = append(o.Points, Marker{Point: Point{-33.9, 18.4}})
	if cs := circles(t, render(t, o)); len(cs) != 2 {
		t.Errorf("%d markers, want 2", len(cs))
	}
}

func TestRenderSVGBadOptions(t *testing.T) {
	for _, o := range []MapOptions{
		{BBox: BBox{MinLat: 40, MinLon: 0, MaxLat: 30, MaxLon: 10}},
		{BBox: BBox{MinLat: 30, MinLon: 10, MaxLat: 40, MaxLon: 10}},
		{BBox: BBox{MinLat: -100, MinLon: 0, MaxLat: 0, MaxLon: 10}},
		{BBox: BBox{MinLat: 0, MinLon: 0, MaxLat: math.NaN(), MaxLon: 10}},
		{Width: 10, Padding: 5},
		{Width: -1},
		{Points: []Marker{{Point: Point{Lat: 100}}}},
	} {
		if err := RenderSVG(io.Discard, o); !errors.Is(err, ErrMapOptions) {
			t.Errorf("RenderSVG(%+v) = %v, want ErrMapOptions", o, err)
		}
	}
}

// inLand reports whether p is inside the layer's land (even-odd over rings).
func inLand(bm *basemap, p Point) bool {
	in := false
	for _, s := range bm.land {
		if !s.bbox.Contains(p) {
			continue
		}
		n := len(s.pts) / 2
		for i, j := 0, n-1; i < n; j, i = i, i+1 {
			xi, yi, xj, yj := s.pts[2*i], s.pts[2*i+1], s.pts[2*j], s.pts[2*j+1]
			if (yi > p.Lat) != (yj > p.Lat) && p.Lon < (xj-xi)*(p.Lat-yi)/(yj-yi)+xi {
				in = !in
			}
		}
	}
	return in
}

func TestBasemapData(t *testing.T) {
	coarse, err := load110m()
	if err != nil {
		t.Fatal(err)
	}
	detail, err := load50m()
	if err != nil {
		t.Fatal(err)
	}
	for name, bm := range map[string]*basemap{"110m": coarse, "50m": detail} {
		if len(bm.land) < 100 || len(bm.borders) < 100 {
			t.Errorf("%s: %d rings, %d borders", name, len(bm.land), len(bm.borders))
		}
		for _, s := range append(bm.land, bm.borders...) {
			if s.bbox.MinLon < -180 || s.bbox.MaxLon > 180 || s.bbox.MinLat < -90 || s.bbox.MaxLat > 90 {
				t.Fatalf("%s: shape outside the world: %+v", name, s.bbox)
			}
		}
		for _, p := range []Point{{25, 10}, {48.9, 2.3}, {-25, 135}, {40, -100}, {-85, 0}, {-89.5, 100}} {
			if !inLand(bm, p) {
				t.Errorf("%s: %v should be land", name, p)
			}
		}
		for _, p := range []Point{{35, 18}, {0, -30}, {-40, 80}, {20, -150}, {42, 50}} { // 42N 50E: the Caspian
			if inLand(bm, p) {
				t.Errorf("%s: %v should be sea", name, p)
			}
		}
	}
	// The reason for the 1:50m layer: islands where the work happens.
	for name, p := range map[string]Point{"Lesbos": {39.2, 26.3}, "Samos": {37.75, 26.8}, "Malta": {35.9, 14.4}, "Gran Canaria": {27.95, -15.6}} {
		if !inLand(detail, p) {
			t.Errorf("50m: %s missing", name)
		}
	}
}

func BenchmarkRenderSVGMediterranean(b *testing.B) {
	o := MapOptions{
		BBox: mediterranean, Width: 800, Borders: true, TrueScale: true, Graticule: 5,
		Points: []Marker{{Point{35.5, 12.6}, "last position", "boat"}},
		Track:  []Point{{33, 13}, {34, 12.8}, {35, 12.7}, {35.5, 12.6}},
	}
	if err := RenderSVG(io.Discard, o); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := RenderSVG(io.Discard, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderSVGWorld(b *testing.B) {
	o := MapOptions{Width: 960, Borders: true}
	b.ReportAllocs()
	for b.Loop() {
		if err := RenderSVG(io.Discard, o); err != nil {
			b.Fatal(err)
		}
	}
}
