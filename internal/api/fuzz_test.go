package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/incident"
)

var fuzzVocab = incident.Snapshot{
	"incident_type": {"pushback": true, "violence": true},
	"violence":      {"beating": true, "kicking": true},
}

var decodeSeeds = []string{
	`{"type":"pushback","date":"2025-01-02"}`,
	`{"type":"pushback","date":"2025-01","time":"10:00"}`,
	`{"type":"pushback","date":"2025-01-02","time":"23:59","country":"hr","position":"45.1, 15.2","group_size":4,"minors":9,"men":1}`,
	`{"position":{"lat":91,"lon":0}}`,
	`{"position":{"lat":"x"}}`,
	`{"position":[1,2]}`,
	`{"position":null,"team_id":null,"dead":null,"asylum_asked":null,"origins":null}`,
	`{"dead":1e40,"missing":-1,"officers":1.5,"source_quality":9}`,
	`{"origins":["SY","AF","sy","xyz"],"violence":["beating","x"],"tags":["a,b","c d"]}`,
	`{"units":"\u0000","place":"\u202e","sources":"\ud800"}`,
	`{"type":1,"date":true,"country":{},"adm1":[]}`,
	`{"type":"pushback"}{"type":"violence"}`,
	`{"unknown":1}`,
	`{"type":"pushback","type":"violence","date":"2025-01-02"}`,
	`[]`, `null`, `""`, `0`, `{`, `{"a":`, "", " ", "\xff\xfe",
	`{"date":"0001-01-01"}`, `{"date":"9999-12-31","time":"25:61"}`,
	`{"narrative":"x","consent_scope":"internal","taken_on":"2025-02-30","consent_how":"telepathy","language":"english"}`,
	`{"level":"verified"}`,
	`{"team_id":9223372036854775807,"group_size":2147483648}`,
	`{"type":"pushback","date":"2025-01-02","testimony":{"narrative":"we walked","language":"en","consent_scope":"partners"}}`,
	`{"type":"pushback","date":"2025-01-02","testimony":{"narrative":"\u0000","consent_scope":"nobody","unknown":1}}`,
	`{"type":"pushback","date":"2025-01-02","testimony":null}`,
	`{"type":"pushback","date":"2025-01-02","testimony":[1]}`,
}

// FuzzAPIDecodeIncident: whatever JSON a client sends, the decoders never
// panic and say either "malformed" (400) or which fields are wrong (422);
// what they accept is what the forms accept: plain text, a type from the
// vocabulary, a date.
func FuzzAPIDecodeIncident(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inc, tm, errs, err := newIncident(data, fuzzVocab)
		var bad *badBody
		switch {
		case err != nil && !errors.As(err, &bad):
			t.Fatalf("decode error %T: %v (would be a 500)", err, err)
		case err == nil && len(errs) == 0:
			if !fuzzVocab.Valid("incident_type", inc.Type) || inc.OccurredAt.IsZero() {
				t.Fatalf("accepted a record without a valid type or date: %q %v", inc.Type, inc.OccurredAt)
			}
			for _, s := range []string{inc.Adm1, inc.Adm2, inc.Place, inc.Units, inc.Uniforms, inc.Vehicles, inc.Sources} {
				if !plainText(s) || !utf8.ValidString(s) {
					t.Fatalf("accepted text with control characters: %q", s)
				}
			}
			if tm != nil {
				for _, s := range []string{tm.Narrative, tm.Pseudonym, tm.Interviewer, tm.InterpreterName, tm.WitnessContact} {
					if !plainText(s) || !utf8.ValidString(s) {
						t.Fatalf("accepted testimony text with control characters: %q", s)
					}
				}
				if !slices.Contains(incident.ConsentScopes, tm.ConsentScope) {
					t.Fatalf("accepted consent scope %q", tm.ConsentScope)
				}
			}
			for _, v := range inc.Violence {
				if !fuzzVocab.Valid("violence", v) {
					t.Fatalf("accepted violence %q", v)
				}
			}
			for _, p := range []*int{inc.Counts.GroupSize, inc.Counts.Dead, inc.Counts.Missing, inc.Officers} {
				if p != nil && (*p < 0 || *p > 100000) {
					t.Fatalf("accepted count %d", *p)
				}
			}
		}
		for k := range errs {
			if len(k) > 100 {
				t.Fatalf("error key of %d bytes", len(k))
			}
		}
		// A patch of a stored record, and the other bodies.
		base := &incident.Incident{ID: 1, Type: "pushback", OccurredAt: time.Date(2024, 5, 6, 7, 8, 0, 0, time.UTC),
			DatePrecision: incident.PrecisionTime, Point: &incident.Point{Lat: 1.5, Lon: 2.25}, PointPrecisionM: 10}
		if _, err := patchIncident(data, base, fuzzVocab); err != nil && !errors.As(err, &bad) {
			t.Fatalf("patch decode error %T: %v", err, err)
		}
		if _, _, err := newTestimony(data); err != nil && !errors.As(err, &bad) {
			t.Fatalf("testimony decode error %T: %v", err, err)
		}
		var v verifyIn
		if err := decodeStrict(data, &v); err != nil && !errors.As(err, &bad) {
			t.Fatalf("verify decode error %T: %v", err, err)
		}
	})
}

// formulaChars start a cell a spreadsheet would evaluate.
const formulaChars = "=+-@\t\r"

// FuzzCSVWriter: any text goes through the export's CSV writer and comes
// back from encoding/csv as SafeCell made it: the same text with line
// ends as "\n", never starting with a formula character.
func FuzzCSVWriter(f *testing.F) {
	for _, s := range []string{"", "plain", "=1+1", "+41", "-2", "@SUM(A1)", "\tx", "\rx", "\r\n=x", "a\r\nb\rc\nd",
		`"quoted", with comma`, "'already", "\n=x", "=", "\x00", "\xff", "ﾠ=x", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w := newCSVWriter(&buf)
		w.text(s)
		w.plain("end")
		if err := w.end(); err != nil {
			t.Fatal(err)
		}
		w.w.Flush()
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("the writer's output does not parse: %v", err)
		}
		if len(rows) != 1 || len(rows[0]) != 2 || rows[0][1] != "end" {
			t.Fatalf("one cell became %d rows: %q", len(rows), rows)
		}
		got := rows[0][0]
		if got != SafeCell(s) {
			t.Fatalf("round trip: wrote %q, read %q", SafeCell(s), got)
		}
		if got != "" && strings.ContainsRune(formulaChars, rune(got[0])) {
			t.Fatalf("cell starts with a formula character: %q", got)
		}
		norm := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		if strings.TrimPrefix(got, "'") != norm && got != norm {
			t.Fatalf("text changed beyond its line ends: %q -> %q", s, got)
		}
	})
}
