package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/web"
)

// TestIncidentLifecycle walks a record through the API: a documenter
// creates a draft, changes it, adds a testimony and hands it in; a viewer
// sees it without the encrypted fields; a reviewer reads them (audited)
// and verifies it; a coordinator deletes it.
func TestIncidentLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		doc := e.user("dora", auth.Documenter)
		dTok := e.token(doc, auth.Documenter)
		vTok := e.token(e.user("vic", auth.Viewer), auth.Viewer)
		rev := e.user("rosa", auth.Reviewer)
		rTok := e.token(rev, auth.Reviewer)
		cTok := e.token(e.user("coco", auth.Coordinator), auth.Coordinator)

		r := e.do(t, req{method: "POST", path: "/api/incidents", token: dTok, body: map[string]any{
			"type": "pushback", "date": "2025-03-14", "time": "04:30", "country": "hr", "adm1": "Karlovac",
			"place": "forest road behind the camp", "position": map[string]any{"lat": 45.1234, "lon": 15.5678},
			"group_size": 12, "dead": 0, "minors": 3, "origins": []string{"AF", "SY"}, "violence": []string{"beating", "theft_or_destruction"},
			"asylum_asked": true, "units": "=cmd|' /C calc'!A0", "sources": "phone call", "source_quality": 4, "tags": []string{"night", "forest"},
		}})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d\n%s", r.StatusCode, r.Body)
		}
		inc := r.obj(t)
		id := int64(inc["id"].(float64))
		path := "/api/incidents/" + strconv.FormatInt(id, 10)
		if r.Header.Get("Location") != path {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}
		if inc["status"] != "draft" || inc["country"] != "HR" || inc["date"] != "2025-03-14" || inc["time"] != "04:30" || inc["date_precision"] != "time" {
			t.Errorf("created %v", inc)
		}
		// Unknown counts are null, not 0; a known 0 stays 0.
		if v, ok := inc["survivors"]; !ok || v != nil {
			t.Errorf("survivors = %v (present %v), want null", v, ok)
		}
		if inc["dead"] != float64(0) || inc["interpreter_present"] != nil || inc["asylum_asked"] != true {
			t.Errorf("dead %v interpreter %v asylum %v", inc["dead"], inc["interpreter_present"], inc["asylum_asked"])
		}
		sens, _ := inc["sensitive"].(map[string]any)
		if sens == nil || sens["place"] != "forest road behind the camp" || sens["position"] == nil {
			t.Errorf("author does not see the encrypted fields: %v", inc["sensitive"])
		}

		// Drafts are their author's only.
		if r := e.do(t, req{method: "GET", path: path, token: vTok}); r.StatusCode != http.StatusNotFound {
			t.Errorf("viewer reads a draft: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "GET", path: path, token: rTok}); r.StatusCode != http.StatusNotFound {
			t.Errorf("reviewer reads someone's draft: %d", r.StatusCode)
		}

		// PATCH changes what it names; null clears; the rest stays,
		// position precision included.
		pos := sens["position"].(map[string]any)
		r = e.do(t, req{method: "PATCH", path: path, token: dTok, body: map[string]any{"dead": 1, "asylum_asked": nil, "adm1": nil}})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("patch: %d\n%s", r.StatusCode, r.Body)
		}
		got := r.obj(t)
		if got["dead"] != float64(1) || got["asylum_asked"] != nil || got["adm1"] != "" || got["group_size"] != float64(12) ||
			got["type"] != "pushback" || got["time"] != "04:30" || fmt.Sprint(got["origins"]) != "[AF SY]" {
			t.Errorf("after patch: %v", got)
		}
		if p := got["sensitive"].(map[string]any)["position"]; fmt.Sprint(p) != fmt.Sprint(pos) {
			t.Errorf("position changed by a patch that did not name it: %v -> %v", pos, p)
		}
		// Invalid values: 422 with every field named, translated, and
		// nothing saved.
		r = e.do(t, req{method: "PATCH", path: path, token: dTok, header: http.Header{"Accept-Language": {"es"}},
			body: map[string]any{"date": "2099-01-01", "dead": -1, "country": "Croatia", "violence": []string{"tickling"}, "men": "many"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid patch: %d", r.StatusCode)
		}
		p := r.problem(t)
		errs, _ := p["errors"].(map[string]any)
		for field, key := range map[string]string{"date": "form.future", "dead": "form.count", "country": "form.country",
			"violence": "form.choose", "men": "api.error.type"} {
			if errs[field] != e.tr("es", key) {
				t.Errorf("error for %s = %v, want the Spanish %s", field, errs[field], key)
			}
		}
		if p["title"] != e.tr("es", "api.problem.validation") || p["type"] != web.ProblemTypeBase+web.ProblemValidation {
			t.Errorf("validation problem: %v", p)
		}
		if r := e.do(t, req{method: "GET", path: path, token: dTok}); r.obj(t)["dead"] != float64(1) {
			t.Errorf("a refused patch changed the record")
		}

		// A testimony, then submission.
		r = e.do(t, req{method: "POST", path: path + "/testimonies", token: dTok, body: map[string]any{
			"narrative": "We were beaten and sent back.", "pseudonym": "A.", "language": "fa", "consent_scope": "public_anonymised",
			"witness_contact": "+385 1 234", "taken_on": "2025-03-15"}})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("testimony: %d\n%s", r.StatusCode, r.Body)
		}
		if r := e.do(t, req{method: "POST", path: path + "/testimonies", token: dTok, body: map[string]any{"narrative": "x"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("testimony without consent scope: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "POST", path: path + "/submit", token: vTok}); r.StatusCode != http.StatusForbidden {
			t.Errorf("viewer submits: %d", r.StatusCode)
		}
		r = e.do(t, req{method: "POST", path: path + "/submit", token: dTok})
		if r.StatusCode != http.StatusOK || r.obj(t)["status"] != "submitted" || r.obj(t)["consent_scope"] != "public_anonymised" {
			t.Fatalf("submit: %d %s", r.StatusCode, r.Body)
		}
		r = e.do(t, req{method: "POST", path: path + "/submit", token: dTok})
		if r.StatusCode != http.StatusConflict || r.problem(t)["type"] != web.ProblemTypeBase+web.ProblemConflict {
			t.Errorf("second submit: %d", r.StatusCode)
		}
		// The author may no longer change it; reviewers may.
		if r := e.do(t, req{method: "PATCH", path: path, token: dTok, body: map[string]any{"dead": 2}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("documenter patches a submitted record: %d", r.StatusCode)
		}

		// A viewer sees it, without the encrypted fields, and no read of
		// them is recorded.
		reads := e.auditCount(t, "read", "incident", strconv.FormatInt(id, 10))
		r = e.do(t, req{method: "GET", path: path, token: vTok})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("viewer get: %d", r.StatusCode)
		}
		v := r.obj(t)
		if v["sensitive"] != nil {
			t.Errorf("viewer sees encrypted fields")
		}
		ts := v["testimonies"].([]any)
		if len(ts) != 1 || ts[0].(map[string]any)["sensitive"] != nil || ts[0].(map[string]any)["consent_scope"] != "public_anonymised" {
			t.Errorf("viewer's testimonies: %v", ts)
		}
		for _, secret := range []string{"forest road", "beaten", "+385", "phone call"} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("viewer's answer holds %q", secret)
			}
		}
		if n := e.auditCount(t, "read", "incident", strconv.FormatInt(id, 10)); n != reads {
			t.Errorf("a viewer's read was audited as a read of encrypted fields")
		}
		// A reviewer sees everything, and the read is in the audit log.
		r = e.do(t, req{method: "GET", path: path, token: rTok})
		rs := r.obj(t)
		tsens := rs["testimonies"].([]any)[0].(map[string]any)["sensitive"].(map[string]any)
		if rs["sensitive"] == nil || tsens["narrative"] != "We were beaten and sent back." || tsens["witness_contact"] != "+385 1 234" {
			t.Errorf("reviewer's view: %v", rs)
		}
		if n := e.auditCount(t, "read", "incident", strconv.FormatInt(id, 10)); n != reads+1 {
			t.Errorf("reviewer's read: %d audit entries, want %d", n, reads+1)
		}

		// The list, with the list page's filters.
		r = e.do(t, req{method: "GET", path: "/api/incidents?country=HR&type=pushback&from=2025-03-01&to=2025-03-31&violence=beating", token: vTok})
		var list struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		r.json(t, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0]["id"] != float64(id) {
			t.Errorf("filtered list: %s", r.Body)
		}
		r = e.do(t, req{method: "GET", path: "/api/incidents?country=GR", token: vTok})
		if r.json(t, &list); list.Total != 0 || list.Items == nil {
			t.Errorf("list of nothing: %s", r.Body)
		}
		r = e.do(t, req{method: "GET", path: "/api/incidents?from=yesterday&per_page=500&status=lost", token: vTok})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad filters: %d", r.StatusCode)
		} else if errs := r.problem(t)["errors"].(map[string]any); errs["from"] == nil || errs["per_page"] == nil || errs["status"] == nil {
			t.Errorf("bad filters: %v", errs)
		}

		// Verification, then deletion.
		if r := e.do(t, req{method: "POST", path: path + "/verify", token: rTok, body: map[string]any{"level": "certain"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("unknown level: %d", r.StatusCode)
		}
		r = e.do(t, req{method: "POST", path: path + "/verify", token: rTok, body: map[string]any{"level": "verified"}})
		if got := r.obj(t); r.StatusCode != http.StatusOK || got["verification"] != "verified" || got["verified_by"] != float64(rev.ID) {
			t.Errorf("verify: %d %s", r.StatusCode, r.Body)
		}
		if r := e.do(t, req{method: "DELETE", path: path, token: rTok}); r.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer deletes: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "DELETE", path: path, token: cTok}); r.StatusCode != http.StatusNoContent {
			t.Errorf("delete: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "GET", path: path, token: cTok}); r.StatusCode != http.StatusNotFound {
			t.Errorf("deleted record: %d", r.StatusCode)
		}
		if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
			t.Errorf("errors logged:\n%s", e.logs.String())
		}
	})
}

// TestProblemDetails: every error of the API is a problem document with
// its status, a translated title, and never a page.
func TestProblemDetails(t *testing.T) {
	e := newEnv(t, "sqlite")
	u := e.user("dora", auth.Documenter)
	tok := e.token(u, auth.Documenter)
	draft := e.incident(u, &incident.Incident{}, nil)
	path := fmt.Sprintf("/api/incidents/%d", draft.ID)
	big := `{"place":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name   string
		q      req
		status int
		check  func(p map[string]any) string
	}{
		{"malformed JSON", req{method: "POST", path: "/api/incidents", body: `{"type":`}, 400, nil},
		{"two objects", req{method: "POST", path: "/api/incidents", body: `{"type":"pushback"} {}`}, 400, nil},
		{"not an object", req{method: "POST", path: "/api/incidents", body: `["pushback"]`}, 400, nil},
		{"unknown member", req{method: "POST", path: "/api/incidents", body: `{"type":"pushback","date":"2025-01-01","colour":"red"}`}, 400,
			func(p map[string]any) string {
				if errs, _ := p["errors"].(map[string]any); errs["colour"] == nil {
					return "the unknown member is not named"
				}
				return ""
			}},
		{"form encoded", req{method: "POST", path: "/api/incidents", body: "type=pushback", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, 415, nil},
		{"too large", req{method: "PATCH", path: path, body: big}, 413, nil},
		{"no such record", req{method: "GET", path: "/api/incidents/424242"}, 404, nil},
		{"not an id", req{method: "GET", path: "/api/incidents/abc"}, 404, nil},
		{"no such path", req{method: "GET", path: "/api/nothing/here"}, 404, nil},
		// A path that exists, with a method it does not take: 405.
		{"no such method", req{method: "PUT", path: path, body: map[string]any{}}, 405, nil},
		{"missing type and date", req{method: "POST", path: "/api/incidents", body: map[string]any{"country": "GR"}}, 422,
			func(p map[string]any) string {
				errs, _ := p["errors"].(map[string]any)
				if errs["type"] != e.tr("fr", "form.required") || errs["date"] != e.tr("fr", "form.required") {
					return fmt.Sprint("errors ", errs)
				}
				return ""
			}},
		{"control characters", req{method: "POST", path: "/api/incidents", body: map[string]any{"type": "pushback", "date": "2025-01-01", "units": "a\x00b"}}, 422, nil},
		{"unknown team", req{method: "POST", path: "/api/incidents", body: map[string]any{"type": "pushback", "date": "2025-01-01", "team_id": 77}}, 422, nil},
		{"verify below reviewer", req{method: "POST", path: path + "/verify", body: map[string]any{"level": "verified"}}, 403, nil},
	}
	for _, c := range cases {
		c.q.token = tok
		if c.q.header == nil {
			c.q.header = http.Header{}
		}
		c.q.header.Set("Accept-Language", "fr")
		r := e.do(t, c.q)
		if r.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d\n%s", c.name, r.StatusCode, c.status, shorten(r.Body))
			continue
		}
		p := r.problem(t)
		title := e.tr("fr", "api.problem."+strconv.Itoa(c.status))
		if c.status == 422 {
			title = e.tr("fr", "api.problem.validation")
		}
		if p["title"] != title {
			t.Errorf("%s: title %q, want %q", c.name, p["title"], title)
		}
		if r.Header.Get("Content-Language") != "fr" {
			t.Errorf("%s: Content-Language %q", c.name, r.Header.Get("Content-Language"))
		}
		if c.check != nil {
			if msg := c.check(p); msg != "" {
				t.Errorf("%s: %s", c.name, msg)
			}
		}
	}
	// The 405 says which methods the path takes; a path that exists for
	// no method stays 404 whatever the method.
	if r := e.do(t, req{method: "PUT", path: path, token: tok, body: map[string]any{}}); r.Header.Get("Allow") != "GET, HEAD, PATCH, DELETE" {
		t.Errorf("PUT %s: Allow %q, want GET, HEAD, PATCH, DELETE", path, r.Header.Get("Allow"))
	}
	if r := e.do(t, req{method: "DELETE", path: "/api/nothing/here", token: tok}); r.StatusCode != http.StatusNotFound || r.Header.Get("Allow") != "" {
		t.Errorf("DELETE of a path nobody serves: %d, Allow %q; want 404 without Allow", r.StatusCode, r.Header.Get("Allow"))
	}
	// Without Accept-Language, the account's language.
	if err := e.Auth.SetLang(e.ctx, u.ID, "ar"); err != nil {
		t.Fatal(err)
	}
	r := e.do(t, req{method: "GET", path: "/api/incidents/424242", token: tok})
	if p := r.problem(t); p["title"] != e.tr("ar", "api.problem.404") {
		t.Errorf("title in the account's language: %v", p["title"])
	}
}
