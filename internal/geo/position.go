// Package geo reads positions in the many forms people type, paste or read
// out over a satellite phone, and draws small offline maps of them.
//
// Nothing in this package talks to the network: map links are parsed, never
// followed, and the basemap is compiled into the binary.
package geo

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Point is a WGS 84 position in decimal degrees, north and east positive.
type Point struct{ Lat, Lon float64 }

// Errors returned by ParsePosition, wrapped with a message saying what was
// wrong; test with errors.Is.
var (
	// ErrEmpty: nothing but spaces.
	ErrEmpty = errors.New("geo: no position given")
	// ErrFormat: not a position in any form this package reads.
	ErrFormat = errors.New("geo: position not recognised")
	// ErrOutOfRange: latitude beyond ±90, longitude beyond ±180, or minutes
	// or seconds of 60 or more.
	ErrOutOfRange = errors.New("geo: position out of range")
	// ErrHemisphere: hemisphere letters contradict a sign or each other
	// ("-1.2 W", "35 N 1 N").
	ErrHemisphere = errors.New("geo: hemisphere letters conflict")
	// ErrAmbiguous: the text can be read as two different positions and
	// guessing could send a rescue to the wrong place ("35 1 17", "35 - 1",
	// the letter O which means West in Spanish, French and Italian but East
	// in German and Dutch).
	ErrAmbiguous = errors.New("geo: position is ambiguous")
	// ErrNoCoordinates: a map link without coordinates in it (a short link,
	// or a search for a place name). Links are never followed.
	ErrNoCoordinates = errors.New("geo: link has no coordinates")
)

// Format says how a position was written.
type Format string

// Formats reported by ParsePositionDetail.
const (
	FormatDecimal Format = "decimal degrees"
	FormatDM      Format = "degrees and decimal minutes"
	FormatDMS     Format = "degrees, minutes and seconds"
)

// Parsed is a parsed position with what the input said about it.
type Parsed struct {
	Point
	Format Format
	// Link is true when the position came from a map link or geo: URI.
	Link bool
	// Precision is the step, in metres, of the last digit typed (the
	// coarser of latitude and longitude, measured along a meridian):
	// "35.5, -1.2" is only good to about 11 km.
	Precision float64
}

const metresPerDegree = 111_320.0

// Precision returns the distance in metres along a meridian that one unit
// in the given decimal place of decimal degrees stands for: 0 → 111 km,
// 1 → 11 km, 2 → 1.1 km, 3 → 111 m, 4 → 11 m, 5 → 1.1 m, 6 → 0.11 m.
func Precision(decimals int) float64 {
	return metresPerDegree * math.Pow(10, -float64(decimals))
}

// ParsePosition reads a position written as decimal degrees (dot or comma
// decimals), degrees and decimal minutes, or degrees, minutes and seconds,
// with signs or hemisphere letters before or after each number, or a map link
// (Google Maps, OpenStreetMap, Apple Maps, Bing, geo: URIs). Latitude comes
// first unless hemisphere letters or lat/lon labels say otherwise. When two
// readings are possible and give different places, it refuses (ErrAmbiguous)
// rather than guess.
func ParsePosition(s string) (Point, error) {
	p, err := ParsePositionDetail(s)
	if err != nil {
		return Point{}, err
	}
	return p.Point, nil
}

// ParsePositionDetail is ParsePosition that also reports the input's format
// and precision.
func ParsePositionDetail(s string) (Parsed, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Parsed{}, ErrEmpty
	}
	if len(s) > 4096 {
		return Parsed{}, fmt.Errorf("%w: text too long", ErrFormat)
	}
	if !utf8.ValidString(s) {
		return Parsed{}, fmt.Errorf("%w: not valid text", ErrFormat)
	}
	if p, ok, err := parseLink(s); ok {
		if err != nil {
			return Parsed{}, err
		}
		p.Link = true
		return p, nil
	}
	return parseText(s)
}

// String shows the point as decimal degrees with 5 decimals (about 1 m),
// latitude first: "35.56890, -1.28980".
func (p Point) String() string {
	return fixed5(p.Lat) + ", " + fixed5(p.Lon)
}

func fixed5(v float64) string {
	s := strconv.FormatFloat(v, 'f', 5, 64)
	if s == "-0.00000" {
		s = "0.00000"
	}
	return s
}

// DMS shows the point as degrees, minutes and seconds to a tenth of a second
// (about 3 m): 35°34′08.0″N 1°17′23.0″W.
func (p Point) DMS() string {
	return dms(p.Lat, "N", "S") + " " + dms(p.Lon, "E", "W")
}

func dms(v float64, pos, neg string) string {
	h := pos
	if v < 0 {
		h = neg
	}
	t := int64(math.Round(math.Abs(v) * 36000)) // tenths of a second
	if t == 0 {
		h = pos
	}
	d, m, st := t/36000, t%36000/600, t%600
	return fmt.Sprintf("%d°%02d′%02d.%d″%s", d, m, st/10, st%10, h)
}

// DM shows the point as degrees and decimal minutes to a thousandth of a
// minute (about 2 m), the form used at sea: 35°34.134′N 1°17.386′W.
func (p Point) DM() string {
	return dm(p.Lat, "N", "S") + " " + dm(p.Lon, "E", "W")
}

func dm(v float64, pos, neg string) string {
	h := pos
	if v < 0 {
		h = neg
	}
	t := int64(math.Round(math.Abs(v) * 60000)) // thousandths of a minute
	if t == 0 {
		h = pos
	}
	d, mt := t/60000, t%60000
	return fmt.Sprintf("%d°%02d.%03d′%s", d, mt/1000, mt%1000, h)
}

// ---------------------------------------------------------------------------
// Text

type tokKind uint8

const (
	tNum   tokKind = iota
	tHemi          // N S E W
	tLabel         // "lat", "lon", ...
	tSep           // , ; / | &
	tDash          // a minus or dash standing alone: sign or separator?
)

type unit uint8

const (
	uNone unit = iota
	uDeg
	uMin
	uSec
)

type tok struct {
	kind tokKind
	// tNum
	text     string // digits, '.' as decimal mark, no sign
	neg, pos bool   // explicit sign
	unit     unit   // explicit mark after the number
	decimals int
	// tHemi, tLabel
	hemi byte // 'N', 'S', 'E', 'W'
	axis axis
	// glued: no space between this token and the one before / after it.
	glueL, glueR bool
}

type axis uint8

const (
	axNone axis = iota
	axLat
	axLon
)

// parseText tries the input with "," as a separator and, when it has commas
// between digits and no decimal points, with "," as the decimal mark. One
// reading that works wins; two that work and disagree are ambiguous.
func parseText(s string) (Parsed, error) {
	if len(s) > 512 {
		return Parsed{}, fmt.Errorf("%w: text too long for a position", ErrFormat)
	}
	rs := normalise(s)
	commaDecimal := hasDigitSepDigit(rs, ',') && !hasDigitSepDigit(rs, '.')
	pa, errA := parseTokens(rs, false)
	if !commaDecimal {
		return pa, errA
	}
	pc, errC := parseTokens(rs, true)
	switch {
	case errA == nil && errC == nil:
		if samePoint(pa.Point, pc.Point) {
			return pc, nil
		}
		return Parsed{}, fmt.Errorf("%w: the commas could be decimal commas (%s) or separators (%s)", ErrAmbiguous, pc.Point, pa.Point)
	case errC == nil:
		return pc, nil
	case errA == nil:
		return pa, nil
	}
	if rank(errA) > rank(errC) {
		return Parsed{}, errA
	}
	return Parsed{}, errC
}

func samePoint(a, b Point) bool {
	return math.Abs(a.Lat-b.Lat) < 1e-12 && math.Abs(a.Lon-b.Lon) < 1e-12
}

// rank orders errors from least to most telling, to report the best one.
func rank(err error) int {
	switch {
	case errors.Is(err, ErrHemisphere):
		return 4
	case errors.Is(err, ErrOutOfRange):
		return 3
	case errors.Is(err, ErrAmbiguous):
		return 2
	case errors.Is(err, ErrFormat):
		return 1
	}
	return 0
}

func hasDigitSepDigit(rs []rune, sep rune) bool {
	for i := 1; i+1 < len(rs); i++ {
		if rs[i] == sep && isDigit(rs[i-1]) && isDigit(rs[i+1]) {
			return true
		}
	}
	return false
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// normalise maps the many look-alike characters people paste to one each:
// digits of other scripts to ASCII, degree/prime/double-prime look-alikes,
// minus signs and dashes, unusual spaces, full-width and Arabic punctuation.
func normalise(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= '٠' && r <= '٩': // Arabic-Indic
			r = '0' + (r - '٠')
		case r >= '۰' && r <= '۹': // Extended Arabic-Indic (Persian, Urdu)
			r = '0' + (r - '۰')
		case r >= '०' && r <= '९': // Devanagari
			r = '0' + (r - '०')
		case r >= '０' && r <= '９': // full-width
			r = '0' + (r - '０')
		}
		switch r {
		case '°', 'º', '˚', 'ᵒ', '∘', '⁰':
			r = '°'
		case '′', '’', '‘', '´', '`', 'ʹ', 'ʼ', '‛':
			r = '\''
		case '″', '“', '”', 'ʺ', '„', '‟', '〃':
			r = '"'
		case '−', '–', '—', '‐', '‑', '‒', '﹣', '－':
			r = '-'
		case '＋':
			r = '+'
		case '٫', '．': // Arabic decimal separator, full-width full stop
			r = '.'
		case '،', '，', '、', '٬': // Arabic, full-width, ideographic commas
			r = ','
		case '；', '؛':
			r = ';'
		case '：':
			r = ':'
		}
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			r = ' '
		}
		out = append(out, r)
	}
	return out
}

var words = map[string]tok{
	"n": {kind: tHemi, hemi: 'N'}, "north": {kind: tHemi, hemi: 'N'}, "nord": {kind: tHemi, hemi: 'N'}, "norte": {kind: tHemi, hemi: 'N'},
	"s": {kind: tHemi, hemi: 'S'}, "south": {kind: tHemi, hemi: 'S'}, "sud": {kind: tHemi, hemi: 'S'}, "sur": {kind: tHemi, hemi: 'S'}, "süd": {kind: tHemi, hemi: 'S'},
	"e": {kind: tHemi, hemi: 'E'}, "east": {kind: tHemi, hemi: 'E'}, "est": {kind: tHemi, hemi: 'E'}, "este": {kind: tHemi, hemi: 'E'}, "ost": {kind: tHemi, hemi: 'E'},
	"w": {kind: tHemi, hemi: 'W'}, "west": {kind: tHemi, hemi: 'W'}, "ouest": {kind: tHemi, hemi: 'W'}, "oeste": {kind: tHemi, hemi: 'W'}, "ovest": {kind: tHemi, hemi: 'W'},
	"lat": {kind: tLabel, axis: axLat}, "latitude": {kind: tLabel, axis: axLat}, "latitud": {kind: tLabel, axis: axLat}, "latitudine": {kind: tLabel, axis: axLat},
	"lon": {kind: tLabel, axis: axLon}, "long": {kind: tLabel, axis: axLon}, "lng": {kind: tLabel, axis: axLon}, "longitude": {kind: tLabel, axis: axLon},
	"longitud": {kind: tLabel, axis: axLon}, "longitudine": {kind: tLabel, axis: axLon},
}

// ignored words: labels around a position that say nothing about it.
var ignored = map[string]bool{
	"position": true, "pos": true, "gps": true, "coordinates": true, "coords": true,
	"location": true, "loc": true, "wgs": true, "wgs84": true,
}

// tokenize splits the text into numbers (with their unit marks), hemisphere
// letters, labels and separators. With commaDecimal, a comma between digits
// is a decimal mark (but see decimalCommas).
func tokenize(rs []rune, commaDecimal bool) ([]tok, error) {
	var dec map[int]bool
	if commaDecimal {
		var err error
		if dec, err = decimalCommas(rs); err != nil {
			return nil, err
		}
	}
	var toks []tok
	lastEnd := -1 // index just after the previous token
	add := func(t tok, start, end int) {
		if len(toks) > 0 && lastEnd == start {
			t.glueL = true
			toks[len(toks)-1].glueR = true
		}
		toks = append(toks, t)
		lastEnd = end
	}
	mark := func(u unit, start, end int) error {
		if len(toks) == 0 || toks[len(toks)-1].kind != tNum {
			return fmt.Errorf("%w: a degree, minute or second mark without a number before it", ErrFormat)
		}
		t := &toks[len(toks)-1]
		if t.unit != uNone {
			// 35°34'' reads as seconds written with two primes.
			if u == uMin && t.unit == uMin && lastEnd == start {
				t.unit = uSec
				lastEnd = end
				return nil
			}
			return fmt.Errorf("%w: two unit marks on one number", ErrFormat)
		}
		t.unit = u
		if lastEnd == start {
			lastEnd = end // glue through the mark: 35°N
		}
		return nil
	}
	for i := 0; i < len(rs); {
		if len(toks) > maxTokens {
			return nil, fmt.Errorf("%w: too many parts", ErrFormat)
		}
		r := rs[i]
		switch {
		case r == ' ':
			i++
		case isDigit(r) || ((r == '-' || r == '+') && i+1 < len(rs) && isDigit(rs[i+1])):
			start := i
			var t tok
			if r == '-' || r == '+' {
				t.neg, t.pos = r == '-', r == '+'
				i++
			}
			var b strings.Builder
			for i < len(rs) && isDigit(rs[i]) {
				b.WriteRune(rs[i])
				i++
			}
			if i < len(rs) && (rs[i] == '.' || (rs[i] == ',' && dec[i])) {
				b.WriteByte('.')
				i++
				for i < len(rs) && isDigit(rs[i]) {
					b.WriteRune(rs[i])
					t.decimals++
					i++
				}
				if i < len(rs) && (rs[i] == '.' || (rs[i] == ',' && dec[i])) && i+1 < len(rs) && isDigit(rs[i+1]) {
					return nil, fmt.Errorf("%w: a number with two decimal marks", ErrFormat)
				}
			}
			t.text = b.String()
			if len(t.text) > 40 {
				return nil, fmt.Errorf("%w: number too long", ErrFormat)
			}
			add(t, start, i)
		case r == '-' || r == '+':
			if r == '+' {
				return nil, fmt.Errorf("%w: a lone plus sign", ErrFormat)
			}
			add(tok{kind: tDash}, i, i+1)
			i++
		case r == ',' || r == ';' || r == '/' || r == '|' || r == '&' || r == '\\':
			add(tok{kind: tSep}, i, i+1)
			i++
		case r == '°':
			if err := mark(uDeg, i, i+1); err != nil {
				return nil, err
			}
			i++
		case r == '\'':
			if err := mark(uMin, i, i+1); err != nil {
				return nil, err
			}
			i++
		case r == '"':
			if err := mark(uSec, i, i+1); err != nil {
				return nil, err
			}
			i++
		case unicode.IsLetter(r):
			start := i
			for i < len(rs) && unicode.IsLetter(rs[i]) {
				i++
			}
			if strings.EqualFold(string(rs[start:i]), "wgs") { // "WGS84", "WGS 84", "WGS-84"
				j := i
				for j < len(rs) && (rs[j] == ' ' || rs[j] == '-') {
					j++
				}
				if j+1 < len(rs) && rs[j] == '8' && rs[j+1] == '4' && (j+2 == len(rs) || !isDigit(rs[j+2])) {
					i = j + 2
				}
			}
			w := strings.ToLower(string(rs[start:i]))
			switch {
			case w == "o":
				return nil, fmt.Errorf("%w: the letter O means West in Spanish, French and Italian but East (Ost) in German and Dutch; write W or E", ErrAmbiguous)
			case w == "deg" || w == "degrees" || w == "grad" || w == "grados" || w == "gradi":
				if err := mark(uDeg, start, i); err != nil {
					return nil, err
				}
			case ignored[w]:
				lastEnd = -1
			default:
				t, ok := words[w]
				if !ok {
					if len(w) > 20 {
						w = w[:20] + "…"
					}
					return nil, fmt.Errorf("%w: unexpected word %q", ErrFormat, w)
				}
				if t.kind == tHemi {
					if t.hemi == 'N' || t.hemi == 'S' {
						t.axis = axLat
					} else {
						t.axis = axLon
					}
				}
				add(t, start, i)
			}
		case r == '.' && i > 0 && unicode.IsLetter(rs[i-1]): // "Lat. 35.5"
			i++
		case r == ':' || r == '=':
			// After a label ("lat:", "lon="); after a number it is a time
			// ("14:02") or a numbering ("2: 35.5, -1.2"), not a position.
			j := i - 1
			for j >= 0 && j > i-64 && rs[j] == ' ' {
				j--
			}
			if j >= 0 && !unicode.IsLetter(rs[j]) && !strings.ContainsRune(")]", rs[j]) {
				return nil, fmt.Errorf("%w: %q after a number (a time?)", ErrFormat, r)
			}
			i++
		case strings.ContainsRune("()[]{}<>«»@", r):
			i++
		default:
			return nil, fmt.Errorf("%w: unexpected character %q", ErrFormat, r)
		}
	}
	return toks, nil
}

// decimalCommas picks which commas are decimal marks when the text uses
// comma decimals. A run of digit groups joined by bare commas ("35,5",
// "35,5,1,2") alternates decimal mark and separator; an odd run of three or
// more groups could be split either way.
func decimalCommas(rs []rune) (map[int]bool, error) {
	dec := map[int]bool{}
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			i++
			continue
		}
		var commas []int
		j := i
		for {
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
			if j+1 < len(rs) && rs[j] == ',' && isDigit(rs[j+1]) {
				commas = append(commas, j)
				j++
				continue
			}
			break
		}
		switch {
		case len(commas) == 0:
		case len(commas)%2 == 1:
			for k := 0; k < len(commas); k += 2 {
				dec[commas[k]] = true
			}
		default:
			return nil, fmt.Errorf("%w: cannot tell which commas are decimal commas; use spaces or semicolons between latitude and longitude", ErrAmbiguous)
		}
		i = j
	}
	return dec, nil
}

// maxTokens bounds the parts of a position: "lat N 35 34 08.5 , lon W 1 17
// 23.5" has 11.
const maxTokens = 16

var sciNotation = regexp.MustCompile(`[0-9][eE][+-]?[0-9]`)

func parseTokens(rs []rune, commaDecimal bool) (Parsed, error) {
	toks, err := tokenize(rs, commaDecimal)
	if err != nil {
		return Parsed{}, err
	}
	// Trim separators at either end: "(35.5, -1.2);".
	for len(toks) > 0 && toks[0].kind == tSep {
		toks = toks[1:]
	}
	for len(toks) > 0 && toks[len(toks)-1].kind == tSep {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return Parsed{}, fmt.Errorf("%w: no numbers", ErrFormat)
	}
	if len(toks) > maxTokens {
		return Parsed{}, fmt.Errorf("%w: too many parts", ErrFormat)
	}
	sep, nLetters := -1, 0
	for i, t := range toks {
		switch t.kind {
		case tSep:
			if sep >= 0 {
				return Parsed{}, fmt.Errorf("%w: more than one separator between latitude and longitude", ErrFormat)
			}
			sep = i
		case tDash:
			return Parsed{}, fmt.Errorf("%w: a dash standing alone could be a minus sign; write the sign next to its number, or use a comma between latitude and longitude", ErrAmbiguous)
		case tHemi:
			nLetters++
		}
	}
	// "1e400": scientific notation, not the hemisphere letter E.
	if nLetters == 1 && sciNotation.MatchString(string(rs)) {
		return Parsed{}, fmt.Errorf("%w: scientific notation", ErrFormat)
	}
	prefixStyle := false
	for _, t := range toks {
		if t.kind != tLabel {
			prefixStyle = t.kind == tHemi
			break
		}
	}

	var (
		best     []reading
		bestScr  score
		bestErr  error
		anyValid bool
	)
	try := func(left, right []tok) {
		r, err := readPair(left, right, prefixStyle)
		if err != nil {
			if bestErr == nil || rank(err) > rank(bestErr) {
				bestErr = err
			}
			return
		}
		switch {
		case !anyValid || r.scr.less(bestScr):
			best, bestScr, anyValid = []reading{r}, r.scr, true
		case !bestScr.less(r.scr):
			best = append(best, r)
		}
	}
	if sep >= 0 {
		try(toks[:sep], toks[sep+1:])
	} else {
		for k := 1; k < len(toks); k++ {
			try(toks[:k], toks[k:])
		}
	}
	if !anyValid {
		if bestErr == nil {
			bestErr = fmt.Errorf("%w: expected a latitude and a longitude", ErrFormat)
		}
		return Parsed{}, bestErr
	}
	for _, r := range best[1:] {
		if !samePoint(r.p.Point, best[0].p.Point) {
			return Parsed{}, fmt.Errorf("%w: could be %s or %s; add a comma between latitude and longitude, or hemisphere letters", ErrAmbiguous, best[0].p.Point, r.p.Point)
		}
	}
	return best[0].p, nil
}

// score ranks the readings of one text: fewer letters attached against the
// spacing ("35.5N 1.2": N belongs to 35.5), fewer against the text's style
// (letters before or after numbers), then equal forms for both halves
// ("35 34 1 17" is two degree-minute pairs).
type score struct{ glue, style, unbalanced int }

func (a score) less(b score) bool {
	if a.glue != b.glue {
		return a.glue < b.glue
	}
	if a.style != b.style {
		return a.style < b.style
	}
	return a.unbalanced < b.unbalanced
}

type reading struct {
	p   Parsed
	scr score
}

// coord is one half of a position.
type coord struct {
	val        float64 // signed by sign or hemisphere
	axis       axis
	comps      int     // 1 degrees, 2 +minutes, 3 +seconds
	resolution float64 // degrees per unit of the last digit
	scr        score
}

func readPair(left, right []tok, prefixStyle bool) (reading, error) {
	a, err := readCoord(left, prefixStyle)
	if err != nil {
		return reading{}, err
	}
	b, err := readCoord(right, prefixStyle)
	if err != nil {
		return reading{}, err
	}
	guessed := false // lat first by default, nothing in the text says so
	switch {
	case a.axis == axNone && b.axis == axNone:
		a.axis, b.axis = axLat, axLon
		guessed = true
	case a.axis == axNone:
		a.axis = other(b.axis)
	case b.axis == axNone:
		b.axis = other(a.axis)
	case a.axis == b.axis:
		name := "latitudes"
		if a.axis == axLon {
			name = "longitudes"
		}
		return reading{}, fmt.Errorf("%w: both numbers are marked as %s", ErrHemisphere, name)
	}
	lat, lon := a, b
	if a.axis == axLon {
		lat, lon = b, a
	}
	if math.Abs(lat.val) > 90 {
		hint := ""
		if guessed && math.Abs(lon.val) <= 90 {
			hint = " (longitude first? write hemisphere letters, e.g. 35.5N 1.2W)"
		}
		return reading{}, fmt.Errorf("%w: latitude %s is beyond 90°%s", ErrOutOfRange, trimFloat(lat.val), hint)
	}
	if math.Abs(lon.val) > 180 {
		return reading{}, fmt.Errorf("%w: longitude %s is beyond 180°", ErrOutOfRange, trimFloat(lon.val))
	}
	p := Parsed{Point: Point{Lat: lat.val, Lon: lon.val}}
	switch max(a.comps, b.comps) {
	case 1:
		p.Format = FormatDecimal
	case 2:
		p.Format = FormatDM
	default:
		p.Format = FormatDMS
	}
	p.Precision = max(a.resolution, b.resolution) * metresPerDegree
	scr := score{
		glue:  a.scr.glue + b.scr.glue,
		style: a.scr.style + b.scr.style,
	}
	if a.comps != b.comps {
		scr.unbalanced = 1
	}
	return reading{p: p, scr: scr}, nil
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

func other(a axis) axis {
	if a == axLat {
		return axLon
	}
	return axLat
}

// readCoord reads [label] [letter] number [number [number]] [letter], with at
// most one hemisphere letter.
func readCoord(ts []tok, prefixStyle bool) (coord, error) {
	var c coord
	var label axis
	if len(ts) > 0 && ts[0].kind == tLabel {
		label = ts[0].axis
		ts = ts[1:]
	}
	var letter *tok
	if len(ts) > 0 && ts[0].kind == tHemi {
		letter = &ts[0]
		ts = ts[1:]
		// A prefix letter glued to the number before it but not to its own.
		if letter.glueL && !letter.glueR {
			c.scr.glue++
		}
		if !prefixStyle {
			c.scr.style++
		}
	}
	if len(ts) > 0 && ts[len(ts)-1].kind == tHemi {
		if letter != nil {
			return c, fmt.Errorf("%w: two hemisphere letters on one number", ErrFormat)
		}
		letter = &ts[len(ts)-1]
		ts = ts[:len(ts)-1]
		if letter.glueR && !letter.glueL {
			c.scr.glue++
		}
		if prefixStyle {
			c.scr.style++
		}
	}
	if len(ts) == 0 {
		return c, fmt.Errorf("%w: a hemisphere letter or label without a number", ErrFormat)
	}
	if len(ts) > 3 {
		return c, fmt.Errorf("%w: too many numbers for one coordinate", ErrFormat)
	}
	var parts [3]float64
	for i, t := range ts {
		if t.kind != tNum {
			return c, fmt.Errorf("%w: letters or labels between numbers", ErrFormat)
		}
		if i > 0 && (t.neg || t.pos) {
			return c, fmt.Errorf("%w: a sign on minutes or seconds", ErrFormat)
		}
		if t.unit != uNone && t.unit != unit(i+1) {
			return c, fmt.Errorf("%w: degree, minute and second marks out of order", ErrFormat)
		}
		if i < len(ts)-1 && strings.Contains(t.text, ".") {
			return c, fmt.Errorf("%w: only the last number of a coordinate may have decimals", ErrFormat)
		}
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return c, fmt.Errorf("%w: bad number %q", ErrFormat, t.text)
		}
		parts[i] = v
	}
	if parts[1] >= 60 {
		return c, fmt.Errorf("%w: %s minutes (must be below 60)", ErrOutOfRange, trimFloat(parts[1]))
	}
	if parts[2] >= 60 {
		return c, fmt.Errorf("%w: %s seconds (must be below 60)", ErrOutOfRange, trimFloat(parts[2]))
	}
	c.comps = len(ts)
	last := ts[len(ts)-1]
	c.resolution = math.Pow(10, -float64(last.decimals)) / [...]float64{1, 60, 3600}[len(ts)-1]
	v := parts[0] + parts[1]/60 + parts[2]/3600
	if v > 180 {
		return c, fmt.Errorf("%w: %s° is beyond 180°", ErrOutOfRange, trimFloat(v))
	}
	if ts[0].neg {
		v = -v
	}
	c.axis = label
	if letter != nil {
		if ts[0].neg {
			return c, fmt.Errorf("%w: a minus sign and the letter %c on one number", ErrHemisphere, letter.hemi)
		}
		if label != axNone && label != letter.axis {
			return c, fmt.Errorf("%w: label and letter %c disagree", ErrHemisphere, letter.hemi)
		}
		c.axis = letter.axis
		if letter.hemi == 'S' || letter.hemi == 'W' {
			v = -v
		}
	}
	c.val = v
	return c, nil
}

// ---------------------------------------------------------------------------
// Links

var (
	reGoogleData = regexp.MustCompile(`!3d(-?[0-9]+(?:\.[0-9]+)?)!4d(-?[0-9]+(?:\.[0-9]+)?)`)
	reAt         = regexp.MustCompile(`@(-?[0-9]+(?:\.[0-9]+)?),(-?[0-9]+(?:\.[0-9]+)?)`)
	reOSMMap     = regexp.MustCompile(`map=[0-9]+(?:\.[0-9]+)?/(-?[0-9]+(?:\.[0-9]+)?)/(-?[0-9]+(?:\.[0-9]+)?)`)
	reGeoURI     = regexp.MustCompile(`(?i)(^|[^a-z])geo:`)
)

// parseLink reports ok when s contains a map link or geo: URI; the result is
// the position in it or why there is none.
func parseLink(s string) (Parsed, bool, error) {
	if loc := reGeoURI.FindStringIndex(s); loc != nil {
		start := loc[1] - len("geo:")
		p, err := parseGeoURI(firstField(s[start:]))
		return p, true, err
	}
	for _, f := range strings.Fields(s) {
		if looksLikeLink(f) {
			p, err := parseURL(f)
			return p, true, err
		}
	}
	return Parsed{}, false, nil
}

var linkHints = []string{"://", "www.", "maps.", "google.", "openstreetmap.", "osm.org", "goo.gl", "bing.com", "apple.com", "waze.com", "here.com"}

func looksLikeLink(f string) bool {
	f = strings.ToLower(f)
	for _, h := range linkHints {
		if strings.Contains(f, h) {
			return true
		}
	}
	return false
}

func firstField(s string) string {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i]
	}
	return s
}

// parseGeoURI reads RFC 5870 geo:lat,lon[,alt][;params] and the Android form
// geo:0,0?q=lat,lon(label).
func parseGeoURI(u string) (Parsed, error) {
	rest := u[len("geo:"):]
	var query string
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, ';'); i >= 0 {
		if crs := strings.ToLower(rest[i:]); strings.Contains(crs, ";crs=") && !strings.Contains(crs, ";crs=wgs84") {
			return Parsed{}, fmt.Errorf("%w: geo: URI in another coordinate system", ErrFormat)
		}
		rest = rest[:i]
	}
	if q := queryValue(query, "q"); q != "" {
		if i := strings.IndexByte(q, '('); i >= 0 {
			q = q[:i]
		}
		if p, err := parseText(q); err == nil {
			return p, nil
		}
	}
	parts := strings.Split(rest, ",")
	if len(parts) != 2 && len(parts) != 3 {
		return Parsed{}, fmt.Errorf("%w: geo: URI needs latitude,longitude", ErrFormat)
	}
	p, err := decimalPair(parts[0], parts[1])
	if err != nil {
		return Parsed{}, err
	}
	if p.Point == (Point{}) && query != "" {
		return Parsed{}, fmt.Errorf("%w: the geo: link searches for a place name", ErrNoCoordinates)
	}
	return p, nil
}

func queryValue(query, key string) string {
	v, err := url.ParseQuery(query)
	if err != nil {
		return ""
	}
	return v.Get(key)
}

// decimalPair reads the plain "lat" and "lon" decimal numbers of links.
func decimalPair(latS, lonS string) (Parsed, error) {
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(latS), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lonS), 64)
	if err1 != nil || err2 != nil || !plainDecimal(latS) || !plainDecimal(lonS) {
		return Parsed{}, fmt.Errorf("%w: bad numbers in link", ErrFormat)
	}
	if math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return Parsed{}, fmt.Errorf("%w: %s, %s", ErrOutOfRange, trimFloat(lat), trimFloat(lon))
	}
	return Parsed{
		Point:     Point{Lat: lat, Lon: lon},
		Format:    FormatDecimal,
		Precision: max(Precision(decimalsOf(latS)), Precision(decimalsOf(lonS))),
	}, nil
}

var rePlainDecimal = regexp.MustCompile(`^\s*[+-]?[0-9]{1,3}(\.[0-9]{0,20})?\s*$`)

func plainDecimal(s string) bool { return rePlainDecimal.MatchString(s) }

func decimalsOf(s string) int {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

var shorteners = []string{"goo.gl", "g.co", "bit.ly", "t.co", "tinyurl.com", "osm.org/go/", "openstreetmap.org/go/", "maps.app.goo.gl", "here.com/l/"}

// parseURL finds the position in a map link: a marker or search first
// (OpenStreetMap mlat/mlon, Google !3d!4d and ?q=, Apple ?ll=, Bing ?cp=),
// then the centre of the view (Google /@lat,lon,zoom, OpenStreetMap
// #map=zoom/lat/lon).
func parseURL(raw string) (Parsed, error) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Parsed{}, fmt.Errorf("%w: not a valid link", ErrFormat)
	}
	q := u.Query()
	var firstErr error
	note := func(err error) {
		if firstErr == nil && rank(err) > rank(ErrFormat) {
			firstErr = err
		}
	}
	if lat, lon := q.Get("mlat"), q.Get("mlon"); lat != "" && lon != "" {
		p, err := decimalPair(lat, lon)
		if err == nil {
			return p, nil
		}
		note(err)
	}
	if m := reGoogleData.FindStringSubmatch(raw); m != nil {
		p, err := decimalPair(m[1], m[2])
		if err == nil {
			return p, nil
		}
		note(err)
	}
	for _, k := range []string{"q", "query", "ll", "sll", "center", "daddr", "destination", "cp", "latlng", "point", "to"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		if k == "cp" {
			v = strings.ReplaceAll(v, "~", ",")
		}
		if k == "to" || k == "q" {
			v = strings.TrimPrefix(v, "ll.") // Waze
			if i := strings.IndexByte(v, '('); i > 0 {
				v = v[:i]
			}
		}
		p, err := parseText(v)
		if err == nil {
			return p, nil
		}
		note(err)
	}
	for _, lonKey := range []string{"lon", "lng", "long"} {
		if lat, lon := q.Get("lat"), q.Get(lonKey); lat != "" && lon != "" {
			p, err := decimalPair(lat, lon)
			if err == nil {
				return p, nil
			}
			note(err)
		}
	}
	// Google: /maps/place/35°34'08.0"N+1°17'23.0"W/@... or /maps/search/35.5,+-1.2
	segs := strings.Split(u.EscapedPath(), "/")
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] != "place" && segs[i] != "search" && segs[i] != "dir" {
			continue
		}
		var found []Parsed
		for _, seg := range segs[i+1 : min(len(segs), i+10)] {
			if strings.HasPrefix(seg, "@") || strings.HasPrefix(seg, "data=") {
				break
			}
			v, err := url.PathUnescape(strings.ReplaceAll(seg, "+", " "))
			if err != nil || v == "" {
				continue
			}
			p, err := parseText(v)
			if err == nil {
				found = append(found, p)
				continue
			}
			note(err)
		}
		switch {
		case len(found) == 1:
			return found[0], nil
		case len(found) > 1:
			return Parsed{}, fmt.Errorf("%w: a directions link with %d places", ErrAmbiguous, len(found))
		}
		break // only the first /place/, /search/ or /dir/
	}
	if m := reAt.FindStringSubmatch(u.EscapedPath()); m != nil {
		p, err := decimalPair(m[1], m[2])
		if err == nil {
			return p, nil
		}
		note(err)
	}
	if m := reOSMMap.FindStringSubmatch(u.Fragment + "&" + u.RawQuery); m != nil {
		p, err := decimalPair(m[1], m[2])
		if err == nil {
			return p, nil
		}
		note(err)
	}
	if firstErr != nil {
		return Parsed{}, firstErr
	}
	lower := strings.ToLower(u.Host + u.Path)
	for _, sh := range shorteners {
		if strings.HasPrefix(lower, sh) || strings.HasPrefix(lower, "www."+sh) {
			return Parsed{}, fmt.Errorf("%w: a short link hides the position; open it in a browser and copy the coordinates or the full address", ErrNoCoordinates)
		}
	}
	return Parsed{}, ErrNoCoordinates
}
