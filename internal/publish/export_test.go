package publish

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// ptGolden compares got with testdata/name; PUBLISH_UPDATE_GOLDEN=1
// rewrites the file instead.
func ptGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("PUBLISH_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (PUBLISH_UPDATE_GOLDEN=1 to accept):\n%s", name, got)
	}
}

func TestCSVHeaderGolden(t *testing.T) {
	db := storetest.SQLite(t, migrations.All())
	var b bytes.Buffer
	if err := WriteCSV(ptCtx(), &b, NewStore(db), Filter{}); err != nil {
		t.Fatal(err)
	}
	ptGolden(t, "publish_csv_header.golden", b.Bytes())
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("header: %v", err)
	}
	for i, tag := range rows[1] {
		if !strings.HasPrefix(tag, "#") {
			t.Errorf("column %s has no hashtag", rows[0][i])
		}
	}
	for _, want := range []string{"#event+id", "#date+occurred", "#geo+lat", "#geo+lon", "#country+name", "#adm1+name",
		"#affected+dead", "#affected+missing", "#affected+total"} {
		if !strings.Contains(strings.Join(rows[1], ","), want) {
			t.Errorf("hashtag %s missing", want)
		}
	}
}

func TestDictionaryGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteDictionary(&b, ptCfg(), nil); err != nil {
		t.Fatal(err)
	}
	ptGolden(t, "publish_dictionary.golden", b.Bytes())
	for _, c := range dataColumns {
		if !strings.Contains(b.String(), "  "+c.Name+"\n    HXL: "+c.HXL) {
			t.Errorf("dictionary lacks column %s", c.Name)
		}
	}
	for _, c := range mmpColumns2019 {
		if mmpMeaning[c] == "" {
			t.Errorf("no meaning for MMP column %s", c)
		}
	}
	for _, want := range []string{"CC BY 4.0", "IOM Missing Migrants Project", "Test group"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("dictionary lacks %q", want)
		}
	}
}

func ptFixtures(t *testing.T, db *store.DB) *Store {
	t.Helper()
	st := NewStore(db)
	raw2019 := map[string]string{"Web ID": "52673", "Region of Incident": "Mediterranean", "Reported Date": "December 30, 2019",
		"Reported Year": "2019", "Reported Month": "Dec", "Number Dead": "1", "Minimum Estimated Number of Missing": "",
		"Total Dead and Missing": "1", "Number of Survivors": "11", "Number of Females": "", "Number of Males": "",
		"Number of Children": "", "Cause of Death": "Hypothermia", "Location Description": "Unspecififed location off the coast of Algeria",
		"Information Source": "@HS_Barboza", "Location Coordinates": "35.568972356329, -1.289773129748",
		"Migration Route": "Western Mediterranean", "URL": "https://bit.ly/2FqQHo4", "UNSD Geographical Grouping": "Uncategorized", "Source Quality": "1"}
	// The newer layout's row as the importer stores it: [column, cell] pairs.
	rawNewer := `[["Main ID","2021.X1"],["Incident Type","Incident"],["Number of Dead","3"],["Coordinates","36.1, -5.4"],["Incident Date","2021-03-04"]]`
	js := func(m map[string]string) string { b, _ := json.Marshal(m); return string(b) }
	recs := []*Record{
		{Source: SourceMMP, SourceID: "52673", Raw: js(raw2019), OccurredOn: "2019-12-30", DatePrecision: "day", Dead: ptInt(1), DeadAndMissing: ptInt(1),
			Lat: ptFloat(35.568972356329), Lon: ptFloat(-1.289773129748), Region: "Mediterranean", Attribution: "IOM Missing Migrants Project", Licence: "CC BY 4.0"},
		{Source: SourceMMP, SourceID: "2021.X1", Raw: rawNewer, OccurredOn: "2021-03-04", DatePrecision: "day", Dead: ptInt(3), DeadAndMissing: ptInt(3),
			Lat: ptFloat(36.1), Lon: ptFloat(-5.4), Region: "Mediterranean", Cause: "Drowning", Attribution: "IOM Missing Migrants Project"},
		{Source: SourceFaro, SourceID: "aa11", OccurredOn: "2026-03-02", DatePrecision: "week", Dead: ptInt(2), DeadAndMissing: ptInt(2),
			Lat: ptFloat(36.04), Lon: ptFloat(-5.6), Region: "Andalucía", Place: "Andalucía", Country: "ES", Suppressed: "origins", Attribution: "Test group", Licence: "CC BY 4.0"},
		{Source: SourceFaro, SourceID: "bb22", OccurredOn: "2026-03-09", DatePrecision: "week", Survivors: ptInt(30), Country: "ES",
			Summary: "=HYPERLINK(\"x\")", Attribution: "Test group"},
	}
	for _, r := range recs {
		if _, err := st.Upsert(ptCtx(), nil, r); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestMMPLayout(t *testing.T) {
	st := ptFixtures(t, storetest.SQLite(t, migrations.All()))
	var b bytes.Buffer
	if err := WriteMMP(ptCtx(), &b, st, Filter{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want the header and 3 (the record without deaths left out)", len(rows))
	}
	if strings.Join(rows[0], "|") != strings.Join(mmpColumns2019, "|") {
		t.Errorf("header %v", rows[0])
	}
	want := []string{"52673", "Mediterranean", "December 30, 2019", "2019", "Dec", "1", "", "1", "11", "", "", "", "Hypothermia",
		"Unspecififed location off the coast of Algeria", "@HS_Barboza", "35.568972356329, -1.289773129748", "Western Mediterranean",
		"https://bit.ly/2FqQHo4", "Uncategorized", "1"}
	if strings.Join(rows[1], "|") != strings.Join(want, "|") {
		t.Errorf("IOM row not re-emitted exactly:\n got %q\nwant %q", rows[1], want)
	}
	col := func(row []string, name string) string {
		for i, c := range mmpColumns2019 {
			if c == name {
				return row[i]
			}
		}
		return "?"
	}
	if col(rows[2], "Web ID") != "2021.X1" || col(rows[2], "Number Dead") != "3" || col(rows[2], "Cause of Death") != "Drowning" ||
		col(rows[2], "Reported Date") != "March 4, 2021" {
		t.Errorf("newer layout row: %q", rows[2])
	}
	if col(rows[3], "Web ID") != "aa11" || col(rows[3], "Reported Month") != "Mar" || col(rows[3], "Location Coordinates") != "36.04, -5.6" ||
		col(rows[3], "Information Source") != "Test group" {
		t.Errorf("own row: %q", rows[3])
	}
}

func TestGeoJSONAndJSON(t *testing.T) {
	st := ptFixtures(t, storetest.SQLite(t, migrations.All()))
	var b bytes.Buffer
	if err := WriteGeoJSON(ptCtx(), &b, st, Filter{}, "notice"); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			Type     string
			ID       int64
			Geometry *struct {
				Type        string
				Coordinates []float64
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &fc); err != nil {
		t.Fatalf("GeoJSON does not parse: %v", err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 4 {
		t.Fatalf("%s with %d features", fc.Type, len(fc.Features))
	}
	f0 := fc.Features[0]
	if f0.Type != "Feature" || f0.Geometry == nil || f0.Geometry.Type != "Point" || f0.Geometry.Coordinates[0] != -1.289773129748 || f0.Geometry.Coordinates[1] != 35.568972356329 {
		t.Errorf("first feature: %+v (want [lon, lat])", f0.Geometry)
	}
	if fc.Features[3].Geometry != nil {
		t.Error("a record without position must have geometry null")
	}
	if _, ok := f0.Properties["lat"]; ok {
		t.Error("lat repeated in properties")
	}
	if f0.Properties["missing"] != nil || f0.Properties["dead"] != float64(1) {
		t.Errorf("unknown must be null: %v", f0.Properties)
	}
	b.Reset()
	if err := WriteJSON(ptCtx(), &b, st, Filter{Source: SourceFaro}, "notice"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Notice  string
		Records []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.Notice != "notice" || len(doc.Records) != 2 {
		t.Fatalf("JSON: %v, %d records", err, len(doc.Records))
	}
	if doc.Records[0]["adm1"] != "Andalucía" || doc.Records[0]["region"] != "" {
		t.Errorf("own record's admin area: %v", doc.Records[0])
	}
	b.Reset()
	if err := WriteCSV(ptCtx(), &b, st, Filter{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `'=HYPERLINK`) || !strings.Contains(b.String(), "-1.289773129748") {
		t.Error("CSV: formula not defused, or a negative number was")
	}
	if strings.Contains(b.String(), "Unspecififed location") && strings.Contains(b.String(), "@HS_Barboza") {
		t.Error("CSV carries the raw IOM row")
	}
}

// TestCSVReadsBackAsHXL: the open data CSV is a valid HXL file that
// Faro's own generic importer maps without conflicts, with the same
// numbers (unknown stays unknown).
func TestCSVReadsBackAsHXL(t *testing.T) {
	st := ptFixtures(t, storetest.SQLite(t, migrations.All()))
	var b bytes.Buffer
	if err := WriteCSV(ptCtx(), &b, st, Filter{}); err != nil {
		t.Fatal(err)
	}
	var rows []mmp.HXLRow
	rep, err := mmp.Options{Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }}.ReadHXL(&b, func(r mmp.HXLRow) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil || rep.RejectedRows != 0 || len(rows) != 4 {
		t.Fatalf("ReadHXL: %v, %d rejected %v, %d rows", err, rep.RejectedRows, rep.Rejected, len(rows))
	}
	if rows[0].Dead == nil || *rows[0].Dead != 1 || rows[0].Missing != nil || rows[0].Lat == nil || *rows[0].Lat != 35.568972356329 {
		t.Errorf("first row read back wrong")
	}
	if rows[2].Adm1 != "Andalucía" || rows[3].Survivors == nil || *rows[3].Survivors != 30 {
		t.Errorf("own rows read back wrong: %+v", rows[2])
	}
}

// TestMMPRoundTripReal: the IOM 2019 export, imported then written in the
// MMP layout, gives back IOM's rows cell for cell (in id order, which is
// file order). Needs the shared data file; skipped without it.
func TestMMPRoundTripReal(t *testing.T) {
	const path = "/work/shared/data/mmp/MissingMigrants-Global-2019-12-31.csv"
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Skip("IOM MMP 2019 export not available")
	}
	db := storetest.SQLite(t, migrations.All())
	im := NewImporter(db, NewStore(db), ptAuditor{})
	im.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := im.ImportMMP(ptCtx(), bytes.NewReader(orig), 0); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteMMP(ptCtx(), &out, NewStore(db), Filter{Source: SourceMMP}); err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(orig, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows written, IOM published %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
			if bad++; bad <= 5 {
				t.Errorf("line %d differs from IOM's", i+1)
			}
		}
	}
	var total int
	for _, row := range got[1:] {
		if n, err := strconv.Atoi(row[7]); err == nil {
			total += n
		}
	}
	if total != 33912 {
		t.Errorf("Total Dead and Missing sums to %d, IOM's file to 33,912", total)
	}
}

type ptAuditor struct{}

func (ptAuditor) Append(context.Context, *store.Tx, audit.Entry) error { return nil }
