package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/web"
)

// caller is one way of calling the API.
type caller struct {
	name string
	// role is what the API must treat the caller as: "" for nobody (401),
	// "totp" for an administrator without a second factor (403).
	role   auth.Role
	token  string
	header string // a raw Authorization header instead of a token
	user   *auth.User
}

// callers are every kind of caller the matrix tries.
func callers(e *env) []caller {
	out := []caller{{name: "anonymous"}}
	for _, r := range []auth.Role{auth.Viewer, auth.Documenter, auth.Reviewer, auth.Coordinator, auth.Admin} {
		u := e.user(string(r), r)
		out = append(out, caller{name: string(r), role: r, token: e.token(u, r), user: u})
	}
	// Tokens scoped below their account's role act with the token's.
	co := e.user("coord-with-viewer-token", auth.Coordinator)
	out = append(out, caller{name: "coordinator, viewer token", role: auth.Viewer, token: e.token(co, auth.Viewer), user: co})
	ad := e.user("admin-with-documenter-token", auth.Admin)
	out = append(out, caller{name: "admin, documenter token", role: auth.Documenter, token: e.token(ad, auth.Documenter), user: ad})
	// An administrator without a second factor may not act as one.
	fresh := e.user("admin-without-totp", auth.Admin, true)
	out = append(out, caller{name: "admin without TOTP", role: "totp", token: e.token(fresh, auth.Admin), user: fresh})
	out = append(out, caller{name: "admin without TOTP, coordinator token", role: auth.Coordinator, token: e.token(fresh, auth.Coordinator), user: fresh})
	// Tokens that must not work.
	rv := e.user("revoked", auth.Coordinator)
	tok, id, err := e.Auth.CreateToken(e.ctx, rv.ID, "gone", auth.Coordinator)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.Auth.RevokeToken(e.ctx, id, rv.ID); err != nil {
		e.t.Fatal(err)
	}
	out = append(out, caller{name: "revoked token", token: tok})
	dis := e.user("disabled", auth.Coordinator)
	dtok := e.token(dis, auth.Coordinator)
	if err := e.Auth.SetDisabled(e.ctx, dis.ID, true); err != nil {
		e.t.Fatal(err)
	}
	out = append(out, caller{name: "disabled account's token", token: dtok})
	out = append(out, caller{name: "forged token", token: auth.TokenPrefix + strings.Repeat("A", 43)})
	out = append(out, caller{name: "basic auth", header: "Basic cm9zYTpwdw=="})
	out = append(out, caller{name: "token without Bearer", header: tok})
	return out
}

// apiRoute is one API route, how to call it, and what each role gets.
type apiRoute struct {
	pattern string
	public  bool
	min     auth.Role
	ok      int
	// deniedBelow is a role the guard lets in but the record's rules do
	// not (documenters may change only their own drafts).
	deniedBelow auth.Role
	request     func(e *env, c caller) req
}

func apiRoutes() []apiRoute {
	other := func(e *env) *auth.User {
		u, err := e.Auth.UserByLogin(e.ctx, "author")
		if err != nil {
			u = e.user("author", auth.Documenter)
		}
		return u
	}
	submitted := func(e *env) int64 {
		return e.incident(other(e), &incident.Incident{Status: incident.StatusSubmitted, Place: "somewhere"}, nil).ID
	}
	body := map[string]any{"type": "pushback", "date": "2025-05-01", "country": "HR"}
	return []apiRoute{
		{pattern: "GET /api/openapi.json", public: true, ok: 200, request: func(e *env, c caller) req {
			return req{method: "GET", path: "/api/openapi.json"}
		}},
		{pattern: "GET /api/incidents", min: auth.Viewer, ok: 200, request: func(e *env, c caller) req {
			submitted(e)
			return req{method: "GET", path: "/api/incidents?country=HR&per_page=5"}
		}},
		{pattern: "POST /api/incidents", min: auth.Documenter, ok: 201, request: func(e *env, c caller) req {
			return req{method: "POST", path: "/api/incidents", body: body}
		}},
		{pattern: "GET /api/incidents/export.csv", min: auth.Reviewer, ok: 200, request: func(e *env, c caller) req {
			submitted(e)
			return req{method: "GET", path: "/api/incidents/export.csv"}
		}},
		{pattern: "GET /api/incidents/export.json", min: auth.Reviewer, ok: 200, request: func(e *env, c caller) req {
			submitted(e)
			return req{method: "GET", path: "/api/incidents/export.json?sort=ref"}
		}},
		{pattern: "GET /api/incidents/{id}", min: auth.Viewer, ok: 200, request: func(e *env, c caller) req {
			return req{method: "GET", path: fmt.Sprintf("/api/incidents/%d", submitted(e))}
		}},
		{pattern: "PATCH /api/incidents/{id}", min: auth.Documenter, deniedBelow: auth.Reviewer, ok: 200, request: func(e *env, c caller) req {
			return req{method: "PATCH", path: fmt.Sprintf("/api/incidents/%d", submitted(e)), body: map[string]any{"dead": 2}}
		}},
		{pattern: "DELETE /api/incidents/{id}", min: auth.Coordinator, ok: 204, request: func(e *env, c caller) req {
			return req{method: "DELETE", path: fmt.Sprintf("/api/incidents/%d", submitted(e))}
		}},
		{pattern: "POST /api/incidents/{id}/submit", min: auth.Documenter, ok: 200, request: func(e *env, c caller) req {
			owner := c.user
			if owner == nil {
				owner = other(e)
			}
			return req{method: "POST", path: fmt.Sprintf("/api/incidents/%d/submit", e.incident(owner, &incident.Incident{}, nil).ID)}
		}},
		{pattern: "POST /api/incidents/{id}/verify", min: auth.Reviewer, ok: 200, request: func(e *env, c caller) req {
			return req{method: "POST", path: fmt.Sprintf("/api/incidents/%d/verify", submitted(e)), body: map[string]any{"level": "corroborated"}}
		}},
		{pattern: "POST /api/incidents/{id}/testimonies", min: auth.Documenter, deniedBelow: auth.Reviewer, ok: 201, request: func(e *env, c caller) req {
			return req{method: "POST", path: fmt.Sprintf("/api/incidents/%d/testimonies", submitted(e)),
				body: map[string]any{"narrative": "They were pushed back.", "consent_scope": "internal"}}
		}},
	}
}

// TestAPIAuthorization: every API route as every kind of caller gives the
// status the access rules say: the same rules as the pages, with a
// token's role capping its account's.
func TestAPIAuthorization(t *testing.T) {
	routes := apiRoutes()
	e := newEnv(t, "sqlite")
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.pattern] = true
	}
	for _, r := range e.Web.Router.Routes() {
		if strings.Contains(r.Pattern, " /api/") && !seen[r.Pattern] {
			t.Errorf("API route %s has no row in apiRoutes", r.Pattern)
		}
	}
	for _, rt := range routes {
		t.Run(strings.NewReplacer(" ", "_", "/", "_").Replace(rt.pattern), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "sqlite")
			for _, c := range callers(e) {
				q := rt.request(e, c)
				q.token = c.token
				if c.header != "" {
					q.header = http.Header{"Authorization": {c.header}}
				}
				res := e.do(t, q)
				want := rt.ok
				switch {
				case rt.public:
				case c.role == "":
					want = http.StatusUnauthorized
				case c.role == "totp":
					want = http.StatusForbidden
				case !c.role.AtLeast(rt.min):
					want = http.StatusForbidden
				case rt.deniedBelow != "" && !c.role.AtLeast(rt.deniedBelow):
					want = http.StatusForbidden
				}
				if res.StatusCode != want {
					t.Errorf("%s as %s: status %d, want %d\n%s", rt.pattern, c.name, res.StatusCode, want, shorten(res.Body))
					continue
				}
				if want >= 400 {
					p := res.problem(t)
					if want == http.StatusUnauthorized && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("%s as %s: 401 without WWW-Authenticate: Bearer", rt.pattern, c.name)
					}
					isTOTP := p["type"] == web.ProblemTypeBase+web.ProblemTOTPRequired
					if isTOTP != (c.role == "totp") {
						t.Errorf("%s as %s: problem type %v", rt.pattern, c.name, p["type"])
					}
				}
			}
			if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
				t.Errorf("errors logged:\n%s", e.logs.String())
			}
		})
	}
}

// TestSessionsAndTokens: the API also serves a signed-in browser (same
// rules, and the CSRF defence applies to it), while a token never opens a
// page.
func TestSessionsAndTokens(t *testing.T) {
	e := newEnv(t, "sqlite")
	u := e.user("rosa", auth.Reviewer)
	tok := e.token(u, auth.Reviewer)
	session, err := e.Auth.NewSessionFor(audit.WithActor(e.ctx, u.ID), u, "test")
	if err != nil {
		t.Fatal(err)
	}
	cookie := http.Header{"Cookie": {"faro_session=" + session}}
	if r := e.do(t, req{method: "GET", path: "/api/incidents", header: cookie}); r.StatusCode != 200 {
		t.Errorf("API with a session: %d", r.StatusCode)
	}
	// A session's unsafe request without Origin, Sec-Fetch-Site or the
	// CSRF token is refused; a token's is not.
	body := map[string]any{"type": "pushback", "date": "2025-05-01"}
	r := e.do(t, req{method: "POST", path: "/api/incidents", header: cookie, body: body})
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("session POST without CSRF defence: %d, want 403", r.StatusCode)
	}
	r.problem(t)
	if r := e.do(t, req{method: "POST", path: "/api/incidents", token: tok, body: body}); r.StatusCode != http.StatusCreated {
		t.Errorf("token POST: %d", r.StatusCode)
	}
	// A cross-site request from a browser is refused, token or not.
	r = e.do(t, req{method: "POST", path: "/api/incidents", token: tok, body: body, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}})
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", r.StatusCode)
	}
	// Tokens work only for the API.
	for _, path := range []string{"/incidents", "/account", "/incidents/export.csv"} {
		r := e.do(t, req{method: "GET", path: path, token: tok})
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("GET %s with a token: %d %s, want the login page", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	// No cookie is set on API answers.
	r = e.do(t, req{method: "GET", path: "/api/incidents", token: tok})
	if len(r.Cookies()) != 0 {
		t.Errorf("API answer sets cookies: %v", r.Cookies())
	}
}
