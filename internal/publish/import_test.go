package publish

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
)

// The IOM Missing Migrants Project global export of 2019-12-31 (CC BY 4.0,
// "IOM Missing Migrants Project"); see /work/shared/data/README.md. Test
// failures name line numbers and IDs, never the content of rows.
const impRealFile = "/work/shared/data/mmp/MissingMigrants-Global-2019-12-31.csv"

// impReal reads the real file; its absence fails the test, since the
// fidelity figures are its point.
func impReal(t testing.TB) []byte {
	t.Helper()
	path := impRealFile
	if p := os.Getenv("FARO_MMP_2019_CSV"); p != "" {
		path = p
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the IOM MMP 2019 export is needed (shared/data/mmp; or set FARO_MMP_2019_CSV): %v", err)
	}
	return b
}

// impTestNow is after every date in the test files.
var impTestNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// impAudit counts audit entries in memory, for tests that need no keys.
type impAudit struct{ entries []audit.Entry }

func (a *impAudit) Append(_ context.Context, _ *store.Tx, e audit.Entry) error {
	a.entries = append(a.entries, e)
	return nil
}

// impNew returns an importer over db with the real Store and a signed audit
// log (vault initialised as faro init does).
func impNew(t testing.TB, db *store.DB) *Importer {
	t.Helper()
	ctx := context.Background()
	v := vault.New(db)
	v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
	if err := v.InitPassphrase(ctx, "import test passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.CreateSigningKey(ctx, db, v, "faro.test/import"); err != nil {
		t.Fatal(err)
	}
	im := NewImporter(db, NewStore(db), audit.New(db, v))
	im.Now = func() time.Time { return impTestNow }
	return im
}

// impSums are the figures the README gives, summed by SQL.
type impSums struct {
	rows, total, dead, med int
	byYear                 map[int]int
}

func impSQLSums(t *testing.T, db *store.DB, source string) impSums {
	t.Helper()
	ctx := context.Background()
	s := impSums{byYear: map[int]int{}}
	if err := db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(dead_and_missing), 0), COALESCE(SUM(dead), 0),
		COALESCE(SUM(CASE WHEN region = 'Mediterranean' THEN dead_and_missing ELSE 0 END), 0)
		FROM public_records WHERE source = ?`, source).Scan(&s.rows, &s.total, &s.dead, &s.med); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, `SELECT year, SUM(dead_and_missing) FROM public_records WHERE source = ? GROUP BY year`, source)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var y, n int
		if err := rows.Scan(&y, &n); err != nil {
			t.Fatal(err)
		}
		s.byYear[y] = n
	}
	return s
}

var impWantYears = map[int]int{2014: 5287, 2015: 6584, 2016: 8070, 2017: 6279, 2018: 4734, 2019: 2958}

func impCheckTotals(t *testing.T, db *store.DB) {
	t.Helper()
	s := impSQLSums(t, db, SourceMMP)
	if s.rows != 5987 || s.total != 33912 || s.dead != 18489 || s.med != 19165 {
		t.Errorf("rows %d, dead and missing %d, dead %d, Mediterranean %d; want 5987, 33912, 18489, 19165",
			s.rows, s.total, s.dead, s.med)
	}
	for y, n := range impWantYears {
		if s.byYear[y] != n {
			t.Errorf("year %d: %d, want %d", y, s.byYear[y], n)
		}
	}
	if len(s.byYear) != len(impWantYears) {
		t.Errorf("years %v", s.byYear)
	}
	st, err := NewStore(db).Stats(context.Background(), Filter{Source: SourceMMP})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 5987 || st.DeadAndMissing != 33912 || st.Dead != 18489 {
		t.Errorf("Stats: %d records, %d dead and missing, %d dead", st.Records, st.DeadAndMissing, st.Dead)
	}
	for _, b := range st.ByYear {
		if want := impWantYears[atoiTest(b.Key)]; b.DeadAndMissing != int64(want) {
			t.Errorf("Stats year %s: %d, want %d", b.Key, b.DeadAndMissing, want)
		}
	}
}

func atoiTest(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// impCSV splits a file the way a spreadsheet would, for comparisons.
func impCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestImportMMPFidelity imports the real 2019 export and checks the
// README's figures by SQL and through Store.Stats, that every row's Raw is
// the row as published, cell for cell and in order, and that importing it
// again changes and duplicates nothing.
func TestImportMMPFidelity(t *testing.T) {
	data := impReal(t)
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := impNew(t, db)
		rep, err := im.ImportMMP(ctx, bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Layout != mmp.Layout2019 || rep.Accepted != 5987 || rep.Created != 5987 || rep.RejectedRows != 0 ||
			len(rep.UnknownColumns) != 0 || !rep.Written {
			t.Fatalf("report %v, layout %s, unknown %v, rejected %v", rep, rep.Layout, rep.UnknownColumns, rep.Rejected)
		}
		impCheckTotals(t, db)

		// Raw is the row as published.
		recs := impCSV(t, data)
		byID := map[string][]string{}
		for _, r := range recs[1:] {
			byID[r[0]] = r
		}
		n := 0
		err = NewStore(db).Each(ctx, Filter{Source: SourceMMP}, func(r *Record) error {
			cols, cells, err := DecodeRaw(r.Raw)
			if err != nil {
				return err
			}
			n++
			if !slices.Equal(cols, recs[0]) || !slices.Equal(cells, byID[r.SourceID]) {
				t.Errorf("Web ID %s: raw row differs from the file", r.SourceID)
			}
			if r.Attribution != MMPAttribution || r.Licence != MMPLicence || r.Source != SourceMMP {
				t.Errorf("Web ID %s: attribution, licence or source", r.SourceID)
			}
			return nil
		})
		if err != nil || n != 5987 {
			t.Fatalf("Each: %d records, %v", n, err)
		}

		// Empty means unknown: the file has empty count cells, and they
		// are NULL, not 0.
		var nullSurvivors, emptySurvivors int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM public_records WHERE survivors IS NULL").Scan(&nullSurvivors); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			if strings.TrimSpace(r[8]) == "" {
				emptySurvivors++
			}
		}
		if emptySurvivors == 0 || nullSurvivors != emptySurvivors {
			t.Errorf("%d NULL survivors, %d empty cells", nullSurvivors, emptySurvivors)
		}

		// Again: nothing created, nothing duplicated, nothing rewritten.
		v1, _ := NewStore(db).Version(ctx)
		rep, err = im.ImportMMP(ctx, bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 5987 {
			t.Errorf("second import: %v", rep)
		}
		if v2, _ := NewStore(db).Version(ctx); v2 != v1 {
			t.Errorf("second import changed the dataset version %s → %s", v1, v2)
		}
		impCheckTotals(t, db)
		var entries int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND record_type = ?", AuditImport, AuditImportRecord).Scan(&entries); err != nil || entries != 2 {
			t.Errorf("%d import audit entries, want 2 (%v)", entries, err)
		}

		// The newer layout of the same incidents updates them (Incident
		// Type is new), and the figures stay exact.
		newer := impNewerLayout(t, data)
		rep, err = im.ImportMMP(ctx, bytes.NewReader(newer), 0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Layout != mmp.LayoutNewer || rep.Created != 0 || rep.Updated != 5987 || len(rep.UnknownColumns) != 0 {
			t.Errorf("newer layout over the 2019 one: %v, layout %s, unknown %v", rep, rep.Layout, rep.UnknownColumns)
		}
		impCheckTotals(t, db)
	})
}

// TestImportMMPNewerLayoutFresh imports the newer layout into an empty
// dataset: the same figures.
func TestImportMMPNewerLayoutFresh(t *testing.T) {
	newer := impNewerLayout(t, impReal(t))
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		im := impNew(t, db)
		rep, err := im.ImportMMP(context.Background(), bytes.NewReader(newer), 0)
		if err != nil || rep.Created != 5987 || rep.Layout != mmp.LayoutNewer {
			t.Fatalf("%v, %v", rep, err)
		}
		impCheckTotals(t, db)
		var typ string
		if err := db.QueryRow(context.Background(), "SELECT type FROM public_records WHERE source_id = '52673'").Scan(&typ); err != nil || typ != "Incident" {
			t.Errorf("Incident Type: %q, %v", typ, err)
		}
	})
}

// impNewerLayout rewrites the 2019 export under the newer column names,
// with the newer layout's new columns, and dates as ISO 8601.
func impNewerLayout(t testing.TB, data []byte) []byte {
	t.Helper()
	rename := map[string]string{
		"Web ID": "Main ID", "Reported Date": "Incident Date", "Reported Year": "Incident Year",
		"Number Dead": "Number of Dead", "Total Dead and Missing": "Total Number of Dead and Missing",
		"Location Description": "Location of Incident", "Location Coordinates": "Coordinates",
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var row []string
		if i == 0 {
			for _, h := range rec {
				if n, ok := rename[h]; ok {
					h = n
				}
				row = append(row, h)
			}
			row = append(row, "Incident ID", "Incident Type", "Country of Origin", "Country of Incident")
		} else {
			row = slices.Clone(rec)
			if d, err := time.Parse("January 2, 2006", rec[2]); err == nil {
				row[2] = d.Format("2006-01-02")
			}
			row = append(row, rec[0], "Incident", "", "")
		}
		w.Write(row)
	}
	w.Flush()
	return out.Bytes()
}

// impCount counts the rows of source.
func impCount(t *testing.T, db *store.DB, source string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM public_records WHERE source = ?", source).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const impHeader = "Web ID,Region of Incident,Reported Date,Reported Year,Reported Month,Number Dead,Minimum Estimated Number of Missing,Total Dead and Missing,Location Coordinates,Migration Route\n"

// TestImportBadRows: each bad row is rejected with its line and a reason,
// the good rows are imported, and nothing of a bad row is stored.
func TestImportBadRows(t *testing.T) {
	file := impHeader +
		"T1,Mediterranean,\"December 30, 2019\",2019,Dec,1,,1,\"35.5, -1.2\",Western Mediterranean\n" + // 2: good
		"T2,Mediterranean,2019-12-29,2019,Dec,-3,,,,\n" + // 3: negative count
		"T3,Mediterranean,30/12/2019,2019,Dec,2,1,3,35,5 -1,2,\n" + // 4: a cell too many (unquoted decimal commas)
		"T4,Mediterranean,05/06/2019,2019,,1,,1,,\n" + // 5: ambiguous date
		"T5,Mediterranean,30.12.2019,2019,Dec,1,,1,\"35,5 -1,2\",\n" + // 6: good: decimal commas, day.month
		"T6,Mediterranean,2019-12,2019,Dec,,2,2,,\n" + // 7: good: month only, dead unknown
		"T7,Mediterranean,\"Dec 1, 2019\",2019,Dec,1,,1,\"35,5\",\n" + // 8: ambiguous coordinates
		"T1,Mediterranean,2019-12-01,2019,Dec,9,,9,,\n" + // 9: duplicate ID
		"T8,Med\"iterranean,2019-12-01,2019,Dec,1,,1,,\n" + // 10: broken quotes
		"T9,Mediterranean,2019-12-01,2019,Dec,1,1,5,,\n" + // 11: total is not dead + missing
		"T10,Mediterranean,2030-01-01,2030,Jan,1,,1,,\n" // 12: future
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		im := impNew(t, db)
		rep, err := im.ImportMMP(context.Background(), strings.NewReader(file), 0)
		if err != nil {
			t.Fatal(err)
		}
		wantLines := []int{3, 4, 5, 8, 9, 10, 11, 12}
		var lines []int
		for _, r := range rep.Rejected {
			if r.Reason == "" || r.Code == "" {
				t.Errorf("line %d: no reason", r.Line)
			}
			if len(lines) == 0 || lines[len(lines)-1] != r.Line {
				lines = append(lines, r.Line)
			}
		}
		if !slices.Equal(lines, wantLines) || rep.RejectedRows != len(wantLines) || rep.Accepted != 3 || rep.Created != 3 {
			t.Fatalf("rejected lines %v (want %v), %v", lines, wantLines, rep)
		}
		codes := map[int]string{}
		for _, r := range rep.Rejected {
			codes[r.Line] = r.Code
		}
		for line, code := range map[int]string{3: mmp.CodeNegativeCount, 5: mmp.CodeAmbiguousDate, 8: mmp.CodeAmbiguousCoordinates,
			9: CodeDuplicateID, 10: mmp.CodeCSV, 11: mmp.CodeTotalMismatch, 12: mmp.CodeDateOutOfRange} {
			if codes[line] != code {
				t.Errorf("line %d: code %q, want %q", line, codes[line], code)
			}
		}
		ctx := context.Background()
		var ids []string
		rows, err := db.Query(ctx, "SELECT source_id FROM public_records ORDER BY source_id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if !slices.Equal(ids, []string{"T1", "T5", "T6"}) {
			t.Errorf("stored %v", ids)
		}
		// The first T1 stays: the duplicate's 9 dead were not stored.
		var dead, dm *int
		var lat, lon *float64
		if err := db.QueryRow(ctx, "SELECT dead, dead_and_missing FROM public_records WHERE source_id = 'T1'").Scan(&dead, &dm); err != nil || dead == nil || *dead != 1 {
			t.Errorf("T1 dead: %v", err)
		}
		if err := db.QueryRow(ctx, "SELECT lat, lon FROM public_records WHERE source_id = 'T5'").Scan(&lat, &lon); err != nil || lat == nil || *lat != 35.5 || *lon != -1.2 {
			t.Errorf("T5 position: %v", err)
		}
		// Empty is unknown, not zero; a month-only date says so.
		var prec, on string
		if err := db.QueryRow(ctx, "SELECT dead, date_precision, occurred_on FROM public_records WHERE source_id = 'T6'").Scan(&dead, &prec, &on); err != nil || dead != nil || prec != "month" || on != "2019-12-01" {
			t.Errorf("T6: dead %v, precision %q, date %q, %v", dead, prec, on, err)
		}
	})
}

// TestImportRefusedFiles: a file that cannot be trusted as a whole imports
// nothing, with an error that says why.
func TestImportRefusedFiles(t *testing.T) {
	latin1 := []byte(impHeader + "T1,Mediterranean,2019-12-01,2019,Dec,1,,1,,C\xf4te d'Ivoire\n")
	// Latin-1 far down the file, after a first batch would have been written.
	var late bytes.Buffer
	late.WriteString(impHeader)
	for i := range 3000 {
		late.WriteString("L" + itoaTest(i) + ",Mediterranean,2019-12-01,2019,Dec,1,,1,,\n")
	}
	late.WriteString("L-bad,Mediterranean,2019-12-01,2019,Dec,1,,1,,Sal\xe9\n")
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		im := impNew(t, db)
		im.BatchSize = 100
		// Readers are consumed: new ones for each database.
		cases := []struct {
			name string
			in   io.Reader
			kind error
		}{
			{"latin1", bytes.NewReader(latin1), mmp.ErrNotUTF8},
			{"latin1 late", bytes.NewReader(late.Bytes()), mmp.ErrNotUTF8},
			{"latin1 late, streamed", io.MultiReader(bytes.NewReader(late.Bytes())), mmp.ErrNotUTF8},
			{"no header", strings.NewReader("52673,Mediterranean,\"December 30, 2019\",2019,Dec,1,,1\n"), mmp.ErrNoHeader},
			{"empty", strings.NewReader(""), mmp.ErrNoHeader},
			{"header without key", strings.NewReader("Number Dead,Reported Date\n1,2019-01-01\n"), mmp.ErrNoKeyColumn},
			{"utf16", bytes.NewReader([]byte{0xFF, 0xFE, 'W', 0, 'e', 0}), mmp.ErrNotUTF8},
			{"quote never closed", strings.NewReader(impHeader + "T1,\"Mediterranean" + strings.Repeat("x", 2<<20) + "\n"), mmp.ErrRowTooLong},
		}
		for _, c := range cases {
			rep, err := im.ImportMMP(context.Background(), c.in, 0)
			var me *mmp.Error
			if !errors.Is(err, c.kind) || !errors.As(err, &me) || me.Error() == "" {
				t.Errorf("%s: %v, want %v", c.name, err, c.kind)
			}
			if rep.Written || rep.Created != 0 {
				t.Errorf("%s: written", c.name)
			}
			if n := impCount(t, db, SourceMMP); n != 0 {
				t.Fatalf("%s: %d records stored", c.name, n)
			}
		}
	})
}

func itoaTest(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// impHuge is an endless stream of valid MMP rows: 1 GB and more, never
// stored.
type impHuge struct {
	n, max int64
	buf    []byte
}

func (h *impHuge) Read(p []byte) (int, error) {
	if h.n >= h.max {
		return 0, io.EOF
	}
	if len(h.buf) == 0 {
		if h.n == 0 {
			h.buf = []byte(impHeader)
		} else {
			h.buf = []byte("H" + itoaTest(int(h.n)) + ",Mediterranean,2019-12-01,2019,Dec,1,,1,\"35.5, -1.2\",Western Mediterranean\n")
		}
	}
	k := copy(p, h.buf)
	h.buf = h.buf[k:]
	h.n += int64(k)
	return k, nil
}

// TestImportHugeFile streams 2 GB of valid rows: the size limit stops it
// after MaxBytes, with nothing imported and a message naming the limit.
func TestImportHugeFile(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		im := impNew(t, db)
		im.MaxBytes = 8 << 20 // the default (64 MB) works the same, 8 times slower
		h := &impHuge{max: 2 << 30}
		_, err := im.ImportMMP(context.Background(), h, 0)
		if !errors.Is(err, mmp.ErrTooLarge) || !strings.Contains(err.Error(), "8 MB") {
			t.Fatalf("%v, want ErrTooLarge naming the limit", err)
		}
		if h.n > im.MaxBytes+1<<20 {
			t.Errorf("read %d bytes of a file refused at %d", h.n, im.MaxBytes)
		}
		if n := impCount(t, db, SourceMMP); n != 0 {
			t.Errorf("%d records stored", n)
		}
	})
}

// TestImportHXL maps a generic file by hashtags, keys it by #event+id, and
// refuses one without an ID column or with a bad source name.
func TestImportHXL(t *testing.T) {
	sample, err := os.ReadFile("../mmp/testdata/hxl.csv")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := impNew(t, db)
		rep, err := im.ImportHXL(ctx, bytes.NewReader(sample), "test-org", 7)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Source != "hxl:test-org" || rep.Layout != mmp.LayoutHXL || rep.Created != rep.Accepted || rep.Accepted == 0 ||
			!slices.Contains(rep.UnknownColumns, "#sector") {
			t.Errorf("%v, unknown %v", rep, rep.UnknownColumns)
		}
		if n := impCount(t, db, "hxl:test-org"); n != rep.Accepted {
			t.Errorf("%d stored, %d accepted", n, rep.Accepted)
		}
		var country string
		var killed *int
		if err := db.QueryRow(ctx, "SELECT country, dead FROM public_records WHERE source = 'hxl:test-org' AND source_id = 'T-1'").Scan(&country, &killed); err != nil || country != "GR" || killed == nil || *killed != 2 {
			t.Errorf("T-1: country %q, %v", country, err)
		}
		rep, err = im.ImportHXL(ctx, bytes.NewReader(sample), "test-org", 7)
		if err != nil || rep.Created != 0 || rep.Unchanged != rep.Accepted {
			t.Errorf("again: %v, %v", rep, err)
		}

		noID := "#date,#affected+killed\n2021-01-01,2\n"
		if _, err := im.ImportHXL(ctx, strings.NewReader(noID), "x", 0); !errors.Is(err, ErrNoIDColumn) {
			t.Errorf("no ID column: %v", err)
		}
		for _, name := range []string{"", "Bad Name", "iom-mmp/../x", strings.Repeat("a", 41)} {
			if _, err := im.ImportHXL(ctx, bytes.NewReader(sample), name, 0); !errors.Is(err, ErrSourceName) {
				t.Errorf("source name %q: %v", name, err)
			}
		}
		if _, err := im.ImportHXL(ctx, strings.NewReader(impHeader), "x", 0); !errors.Is(err, mmp.ErrNoHashtags) {
			t.Errorf("MMP file as HXL: %v", err)
		}
		if n := impCount(t, db, "hxl:x"); n != 0 {
			t.Errorf("%d stored under hxl:x", n)
		}
	})
}

// TestImportDates reads the date forms exports carry; ambiguous ones are
// refused, never guessed.
func TestImportDates(t *testing.T) {
	file := impHeader +
		"D1,,\"December 30, 2019\",,,1,,1,,\n" +
		"D2,,2019-12-30,,,1,,1,,\n" +
		"D3,,30/12/2019,,,1,,1,,\n" +
		"D4,,12/30/2019,,,1,,1,,\n" +
		"D5,,30 December 2019,,,1,,1,,\n" +
		"D6,,2019-12-30T14:00:00Z,,,1,,1,,\n" +
		"D7,,\"Mon, 30/12/2019 - 12:00\",,,1,,1,,\n" +
		"D8,,,2019,Dec,1,,1,,\n" +
		"D9,,,2019,,1,,1,,\n" +
		"D10,,01/02/2019,,,1,,1,,\n" +
		"D11,,44000,,,1,,1,,\n" +
		"D12,,30/12/19,,,1,,1,,\n"
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		im := &Importer{DB: db, Store: NewStore(db), Audit: &impAudit{}, Now: func() time.Time { return impTestNow }}
		rep, err := im.ImportMMP(ctx, strings.NewReader(file), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]string{
			"D1": {"2019-12-30", "day"}, "D2": {"2019-12-30", "day"}, "D3": {"2019-12-30", "day"},
			"D4": {"2019-12-30", "day"}, "D5": {"2019-12-30", "day"}, "D6": {"2019-12-30", "day"},
			"D7": {"2019-12-30", "day"}, "D8": {"2019-12-01", "month"}, "D9": {"2019-01-01", "year"},
		}
		err = NewStore(db).Each(ctx, Filter{}, func(r *Record) error {
			w, ok := want[r.SourceID]
			if !ok || r.OccurredOn != w[0] || r.DatePrecision != w[1] || r.Year != 2019 {
				t.Errorf("%s: %s %s %d", r.SourceID, r.OccurredOn, r.DatePrecision, r.Year)
			}
			delete(want, r.SourceID)
			return nil
		})
		if err != nil || len(want) != 0 {
			t.Errorf("not stored: %v (%v)", want, err)
		}
		if rep.RejectedRows != 3 {
			t.Errorf("rejected %v", rep.Rejected)
		}
	})
}

// TestImportAuditEntry: one entry per import, with the actor and counts.
func TestImportAuditEntry(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		a := &impAudit{}
		im := &Importer{DB: db, Store: NewStore(db), Audit: a, BatchSize: 2, Now: func() time.Time { return impTestNow }}
		file := impHeader + "A1,,2019-12-30,,,1,,1,,\nA2,,2019-12-30,,,1,,1,,\nA3,,2019-12-30,,,1,,1,,\nA4,,2019-12-30,,,-1,,1,,\n"
		rep, err := im.ImportMMP(context.Background(), strings.NewReader(file), 42)
		if err != nil || rep.Created != 3 {
			t.Fatalf("%v, %v", rep, err)
		}
		if len(a.entries) != 1 {
			t.Fatalf("%d audit entries", len(a.entries))
		}
		e := a.entries[0]
		if e.Actor != 42 || e.Action != AuditImport || e.RecordID != "iom-mmp created=3 updated=0 unchanged=0 rejected=1" {
			t.Errorf("entry %+v", e)
		}
	})
}

// TestImportErrorKeys: every refusal has a message for the page; faults of
// the server have none (they are 500s).
func TestImportErrorKeys(t *testing.T) {
	for _, c := range []struct {
		err    error
		key    string
		status int
	}{
		{&mmp.Error{Kind: mmp.ErrTooLarge}, "import.error.too_large", 413},
		{&mmp.Error{Kind: mmp.ErrRead, Err: &http.MaxBytesError{Limit: 1}}, "import.error.too_large", 413},
		{&mmp.Error{Kind: mmp.ErrNotUTF8, Line: 3}, "import.error.not_utf8", 422},
		{&mmp.Error{Kind: mmp.ErrRead, Err: io.ErrUnexpectedEOF}, "import.error.read", 400},
		{ErrNoIDColumn, "import.error.no_id_column", 422},
		{ErrSourceName, "import.error.source_name", 422},
		{errors.New("database is locked"), "", 0},
	} {
		if key, status := importErrorKey(c.err); key != c.key || status != c.status {
			t.Errorf("%v: %q %d, want %q %d", c.err, key, status, c.key, c.status)
		}
	}
}
