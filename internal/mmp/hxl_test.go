package mmp

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func readHXLString(o Options, s string) ([]HXLRow, Report, error) {
	var rows []HXLRow
	rep, err := o.ReadHXL(strings.NewReader(s), func(r HXLRow) error {
		rows = append(rows, r)
		return nil
	})
	return rows, rep, err
}

func TestReadHXLSample(t *testing.T) {
	b, err := os.ReadFile("testdata/hxl.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, rep, err := readHXLString(testOptions, string(b))
	if err != nil {
		t.Fatal(err)
	}
	wantUnknown := []string{"#affected+killed+f", "#sector", "Notes (no hashtag)"}
	if rep.Layout != LayoutHXL || !rep.HXL || !slices.Equal(rep.UnknownColumns, wantUnknown) ||
		rep.Accepted != 3 || rep.RejectedRows != 0 || len(rows) != 3 {
		t.Fatalf("report %+v", rep)
	}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	want := []HXLRow{{
		Record: Record{Line: 3, SourceID: "T-1", IncidentDate: day(2021, 7, 2), DatePrecision: PrecisionDay,
			ReportedYear: ptr(2021), Dead: ptr(2), Location: "Invented beach", Lat: ptr(39.10), Lon: ptr(26.55)},
		CountryCode: "GR", Adm1: "Voreio Aigaio", Org: "Invented Org",
	}, {
		Record: Record{Line: 4, SourceID: "T-2", IncidentDate: day(2021, 7, 14), DatePrecision: PrecisionDay,
			ReportedYear: ptr(2021), Missing: ptr(5), Location: "Invented cove", Lat: ptr(36.9), Lon: ptr(27.3)},
		CountryCode: "GR", Adm1: "Notio Aigaio", Org: "Invented Org",
	}, {
		Record: Record{Line: 5, SourceID: "T-3", IncidentDate: day(2021, 7, 1), DatePrecision: PrecisionMonth,
			ReportedYear: ptr(2021), Dead: ptr(1), Missing: ptr(0), Location: "Invented border area"},
		CountryCode: "HR",
	}}
	for i := range want {
		got := rows[i]
		checkAsPublished(t, got.Record)
		got.Record = typed(got.Record)
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("row %d:\n got %s %+v\nwant %s %+v", i, show(rows[i].Record), rows[i], show(want[i].Record), want[i])
		}
	}
}

func TestReadHXL(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		accepted int
		rejected []rej
		unknown  []string
		check    func(t *testing.T, rows []HXLRow)
	}{{
		name:     "hashtags on the first line, attributes in any order, spaces, case",
		in:       "#Date,#affected +missing+killed,# geo+coord,#adm2+code,#affected+killed+i_en\n2020-02-02,3,\"1.5, 2.5\",X1,3\n",
		accepted: 1,
		check: func(t *testing.T, rows []HXLRow) {
			r := rows[0]
			if r.Line != 2 || *r.TotalDeadMissing != 3 || *r.Dead != 3 || *r.Lat != 1.5 || r.Adm2Code != "X1" || r.SourceID != "" {
				t.Errorf("got %s %+v", show(r.Record), r)
			}
		},
	}, {
		name:     "bad values",
		in:       "Id,Lat,Lon,Country\n#event+id,#geo+lat,#geo+lon,#country+code\n1,95,10,GR\n2,10,,GR\n,1,1,GR\n4,1,1,Greece\n5,\"1,5\",\"2,5\",\n6,0,0,\n",
		accepted: 1,
		rejected: []rej{{3, CodeCoordinatesOutOfRange}, {4, CodeIncompleteCoordinates}, {5, CodeMissingID},
			{6, CodeBadCountryCode}, {8, CodeZeroCoordinates}},
		check: func(t *testing.T, rows []HXLRow) {
			if r := rows[0]; *r.Lat != 1.5 || *r.Lon != 2.5 {
				t.Errorf("decimal commas in #geo+lat: %s", show(r.Record))
			}
		},
	}, {
		name:     "untagged columns are not imported",
		in:       "A,B,,D\n#date,,,#description\n2020-01-01,b,c,d\n",
		accepted: 1,
		unknown:  []string{"B (no hashtag)"}, // C has neither name nor hashtag
		check: func(t *testing.T, rows []HXLRow) {
			if rows[0].Description != "d" {
				t.Errorf("description %q", rows[0].Description)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, rep, err := readHXLString(testOptions, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []rej
			for _, r := range rep.Rejected {
				got = append(got, rej{r.Line, r.Code})
			}
			if rep.Accepted != tt.accepted || len(rows) != tt.accepted || !slices.Equal(got, tt.rejected) ||
				!slices.Equal(rep.UnknownColumns, tt.unknown) {
				t.Fatalf("accepted %d, rejected %v, unknown %q; want %d, %v, %q", rep.Accepted, got, rep.UnknownColumns,
					tt.accepted, tt.rejected, tt.unknown)
			}
			if tt.check != nil {
				tt.check(t, rows)
			}
		})
	}
}

func TestReadHXLFatal(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		kind   error
		line   int
		detail string
	}{
		{"empty", "", ErrNoHashtags, 0, "empty"},
		{"no hashtag row", "Date,Dead\n2020-01-01,1\n", ErrNoHashtags, 2, "neither"},
		{"header only", "Date,Dead\n", ErrNoHashtags, 2, "neither"},
		{"hashtags on the third line", "Title\nDate,Dead\n#date,#affected+killed\n", ErrNoHashtags, 2, "neither"},
		{"no known hashtag", "#sector,#affected+killed+f\n", ErrNoHashtags, 1, "none of the hashtags"},
		{"duplicate", "#date,#affected+killed,#affected+dead\n", ErrColumnConflict, 1, "number dead"},
		{"duplicate after normalising", "#date+occurred,#Date +Occurred+i_fr\n", ErrColumnConflict, 1, "date"},
		{"coord and lat", "#geo+coord,#geo+lat,#geo+lon\n", ErrColumnConflict, 1, "#geo+coord"},
		{"lat alone", "#date,#geo+lat\n", ErrColumnConflict, 1, "together"},
		{"Latin-1", "#date,#loc\n2020-01-01,Espa\xf1a\n", ErrNotUTF8, 2, "Windows-1252"},
		{"too many columns", "Date\n#date" + strings.Repeat(",#x", 1000) + "\n", ErrNoHeader, 2, "1001 cells"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readHXLString(testOptions, tt.in)
			if !errors.Is(err, tt.kind) || lineOf(err) != tt.line || !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("error %v (line %d); want %v at line %d, with %q", err, lineOf(err), tt.kind, tt.line, tt.detail)
			}
		})
	}
}

func TestNormaliseHashtag(t *testing.T) {
	for in, want := range map[string]string{
		"#affected+killed":               "#affected+killed",
		" #Affected +Missing +killed ":   "#affected+killed+missing",
		"#affected+killed+killed":        "#affected+killed",
		"#country+name+i_fr+v_iso3":      "#country+name",
		"#adm1+code":                     "#adm1+code",
		"#meta+source+quality":           "#meta+quality+source",
		"#affected+killed+missing+total": "#affected+killed+missing+total",
	} {
		if got, ok := normaliseHashtag(in); !ok || got != want {
			t.Errorf("normaliseHashtag(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "#", "affected", "#affected+", "#1x", "#affected+killed!", "#af-fected", "#é"} {
		if got, ok := normaliseHashtag(in); ok {
			t.Errorf("normaliseHashtag(%q) = %q, want refused", in, got)
		}
	}
}
