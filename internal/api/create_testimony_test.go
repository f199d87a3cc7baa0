package api_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
)

// TestCreateWithTestimony: POST /api/incidents may carry the first
// testimony. Both land in one transaction, the answer is what a GET gives
// the author, the narrative is searchable at once; a testimony that fails
// validation or holds an unknown member stores nothing, not even the
// incident, and its errors are named testimony.<member>.
func TestCreateWithTestimony(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		tok := e.token(e.user("dora", auth.Documenter), auth.Documenter)
		incidents := func() int {
			var n int
			if err := e.DB.QueryRow(e.ctx, "SELECT COUNT(*) FROM incidents").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		body := map[string]any{"type": "pushback", "date": "2025-03-14", "country": "HR",
			"testimony": map[string]any{"narrative": "They burned our shoes near the quarry.", "language": "en",
				"pseudonym": "M.B.", "taken_on": "2025-03-16", "consent_scope": "partners", "consent_date": "2025-03-16", "consent_how": "oral"}}
		r := e.do(t, req{method: "POST", path: "/api/incidents", token: tok, body: body})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d\n%s", r.StatusCode, r.Body)
		}
		obj := r.obj(t)
		id := strconv.FormatInt(int64(obj["id"].(float64)), 10)
		if obj["consent_scope"] != "partners" {
			t.Errorf("consent scope of the record = %v, want the testimony's", obj["consent_scope"])
		}
		if ts, _ := obj["testimonies"].([]any); len(ts) != 1 {
			t.Fatalf("answer holds %d testimonies, want 1", len(ts))
		}
		if n := e.auditCount(t, "create", "testimony", ""); n != 1 {
			t.Errorf("%d testimony creations audited, want 1", n)
		}
		if n := e.auditCount(t, "read", "incident", id); n != 0 {
			t.Errorf("create audited %d reads", n)
		}
		g := e.do(t, req{method: "GET", path: "/api/incidents/" + id, token: tok})
		if !bytes.Equal(bytes.TrimSpace(r.Body), bytes.TrimSpace(g.Body)) {
			t.Errorf("create answered\n%s\nGET gives\n%s", r.Body, g.Body)
		}
		s := e.do(t, req{method: "GET", path: "/api/incidents?status=draft&q=quarry", token: tok})
		if s.StatusCode != http.StatusOK || !strings.Contains(string(s.Body), `"id":`+id) {
			t.Errorf("search by a word of the narrative: %d\n%s", s.StatusCode, s.Body)
		}

		before := incidents()
		bad := map[string]any{"type": "pushback", "date": "2025-03-14",
			"testimony": map[string]any{"narrative": "x", "consent_scope": "everyone"}}
		r = e.do(t, req{method: "POST", path: "/api/incidents", token: tok, body: bad, header: http.Header{"Accept-Language": {"fr"}}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid testimony: %d\n%s", r.StatusCode, r.Body)
		}
		errs, _ := r.problem(t)["errors"].(map[string]any)
		if msg, _ := errs["testimony.consent_scope"].(string); msg == "" || errs["consent_scope"] != nil {
			t.Errorf("errors %v: want one for testimony.consent_scope", errs)
		}
		unknown := map[string]any{"type": "pushback", "date": "2025-03-14", "testimony": map[string]any{"consent_scope": "internal", "mood": "sad"}}
		r = e.do(t, req{method: "POST", path: "/api/incidents", token: tok, body: unknown})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown testimony member: %d\n%s", r.StatusCode, r.Body)
		}
		if errs, _ := r.problem(t)["errors"].(map[string]any); errs["testimony.mood"] == nil {
			t.Errorf("errors %v: want testimony.mood named", errs)
		}
		if n := incidents(); n != before {
			t.Errorf("refused bodies stored %d incidents", n-before)
		}
	})
}
