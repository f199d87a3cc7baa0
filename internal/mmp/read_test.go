package mmp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of the tests that use invented dates.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

var testOptions = Options{Now: func() time.Time { return testNow }}

func ptr[T any](v T) *T { return &v }

func readString(o Options, s string) ([]Record, Report, error) {
	var recs []Record
	rep, err := o.Read(strings.NewReader(s), func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, rep, err
}

func TestReadNewerLayout(t *testing.T) {
	f, err := os.Open("testdata/newer.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	rep, err := testOptions.Read(f, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Layout != LayoutNewer || !slices.Equal(rep.UnknownColumns, []string{"Internal Notes"}) ||
		rep.Accepted != 3 || rep.RejectedRows != 0 || len(recs) != 3 {
		t.Fatalf("report %+v, %d records", rep, len(recs))
	}
	want := []Record{{
		Line: 2, SourceID: "2023.TEST0001", IncidentID: "2023.TEST0001", IncidentType: "Incident",
		Region: "Mediterranean", IncidentDate: time.Date(2023, 3, 14, 0, 0, 0, 0, time.UTC), DatePrecision: PrecisionDay,
		ReportedYear: ptr(2023), Dead: ptr(3), Missing: ptr(12), TotalDeadMissing: ptr(15), Survivors: ptr(40),
		Females: ptr(1), Males: ptr(2), CauseOfDeath: "Drowning", Location: "Off Sfax, invented test row",
		InfoSource: "Invented for tests", Lat: ptr(34.65), Lon: ptr(11.05), Route: "Central Mediterranean",
		URL: "https://example.org/test/1", UNSDGroup: "Northern Africa", SourceQuality: ptr(3),
		CountryOfOrigin: "Guinea,Mali", RegionOfOrigin: "Sub-Saharan Africa", CountryOfIncident: "Tunisia",
	}, {
		// Empty cells stay unknown; a year and a month without a date give
		// the month.
		Line: 3, SourceID: "2022.TEST0002", IncidentID: "2022.TEST0002", IncidentType: "Incident",
		Region: "US-Mexico Border", IncidentDate: time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC), DatePrecision: PrecisionMonth,
		ReportedYear: ptr(2022), Dead: ptr(1), TotalDeadMissing: ptr(1), CauseOfDeath: "Mixed or unknown",
		Location: `Invented place near the "Rio" crossing`, InfoSource: "Invented for tests",
		Route: "US-Mexico border crossing", UNSDGroup: "Northern America", SourceQuality: ptr(1),
		CountryOfIncident: "United States of America",
	}, {
		Line: 4, SourceID: "2021.TEST0003", IncidentID: "2021.TEST0003-b", IncidentType: "Split Incident",
		Region: "North Africa", IncidentDate: time.Date(2021, 12, 30, 0, 0, 0, 0, time.UTC), DatePrecision: PrecisionDay,
		ReportedYear: ptr(2021), Missing: ptr(4), TotalDeadMissing: ptr(4),
		CauseOfDeath: "Harsh environmental conditions / lack of adequate shelter", Location: "Invented desert location",
		InfoSource: "Invented for tests", Lat: ptr(31.1), Lon: ptr(17.2), Route: "Central Mediterranean",
		UNSDGroup: "Northern Africa", SourceQuality: ptr(2), CountryOfOrigin: "Unknown", CountryOfIncident: "Libya",
	}}
	for i := range want {
		if i < len(recs) {
			checkAsPublished(t, recs[i])
		}
		if !reflect.DeepEqual(typed(recs[i]), want[i]) {
			t.Errorf("record %d:\n got %s\nwant %s", i, show(recs[i]), show(want[i]))
		}
	}
}

// show prints a record with its pointers followed (invented rows only).
// typed is r without the row as published, to compare the fields read.
func typed(r Record) Record {
	r.Columns, r.Cells = nil, nil
	return r
}

// checkAsPublished checks that the row as published has one cell per
// column and the ID cell as written.
func checkAsPublished(t *testing.T, r Record) {
	t.Helper()
	if len(r.Columns) == 0 || len(r.Cells) != len(r.Columns) {
		t.Errorf("line %d: %d columns, %d cells", r.Line, len(r.Columns), len(r.Cells))
		return
	}
	for i, c := range r.Columns {
		if (c == "Main ID" || c == "Web ID" || c == "#event+id") && r.Cells[i] != r.SourceID {
			t.Errorf("line %d: ID cell differs from SourceID", r.Line)
		}
	}
}

func show(r Record) string {
	v := reflect.ValueOf(r)
	var b strings.Builder
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if f.IsZero() {
			continue
		}
		fmt.Fprintf(&b, "%s=%v ", v.Type().Field(i).Name, f.Interface())
	}
	return b.String()
}

const shortHeader = "Web ID,Reported Date,Reported Year,Number Dead,Minimum Estimated Number of Missing,Total Dead and Missing,Location Coordinates,Location Description\n"

// rej is an expected rejection: line and code.
type rej struct {
	line int
	code string
}

func TestReadRows(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		accepted int
		blank    int
		rejected []rej
		check    func(t *testing.T, recs []Record, rep Report)
	}{{
		name:     "BOM",
		in:       "\xEF\xBB\xBF" + shortHeader + "1,2019-12-30,2019,1,,1,\"35.5, -1.2\",Ceuta\n",
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if recs[0].SourceID != "1" || rep.Layout != Layout2019 || len(rep.UnknownColumns) != 0 {
				t.Errorf("BOM not skipped: %+v %+v", recs[0], rep)
			}
		},
	}, {
		name:     "no BOM, CRLF, quoted everything",
		in:       strings.ReplaceAll(`"Web ID","Reported Date","Number Dead"`+"\n"+`"1","December 30, 2019","2"`+"\n", "\n", "\r\n"),
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if r := recs[0]; r.SourceID != "1" || *r.Dead != 2 || r.IncidentDate.Day() != 30 {
				t.Errorf("got %s", show(r))
			}
		},
	}, {
		name:     "header names folded",
		in:       "web_id, NUMBER-DEAD ,total dead & missing,Location  Coordinates\n7,1,1,\"1.5, 2.5\"\n",
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if r := recs[0]; *r.Dead != 1 || *r.TotalDeadMissing != 1 || *r.Lat != 1.5 || len(rep.UnknownColumns) != 0 {
				t.Errorf("got %s, unknown %q", show(r), rep.UnknownColumns)
			}
		},
	}, {
		name: "empty cells stay unknown",
		in:   shortHeader + "1,,,,,,,\n",
		check: func(t *testing.T, recs []Record, rep Report) {
			r := recs[0]
			if r.Dead != nil || r.Missing != nil || r.TotalDeadMissing != nil || r.Lat != nil || r.Lon != nil ||
				r.ReportedYear != nil || !r.IncidentDate.IsZero() || r.DatePrecision != "" {
				t.Errorf("empty cells read as %s", show(r))
			}
		},
		accepted: 1,
	}, {
		name:     "negative count",
		in:       shortHeader + "1,2019-12-30,2019,-1,,1,,\n2,2019-12-30,2019,1,,1,,\n",
		accepted: 1,
		rejected: []rej{{2, CodeNegativeCount}},
		check: func(t *testing.T, recs []Record, rep Report) {
			if r := rep.Rejected[0]; r.Reason != "negative count in Number Dead" || r.Column != "Number Dead" {
				t.Errorf("rejection %+v", r)
			}
		},
	}, {
		name: "bad counts",
		in: shortHeader + "1,,,1.5,,,,\n2,,,\"1,000\",,,,\n3,,,2000000,,,,\n4,,,three,,,,\n" +
			"5,,,2,3,4,,\n6,,,2,,1,,\n7,,,,3,1,,\n",
		rejected: []rej{{2, CodeBadCount}, {3, CodeBadCount}, {4, CodeCountTooLarge}, {5, CodeBadCount},
			{6, CodeTotalMismatch}, {7, CodeTotalMismatch}, {8, CodeTotalMismatch}},
	}, {
		name: "coordinates",
		in: shortHeader + "1,,,,,,35,5 -1,2,\n" + "2,,,,,,\"35,5 -1,2\",\n" + "3,,,,,,\"35,5\",\n" +
			"4,,,,,,\"35,5,-1,2\",\n" + "5,,,,,,\"-113.0, 31.9\",\n" + "6,,,,,,\"0, 0\",\n" + "7,,,,,,35.5 -1.2,\n",
		accepted: 2,
		rejected: []rej{{2, CodeCellCount}, {4, CodeAmbiguousCoordinates}, {5, CodeAmbiguousCoordinates},
			{6, CodeCoordinatesOutOfRange}, {7, CodeZeroCoordinates}},
		check: func(t *testing.T, recs []Record, rep Report) {
			if r := recs[0]; r.Line != 3 || *r.Lat != 35.5 || *r.Lon != -1.2 {
				t.Errorf("decimal commas: %s", show(r))
			}
			if r := recs[1]; r.Line != 8 || *r.Lat != 35.5 || *r.Lon != -1.2 {
				t.Errorf("space separator: %s", show(r))
			}
		},
	}, {
		name: "dates",
		in: shortHeader + "1,\"December 30, 2019\",2019,,,,,\n" + "2,2019-12-30,,,,,,\n" + "3,30/12/2019,,,,,,\n" +
			"4,12/30/2019,,,,,,\n" + "5,Dec 2019,,,,,,\n" + "6,05/06/2019,,,,,,\n" + "7,30/12/19,,,,,,\n" +
			"8,2019-12-30,2018,,,,,\n" + "9,2030-01-01,,,,,,\n" + "10,,2019,,,,,\n" + "11,,19,,,,,\n" + "12,,2031,,,,,\n",
		accepted: 6,
		rejected: []rej{{7, CodeAmbiguousDate}, {8, CodeBadDate}, {9, CodeDateMismatch}, {10, CodeDateOutOfRange},
			{12, CodeBadDate}, {13, CodeDateOutOfRange}},
		check: func(t *testing.T, recs []Record, rep Report) {
			for _, r := range recs[:4] {
				if !r.IncidentDate.Equal(time.Date(2019, 12, 30, 0, 0, 0, 0, time.UTC)) || r.DatePrecision != PrecisionDay || *r.ReportedYear != 2019 {
					t.Errorf("line %d: %s", r.Line, show(r))
				}
			}
			if r := recs[4]; !r.IncidentDate.Equal(time.Date(2019, 12, 1, 0, 0, 0, 0, time.UTC)) || r.DatePrecision != PrecisionMonth {
				t.Errorf("month only: %s", show(r))
			}
			if r := recs[5]; !r.IncidentDate.IsZero() || r.DatePrecision != "" || *r.ReportedYear != 2019 {
				t.Errorf("year only: %s", show(r))
			}
		},
	}, {
		name:     "reported month checked against the date",
		in:       "Web ID,Reported Date,Reported Month\n1,\"December 30, 2019\",Dec\n2,\"December 30, 2019\",Nov\n3,,Nov\n4,2019-12-30,13\n",
		accepted: 1,
		rejected: []rej{{3, CodeDateMismatch}, {4, CodeBadDate}, {5, CodeBadDate}},
	}, {
		name:     "extra and missing cells",
		in:       shortHeader + "1,,,,,,,,,\n" + "2,,,,,,,,x\n" + "3,,,,\n" + "4,,,,,,,\n",
		accepted: 2,
		rejected: []rej{{3, CodeCellCount}, {4, CodeCellCount}},
	}, {
		name:     "blank rows skipped, missing ID rejected",
		in:       shortHeader + ",,,,,,,\n\n" + ",,,,1,,,\n" + "  ,,,,,,,\n" + "5,,,,,,,\n",
		accepted: 1,
		blank:    2,
		rejected: []rej{{4, CodeMissingID}},
	}, {
		name: "broken quotes",
		in: shortHeader + "1,,,,,,,ab\"c\n" + "2,,,,,,,\"x\"y\n" + "3,,,,,,,ok\n" +
			"4,,,,,,,\"never closed\n5,,,,,,,\n",
		accepted: 1,
		rejected: []rej{{2, CodeCSV}, {3, CodeCSV}, {5, CodeCSV}},
		check: func(t *testing.T, recs []Record, rep Report) {
			if recs[0].Line != 4 {
				t.Errorf("row after the broken ones read at line %d", recs[0].Line)
			}
		},
	}, {
		name:     "quoted line breaks keep line numbers",
		in:       shortHeader + "1,,,,,,,\"two\nlines\"\n" + "2,,,,,,,\"three\r\nlines\r\nhere\"\n" + "3,,,,-2,,,\n",
		accepted: 2,
		rejected: []rej{{7, CodeNegativeCount}},
	}, {
		name:     "source quality",
		in:       "Web ID,Source Quality\n1,1\n2,5\n3,0\n4,6\n5,2.5\n6,\n",
		accepted: 3,
		rejected: []rej{{4, CodeBadSourceQuality}, {5, CodeBadSourceQuality}, {6, CodeBadSourceQuality}},
	}, {
		name:     "several problems in one row",
		in:       shortHeader + "1,2019-13-01,2019,-1,x,,\"91, 0\",\n",
		rejected: []rej{{2, CodeNegativeCount}, {2, CodeBadCount}, {2, CodeCoordinatesOutOfRange}, {2, CodeBadDate}},
	}, {
		name:     "HXL row under the header is skipped",
		in:       "Web ID,Number Dead\n#event+id,#affected+killed\n1,2\n",
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if !rep.HXL || recs[0].Line != 3 {
				t.Errorf("HXL %v, line %d", rep.HXL, recs[0].Line)
			}
		},
	}, {
		name:     "a row of IDs starting with # is data, not hashtags",
		in:       "Web ID,Number Dead\n#52673,\n",
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if rep.HXL || recs[0].SourceID != "#52673" {
				t.Errorf("HXL %v, ID %q", rep.HXL, recs[0].SourceID)
			}
		},
	}, {
		name:     "semicolons",
		in:       "Web ID;Number Dead;Location Coordinates;Location Description\n1;2;35,5 -1,2;Ceuta, Spain\n",
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if r := recs[0]; *r.Dead != 2 || *r.Lat != 35.5 || r.Location != "Ceuta, Spain" {
				t.Errorf("got %s", show(r))
			}
		},
	}, {
		name:     "tabs",
		in:       "Web ID\tNumber Dead\n1\t2\n",
		accepted: 1,
	}, {
		name:     "mixed layouts, unknown columns",
		in:       "Web ID,Number of Dead,Colour,,Location Coordinates\n1,2,red,,\n",
		accepted: 1,
		check: func(t *testing.T, recs []Record, rep Report) {
			if rep.Layout != LayoutUnknown || !slices.Equal(rep.UnknownColumns, []string{"Colour", "column 4 (no name)"}) {
				t.Errorf("layout %q, unknown %q", rep.Layout, rep.UnknownColumns)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rep, err := readString(testOptions, tt.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var got []rej
			for _, r := range rep.Rejected {
				got = append(got, rej{r.Line, r.Code})
				if r.Reason == "" {
					t.Errorf("rejection without reason: %+v", r)
				}
			}
			rows := map[int]bool{}
			for _, r := range tt.rejected {
				rows[r.line] = true
			}
			if rep.Accepted != tt.accepted || len(recs) != tt.accepted || rep.Blank != tt.blank ||
				rep.RejectedRows != len(rows) || !slices.Equal(got, tt.rejected) {
				t.Fatalf("accepted %d (%d records), blank %d, rejected rows %d %v;\nwant accepted %d, blank %d, rejected %v\n%+v",
					rep.Accepted, len(recs), rep.Blank, rep.RejectedRows, got, tt.accepted, tt.blank, tt.rejected, rep.Rejected)
			}
			if tt.check != nil {
				tt.check(t, recs, rep)
			}
		})
	}
}

func TestReadFatal(t *testing.T) {
	// Windows-1252 beyond the first 64 KB, where rows are checked one by one.
	var long strings.Builder
	long.WriteString(shortHeader)
	n := 0
	for long.Len() < 70_000 {
		n++
		fmt.Fprintf(&long, "%d,2019-12-30,2019,1,,1,,Ceuta\n", n)
	}
	long.WriteString("x,,,,,,,Espa\xf1a\n")

	tests := []struct {
		name   string
		in     string
		kind   error
		line   int
		detail string
	}{
		{"empty", "", ErrNoHeader, 0, "empty"},
		{"only BOM", "\xEF\xBB\xBF", ErrNoHeader, 0, "empty"},
		{"data, no header", "52673,Mediterranean,\"December 30, 2019\",2019,Dec,1\n", ErrNoHeader, 1, "none of the cells"},
		{"hashtags, no header", "#event+id,#date\n1,2019-01-01\n", ErrNoHeader, 1, "HXL"},
		{"no key column", "Reported Date,Number Dead\n2019-12-30,1\n", ErrNoKeyColumn, 1, "Web ID"},
		{"two key columns", "Web ID,Number Dead,Main ID\n1,1,1\n", ErrColumnConflict, 1, `"Web ID" and "Main ID"`},
		{"two date columns", "Web ID,Reported Date,Incident Date\n", ErrColumnConflict, 1, "date"},
		{"header with broken quote", "\"Web ID,Number Dead\n", ErrNoHeader, 1, "not valid CSV"},
		{"Latin-1 in the header", "Web ID,Descripci\xf3n\n1,2\n", ErrNotUTF8, 1, "Windows-1252"},
		{"Latin-1 in a row", shortHeader + "1,,,,,,,Espa\xf1a\n", ErrNotUTF8, 2, "Windows-1252"},
		{"Latin-1 after 64 KB", long.String(), ErrNotUTF8, n + 2, `column "Location Description"`},
		{"unknown 8-bit", shortHeader + "1,,,,,,,\x81\x8d\n", ErrNotUTF8, 2, "unknown"},
		{"UTF-16", "\xFF\xFEW\x00e\x00b\x00", ErrNotUTF8, 1, "UTF-16"},
		{"UTF-16 without BOM", "W\x00e\x00b\x00 \x00I\x00D\x00\n\x00", ErrNotUTF8, 1, "NUL"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", ErrNotUTF8, 1, "Excel"},
		{"too many columns", "Web ID" + strings.Repeat(",", 1000) + "\n", ErrNoHeader, 1, "1001 cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			_, err := testOptions.Read(strings.NewReader(tt.in), func(Record) error { calls++; return nil })
			var e *Error
			if !errors.Is(err, tt.kind) || !errors.As(err, &e) || e.Line != tt.line || !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("error %v (line %d); want %v at line %d, with %q", err, lineOf(err), tt.kind, tt.line, tt.detail)
			}
			if tt.kind != ErrNotUTF8 && calls > 0 {
				t.Errorf("%d rows passed on", calls)
			}
		})
	}
}

func lineOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return -1
}

func TestReadCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	_, err := Read(strings.NewReader(shortHeader+"1,,,,,,,\n2,,,,,,,\n"), func(Record) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("error %v after %d calls", err, calls)
	}
}

func TestReadTooManyRejections(t *testing.T) {
	o := testOptions
	o.MaxRejected = 3
	_, rep, err := readString(o, shortHeader+"1,,,-1,,,,\n2,,,-1,,,,\n3,,,-1,,,,\n4,,,-1,,,,\n5,,,,,,,\n")
	if !errors.Is(err, ErrTooManyRejections) || lineOf(err) != 5 || len(rep.Rejected) != 3 {
		t.Errorf("error %v, %d rejections", err, len(rep.Rejected))
	}
}

// rowStream is an endless CSV file: a header, then the same row again and
// again. It counts the bytes it gives.
type rowStream struct {
	head, row []byte
	pos       int
	n         int64
	limit     int64 // stop (EOF) after this many bytes; 0: never
}

func (s *rowStream) Read(p []byte) (int, error) {
	if s.limit > 0 && s.n >= s.limit {
		return 0, io.EOF
	}
	if s.limit > 0 && int64(len(p)) > s.limit-s.n {
		p = p[:s.limit-s.n]
	}
	k := 0
	for k < len(p) {
		src := s.row
		if s.head != nil {
			src = s.head
		}
		c := copy(p[k:], src[s.pos:])
		k += c
		s.pos += c
		if s.pos == len(src) {
			s.pos = 0
			s.head = nil
		}
	}
	s.n += int64(k)
	return k, nil
}

func TestReadTooLarge(t *testing.T) {
	s := &rowStream{head: []byte(shortHeader), row: []byte("52673,2019-12-30,2019,1,,1,\"35.5, -1.2\",Off the coast\n")}
	o := testOptions
	o.MaxBytes = 1 << 20
	calls := 0
	_, err := o.Read(s, func(Record) error { calls++; return nil })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1 MB") {
		t.Fatalf("error %v", err)
	}
	if s.n > o.MaxBytes+1 {
		t.Errorf("read %d bytes, limit %d", s.n, o.MaxBytes)
	}
	if calls == 0 {
		t.Errorf("no rows before the limit")
	}
	// No limit.
	s = &rowStream{head: []byte(shortHeader), row: []byte("1,,,,,,,\n"), limit: 3 << 20}
	if _, err := (Options{MaxBytes: -1}).Read(s, func(Record) error { return nil }); err != nil || s.n != 3<<20 {
		t.Errorf("no limit: %v after %d bytes", err, s.n)
	}
	// Exactly at the limit is fine.
	s = &rowStream{head: []byte(shortHeader), row: []byte("1,,,,,,,\n"), limit: 1 << 20}
	s.limit -= (s.limit - int64(len(shortHeader))) % int64(len(s.row))
	o.MaxBytes = s.limit
	if _, err := o.Read(s, func(Record) error { return nil }); err != nil {
		t.Errorf("file of exactly MaxBytes: %v", err)
	}
}

// TestReadOneGigabyte feeds a 1 GB file to Read with the default limit: it
// stops at 200 MB with ErrTooLarge, in constant memory.
func TestReadOneGigabyte(t *testing.T) {
	s := &rowStream{head: []byte(shortHeader), row: []byte("52673,2019-12-30,2019,1,,1,\"35.5, -1.2\",Off the coast of somewhere\n"), limit: 1 << 30}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	calls := 0
	_, err := Read(s, func(Record) error {
		calls++
		if calls%200_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "200 MB") {
		t.Fatalf("error %v", err)
	}
	if s.n > DefaultMaxBytes+1 {
		t.Errorf("read %d bytes of 1 GB, limit %d", s.n, DefaultMaxBytes)
	}
	if peak > base+64<<20 {
		t.Errorf("heap grew from %d to %d MB", base>>20, peak>>20)
	}
	t.Logf("%d rows, %d MB read, heap %d → %d MB", calls, s.n>>20, base>>20, peak>>20)
}

func TestReadRowTooLong(t *testing.T) {
	// A quote never closed: the rest of the file would be one cell.
	s := &rowStream{head: []byte(shortHeader + "1,,,,,,,ok\n2,,,,,,,\"open"), row: bytes.Repeat([]byte("a"), 1000)}
	o := testOptions
	o.MaxRowBytes = 100 << 10
	calls := 0
	_, err := o.Read(s, func(Record) error { calls++; return nil })
	if !errors.Is(err, ErrRowTooLong) || lineOf(err) != 3 || calls != 1 {
		t.Fatalf("error %v at line %d, %d rows", err, lineOf(err), calls)
	}
	if s.n > int64(o.MaxRowBytes)+3*readBufferSize {
		t.Errorf("read %d bytes for a row limit of %d", s.n, o.MaxRowBytes)
	}
}
