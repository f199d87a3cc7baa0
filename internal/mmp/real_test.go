package mmp

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"reflect"
	"strconv"
	"testing"
)

// The IOM Missing Migrants Project global export of 2019-12-31 (CC BY 4.0,
// "IOM Missing Migrants Project"); see /work/shared/data/README.md. Test
// failures name line numbers only, never the content of rows.
const realFile = "/work/shared/data/mmp/MissingMigrants-Global-2019-12-31.csv"

func openReal(t *testing.T) []byte {
	t.Helper()
	path := realFile
	if p := os.Getenv("FARO_MMP_2019_CSV"); p != "" {
		path = p
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		// The fidelity figures are the point of this test: a missing file
		// must fail, not pass quietly.
		t.Fatalf("%s not found: point FARO_MMP_2019_CSV at the IOM MMP 2019 export (shared/data/mmp)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReal2019(t *testing.T) {
	data := openReal(t)
	var (
		recs                                                      []Record
		total, dead, med                                          int
		byYear                                                    = map[int]int{}
		nilDead, nilMissing, nilSurv, nilF, nilM, nilC, nilLatLon int
		ids                                                       = map[string]int{}
	)
	rep, err := Read(bytes.NewReader(data), func(r Record) error {
		recs = append(recs, r)
		if r.TotalDeadMissing == nil || r.ReportedYear == nil {
			t.Errorf("line %d: no total or no year", r.Line)
			return nil
		}
		total += *r.TotalDeadMissing
		byYear[*r.ReportedYear] += *r.TotalDeadMissing
		if r.Region == "Mediterranean" {
			med += *r.TotalDeadMissing
		}
		if r.Dead != nil {
			dead += *r.Dead
		}
		for _, c := range []struct {
			p *int
			n *int
		}{{r.Dead, &nilDead}, {r.Missing, &nilMissing}, {r.Survivors, &nilSurv}, {r.Females, &nilF}, {r.Males, &nilM}, {r.Children, &nilC}} {
			if c.p == nil {
				*c.n++
			}
		}
		if (r.Lat == nil) != (r.Lon == nil) {
			t.Errorf("line %d: half a position", r.Line)
		}
		if r.Lat == nil {
			nilLatLon++
		}
		if r.DatePrecision != PrecisionDay || r.IncidentDate.Year() != *r.ReportedYear || r.SourceQuality == nil {
			t.Errorf("line %d: date precision %q, date year vs reported year, or no source quality", r.Line, r.DatePrecision)
		}
		if prev, dup := ids[r.SourceID]; dup {
			t.Errorf("line %d: Web ID already on line %d", r.Line, prev)
		}
		ids[r.SourceID] = r.Line
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rejected {
		t.Errorf("line %d rejected: %s", r.Line, r.Reason) // reasons never quote cells
	}
	if rep.Layout != Layout2019 || len(rep.UnknownColumns) != 0 || rep.Blank != 0 || rep.HXL {
		t.Errorf("layout %q, unknown columns %q, blank %d, HXL %v", rep.Layout, rep.UnknownColumns, rep.Blank, rep.HXL)
	}
	if got := rep.Accepted + rep.RejectedRows; got != 5987 || rep.Accepted != len(recs) {
		t.Errorf("%d accepted + %d rejected rows, want 5987", rep.Accepted, rep.RejectedRows)
	}
	// The figures in /work/shared/data/README.md.
	want := map[string]int{
		"total": 33_912, "dead": 18_489, "Mediterranean": 19_165,
		"2014": 5_287, "2015": 6_584, "2016": 8_070, "2017": 6_279, "2018": 4_734, "2019": 2_958,
	}
	got := map[string]int{"total": total, "dead": dead, "Mediterranean": med}
	for y, n := range byYear {
		got[strconv.Itoa(y)] = n
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sums %v, want %v", got, want)
	}
	// Empty cells stay nil: the number of empty cells of each column.
	gotNil := []int{nilDead, nilMissing, nilSurv, nilF, nilM, nilC, nilLatLon}
	wantNil := []int{225, 5411, 5073, 4929, 2701, 5234, 1}
	if !reflect.DeepEqual(gotNil, wantNil) {
		t.Errorf("nil Dead, Missing, Survivors, Females, Males, Children, Lat/Lon: %v, want %v", gotNil, wantNil)
	}
	// One Location Description has a line break: the rows after it are
	// one line further, and the last starts on the file's last line.
	if n := len(recs); n == 0 || recs[0].Line != 2 || recs[n-1].Line != 5989 {
		t.Errorf("first row on line %d, last on line %d; want 2 and 5989", recs[0].Line, recs[n-1].Line)
	}
}

// hdxTags are the hashtags of the HDX copy of MMP, column by column of the
// 2019 export.
var hdxTags = []string{"#web+id", "#region+name", "#date+reported", "#date+year", "#date+month",
	"#affected+killed", "#affected+missing", "#affected+killed+missing+total", "#affected+survivors",
	"#affected+f", "#affected+m", "#affected+children", "#cause+type", "#loc+description",
	"#meta+source+name", "#geo+coord", "#route+description", "#meta+url", "#region+unsd+name",
	"#meta+source+quality"}

// TestReal2019WithHashtags tags the real file the way HDX does (a hashtag
// row under the header) and reads it both ways: Read skips the hashtag row,
// ReadHXL maps by it, and both give the same records as the plain file.
func TestReal2019WithHashtags(t *testing.T) {
	data := openReal(t)
	var plain []Record
	if _, err := Read(bytes.NewReader(data), func(r Record) error { plain = append(plain, r); return nil }); err != nil {
		t.Fatal(err)
	}

	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	var tagged bytes.Buffer
	w := csv.NewWriter(&tagged)
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(rec)
		if i == 0 {
			if len(rec) != len(hdxTags) {
				t.Fatalf("%d columns", len(rec))
			}
			w.Write(hdxTags)
		}
	}
	w.Flush()

	i := 0
	rep, err := Read(bytes.NewReader(tagged.Bytes()), func(r Record) error {
		r.Line--
		if i >= len(plain) || !reflect.DeepEqual(r, plain[i]) {
			t.Errorf("Read, tagged: line %d differs", r.Line+1)
		}
		i++
		return nil
	})
	if err != nil || !rep.HXL || rep.Accepted != len(plain) || rep.RejectedRows != 0 {
		t.Fatalf("Read, tagged: %v, %+v", err, rep)
	}

	i = 0
	rep, err = ReadHXL(bytes.NewReader(tagged.Bytes()), func(r HXLRow) error {
		r.Line--
		if i >= len(plain) || !reflect.DeepEqual(r.Record, plain[i]) {
			t.Errorf("ReadHXL: line %d differs", r.Line+1)
		}
		i++
		return nil
	})
	if err != nil || rep.Layout != LayoutHXL || len(rep.UnknownColumns) != 0 || rep.Accepted != len(plain) || rep.RejectedRows != 0 {
		t.Fatalf("ReadHXL: %v, %+v", err, rep)
	}
}

func BenchmarkReadReal2019(b *testing.B) {
	data, err := os.ReadFile(realFile)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), func(Record) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
