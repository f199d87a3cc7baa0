package incident_test

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/demo"
	"github.com/faro-project/faro/internal/incident"
)

// client is one signed-in browser (apptest.Client).
type client = apptest.Client

type response = apptest.Response

func (e *env) server(t testing.TB) *httptest.Server { return apptest.Server(t, e.App) }

// signedIn returns a client holding a full session for u.
func (e *env) signedIn(t testing.TB, srv *httptest.Server, u *auth.User) *client {
	t.Helper()
	return apptest.SignedIn(t, e.App, srv.URL, u)
}

func wantStatus(t testing.TB, r *response, code int, what string) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s: status %d, want %d (Location %q)", what, r.StatusCode, code, r.Location())
	}
}

// wantRedirect checks a 303 to path (and query, when given).
func wantRedirect(t testing.TB, r *response, to, what string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Location() != to {
		t.Fatalf("%s: %d to %q, want 303 to %q", what, r.StatusCode, r.Location(), to)
	}
}

// mustNotHold fails when body holds any planted value; it says which
// one by number only.
func mustNotHold(t testing.TB, what, body string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("%s shows planted value #%d", what, i)
		}
	}
}

func mustHold(t testing.TB, what, body string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks planted value #%d", what, i)
		}
	}
}

var positionValue = regexp.MustCompile(`name="position"[^>]*value="([^"]*)"`)

var editLoc = regexp.MustCompile(`^/incidents/(\d+)/edit\?step=2$`)

// intake is what the documenter types into the four steps.
type intake struct {
	step1, step2, step3, step4 url.Values
	sec                        planted
}

func newIntake(team int64) intake {
	sec := newPlanted()
	return intake{
		sec: sec,
		step1: form("step", "1", "type", "pushback", "date", "2026-11-20", "time", "21:40", "country", "hr", "adm1", "Karlovac",
			"place", sec.Place, "position", `45°08'12"N 15°35'40"E`, "team", strconv.FormatInt(team, 10), "go", "1"),
		step2: form("step", "2", "group_size", "12", "dead", "0", "missing", "", "survivors", "12", "minors", "3", "women", "2",
			"men", "7", "origins", "AF, PK", "violence", "beating", "violence", "dog_attack", "officers", "4",
			"units", "border police", "uniforms", "", "vehicles", "white van", "asylum", "yes", "interpreter", "no", "go", "1"),
		step3: form("step", "3", "narrative", sec.Narrative+" crossed the river at night", "language", "fa",
			"pseudonym", sec.Pseudonym, "interviewer", sec.Interviewer, "interpreter_name", sec.Interpreter,
			"witness_contact", sec.Contact, "taken_on", "2026-11-22", "consent_scope", "partners",
			"consent_date", "2026-11-22", "consent_how", "oral", "go", "1"),
		step4: form("step", "4", "sources", sec.Sources, "source_quality", "4", "tags", "night, forest", "go", "0"),
	}
}

// walk creates a record through the four steps and returns its id.
func (in intake) walk(t testing.TB, c *client) int64 {
	t.Helper()
	r := c.Get("/incidents/new")
	wantStatus(t, r, http.StatusOK, "new incident form")
	r = c.Post("/incidents", in.step1)
	m := editLoc.FindStringSubmatch(r.Location())
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("step 1: %d to %q", r.StatusCode, r.Location())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	base := "/incidents/" + m[1]
	wantRedirect(t, c.Post(base+"/edit", in.step2), base+"/edit?step=3", "step 2")
	wantRedirect(t, c.Post(base+"/edit", in.step3), base+"/edit?step=4", "step 3")
	wantRedirect(t, c.Post(base+"/edit", in.step4), base, "step 4")
	return id
}

// sensitiveOf lists what a viewer must never be shown of a record.
func (in intake) sensitive() []string {
	s := in.sec
	return []string{s.Place, s.Sources, s.Narrative, s.Pseudonym, s.Interviewer, s.Interpreter, s.Contact, "45.13667"}
}

func TestHTTPIntakeFourSteps(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		doc := e.signedIn(t, srv, p.doc)
		in := newIntake(p.teamA)
		id := in.walk(t, doc)

		got := e.get(t, p.doc, id)
		want := &incident.Incident{ID: id, Ref: got.Ref, Status: incident.StatusDraft, TeamID: p.teamA, Type: "pushback",
			OccurredAt: time.Date(2026, 11, 20, 21, 40, 0, 0, time.UTC), DatePrecision: incident.PrecisionTime,
			Country: "HR", Adm1: "Karlovac", Place: in.sec.Place, Point: got.Point, PointPrecisionM: got.PointPrecisionM,
			Counts:  incident.Counts{GroupSize: ptr(12), Dead: ptr(0), Survivors: ptr(12), Minors: ptr(3), Women: ptr(2), Men: ptr(7)},
			Origins: []string{"AF", "PK"}, Units: "border police", Vehicles: "white van", Officers: ptr(4),
			Violence: []string{"beating", "dog_attack"}, AsylumAsked: ptr(true), Interpreter: ptr(false),
			Sources: in.sec.Sources, SourceQuality: ptr(4), Verification: incident.Unverified, Tags: []string{"night", "forest"},
			ConsentScope: incident.ConsentPartners, CreatedBy: p.doc.ID, CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt,
			Testimonies: got.Testimonies}
		if d := diffFields("", want, got); len(d) > 0 {
			t.Errorf("stored record differs from what was typed in: %v", d)
		}
		if got.Point == nil || math.Abs(got.Point.Lat-45.136667) > 1e-5 || math.Abs(got.Point.Lon-15.594444) > 1e-5 {
			t.Errorf("position not stored from its DMS form")
		}
		if len(got.Testimonies) != 1 {
			t.Fatalf("%d testimonies, want 1", len(got.Testimonies))
		}
		tm := got.Testimonies[0]
		if tm.Narrative != in.step3.Get("narrative") || tm.Pseudonym != in.sec.Pseudonym || tm.WitnessContact != in.sec.Contact ||
			tm.Language != "fa" || tm.ConsentScope != incident.ConsentPartners || tm.ConsentHow != "oral" {
			t.Errorf("testimony not stored as typed")
		}
		if got.Ref == "" || got.Ref[:11] != "2026-11-25-" {
			t.Errorf("ref %q", got.Ref)
		}

		// The author sees everything on the record's page; the edit form
		// shows the stored values back.
		r := doc.Get("/incidents/" + itoa(id))
		wantStatus(t, r, http.StatusOK, "incident page for its author")
		mustHold(t, "author's page", r.Body, in.sec.Place, in.sec.Narrative, in.sec.Pseudonym, in.sec.Sources, got.Ref)
		r = doc.Get("/incidents/" + itoa(id) + "/edit?step=3")
		wantStatus(t, r, http.StatusOK, "step 3 again")
		mustHold(t, "step 3 form", r.Body, in.sec.Narrative, in.sec.Contact)
		if !strings.Contains(r.Body, `value="partners" checked`) {
			t.Errorf("stored consent scope not checked on the form")
		}
		r = doc.Get("/incidents/" + itoa(id) + "/edit?step=1")
		if !strings.Contains(r.Body, `id="parsed-position"`) || !strings.Contains(r.Body, "45.13667, 15.59444") {
			t.Errorf("the parsed position is not shown back")
		}
		// Saving step 1 again as shown, without touching the position,
		// keeps what its first writing said about its precision.
		m := positionValue.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("step 1 shows no position")
		}
		again := with(in.step1, "position", strings.ReplaceAll(m[1], "&#39;", "'"))
		wantRedirect(t, doc.Post("/incidents/"+itoa(id)+"/edit", again), "/incidents/"+itoa(id)+"/edit?step=2", "step 1 again")
		if g := e.get(t, p.doc, id); g.PointPrecisionM != got.PointPrecisionM || *g.Point != *got.Point {
			t.Errorf("re-saving step 1 unchanged moved the point or changed its precision from %d m to %d m",
				got.PointPrecisionM, g.PointPrecisionM)
		}
		// Going back a step saves and moves back.
		back := with(in.step2, "go", "-1")
		wantRedirect(t, doc.Post("/incidents/"+itoa(id)+"/edit", back), "/incidents/"+itoa(id)+"/edit?step=1", "back from step 2")
		e.verifyAudit(t)
	})
}

func TestHTTPInvalidStepChangesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		doc := e.signedIn(t, srv, p.doc)
		count := func() int {
			var n int
			if err := e.DB.QueryRow(e.ctx, "SELECT COUNT(*) FROM incidents").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A new record with a bad date is not created, and what was typed
		// is shown back.
		in := newIntake(p.teamA)
		bad := with(in.step1, "date", "2026-13-40", "adm1", "Typed Region")
		r := doc.Post("/incidents", bad)
		wantStatus(t, r, http.StatusUnprocessableEntity, "step 1 with a bad date")
		if n := count(); n != 0 {
			t.Errorf("%d records created by an invalid first step", n)
		}
		for _, typed := range []string{`value="2026-13-40"`, `value="Typed Region"`, `value="21:40"`, `value="hr"`} {
			if !strings.Contains(r.Body, typed) {
				t.Errorf("typed %s not shown back", typed)
			}
		}
		if !strings.Contains(r.Body, `<option value="pushback" selected>`) {
			t.Errorf("chosen type not kept")
		}
		if !strings.Contains(r.Body, "aria-invalid") || !strings.Contains(r.Body, `class="error"`) {
			t.Errorf("the invalid field is not marked")
		}

		id := in.walk(t, doc)
		before := e.get(t, p.doc, id)
		updates := e.auditCount(t, "incident", id, "update", 0)
		base := "/incidents/" + itoa(id)
		cases := map[string]url.Values{
			"negative count":      with(in.step2, "dead", "-3", "women", "9", "units", "Typed unit"),
			"unknown violence":    with(in.step2, "violence", "tickling", "women", "9"),
			"no consent chosen":   with(in.step3, "consent_scope", "", "narrative", "A different narrative"),
			"quality 9":           with(in.step4, "source_quality", "9", "sources", "Other sources"),
			"position unreadable": with(in.step1, "position", "by the big tree", "adm1", "Typed Region"),
			"future date":         with(in.step1, "date", time.Now().AddDate(0, 1, 0).Format("2006-01-02")),
		}
		for name, f := range cases {
			r := doc.Post(base+"/edit", f)
			wantStatus(t, r, http.StatusUnprocessableEntity, name)
			for k, vs := range f {
				if k == "step" || k == "go" || k == "violence" || k == "consent_scope" || k == "asylum" || k == "interpreter" ||
					k == "source_quality" || k == "type" || k == "consent_how" || len(vs) == 0 || vs[0] == "" {
					continue
				}
				v := vs[0]
				if k == "narrative" || k == "sources" {
					if !strings.Contains(r.Body, ">"+v+"</textarea>") {
						t.Errorf("%s: typed %s not shown back", name, k)
					}
					continue
				}
				if !strings.Contains(r.Body, `value="`+htmlEscape(v)+`"`) {
					t.Errorf("%s: typed %s not shown back", name, k)
				}
			}
			after := e.get(t, p.doc, id)
			if d := diffFields("", before, after); len(d) > 0 {
				t.Errorf("%s: the stored record changed in %v", name, d)
			}
		}
		if n := e.auditCount(t, "incident", id, "update", 0); n != updates {
			t.Errorf("refused steps were audited as %d updates", n-updates)
		}
	})
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

type autosaveReply struct {
	ID       string            `json:"id"`
	Action   string            `json:"action"`
	Autosave string            `json:"autosave"`
	Errors   map[string]string `json:"errors"`
}

func decodeAutosave(t testing.TB, r *response) autosaveReply {
	t.Helper()
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("autosave: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	var out autosaveReply
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("autosave reply: %v", err)
	}
	return out
}

func TestHTTPAutosaveKeepsStoredValues(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		doc := e.signedIn(t, srv, p.doc)
		in := newIntake(p.teamA)
		id := in.walk(t, doc)
		before := e.get(t, p.doc, id)
		path := "/incidents/" + itoa(id) + "/autosave"

		// Step 1: a valid change is kept, invalid fields keep what was stored.
		f := with(in.step1, "type", "violence", "country", "GR", "date", "32/13/2026", "place", strings.Repeat("x", 2001),
			"adm1", strings.Repeat("y", 201), "position", "by the big tree")
		out := decodeAutosave(t, doc.Post(path, f))
		for _, field := range []string{"date", "place", "adm1", "position"} {
			if out.Errors[field] == "" {
				t.Errorf("step 1: no error reported for %s", field)
			}
		}
		if out.Errors["place"] != "This is too long." {
			t.Errorf("errors are not the catalogue's sentences")
		}
		if out.ID != itoa(id) || out.Autosave != path {
			t.Errorf("reply names %q %q", out.ID, out.Autosave)
		}
		got := e.get(t, p.doc, id)
		if got.Type != "violence" || got.Country != "GR" {
			t.Errorf("step 1: valid fields not saved")
		}
		if !got.OccurredAt.Equal(before.OccurredAt) || got.DatePrecision != before.DatePrecision {
			t.Errorf("step 1: an invalid date blanked the stored one")
		}
		if got.Place != before.Place {
			t.Errorf("step 1: a too-long place blanked the stored one")
		}
		if got.Adm1 != before.Adm1 {
			t.Errorf("step 1: a too-long region blanked the stored one")
		}
		if got.Point == nil || *got.Point != *before.Point {
			t.Errorf("step 1: an unreadable position blanked the stored one")
		}

		// Step 2: an unreadable count keeps the stored count.
		out = decodeAutosave(t, doc.Post(path, with(in.step2, "dead", "abc", "survivors", "11", "source_quality", "x")))
		if out.Errors["dead"] == "" || len(out.Errors) != 1 {
			t.Errorf("step 2 errors: %v", out.Errors)
		}
		got = e.get(t, p.doc, id)
		if got.Counts.Dead == nil || *got.Counts.Dead != 0 {
			t.Errorf("step 2: an unreadable count blanked the stored one")
		}
		if got.Counts.Survivors == nil || *got.Counts.Survivors != 11 {
			t.Errorf("step 2: a valid count was not saved")
		}

		// Step 3: a narrative over the limit keeps the stored narrative;
		// the pseudonym typed beside it is saved.
		newPseud := secret("pseud2")
		out = decodeAutosave(t, doc.Post(path, with(in.step3, "narrative", strings.Repeat("n", 100001), "pseudonym", newPseud,
			"taken_on", "not a date")))
		if out.Errors["narrative"] == "" || out.Errors["taken_on"] == "" {
			t.Errorf("step 3 errors: %v", out.Errors)
		}
		got = e.get(t, p.doc, id)
		tm := got.Testimonies[0]
		if tm.Narrative != in.step3.Get("narrative") {
			t.Errorf("step 3: a too-long narrative blanked the stored one")
		}
		if !tm.TakenOn.Equal(before.Testimonies[0].TakenOn) {
			t.Errorf("step 3: an unreadable date blanked the stored one")
		}
		if tm.Pseudonym != newPseud {
			t.Errorf("step 3: a valid pseudonym was not saved")
		}
		if len(got.Testimonies) != 1 {
			t.Errorf("autosave added a testimony: %d", len(got.Testimonies))
		}

		// Step 4: an invalid quality keeps the stored quality.
		out = decodeAutosave(t, doc.Post(path, with(in.step4, "source_quality", "9", "tags", "desert")))
		if out.Errors["source_quality"] == "" {
			t.Errorf("step 4 errors: %v", out.Errors)
		}
		got = e.get(t, p.doc, id)
		if got.SourceQuality == nil || *got.SourceQuality != 4 {
			t.Errorf("step 4: an invalid quality blanked the stored one")
		}
		if len(got.Tags) != 1 || got.Tags[0] != "desert" {
			t.Errorf("step 4: valid tags not saved")
		}

		// The first autosave of a new form creates the draft.
		out = decodeAutosave(t, doc.Post("/incidents/autosave", form("step", "1", "country", "IT", "date", "")))
		nid, err := strconv.ParseInt(out.ID, 10, 64)
		if err != nil {
			t.Fatalf("new draft id %q", out.ID)
		}
		if out.Errors["date"] == "" || out.Errors["type"] == "" {
			t.Errorf("new draft: missing type and date not reported: %v", out.Errors)
		}
		if out.Action != "/incidents/"+out.ID+"/edit" {
			t.Errorf("new draft: the form is not pointed at the draft: %q", out.Action)
		}
		if nd := e.get(t, p.doc, nid); nd.Status != incident.StatusDraft || nd.Country != "IT" {
			t.Errorf("new draft not saved")
		}
		e.verifyAudit(t)
	})
}

func TestHTTPDraftsSubmitReview(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		doc := e.signedIn(t, srv, p.doc)
		doc2 := e.signedIn(t, srv, p.doc2)
		rev := e.signedIn(t, srv, p.reviewerA)
		viewer := e.signedIn(t, srv, p.viewerA)
		coord := e.signedIn(t, srv, p.coord)
		in := newIntake(p.teamA)
		id := in.walk(t, doc)
		ref := e.get(t, p.doc, id).Ref
		page := "/incidents/" + itoa(id)

		// The draft is its author's only.
		r := doc.Get("/incidents/drafts")
		wantStatus(t, r, http.StatusOK, "drafts")
		if !strings.Contains(r.Body, ref) || !strings.Contains(r.Body, page+"/edit") {
			t.Errorf("the author's drafts list lacks the draft")
		}
		for _, c := range []*client{doc2, rev, coord} {
			if r := c.Get("/incidents/drafts"); strings.Contains(r.Body, ref) {
				t.Errorf("%s's drafts list shows someone else's draft", c.User.Login)
			}
			if r := c.Get("/incidents"); strings.Contains(r.Body, ref) {
				t.Errorf("%s's list shows someone else's draft", c.User.Login)
			}
			wantStatus(t, c.Get(page), http.StatusNotFound, c.User.Login+" opening a draft")
			wantStatus(t, c.Post(page+"/submit", url.Values{}), http.StatusNotFound, c.User.Login+" submitting a draft")
		}
		if r := doc.Get("/incidents"); strings.Contains(r.Body, ref) {
			t.Errorf("the submitted list shows a draft")
		}
		wantStatus(t, viewer.Get("/incidents/drafts"), http.StatusForbidden, "viewer's drafts")

		// A draft without type and date cannot be submitted.
		out := decodeAutosave(t, doc.Post("/incidents/autosave", form("step", "1", "country", "GR")))
		bare, _ := strconv.ParseInt(out.ID, 10, 64)
		r = doc.Post("/incidents/"+out.ID+"/submit", url.Values{})
		wantStatus(t, r, http.StatusUnprocessableEntity, "submitting without type")
		if !strings.Contains(r.Body, htmlEscape(e.Web.I18n.Localizer("en").T("incident.missing_type"))) {
			t.Errorf("the refusal does not say what is missing")
		}
		decodeAutosave(t, doc.Post("/incidents/"+out.ID+"/autosave", form("step", "1", "country", "GR", "type", "death")))
		wantStatus(t, doc.Post("/incidents/"+out.ID+"/submit", url.Values{}), http.StatusUnprocessableEntity, "submitting without date")
		if g := e.get(t, p.doc, bare); g.Status != incident.StatusDraft {
			t.Errorf("an incomplete draft was submitted")
		}
		decodeAutosave(t, doc.Post("/incidents/"+out.ID+"/autosave", form("step", "1", "country", "GR", "type", "death", "date", "2026-10")))
		wantRedirect(t, doc.Post("/incidents/"+out.ID+"/submit", url.Values{}), "/incidents/"+out.ID, "submitting a complete draft")

		// Submitting the walked record.
		wantRedirect(t, doc.Post(page+"/submit", url.Values{}), page, "submit")
		if g := e.get(t, p.doc, id); g.Status != incident.StatusSubmitted {
			t.Fatalf("status after submit: %q", g.Status)
		}
		wantStatus(t, doc.Post(page+"/submit", url.Values{}), http.StatusForbidden, "submitting twice")

		// Now the documenter may no longer change it.
		before := e.get(t, p.doc, id)
		wantStatus(t, doc.Get(page+"/edit"), http.StatusForbidden, "edit form of a submitted record")
		wantStatus(t, doc.Post(page+"/edit", with(in.step4, "sources", "changed")), http.StatusForbidden, "edit of a submitted record")
		wantStatus(t, doc.Post(page+"/autosave", with(in.step4, "sources", "changed")), http.StatusForbidden, "autosave of a submitted record")
		wantStatus(t, doc.Upload(page+"/evidence", "x.txt", []byte("late evidence"), http.Header{"Sec-Fetch-Site": {"same-origin"}}),
			http.StatusForbidden, "evidence on a submitted record")
		if d := diffFields("", before, e.get(t, p.doc, id)); len(d) > 0 {
			t.Errorf("refused edits changed %v", d)
		}
		if r := doc.Get(page); strings.Contains(r.Body, page+"/edit") {
			t.Errorf("the submitted record's page offers its documenter an edit link")
		}

		// Only reviewers set the verification.
		wantStatus(t, doc.Post(page+"/verify", form("level", "verified")), http.StatusForbidden, "documenter verifying")
		wantStatus(t, viewer.Post(page+"/verify", form("level", "verified")), http.StatusForbidden, "viewer verifying")
		wantStatus(t, rev.Post(page+"/verify", form("level", "certain")), http.StatusUnprocessableEntity, "unknown level")
		if g := e.get(t, p.doc, id); g.Verification != incident.Unverified {
			t.Errorf("refused verifications changed the level to %q", g.Verification)
		}
		r = rev.Get(page)
		if !strings.Contains(r.Body, `action="`+page+`/verify"`) {
			t.Errorf("the reviewer is not offered the review form")
		}
		wantRedirect(t, rev.Post(page+"/verify", form("level", "corroborated")), page, "reviewer verifying")
		g := e.get(t, p.doc, id)
		if g.Verification != incident.Corroborated || g.VerifiedBy != p.reviewerA.ID || g.VerifiedAt.IsZero() {
			t.Errorf("verification not recorded: %q by %d", g.Verification, g.VerifiedBy)
		}
		if n := e.auditCount(t, "incident", id, "verify", p.reviewerA.ID); n != 1 {
			t.Errorf("%d verify entries", n)
		}
		// The reviewer sees the record's history; the viewer does not.
		if r := rev.Get(page); !strings.Contains(r.Body, `id="history"`) {
			t.Errorf("the reviewer's page lacks the history")
		}
		if r := viewer.Get(page); strings.Contains(r.Body, `id="history"`) || strings.Contains(r.Body, page+"/verify") {
			t.Errorf("the viewer's page shows the history or the review form")
		}
		// A reviewer may correct a submitted record.
		wantRedirect(t, rev.Post(page+"/edit", with(in.step4, "tags", "corrected")), page, "reviewer's correction")
		if g := e.get(t, p.doc, id); len(g.Tags) != 1 || g.Tags[0] != "corrected" || g.Sources != in.sec.Sources {
			t.Errorf("the reviewer's correction was not saved")
		}
		// Deleting is for coordinators.
		wantStatus(t, rev.Post(page+"/delete", url.Values{}), http.StatusForbidden, "reviewer deleting")
		wantRedirect(t, coord.Post(page+"/delete", url.Values{}), "/incidents", "coordinator deleting")
		wantStatus(t, doc.Get(page), http.StatusNotFound, "deleted record")
		e.verifyAudit(t)
	})
}

func TestHTTPViewerNeverSeesSensitiveFields(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		doc := e.signedIn(t, srv, p.doc)
		viewer := e.signedIn(t, srv, p.viewerA)
		other := e.signedIn(t, srv, p.viewerB)
		in := newIntake(p.teamA)
		id := in.walk(t, doc)
		page := "/incidents/" + itoa(id)
		// Viewers cannot start records.
		wantStatus(t, viewer.Get("/incidents/new"), http.StatusForbidden, "viewer's new form")
		wantStatus(t, viewer.Post("/incidents", in.step1), http.StatusForbidden, "viewer creating")
		wantStatus(t, viewer.Post("/incidents/autosave", in.step1), http.StatusForbidden, "viewer autosaving")
		// Not even a draft's existence shows.
		wantStatus(t, viewer.Get(page), http.StatusNotFound, "viewer opening a draft")
		wantRedirect(t, doc.Post(page+"/submit", url.Values{}), page, "submit")

		reads := e.auditCount(t, "incident", id, "read", p.viewerA.ID)
		ref := e.get(t, p.doc, id).Ref
		r := viewer.Get(page)
		wantStatus(t, r, http.StatusOK, "viewer's page")
		if !strings.Contains(r.Body, ref) || !strings.Contains(r.Body, "Karlovac") || !strings.Contains(r.Body, "white van") {
			t.Errorf("the viewer's page lacks the record's clear fields")
		}
		if !strings.Contains(r.Body, `class="hint"`) {
			t.Errorf("the viewer is not told fields are hidden")
		}
		if strings.Contains(r.Body, `id="narrative"`) || strings.Contains(r.Body, `id="place"`) || strings.Contains(r.Body, `<figure class="map"`) {
			t.Errorf("the viewer's page has the narrative, place or map")
		}
		pages := map[string]*response{"record": r}
		pages["list"] = viewer.Get("/incidents")
		pages["list searching the narrative"] = viewer.Get("/incidents?q=" + url.QueryEscape(strings.ToLower(in.sec.Narrative)))
		pages["list searching the river"] = viewer.Get("/incidents?q=river")
		pages["edit form"] = viewer.Get(page + "/edit")
		pages["edit step 3"] = viewer.Get(page + "/edit?step=3")
		pages["autosave"] = viewer.Post(page+"/autosave", in.step3)
		pages["save"] = viewer.Post(page+"/edit", in.step3)
		pages["evidence"] = viewer.Upload(page+"/evidence", "x.txt", []byte("x"), http.Header{"Sec-Fetch-Site": {"same-origin"}})
		pages["verify"] = viewer.Post(page+"/verify", form("level", "verified"))
		pages["other team's record"] = other.Get(page)
		for what, r := range pages {
			mustNotHold(t, "viewer's "+what, r.Body, in.sensitive()...)
			mustNotHold(t, "viewer's "+what+" headers", fmt.Sprint(r.Header), in.sensitive()...)
		}
		for _, what := range []string{"edit form", "edit step 3", "autosave", "save", "evidence", "verify"} {
			if pages[what].StatusCode != http.StatusForbidden {
				t.Errorf("viewer's %s: %d, want 403", what, pages[what].StatusCode)
			}
		}
		if pages["other team's record"].StatusCode != http.StatusNotFound {
			t.Errorf("another team's viewer: %d, want 404", pages["other team's record"].StatusCode)
		}
		if !strings.Contains(pages["list"].Body, ref) {
			t.Errorf("the viewer's list lacks the team's record")
		}
		if n := e.auditCount(t, "incident", id, "read", p.viewerA.ID); n != reads {
			t.Errorf("the viewer's visits were audited as %d reads of sensitive fields", n-reads)
		}
		if d := diffFields("", e.get(t, p.doc, id), e.get(t, p.doc, id)); len(d) > 0 {
			t.Errorf("unstable reads: %v", d)
		}
		mustNotHold(t, "the log", e.Logs.String(), in.sensitive()...)
	})
}

var evidenceLink = regexp.MustCompile(`href="/evidence/([0-9a-f]+)"`)
var uploadAction = regexp.MustCompile(`action="(/incidents/\d+/evidence\?csrf=[^"]+)"`)

func TestHTTPEvidenceUpload(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		doc := e.signedIn(t, srv, p.doc)
		doc2 := e.signedIn(t, srv, p.doc2)
		in := newIntake(p.teamA)
		id := in.walk(t, doc)
		page := "/incidents/" + itoa(id)
		r := doc.Get(page + "/edit?step=4")
		wantStatus(t, r, http.StatusOK, "step 4")
		m := uploadAction.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("step 4 has no upload form carrying its token")
		}
		action := strings.ReplaceAll(m[1], "&amp;", "&")
		content := []byte("Statement scanned at the shelter.\n")
		// From the page, as a current browser sends it.
		r = doc.Upload(action, "statement.txt", content, http.Header{"Sec-Fetch-Site": {"same-origin"}})
		wantRedirect(t, r, page+"/edit?step=4", "upload")
		// An old browser, without Sec-Fetch-Site: the token in the URL
		// is what lets it through.
		r = doc.Upload(action, "photo.txt", []byte("second file"), http.Header{"Accept": {"application/json"}})
		wantStatus(t, r, http.StatusOK, "upload with the token only")
		var up struct{ ID, SHA256 string }
		if err := json.Unmarshal([]byte(r.Body), &up); err != nil {
			t.Fatalf("upload reply: %v", err)
		}
		if sum := sha256.Sum256([]byte("second file")); up.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("upload reply's hash is not the file's")
		}
		// Without either, it is refused.
		wantStatus(t, doc.Upload(page+"/evidence", "forged.txt", []byte("forged"), nil), http.StatusForbidden, "upload without token")
		wantStatus(t, doc.Upload(page+"/evidence?csrf=wrong", "forged.txt", []byte("forged"), nil), http.StatusForbidden, "upload with a wrong token")
		// Someone else cannot attach to this draft.
		wantStatus(t, doc2.Upload(page+"/evidence", "x.txt", []byte("x"), http.Header{"Sec-Fetch-Site": {"same-origin"}}),
			http.StatusNotFound, "upload to someone else's draft")
		// Empty or missing files are refused with the form shown again.
		wantStatus(t, doc.Upload(action, "empty.txt", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}}),
			http.StatusUnprocessableEntity, "empty file")

		got := e.get(t, p.doc, id)
		if len(got.Evidence) != 2 {
			t.Fatalf("%d files attached, want 2", len(got.Evidence))
		}
		r = doc.Get(page)
		links := evidenceLink.FindAllStringSubmatch(r.Body, -1)
		var linked []string
		for _, l := range links {
			linked = append(linked, l[1])
		}
		for _, ev := range got.Evidence {
			if !strings.Contains(strings.Join(linked, " "), ev) {
				t.Errorf("the incident page does not link an attached file")
			}
		}
		// The link leads to the file.
		r = doc.Get("/evidence/" + up.ID)
		wantStatus(t, r, http.StatusOK, "evidence page")
		if n := e.auditCount(t, "incident", id, "update", p.doc.ID); n < 2 {
			t.Errorf("attaching was not audited (%d updates)", n)
		}
		e.verifyAudit(t)
	})
}

func TestHTTPListDateRangeInclusive(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		srv := e.server(t)
		mk := func(at time.Time, prec string) string {
			inc := &incident.Incident{Status: incident.StatusSubmitted, Type: "death", OccurredAt: at, DatePrecision: prec}
			e.create(t, p.doc, inc, nil)
			return inc.Ref
		}
		early := mk(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), incident.PrecisionDay)
		late := mk(time.Date(2026, 3, 5, 23, 59, 0, 0, time.UTC), incident.PrecisionTime)
		before := mk(time.Date(2026, 3, 4, 23, 59, 0, 0, time.UTC), incident.PrecisionTime)
		after := mk(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), incident.PrecisionDay)
		month := mk(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), incident.PrecisionMonth)
		c := e.signedIn(t, srv, p.viewerA)
		r := c.Get("/incidents?from=2026-03-05&to=2026-03-05")
		wantStatus(t, r, http.StatusOK, "one day")
		for ref, want := range map[string]bool{early: true, late: true, before: false, after: false, month: false} {
			if strings.Contains(r.Body, ref) != want {
				t.Errorf("from = to = 5 March: %s listed %v, want %v", ref, !want, want)
			}
		}
		r = c.Get("/incidents?from=2026-03-01&to=2026-03-31")
		for _, ref := range []string{early, late, before, after, month} {
			if !strings.Contains(r.Body, ref) {
				t.Errorf("March: %s not listed", ref)
			}
		}
		// A bad date is reported, not ignored.
		r = c.Get("/incidents?from=05.03.2026")
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad from date")
		if !strings.Contains(r.Body, `aria-invalid="true"`) || strings.Contains(r.Body, early) {
			t.Errorf("a bad date was ignored instead of reported")
		}
	})
}

func TestHTTPListPageBudget(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		// Varied records, as the demo makes them, compress as real ones do.
		doc := e.user(t, "fieldworker", auth.Documenter)
		rev := e.user(t, "reviewer", auth.Reviewer)
		if _, err := demo.Seed(e.ctx, e.Incidents, e.Teams, doc.ID, []int64{rev.ID}, 60, 7); err != nil {
			t.Fatal(err)
		}
		srv := e.server(t)
		c := e.signedIn(t, srv, rev)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/incidents", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		r := c.Do(req)
		wantStatus(t, r, http.StatusOK, "list")
		if r.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("list not compressed: %q", r.Header.Get("Content-Encoding"))
		}
		if n := len(r.Body); n > 30*1024 {
			t.Errorf("the list page is %d bytes compressed, over the 30 KB budget", n)
		}
		zr, err := gzip.NewReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		html, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		rows := strings.Count(string(html), `<tr>`) - 1 // minus the header row
		if rows != 50 {
			t.Errorf("%d rows on the first page, want 50", rows)
		}
		if !strings.Contains(string(html), `rel="next"`) {
			t.Errorf("no link to the second page")
		}
		t.Logf("list page: %d bytes compressed, %d uncompressed", len(r.Body), len(html))
		r = c.Get("/incidents?page=2")
		if rows := strings.Count(r.Body, `<tr>`) - 1; rows != 10 {
			t.Errorf("%d rows on page 2, want 10", rows)
		}
		if !strings.Contains(r.Body, `rel="prev"`) || strings.Contains(r.Body, `rel="next"`) {
			t.Errorf("page 2 pager links are wrong")
		}
	})
}
