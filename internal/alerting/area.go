package alerting

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/geo"
)

// Area is where a rule applies: a polygon, a circle, or (zero value)
// everywhere.
type Area struct {
	Polygon  []geo.Point `json:"polygon,omitempty"`
	Centre   *geo.Point  `json:"centre,omitempty"`
	RadiusKm float64     `json:"radius_km,omitempty"`
}

// Area kinds as the rule form names them.
const (
	AreaAny     = "any"
	AreaPolygon = "polygon"
	AreaCircle  = "circle"
)

// Limits on an area: a polygon is drawn by hand, and a circle wider than
// this is a typo for "everywhere".
const (
	maxPolygonPoints = 500
	maxRadiusKm      = 5000
	earthRadiusKm    = 6371.0088
)

// FieldError is a validation failure of one form field; Key is its
// catalogue key.
type FieldError struct{ Field, Key string }

func (e *FieldError) Error() string { return "alerting: " + e.Field + ": " + e.Key }

// ErrInvalid wraps every FieldError, for errors.Is.
var ErrInvalid = errors.New("alerting: invalid input")

func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, key string) error { return &FieldError{Field: field, Key: key} }

// ParseArea reads an area from the rule form: kind is any, polygon or
// circle; polygon is one position per line (any form geo reads); centre
// is a position and radius a number of kilometres.
func ParseArea(kind, polygon, centre, radius string) (Area, error) {
	switch strings.TrimSpace(kind) {
	case "", AreaAny:
		return Area{}, nil
	case AreaPolygon:
		return parsePolygon(polygon)
	case AreaCircle:
		return parseCircle(centre, radius)
	}
	return Area{}, fieldErr("area_kind", "alerting.err.area_kind")
}

func parsePolygon(text string) (Area, error) {
	if len(text) > 64<<10 {
		return Area{}, fieldErr("polygon", "alerting.err.polygon_long")
	}
	var pts []geo.Point
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(pts) == maxPolygonPoints {
			return Area{}, fieldErr("polygon", "alerting.err.polygon_long")
		}
		p, err := geo.ParsePosition(line)
		if err != nil {
			return Area{}, fieldErr("polygon", "alerting.err.polygon_point")
		}
		if len(pts) > 0 && pts[len(pts)-1] == p {
			continue // a repeated point adds nothing
		}
		pts = append(pts, p)
	}
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1] // closed by repeating the first point
	}
	if len(pts) < 3 {
		return Area{}, fieldErr("polygon", "alerting.err.polygon_few")
	}
	minLon, maxLon := 180.0, -180.0
	for _, p := range pts {
		minLon, maxLon = math.Min(minLon, p.Lon), math.Max(maxLon, p.Lon)
	}
	if maxLon-minLon > 180 {
		// Ray casting on degrees would take the long way round.
		return Area{}, fieldErr("polygon", "alerting.err.polygon_antimeridian")
	}
	if math.Abs(signedArea(pts)) < 1e-9 {
		return Area{}, fieldErr("polygon", "alerting.err.polygon_flat")
	}
	return Area{Polygon: pts}, nil
}

func parseCircle(centre, radius string) (Area, error) {
	c, err := geo.ParsePosition(centre)
	if err != nil {
		return Area{}, fieldErr("centre", "alerting.err.centre")
	}
	r, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(radius), ",", "."), 64)
	if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
		return Area{}, fieldErr("radius_km", "alerting.err.radius")
	}
	if r <= 0 || r > maxRadiusKm {
		return Area{}, fieldErr("radius_km", "alerting.err.radius_range")
	}
	return Area{Centre: &c, RadiusKm: r}, nil
}

// signedArea is the shoelace area in square degrees (only its being zero
// matters: every point on one line encloses nothing).
func signedArea(pts []geo.Point) float64 {
	var a float64
	for i := range pts {
		j := (i + 1) % len(pts)
		a += pts[i].Lon*pts[j].Lat - pts[j].Lon*pts[i].Lat
	}
	return a / 2
}

// Kind says which of any, polygon or circle the area is.
func (a Area) Kind() string {
	switch {
	case len(a.Polygon) > 0:
		return AreaPolygon
	case a.Centre != nil:
		return AreaCircle
	}
	return AreaAny
}

// Contains reports whether p is inside the area. Everywhere contains
// every point.
func (a Area) Contains(p geo.Point) bool {
	switch a.Kind() {
	case AreaPolygon:
		return inPolygon(a.Polygon, p)
	case AreaCircle:
		return DistanceKm(*a.Centre, p) <= a.RadiusKm
	}
	return true
}

// inPolygon is the even-odd ray casting test on latitude and longitude,
// good for the regional polygons rules use (no pole, no antimeridian).
func inPolygon(poly []geo.Point, p geo.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
			p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// DistanceKm is the great-circle (haversine) distance between two points.
func DistanceKm(a, b geo.Point) float64 {
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// encode and decodeArea are the stored form (JSON; "" for everywhere).
func (a Area) encode() string {
	if a.Kind() == AreaAny {
		return ""
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func decodeArea(s string) (Area, error) {
	var a Area
	if s == "" {
		return a, nil
	}
	err := json.Unmarshal([]byte(s), &a)
	return a, err
}

// PolygonText and CentreText give the area back in the form's words.
func (a Area) PolygonText() string {
	var b strings.Builder
	for _, p := range a.Polygon {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// CentreText is the circle's centre as decimal degrees.
func (a Area) CentreText() string {
	if a.Centre == nil {
		return ""
	}
	return a.Centre.String()
}
