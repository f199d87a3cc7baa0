package api_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"github.com/faro-project/faro/internal/auth"
)

// TestCreateAnswersAsGet: POST /api/incidents answers from what it wrote,
// without reading the record back; the answer must be what a GET of the
// new record gives its author, byte for byte, and writing must not audit
// a read.
func TestCreateAnswersAsGet(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		tok := e.token(e.user("dora", auth.Documenter), auth.Documenter)
		for i, body := range []map[string]any{
			{"type": "pushback", "date": "2025-03-14", "time": "04:30", "country": "hr", "adm1": "Karlovac",
				"place": "forest road", "position": map[string]any{"lat": 45.123456789, "lon": -15.5678},
				"group_size": 12, "dead": 0, "minors": 3, "origins": []string{"AF", "SY"}, "violence": []string{"beating"},
				"asylum_asked": true, "interpreter_present": false, "units": "unit", "sources": "phone call", "source_quality": 4,
				"tags": []string{"night", "forest"}},
			{"type": "death", "date": "2024-11", "country": "GR"},
			{"type": "other", "date": "2023-01-02", "place": "a place"},
		} {
			r := e.do(t, req{method: "POST", path: "/api/incidents", token: tok, body: body})
			if r.StatusCode != http.StatusCreated {
				t.Fatalf("create %d: %d\n%s", i, r.StatusCode, r.Body)
			}
			id := strconv.FormatInt(int64(r.obj(t)["id"].(float64)), 10)
			if n := e.auditCount(t, "read", "incident", id); n != 0 {
				t.Errorf("create %d audited %d reads", i, n)
			}
			g := e.do(t, req{method: "GET", path: "/api/incidents/" + id, token: tok})
			if g.StatusCode != http.StatusOK {
				t.Fatalf("get %d: %d", i, g.StatusCode)
			}
			if !bytes.Equal(bytes.TrimSpace(r.Body), bytes.TrimSpace(g.Body)) {
				t.Errorf("create %d answered\n%s\nGET gives\n%s", i, r.Body, g.Body)
			}
		}
	})
}
