package api_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/api"
)

// TestOpenAPIDocument: the document served at /api/openapi.json is valid
// OpenAPI 3.1 for kin-openapi, and it describes exactly the API routes
// Faro registers, each with the problem answers every route can give.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t, "sqlite")
	if e.doc.OpenAPI != "3.1.0" || !e.doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1.0", e.doc.OpenAPI)
	}
	if string(api.OpenAPI()) != string(e.fetchDoc()) {
		t.Errorf("served document differs from the embedded one")
	}
	if e.doc.Components.SecuritySchemes["bearer"] == nil {
		t.Errorf("no bearer security scheme")
	}
	registered := map[string]bool{}
	for _, r := range e.Web.Router.Routes() {
		method, path, _ := strings.Cut(r.Pattern, " ")
		if strings.HasPrefix(path, "/api/") {
			registered[method+" "+path] = true
		}
	}
	documented := map[string]bool{}
	ids := map[string]bool{}
	for path, item := range e.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			documented[key] = true
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: missing or repeated operationId %q", key, op.OperationID)
			}
			ids[op.OperationID] = true
			public := op.Security != nil && len(*op.Security) == 0
			want := []int{http.StatusServiceUnavailable}
			if !public {
				want = append(want, http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError)
			}
			if op.RequestBody != nil {
				want = append(want, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
			}
			if strings.Contains(path, "{id}") {
				want = append(want, http.StatusNotFound)
			}
			for _, code := range want {
				r := op.Responses.Status(code)
				if r == nil || r.Value == nil || r.Value.Content.Get("application/problem+json") == nil {
					t.Errorf("%s: no application/problem+json answer for %d", key, code)
				}
			}
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in the OpenAPI document", k)
	}
	for _, k := range extra {
		t.Errorf("the OpenAPI document describes %s, which Faro does not serve", k)
	}
	if len(registered) < 10 {
		t.Errorf("only %d API routes registered", len(registered))
	}
}

// TestOpenAPIWhileSealed: a sealed Faro answers every API path, the
// document included, with a 503 problem document that says so.
func TestOpenAPIWhileSealed(t *testing.T) {
	e := newEnv(t, "sqlite")
	u := e.user("rita", "reviewer")
	tok := e.token(u, "reviewer")
	e.Vault.Seal()
	for _, path := range []string{"/api/openapi.json", "/api/incidents", "/api/incidents/1", "/api/nowhere"} {
		r := e.do(t, req{method: "GET", path: path, token: tok, header: http.Header{"Accept-Language": {"fr"}}})
		if r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s while sealed: %d", path, r.StatusCode)
			continue
		}
		p := r.problem(t)
		if p["title"] != e.tr("fr", "sealed.title") || !strings.HasSuffix(p["type"].(string), "#problem-sealed") {
			t.Errorf("%s: sealed problem %v", path, p)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
}
