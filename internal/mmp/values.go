package mmp

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// FieldError says why one cell could not be read. Code is one of the Code
// constants; Reason is English text that never quotes the cell.
type FieldError struct {
	Code   string
	Reason string
}

func (e *FieldError) Error() string { return e.Reason }

func fieldErr(code, reason string) *FieldError { return &FieldError{Code: code, Reason: reason} }

// MaxCount is the largest count of people a cell may hold. The largest
// incidents MMP records are shipwrecks of about a thousand people; a bigger
// number is a typing or export error (or an overflow waiting to happen in a
// sum), not a fact to import.
const MaxCount = 1_000_000

// parseCount reads a count of people: digits only, no sign, no decimal or
// thousands separators. The caller has already dealt with empty cells.
func parseCount(s string) (int, *FieldError) {
	if s == "" {
		return 0, fieldErr(CodeBadCount, "no count")
	}
	neg := false
	if s[0] == '-' && len(s) > 1 {
		neg, s = true, s[1:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fieldErr(CodeBadCount, "not a whole number")
		}
	}
	if neg {
		return 0, fieldErr(CodeNegativeCount, "negative count")
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > 7 {
		return 0, fieldErr(CodeCountTooLarge, "count over 1,000,000")
	}
	n, _ := strconv.Atoi("0" + s)
	if n > MaxCount {
		return 0, fieldErr(CodeCountTooLarge, "count over 1,000,000")
	}
	return n, nil
}

// Date precisions, the same words the incident package uses.
const (
	PrecisionDay   = "day"
	PrecisionMonth = "month"
)

// MinYear is the earliest year accepted in a date (MMP starts in 2014).
const MinYear = 1900

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
	"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
	"nov": 11, "november": 11, "dec": 12, "december": 12,
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday, "mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "sat": time.Saturday, "saturday": time.Saturday,
}

type dateTok struct {
	num  bool   // digits; otherwise letters
	text string // lower case
	sep  string // separator characters before this token
}

// ParseDate reads a date in one of the forms MMP exports and spreadsheets
// write, and returns it at midnight UTC with its precision (PrecisionDay or
// PrecisionMonth):
//
//   - "December 30, 2019", "Dec 30 2019", "Dec. 30, 2019" (2019 layout)
//   - "30 December 2019", "30-Dec-2019"
//   - "2019-12-30", "2019/12/30"; with a time ("2019-12-30T14:00:00Z",
//     "2019-12-30 14:00") the time of day is dropped: MMP does not record it
//   - "30/12/2019", "12/30/2019", also with "-" or "." between the numbers:
//     day and month are told apart only when one of them is over 12, when
//     both readings give the same day, or when a weekday in front
//     ("Mon, 01/06/2014 - 12:00", as older MMP downloads have) matches only
//     one reading; otherwise the date is refused as ambiguous
//     (CodeAmbiguousDate), never guessed
//   - month only: "Dec 2019", "December 2019", "Dec-2019", "2019-12", "12/2019"
//
// Two-digit years, Excel serial numbers and years before MinYear are refused.
func ParseDate(s string) (time.Time, string, error) {
	t, prec, ferr := parseDate(s)
	if ferr != nil {
		return time.Time{}, "", ferr
	}
	return t, prec, nil
}

func parseDate(s string) (time.Time, string, *FieldError) {
	bad := fieldErr(CodeBadDate, "date not understood")
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, "", bad
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		var ok bool
		if s, ok = dropTime(s, i); !ok {
			return time.Time{}, "", bad
		}
	}
	toks, ok := dateTokens(s)
	if !ok {
		return time.Time{}, "", bad
	}
	weekday := time.Weekday(-1)
	if len(toks) > 1 && !toks[0].num {
		if wd, isWD := weekdayNames[toks[0].text]; isWD {
			if sep := strings.TrimSpace(toks[1].sep); sep != "" && sep != "," {
				return time.Time{}, "", bad
			}
			weekday = wd
			toks = toks[1:]
		}
	}
	pattern := ""
	for _, t := range toks {
		if t.num {
			pattern += "N"
		} else {
			pattern += "W"
		}
	}
	day := func(y, m, d int) (time.Time, bool) {
		if y < 1 || m < 1 || m > 12 || d < 1 || d > 31 {
			return time.Time{}, false
		}
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		return t, t.Day() == d
	}
	var (
		t    time.Time
		prec = PrecisionDay
	)
	switch pattern {
	case "NNN":
		sep := toks[1].sep
		if len(sep) != 1 || toks[2].sep != sep || !strings.Contains("-/.", sep) {
			return time.Time{}, "", bad
		}
		a, b, c := toks[0].text, toks[1].text, toks[2].text
		switch {
		case len(a) == 4 && len(b) <= 2 && len(c) <= 2:
			if t, ok = day(atoi(a), atoi(b), atoi(c)); !ok {
				return time.Time{}, "", bad
			}
		case len(c) == 4 && len(a) <= 2 && len(b) <= 2:
			y, x, z := atoi(c), atoi(a), atoi(b)
			dm, okDM := day(y, z, x) // day/month
			md, okMD := day(y, x, z) // month/day
			switch {
			case okDM && okMD && !dm.Equal(md):
				// Two different days: only a weekday can tell them apart.
				byDM := weekday >= 0 && dm.Weekday() == weekday
				byMD := weekday >= 0 && md.Weekday() == weekday
				switch {
				case byDM && !byMD:
					t = dm
				case byMD && !byDM:
					t = md
				case weekday >= 0 && !byDM && !byMD:
					return time.Time{}, "", fieldErr(CodeBadDate, "weekday does not match the date")
				default:
					return time.Time{}, "", fieldErr(CodeAmbiguousDate, "date could be day/month or month/day")
				}
			case okDM:
				t = dm
			case okMD:
				t = md
			default:
				return time.Time{}, "", bad
			}
		default:
			return time.Time{}, "", bad
		}
	case "WNN", "NWN":
		mi, di := 0, 1
		if pattern == "NWN" {
			mi, di = 1, 0
		}
		m, isMonth := monthNames[toks[mi].text]
		if !isMonth || !wordSeps(toks) || len(toks[di].text) > 2 || len(toks[2].text) != 4 {
			return time.Time{}, "", bad
		}
		if t, ok = day(atoi(toks[2].text), int(m), atoi(toks[di].text)); !ok {
			return time.Time{}, "", bad
		}
	case "WN":
		m, isMonth := monthNames[toks[0].text]
		if !isMonth || !wordSeps(toks) || len(toks[1].text) != 4 {
			return time.Time{}, "", bad
		}
		t, prec = time.Date(atoi(toks[1].text), m, 1, 0, 0, 0, 0, time.UTC), PrecisionMonth
	case "NN":
		a, b, sep := toks[0].text, toks[1].text, toks[1].sep
		switch {
		case len(a) == 4 && len(b) <= 2 && (sep == "-" || sep == "/"):
			a, b = b, a
		case len(b) == 4 && len(a) <= 2 && (sep == "/" || sep == "-" || sep == "."):
		default:
			return time.Time{}, "", bad
		}
		m := atoi(a)
		if m < 1 || m > 12 {
			return time.Time{}, "", bad
		}
		t, prec = time.Date(atoi(b), time.Month(m), 1, 0, 0, 0, 0, time.UTC), PrecisionMonth
	default:
		return time.Time{}, "", bad
	}
	if weekday >= 0 && (prec != PrecisionDay || t.Weekday() != weekday) {
		return time.Time{}, "", fieldErr(CodeBadDate, "weekday does not match the date")
	}
	if t.Year() < MinYear {
		return time.Time{}, "", fieldErr(CodeDateOutOfRange, "date before 1900")
	}
	return t, prec, nil
}

// dropTime cuts a time of day ("14:00", "14:00:05.5Z", "2:30 pm", "12:00
// +02:00") off the end of s, where colon is the index of its first colon,
// and returns the date before it. The time must be separated from the date
// by "T" (ISO 8601), spaces, or " - ".
func dropTime(s string, colon int) (string, bool) {
	j := colon
	for j > 0 && isDigit(s[j-1]) {
		j--
	}
	if colon-j < 1 || colon-j > 2 || !validTime(s[j:]) {
		return "", false
	}
	date := s[:j]
	switch {
	case strings.HasSuffix(date, "T") && len(date) > 1 && isDigit(date[len(date)-2]):
		return date[:len(date)-1], true
	case strings.TrimRight(date, " \t") == date:
		return "", false
	}
	date = strings.TrimRight(date, " \t")
	if strings.HasSuffix(date, "-") || strings.HasSuffix(date, ",") {
		date = strings.TrimRight(date[:len(date)-1], " \t")
	}
	return date, true
}

// validTime checks "H:MM", "HH:MM:SS", fractions, am/pm and a zone.
func validTime(s string) bool {
	num := func(p *string, max int) bool {
		t := *p
		if len(t) < 2 || !isDigit(t[0]) || !isDigit(t[1]) {
			return false
		}
		*p = t[2:]
		return atoi(t[:2]) <= max
	}
	h := 0
	if len(s) > 1 && isDigit(s[1]) {
		h, s = atoi(s[:2]), s[2:]
	} else {
		h, s = atoi(s[:1]), s[1:]
	}
	if h > 23 || !strings.HasPrefix(s, ":") {
		return false
	}
	s = s[1:]
	if !num(&s, 59) {
		return false
	}
	if strings.HasPrefix(s, ":") {
		s = s[1:]
		if !num(&s, 60) {
			return false
		}
		if strings.HasPrefix(s, ".") {
			s = s[1:]
			n := 0
			for n < len(s) && isDigit(s[n]) {
				n++
			}
			if n == 0 {
				return false
			}
			s = s[n:]
		}
	}
	s = strings.TrimLeft(s, " ")
	if l := strings.ToLower(s); strings.HasPrefix(l, "am") || strings.HasPrefix(l, "pm") {
		if h == 0 || h > 12 {
			return false
		}
		s = strings.TrimLeft(s[2:], " ")
	}
	switch {
	case s == "" || s == "Z" || s == "UTC" || s == "GMT":
		return true
	case (s[0] == '+' || s[0] == '-') && len(s) >= 3:
		z := s[1:]
		if !num(&z, 14) {
			return false
		}
		z = strings.TrimPrefix(z, ":")
		return z == "" || (len(z) == 2 && num(&z, 59))
	}
	return false
}

// dateTokens splits a date into runs of digits and of ASCII letters, with
// the separators (spaces , . - /) in front of each. Anything else fails.
func dateTokens(s string) ([]dateTok, bool) {
	var toks []dateTok
	sep := ""
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isDigit(c) || isLetter(c):
			j := i
			for j < len(s) && isDigit(s[j]) == isDigit(c) && (isDigit(s[j]) || isLetter(s[j])) {
				j++
			}
			// Tokens are separated, the date does not start with a
			// separator, no token is longer than "September", and there
			// are at most a weekday and three parts.
			if len(toks) > 0 && sep == "" || len(toks) == 0 && sep != "" || j-i > 9 || len(toks) == 4 {
				return nil, false
			}
			toks = append(toks, dateTok{num: isDigit(c), text: strings.ToLower(s[i:j]), sep: sep})
			sep, i = "", j
		case strings.IndexByte(" ,.-/\t", c) >= 0:
			sep += string(c)
			if len(sep) > 4 {
				return nil, false
			}
			i++
		default:
			return nil, false
		}
	}
	if sep != "" && sep != "." || len(toks) == 0 {
		return nil, false
	}
	return toks, true
}

// wordSeps checks the separators of a date written with a month name:
// spaces, possibly after a comma or full stop, or a single hyphen.
func wordSeps(toks []dateTok) bool {
	for _, t := range toks[1:] {
		switch strings.TrimSpace(t.sep) {
		case "", ",", ".", ".,":
		case "-":
			if t.sep != "-" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// atoi converts a short run of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ParseCoordinates reads one "latitude, longitude" cell in decimal degrees
// (WGS 84, latitude first, south and west negative), as MMP publishes it:
// "35.568972356329, -1.289773129748".
//
// The rule, chosen so that no cell can be read as two different places:
//
//   - A number is an optional sign, 1 to 3 digits, and optionally one
//     decimal mark ("." or ",") followed by 1 to 20 digits.
//   - The two numbers are separated by a comma, a semicolon or spaces.
//   - With a comma between them, decimal marks must be points:
//     "35.5, -1.2", "35.5,-1.2", "35, -1".
//   - With a semicolon or only spaces between them, decimal commas are
//     accepted too, since no comma can then be the separator, but only when
//     both numbers have one: "35,5 -1,2" is 35.5, -1.2, and "35,5; -1,2"
//     too; "35,5 12" is refused as ambiguous (it could also be 35 and
//     5°12′, as geo.ParsePosition reads it), and so is a mix of marks.
//   - "35,5" (one comma between digits, no space, no point) could be one
//     number with a decimal comma or the pair 35, 5: refused as ambiguous.
//     So is any cell with several commas that the rules above do not read
//     ("35,5,-1,2", "35,5, -1,2").
//   - Latitude must be within ±90 and longitude within ±180
//     (CodeCoordinatesOutOfRange, with a hint when the two look swapped);
//     exactly 0, 0 is refused (CodeZeroCoordinates) as the usual placeholder
//     for "no position".
//
// Degrees-minutes-seconds, hemisphere letters and map links are not read
// here: geo.ParsePosition reads what people type; an import should only
// take what the source publishes.
func ParseCoordinates(s string) (lat, lon float64, err error) {
	lat, lon, ferr := parseCoordinates(s)
	if ferr != nil {
		return 0, 0, ferr
	}
	return lat, lon, nil
}

func parseCoordinates(s string) (float64, float64, *FieldError) {
	bad := fieldErr(CodeBadCoordinates, `coordinates not understood (expected "latitude, longitude" in decimal degrees)`)
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return 0, 0, bad
	}
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' {
			space = true
		} else if !isDigit(c) && strings.IndexByte("+-.,;", c) < 0 {
			return 0, 0, bad
		}
	}
	type reading struct{ lat, lon float64 }
	var found []reading
	oneComma := false // a reading failed only for a decimal comma in one number
	pair := func(a, b string, commaOK bool) {
		x, mx, okA := parseNumber(strings.TrimSpace(a))
		y, my, okB := parseNumber(strings.TrimSpace(b))
		switch {
		case !okA || !okB || !commaOK && (mx == ',' || my == ','):
		case (mx == ',' || my == ',') && mx != my:
			oneComma = true
		default:
			found = append(found, reading{x, y})
		}
	}
	commas := strings.Count(s, ",")
	switch semis := strings.Count(s, ";"); {
	case semis > 1:
		return 0, 0, bad
	case semis == 1:
		a, b, _ := strings.Cut(s, ";")
		pair(a, b, true)
	default:
		if commas == 1 {
			a, b, _ := strings.Cut(s, ",")
			pair(a, b, false)
			i := strings.IndexByte(s, ',')
			if len(found) == 1 && !space && !strings.Contains(s, ".") && i > 0 && isDigit(s[i-1]) && i+1 < len(s) && isDigit(s[i+1]) {
				return 0, 0, fieldErr(CodeAmbiguousCoordinates, "coordinates could be one number with a decimal comma or two numbers")
			}
		}
		if f := strings.Fields(s); len(f) == 2 {
			pair(f[0], f[1], true)
		}
	}
	switch {
	case len(found) > 1 && found[0] != found[1]:
		return 0, 0, fieldErr(CodeAmbiguousCoordinates, "coordinates could be read in two ways")
	case len(found) == 0 && oneComma:
		return 0, 0, fieldErr(CodeAmbiguousCoordinates, "coordinates with a decimal comma in one number only")
	case len(found) == 0 && commas > 1 && !strings.Contains(s, "."):
		return 0, 0, fieldErr(CodeAmbiguousCoordinates, "coordinates have commas that could be decimal marks or separators")
	case len(found) == 0:
		return 0, 0, bad
	}
	lat, lon := found[0].lat, found[0].lon
	if ferr := checkLatLon(lat, lon); ferr != nil {
		return 0, 0, ferr
	}
	return lat, lon, nil
}

func checkLatLon(lat, lon float64) *FieldError {
	switch {
	case math.Abs(lat) > 90 && math.Abs(lon) <= 90 && math.Abs(lat) <= 180:
		return fieldErr(CodeCoordinatesOutOfRange, "coordinates out of range (latitude beyond ±90: are latitude and longitude swapped?)")
	case math.Abs(lat) > 90:
		return fieldErr(CodeCoordinatesOutOfRange, "coordinates out of range (latitude beyond ±90)")
	case math.Abs(lon) > 180:
		return fieldErr(CodeCoordinatesOutOfRange, "coordinates out of range (longitude beyond ±180)")
	case lat == 0 && lon == 0:
		return fieldErr(CodeZeroCoordinates, "coordinates 0, 0 (a placeholder, not a position)")
	}
	return nil
}

// parseNumber reads [+-]digits[(.|,)digits], with at most 3 digits before
// the mark (degrees never go beyond 180) and 20 after it (MMP publishes 12,
// already far below a millimetre), and returns the decimal mark used (0 for
// none).
func parseNumber(s string) (float64, byte, bool) {
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	var mark byte
	intDigits, fracDigits := 0, 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case isDigit(c) && mark == 0:
			intDigits++
		case isDigit(c):
			fracDigits++
		case (c == '.' || c == ',') && mark == 0:
			mark = c
		default:
			return 0, 0, false
		}
	}
	if intDigits == 0 || intDigits > 3 || mark != 0 && (fracDigits == 0 || fracDigits > 20) {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, 0, false
	}
	return v, mark, true
}

// parseDegree reads one latitude or longitude cell (HXL #geo+lat,
// #geo+lon): a decimal number, with a point or a comma as decimal mark.
func parseDegree(s string) (float64, *FieldError) {
	v, _, ok := parseNumber(strings.TrimSpace(s))
	if !ok {
		return 0, fieldErr(CodeBadCoordinates, "coordinate not understood (expected decimal degrees)")
	}
	return v, nil
}
