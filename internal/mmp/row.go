package mmp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// rowParser turns the cells of one row into an HXLRow (whose Record is what
// Read passes on), with every problem found.
type rowParser struct {
	cols     []column
	idx      [numFields]int // 1 + index of the column holding each field; 0: none
	now      time.Time
	problems []Rejection
}

func newRowParser(cols []column, now time.Time) *rowParser {
	p := &rowParser{cols: cols, now: now}
	for i, c := range cols {
		if c.f != fNone {
			p.idx[c.f] = i + 1
		}
	}
	return p
}

// cell returns the trimmed cell for f and its column's name; ok is false
// when the file has no such column.
func (p *rowParser) cell(cells []string, f field) (v, col string, ok bool) {
	i := p.idx[f]
	if i == 0 {
		return "", "", false
	}
	return strings.TrimSpace(cells[i-1]), p.cols[i-1].name, true
}

func (p *rowParser) fail(line int, col, code, reason string) {
	p.problems = append(p.problems, Rejection{Line: line, Column: col, Code: code, Reason: reason})
}

func (p *rowParser) failField(line int, col string, e *FieldError) {
	p.fail(line, col, e.Code, e.Reason+" in "+col)
}

// parse reads one row. The problems it returns are valid until the next
// call.
func (p *rowParser) parse(cells []string, line int) (*HXLRow, []Rejection) {
	p.problems = p.problems[:0]
	n := len(p.cols)
	if len(cells) < n {
		p.fail(line, "", CodeCellCount, fmt.Sprintf("row has %d cells, the header has %d", len(cells), n))
		return nil, p.problems
	}
	for i := n; i < len(cells); i++ {
		if strings.TrimSpace(cells[i]) != "" {
			p.fail(line, "", CodeCellCount, fmt.Sprintf("row has %d cells, the header has %d, and the extra cells are not empty", len(cells), n))
			return nil, p.problems
		}
	}
	row := &HXLRow{}
	r := &row.Record
	r.Line = line

	text := func(f field, dst *string) {
		if v, _, ok := p.cell(cells, f); ok {
			*dst = v
		}
	}
	text(fIncidentID, &r.IncidentID)
	text(fType, &r.IncidentType)
	text(fRegion, &r.Region)
	text(fCause, &r.CauseOfDeath)
	text(fLocation, &r.Location)
	text(fSource, &r.InfoSource)
	text(fRoute, &r.Route)
	text(fURL, &r.URL)
	text(fUNSD, &r.UNSDGroup)
	text(fOriginCountry, &r.CountryOfOrigin)
	text(fOriginRegion, &r.RegionOfOrigin)
	text(fCountry, &r.CountryOfIncident)
	text(fAdm1, &row.Adm1)
	text(fAdm1Code, &row.Adm1Code)
	text(fAdm2, &row.Adm2)
	text(fAdm2Code, &row.Adm2Code)
	text(fOrg, &row.Org)
	text(fDescription, &row.Description)

	if v, col, ok := p.cell(cells, fID); ok {
		switch {
		case v == "":
			p.fail(line, col, CodeMissingID, "no ID in "+col)
		case len(v) > maxIDLen || strings.IndexFunc(v, unicode.IsControl) >= 0:
			p.fail(line, col, CodeBadID, "ID too long or with control characters in "+col)
		default:
			r.SourceID = v
		}
	}

	count := func(f field, dst **int) {
		v, col, ok := p.cell(cells, f)
		if !ok || v == "" {
			return
		}
		n, ferr := parseCount(v)
		if ferr != nil {
			p.failField(line, col, ferr)
			return
		}
		*dst = &n
	}
	count(fDead, &r.Dead)
	count(fMissing, &r.Missing)
	count(fTotal, &r.TotalDeadMissing)
	count(fSurvivors, &r.Survivors)
	count(fFemales, &r.Females)
	count(fMales, &r.Males)
	count(fChildren, &r.Children)
	count(fInjured, &row.Injured)
	if t := r.TotalDeadMissing; t != nil {
		_, col, _ := p.cell(cells, fTotal)
		d, m := r.Dead, r.Missing
		if d != nil && m != nil && *t != *d+*m || d != nil && *t < *d || m != nil && *t < *m {
			p.fail(line, col, CodeTotalMismatch, col+" is not the number dead plus the number missing")
		}
	}

	if v, col, ok := p.cell(cells, fQuality); ok && v != "" {
		if q, err := strconv.Atoi(v); err != nil || q < 1 || q > 5 || len(v) > 1 {
			p.fail(line, col, CodeBadSourceQuality, "source quality is not 1 to 5 in "+col)
		} else {
			r.SourceQuality = &q
		}
	}

	if v, col, ok := p.cell(cells, fCountryCode); ok && v != "" {
		if len(v) < 2 || len(v) > 3 || strings.IndexFunc(v, func(c rune) bool { return c > unicode.MaxASCII || !isLetter(byte(c)) }) >= 0 {
			p.fail(line, col, CodeBadCountryCode, "country code is not 2 or 3 letters in "+col)
		} else {
			row.CountryCode = strings.ToUpper(v)
		}
	}

	p.coordinates(cells, line, r)
	p.date(cells, line, r)

	if len(p.problems) > 0 {
		return nil, p.problems
	}
	return row, nil
}

func (p *rowParser) coordinates(cells []string, line int, r *Record) {
	if v, col, ok := p.cell(cells, fCoords); ok && v != "" {
		lat, lon, ferr := parseCoordinates(v)
		if ferr != nil {
			p.failField(line, col, ferr)
			return
		}
		r.Lat, r.Lon = &lat, &lon
		return
	}
	latS, latCol, _ := p.cell(cells, fLat)
	lonS, lonCol, _ := p.cell(cells, fLon)
	switch {
	case latS == "" && lonS == "":
		return
	case latS == "":
		p.fail(line, latCol, CodeIncompleteCoordinates, "longitude without latitude in "+latCol)
		return
	case lonS == "":
		p.fail(line, lonCol, CodeIncompleteCoordinates, "latitude without longitude in "+lonCol)
		return
	}
	lat, e1 := parseDegree(latS)
	lon, e2 := parseDegree(lonS)
	if e1 != nil {
		p.failField(line, latCol, e1)
	}
	if e2 != nil {
		p.failField(line, lonCol, e2)
	}
	if e1 != nil || e2 != nil {
		return
	}
	if ferr := checkLatLon(lat, lon); ferr != nil {
		p.failField(line, latCol+" and "+lonCol, ferr)
		return
	}
	r.Lat, r.Lon = &lat, &lon
}

// date reads the date, year and month cells and checks them against each
// other and the clock.
func (p *rowParser) date(cells []string, line int, r *Record) {
	nproblems := len(p.problems)
	dateS, dateCol, _ := p.cell(cells, fDate)
	yearS, yearCol, _ := p.cell(cells, fYear)
	monthS, monthCol, _ := p.cell(cells, fMonth)

	var year int
	if yearS != "" {
		if len(yearS) != 4 || strings.Trim(yearS, "0123456789") != "" {
			p.fail(line, yearCol, CodeBadDate, "year not understood in "+yearCol)
		} else if year = atoi(yearS); year < MinYear || year > p.now.Year() {
			p.fail(line, yearCol, CodeDateOutOfRange, "year before 1900 or in the future in "+yearCol)
		}
	}
	var month time.Month
	if monthS != "" {
		if m, ok := monthNames[strings.ToLower(strings.TrimSuffix(monthS, "."))]; ok {
			month = m
		} else if m := atoiSmall(monthS); m >= 1 && m <= 12 {
			month = time.Month(m)
		} else {
			p.fail(line, monthCol, CodeBadDate, "month not understood in "+monthCol)
		}
	}
	if len(p.problems) > nproblems {
		return
	}

	var (
		t    time.Time
		prec string
	)
	switch {
	case dateS != "":
		var ferr *FieldError
		if t, prec, ferr = parseDate(dateS); ferr != nil {
			p.failField(line, dateCol, ferr)
			return
		}
		if year != 0 && t.Year() != year {
			p.fail(line, dateCol, CodeDateMismatch, fmt.Sprintf("date in %s is not in the year in %s", dateCol, yearCol))
		}
		if month != 0 && t.Month() != month {
			p.fail(line, dateCol, CodeDateMismatch, fmt.Sprintf("date in %s is not in the month in %s", dateCol, monthCol))
		}
		if t.After(p.now) {
			p.fail(line, dateCol, CodeDateOutOfRange, "date in the future in "+dateCol)
		}
	case year != 0 && month != 0:
		t, prec = time.Date(year, month, 1, 0, 0, 0, 0, time.UTC), PrecisionMonth
		if t.After(p.now) {
			p.fail(line, monthCol, CodeDateOutOfRange, "month in the future in "+monthCol)
		}
	case month != 0:
		p.fail(line, monthCol, CodeBadDate, "month without a year in "+monthCol)
	}
	if len(p.problems) > nproblems {
		return
	}
	if !t.IsZero() {
		r.IncidentDate, r.DatePrecision = t, prec
		if year == 0 {
			year = t.Year()
		}
	}
	if year != 0 {
		r.ReportedYear = &year
	}
}

// atoiSmall reads one or two ASCII digits; -1 otherwise.
func atoiSmall(s string) int {
	if len(s) == 0 || len(s) > 2 || strings.Trim(s, "0123456789") != "" {
		return -1
	}
	return atoi(s)
}
