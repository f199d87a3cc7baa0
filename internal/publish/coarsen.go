package publish

import (
	"math"
	"time"
)

// kmPerDegree is the length of one degree of latitude (and of longitude
// at the equator), on a sphere of the WGS 84 mean radius.
const kmPerDegree = 111.32

// gridCentre snaps a position to the centre of its grid cell of about km
// on a side. Rows are bands of equal latitude km/111.32 degrees high;
// within a row, cells are km/(111.32·cos φ) degrees wide, φ being the
// latitude of the row's centre: an equal-angle approximation, exact
// enough for cells of a few km to a few hundred, that keeps cells roughly
// square at every latitude instead of shrinking towards the poles. Every
// position in a cell maps to the same centre, so the published point
// says no more than "somewhere in this cell".
func gridCentre(lat, lon, km float64) (float64, float64) {
	dLat := km / kmPerDegree
	row := math.Floor((lat + 90) / dLat)
	clat := -90 + (row+0.5)*dLat
	if clat > 90 {
		clat = 90 - dLat/2
	}
	cos := math.Cos(clat * math.Pi / 180)
	if cos < 0.01 {
		cos = 0.01 // near the poles one cell spans many degrees
	}
	dLon := km / (kmPerDegree * cos)
	col := math.Floor((lon + 180) / dLon)
	clon := -180 + (col+0.5)*dLon
	if clon > 180 {
		clon = 180
	}
	return round6(clat), round6(clon)
}

// round6 keeps six decimals (0.1 m): enough to name the cell centre, and
// the same float on every engine and every run.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// unitRank orders time units from finest to coarsest.
var unitRank = map[string]int{"time": 0, UnitDay: 0, UnitWeek: 1, UnitMonth: 2}

// coarsenDate returns the first day of the period holding t: the day, the
// Monday of its ISO week, or the first of its month, and the precision
// that period has. The coarser of the configured unit and the record's
// own precision wins: a date known to the month is never published as a
// week. A zero t is unknown.
func coarsenDate(t time.Time, own, unit string) (day, precision string) {
	if t.IsZero() {
		return "", ""
	}
	if r, ok := unitRank[own]; ok && r > unitRank[unit] {
		unit = own
	}
	t = t.UTC()
	switch unit {
	case UnitMonth:
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case UnitWeek:
		wd := (int(t.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
		t = time.Date(t.Year(), t.Month(), t.Day()-wd, 0, 0, 0, 0, time.UTC)
	default:
		unit = UnitDay
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.Format("2006-01-02"), unit
}
