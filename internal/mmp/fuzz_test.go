package mmp

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/geo"
)

var fuzzOptions = Options{MaxBytes: 1 << 20, MaxRowBytes: 8 << 10, MaxRejected: 1000, Now: func() time.Time { return testNow }}

var knownCodes = map[string]bool{
	CodeCSV: true, CodeCellCount: true, CodeMissingID: true, CodeBadID: true, CodeBadCount: true,
	CodeNegativeCount: true, CodeCountTooLarge: true, CodeTotalMismatch: true, CodeBadDate: true,
	CodeAmbiguousDate: true, CodeDateOutOfRange: true, CodeDateMismatch: true, CodeBadCoordinates: true,
	CodeAmbiguousCoordinates: true, CodeCoordinatesOutOfRange: true, CodeZeroCoordinates: true,
	CodeIncompleteCoordinates: true, CodeBadSourceQuality: true, CodeBadCountryCode: true,
}

// checkRecord fails on an accepted record that breaks a promise of the
// package. Messages name lines, not content.
func checkRecord(t *testing.T, r Record, needID bool) {
	t.Helper()
	if r.Line < 2 {
		t.Errorf("record on line %d", r.Line)
	}
	if needID && r.SourceID == "" {
		t.Errorf("line %d: no source ID", r.Line)
	}
	for _, c := range []*int{r.Dead, r.Missing, r.TotalDeadMissing, r.Survivors, r.Females, r.Males, r.Children} {
		if c != nil && (*c < 0 || *c > MaxCount) {
			t.Errorf("line %d: count %d", r.Line, *c)
		}
	}
	if d, m, tot := r.Dead, r.Missing, r.TotalDeadMissing; tot != nil && (d != nil && *tot < *d || m != nil && *tot < *m ||
		d != nil && m != nil && *tot != *d+*m) {
		t.Errorf("line %d: total is not dead + missing", r.Line)
	}
	if (r.Lat == nil) != (r.Lon == nil) {
		t.Errorf("line %d: half a position", r.Line)
	}
	if r.Lat != nil {
		checkLatLonOK(t, *r.Lat, *r.Lon)
	}
	if q := r.SourceQuality; q != nil && (*q < 1 || *q > 5) {
		t.Errorf("line %d: source quality %d", r.Line, *q)
	}
	switch r.DatePrecision {
	case "":
		if !r.IncidentDate.IsZero() {
			t.Errorf("line %d: date without precision", r.Line)
		}
	case PrecisionDay, PrecisionMonth:
		d := r.IncidentDate
		if d.IsZero() || d.Location() != time.UTC || d.Hour()+d.Minute()+d.Second()+d.Nanosecond() != 0 ||
			d.Year() < MinYear || d.After(testNow) || r.DatePrecision == PrecisionMonth && d.Day() != 1 {
			t.Errorf("line %d: date out of range or not at midnight UTC", r.Line)
		}
		if r.ReportedYear == nil || *r.ReportedYear != d.Year() {
			t.Errorf("line %d: year does not match the date", r.Line)
		}
	default:
		t.Errorf("line %d: precision %q", r.Line, r.DatePrecision)
	}
	if y := r.ReportedYear; y != nil && (*y < MinYear || *y > testNow.Year()) {
		t.Errorf("line %d: year %d", r.Line, *y)
	}
	for _, s := range []string{r.SourceID, r.IncidentID, r.IncidentType, r.Region, r.CauseOfDeath, r.Location,
		r.InfoSource, r.Route, r.URL, r.UNSDGroup, r.CountryOfOrigin, r.RegionOfOrigin, r.CountryOfIncident} {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || s != strings.TrimSpace(s) {
			t.Errorf("line %d: text not valid UTF-8, with NUL, or not trimmed", r.Line)
		}
	}
}

func checkLatLonOK(t *testing.T, lat, lon float64) {
	t.Helper()
	if math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 || lat == 0 && lon == 0 {
		t.Errorf("position out of range")
	}
}

func checkReport(t *testing.T, rep Report, err error, calls int) {
	t.Helper()
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Kind == nil {
			t.Errorf("error not an *Error: %v", err)
		}
	}
	if rep.Accepted != calls {
		t.Errorf("Accepted %d, fn called %d times", rep.Accepted, calls)
	}
	if len(rep.Rejected) < rep.RejectedRows || len(rep.Rejected) > fuzzOptions.MaxRejected {
		t.Errorf("%d rejections for %d rejected rows", len(rep.Rejected), rep.RejectedRows)
	}
	last := 0
	for _, r := range rep.Rejected {
		if r.Line < 1 || r.Line < last || !knownCodes[r.Code] || r.Reason == "" {
			t.Errorf("rejection line %d, code %q, reason %q", r.Line, r.Code, r.Reason)
		}
		last = r.Line
	}
}

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

func FuzzRead(f *testing.F) {
	addSeeds(f, "testdata/newer.csv")
	if b, err := os.ReadFile(realFile); err == nil {
		f.Add(b[:bytes.IndexByte(b[2000:], '\n')+2001])
	}
	for _, s := range []string{
		"\xEF\xBB\xBF" + shortHeader + "1,\"December 30, 2019\",2019,1,,1,\"35.5, -1.2\",Ceuta\n",
		shortHeader + "1,30/12/2019,2019,-1,2,1,\"35,5 -1,2\",\"a\"\"b\"\n2,12/2019,,,,,35.5 -1.2,\n",
		shortHeader + "1,05/06/2019,,,,,,ab\"c\n2,,,,,,,\"open\n",
		"Web ID;Number Dead;Location Coordinates\n1;2;35,5;-1,2\n",
		"Main ID,Incident Date,Incident Year,Reported Month,Coordinates\n1,\"Mon, 01/06/2014 - 12:00\",2014,Jan,\"1, 2\"\n",
		"Web ID,Number Dead\n#event+id,#affected+killed\n1,1\n,,\n",
		"Web ID,Descripci\xf3n\n1,2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		calls := 0
		rep, err := fuzzOptions.Read(bytes.NewReader(data), func(r Record) error {
			calls++
			checkRecord(t, r, true)
			return nil
		})
		checkReport(t, rep, err, calls)
	})
}

func FuzzReadHXL(f *testing.F) {
	addSeeds(f, "testdata/hxl.csv")
	for _, s := range []string{
		"#event+id,#date,#geo+lat,#geo+lon,#affected+killed,#affected+missing,#affected+killed+missing\n1,2020-01-01,1.5,\"2,5\",1,2,3\n",
		"A,B,C\n#geo+coord,#date+year,#date+month\n\"35,5 -1,2\",2019,Dec\n\"1,5\",2019,13\n",
		"#country+code,#adm1+name,#org,#loc+name,#meta+source+quality,#affected+f\ngr,x,y,z,6,-1\n",
		"#date,#date\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		calls := 0
		rep, err := fuzzOptions.ReadHXL(bytes.NewReader(data), func(r HXLRow) error {
			calls++
			checkRecord(t, r.Record, false)
			if r.Injured != nil && (*r.Injured < 0 || *r.Injured > MaxCount) {
				t.Errorf("line %d: injured out of range", r.Line)
			}
			if c := r.CountryCode; c != "" && (len(c) < 2 || len(c) > 3 || strings.ToUpper(c) != c) {
				t.Errorf("line %d: country code not 2 or 3 capitals", r.Line)
			}
			return nil
		})
		checkReport(t, rep, err, calls)
	})
}

func FuzzCoordinates(f *testing.F) {
	for _, s := range []string{"35.568972356329, -1.289773129748", "35,5 -1,2", "35,5", "35,5,-1,2", "35.5; -1,2",
		"-113.0, 31.9", "0, 0", "+90, -180", " 1 , 2 ", "35.5 -1.2", "1;2", "35°30'N 1°12'W", "1e5, 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lat, lon, err := ParseCoordinates(s)
		if err != nil {
			if !knownCodes[codeOf(err)] {
				t.Errorf("error without a known code: %v", err)
			}
			return
		}
		checkLatLonOK(t, lat, lon)
		// Only the characters of two decimal numbers and a separator,
		// between spaces of any kind.
		if strings.Trim(strings.TrimSpace(s), "0123456789+-.,; \t") != "" {
			t.Errorf("accepted a position with other characters")
		}
		// Written back with points, it reads the same.
		back := strconv.FormatFloat(lat, 'f', -1, 64) + ", " + strconv.FormatFloat(lon, 'f', -1, 64)
		if lat2, lon2, err := ParseCoordinates(back); err != nil || lat2 != lat || lon2 != lon {
			t.Errorf("%q read back as %v, %v, %v", back, lat2, lon2, err)
		}
		// Faro's interactive parser, which refuses what it finds ambiguous,
		// reads the same place.
		if p, err := geo.ParsePosition(s); err != nil || math.Abs(p.Lat-lat) > 1e-9 || math.Abs(p.Lon-lon) > 1e-9 {
			t.Errorf("%q: ParseCoordinates %v, %v; geo.ParsePosition %v, %v", s, lat, lon, p, err)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"December 30, 2019", "2019-12-30T14:00:00+02:00", "05/06/2019", "Mon, 01/06/2014 - 12:00",
		"Dec 2019", "12/2019", "30-Dec-2019", "2019-12-12:00", "1/2/2019 2:30 pm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, prec, err := ParseDate(s)
		if err != nil {
			if !knownCodes[codeOf(err)] {
				t.Errorf("error without a known code: %v", err)
			}
			return
		}
		if d.Location() != time.UTC || d.Year() < MinYear || d.Year() > 9999 || d.Hour()+d.Minute()+d.Second()+d.Nanosecond() != 0 ||
			prec != PrecisionDay && prec != PrecisionMonth || prec == PrecisionMonth && d.Day() != 1 {
			t.Errorf("%q: %v, %q", s, d, prec)
		}
		// The ISO form of the result reads back the same.
		iso := d.Format("2006-01-02")
		if prec == PrecisionMonth {
			iso = d.Format("2006-01")
		}
		if d2, p2, err := ParseDate(iso); err != nil || !d2.Equal(d) || p2 != prec {
			t.Errorf("%q read back as %v, %q, %v", iso, d2, p2, err)
		}
	})
}
