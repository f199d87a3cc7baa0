package mmp

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/geo"
)

func codeOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ""
}

func TestParseDate(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		prec string
		code string
	}{
		// 2019 layout
		{in: "December 30, 2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "January 1, 2014", want: day(2014, 1, 1), prec: PrecisionDay},
		{in: "Dec 30 2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "Dec. 30, 2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "  september 3, 2016 ", want: day(2016, 9, 3), prec: PrecisionDay},
		{in: "30 December 2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "30-Dec-2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "Monday, December 30, 2019", want: day(2019, 12, 30), prec: PrecisionDay},
		// ISO, with and without a time (dropped)
		{in: "2019-12-30", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "2019/12/30", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "2019-12-30T14:05:00Z", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "2019-12-30T14:05:00.123+02:00", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "2019-12-30 14:05", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "12/30/2019 2:30 PM", want: day(2019, 12, 30), prec: PrecisionDay},
		// numbers: day and month told apart, or refused
		{in: "30/12/2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "12/30/2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "30.12.2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "30-12-2019", want: day(2019, 12, 30), prec: PrecisionDay},
		{in: "06/06/2019", want: day(2019, 6, 6), prec: PrecisionDay},
		{in: "05/06/2019", code: CodeAmbiguousDate},
		{in: "1/2/2019", code: CodeAmbiguousDate},
		// a weekday settles it: 6 January 2014 was a Monday, 1 June a Sunday
		{in: "Mon, 01/06/2014 - 12:00", want: day(2014, 1, 6), prec: PrecisionDay},
		{in: "Sun, 01/06/2014 - 12:00", want: day(2014, 6, 1), prec: PrecisionDay},
		{in: "Fri, 01/06/2014 - 12:00", code: CodeBadDate},
		{in: "Tuesday, December 30, 2019", code: CodeBadDate},
		// month only
		{in: "Dec 2019", want: day(2019, 12, 1), prec: PrecisionMonth},
		{in: "December 2019", want: day(2019, 12, 1), prec: PrecisionMonth},
		{in: "Dec-2019", want: day(2019, 12, 1), prec: PrecisionMonth},
		{in: "2019-12", want: day(2019, 12, 1), prec: PrecisionMonth},
		{in: "12/2019", want: day(2019, 12, 1), prec: PrecisionMonth},
		// refused
		{in: "", code: CodeBadDate},
		{in: "30/12/19", code: CodeBadDate},
		{in: "2019-13-01", code: CodeBadDate},
		{in: "2019-02-30", code: CodeBadDate},
		{in: "February 29, 2019", code: CodeBadDate},
		{in: "13/13/2019", code: CodeBadDate},
		{in: "43829", code: CodeBadDate},
		{in: "Decembre 30, 2019", code: CodeBadDate},
		{in: "Dec2019", code: CodeBadDate},
		{in: "2019-12-12:00", code: CodeBadDate},
		{in: "2019-12-30T25:00", code: CodeBadDate},
		{in: "2019-12-30 / 2019-12-31", code: CodeBadDate},
		{in: "30/12-2019", code: CodeBadDate},
		{in: "1899-12-31", code: CodeDateOutOfRange},
		{in: "2019", code: CodeBadDate},
		{in: "Mar 5, 2019, 10:00", want: day(2019, 3, 5), prec: PrecisionDay},
	}
	for _, tt := range tests {
		got, prec, err := ParseDate(tt.in)
		if tt.code != "" {
			if codeOf(err) != tt.code {
				t.Errorf("ParseDate(%q) = %v, %q, %v; want code %s", tt.in, got, prec, err, tt.code)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || prec != tt.prec || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %q, %v; want %v, %q", tt.in, got, prec, err, tt.want, tt.prec)
		}
	}
}

func TestParseCoordinates(t *testing.T) {
	tests := []struct {
		in       string
		lat, lon float64
		code     string
	}{
		{in: "35.568972356329, -1.289773129748", lat: 35.568972356329, lon: -1.289773129748},
		{in: "35.5, -1.2", lat: 35.5, lon: -1.2},
		{in: "35.5,-1.2", lat: 35.5, lon: -1.2},
		{in: " 35.5 , -1.2 ", lat: 35.5, lon: -1.2},
		{in: "35, -1", lat: 35, lon: -1},
		{in: "35,-1", lat: 35, lon: -1},
		{in: "35.5,1.2", lat: 35.5, lon: 1.2},
		{in: "+35.5, +1.2", lat: 35.5, lon: 1.2},
		{in: "35.5 -1.2", lat: 35.5, lon: -1.2},
		{in: "35.5\t-1.2", lat: 35.5, lon: -1.2},
		{in: "35.5; -1.2", lat: 35.5, lon: -1.2},
		// decimal commas: only where no comma can be the separator
		{in: "35,5 -1,2", lat: 35.5, lon: -1.2},
		{in: "35,5   -1,0", lat: 35.5, lon: -1},
		{in: "35,5 12", code: CodeAmbiguousCoordinates},
		{in: "0,0 1", code: CodeAmbiguousCoordinates},
		{in: "35,5 -1", code: CodeAmbiguousCoordinates},
		{in: "35 -1,2", code: CodeAmbiguousCoordinates},
		{in: "35,5; 12", code: CodeAmbiguousCoordinates},
		{in: "35,5;-1,2", lat: 35.5, lon: -1.2},
		{in: "35,5 ; -1,2", lat: 35.5, lon: -1.2},
		{in: "-90, 180", lat: -90, lon: 180},
		{in: "35,5", code: CodeAmbiguousCoordinates},
		{in: "-35,5", code: CodeAmbiguousCoordinates},
		{in: "35,5,-1,2", code: CodeAmbiguousCoordinates},
		{in: "35,5, -1,2", code: CodeAmbiguousCoordinates},
		{in: "35,5 , -1,2", code: CodeAmbiguousCoordinates},
		{in: "35.5 -1,2", code: CodeAmbiguousCoordinates},
		{in: "35.5; -1,2", code: CodeAmbiguousCoordinates},
		{in: "", code: CodeBadCoordinates},
		{in: "35.5", code: CodeBadCoordinates},
		{in: "35.5, -1.2, 3", code: CodeBadCoordinates},
		{in: "35.5 -1.2 3", code: CodeBadCoordinates},
		{in: "35 - 1", code: CodeBadCoordinates},
		{in: "35°30'N 1°12'W", code: CodeBadCoordinates},
		{in: "N35.5 W1.2", code: CodeBadCoordinates},
		{in: "35.5, -1.2e1", code: CodeBadCoordinates},
		{in: "NaN, 1", code: CodeBadCoordinates},
		{in: ".5, 1", code: CodeBadCoordinates},
		{in: "5., 1", code: CodeBadCoordinates},
		{in: "1;2;3", code: CodeBadCoordinates},
		{in: "0 0000000000.000000000000000000000000000001", code: CodeBadCoordinates},
		{in: "35.123456789012345678901, 1", code: CodeBadCoordinates},
		{in: "35.12345678901234567890, 1", lat: 35.12345678901234567890, lon: 1},
		{in: "POINT(-1.2 35.5)", code: CodeBadCoordinates},
		{in: "-113.01, 31.96", code: CodeCoordinatesOutOfRange},
		{in: "91, 0", code: CodeCoordinatesOutOfRange},
		{in: "0, 180.5", code: CodeCoordinatesOutOfRange},
		{in: "0, 0", code: CodeZeroCoordinates},
		{in: "0.000, -0.0", code: CodeZeroCoordinates},
	}
	for _, tt := range tests {
		lat, lon, err := ParseCoordinates(tt.in)
		if tt.code != "" {
			if codeOf(err) != tt.code {
				t.Errorf("ParseCoordinates(%q) = %v, %v, %v; want code %s", tt.in, lat, lon, err, tt.code)
			}
			continue
		}
		if err != nil || lat != tt.lat || lon != tt.lon {
			t.Errorf("ParseCoordinates(%q) = %v, %v, %v; want %v, %v", tt.in, lat, lon, err, tt.lat, tt.lon)
			continue
		}
		// Faro's interactive position parser reads it the same way.
		p, err := geo.ParsePosition(tt.in)
		if err != nil || math.Abs(p.Lat-lat) > 1e-9 || math.Abs(p.Lon-lon) > 1e-9 {
			t.Errorf("geo.ParsePosition(%q) = %v, %v; ParseCoordinates read %v, %v", tt.in, p, err, lat, lon)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "1": 1, "007": 7, "1000000": 1_000_000, "0000000000012": 12} {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, code := range map[string]string{
		"-1": CodeNegativeCount, "-0": CodeNegativeCount, "1.5": CodeBadCount, "1,000": CodeBadCount,
		"+3": CodeBadCount, "-": CodeBadCount, "3 people": CodeBadCount, "1000001": CodeCountTooLarge,
		"99999999999999999999999": CodeCountTooLarge, "١٢": CodeBadCount, "- 3": CodeBadCount,
	} {
		if _, err := parseCount(in); err == nil || err.Code != code {
			t.Errorf("parseCount(%q): %v, want code %s", in, err, code)
		}
	}
}
