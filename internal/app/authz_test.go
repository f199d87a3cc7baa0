package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/sealing"
	"github.com/faro-project/faro/internal/web"
)

// outcome is what access control did with a request.
type outcome string

const (
	// allow: the request got past access control. Any answer but a 403 or a
	// redirect to the login or enrolment page; 400, 404 and 422 count,
	// since only the handler gives them.
	allow outcome = "allow"
	// login: 303 to /login without a notice (the guard's redirect).
	login outcome = "login"
	// deny: 403.
	deny outcome = "deny"
	// enrol: 303 to /account/totp, for an admin without a second factor.
	enrol outcome = "enrol"
)

// identity is one kind of visitor the matrix tries.
type identity int

const (
	anonymous identity = iota
	viewer
	documenter
	reviewer
	coordinator
	adminNoTOTP  // admin who has not set up the second factor yet
	secondFactor // password given, TOTP code still missing
	admin        // admin with TOTP (last: it may seal Faro or disable people)
	numIdentities
)

func (id identity) String() string {
	return [...]string{"anonymous", "viewer", "documenter", "reviewer", "coordinator",
		"admin-without-totp", "awaiting-second-factor", "admin"}[id]
}

// expect holds one route's outcome per identity.
type expect struct {
	anon, viewer, documenter, reviewer, coordinator, admin, adminNoTOTP, secondFactor outcome
}

func (e expect) of(id identity) outcome {
	return [...]outcome{e.anon, e.viewer, e.documenter, e.reviewer, e.coordinator,
		e.adminNoTOTP, e.secondFactor, e.admin}[id]
}

// Common rows.
var (
	public       = expect{allow, allow, allow, allow, allow, allow, allow, allow}
	signedIn     = expect{login, allow, allow, allow, allow, allow, enrol, login}
	adminOnly    = expect{login, deny, deny, deny, deny, allow, enrol, login}
	enrolment    = expect{login, allow, allow, allow, allow, allow, allow, login}
	secondStep   = expect{login, login, login, login, login, login, login, allow}
	documenters  = expect{login, deny, allow, allow, allow, allow, enrol, login}
	reviewers    = expect{login, deny, deny, allow, allow, allow, enrol, login}
	coordinators = expect{login, deny, deny, deny, allow, allow, enrol, login}
)

// addRows adds a domain's rows to the matrix; each domain's routes may keep
// their rows in a file of their own (authz_<domain>_test.go, from init).
func addRows(rows map[string]expect) {
	for pattern, e := range rows {
		if _, dup := authzMatrix[pattern]; dup {
			panic("authz matrix: two rows for " + pattern)
		}
		authzMatrix[pattern] = e
	}
}

// authzMatrix is THE authorization matrix: one row per registered route.
// A new route without a row fails TestAuthorizationMatrix, and so does a
// row whose route is gone.
//
//	columns: anonymous, viewer, documenter, reviewer, coordinator,
//	         admin (TOTP on), admin without TOTP, awaiting second factor
var authzMatrix = map[string]expect{
	"GET /{$}":           signedIn,
	"GET /favicon.ico":   public,
	"GET /healthz":       public,
	"GET /static/{file}": public,
	"POST /lang":         public,

	"GET /login":       public,
	"POST /login":      public,
	"GET /login/totp":  secondStep,
	"POST /login/totp": secondStep,
	"POST /logout":     public,

	"GET /invite/{token}":  public,
	"POST /invite/{token}": public,

	"GET /account":                       signedIn,
	"POST /account/password":             signedIn,
	"POST /account/sessions/{id}/revoke": signedIn,
	"GET /account/totp":                  enrolment,
	"POST /account/totp":                 enrolment,
	"POST /account/totp/disable":         signedIn,
	"POST /account/tokens":               signedIn,
	"POST /account/tokens/{id}/revoke":   signedIn,

	"GET /admin/users":                 adminOnly,
	"POST /admin/invites":              adminOnly,
	"POST /admin/invites/{id}/revoke":  adminOnly,
	"POST /admin/users/{id}/role":      adminOnly,
	"POST /admin/users/{id}/disable":   adminOnly,
	"POST /admin/users/{id}/enable":    adminOnly,
	"GET /admin/sessions":              adminOnly,
	"POST /admin/sessions/{id}/revoke": adminOnly,
	"POST /admin/seal":                 adminOnly,
	"GET /unseal":                      public,
	"POST /unseal":                     public,

	"GET /evidence":               documenters,
	"POST /evidence":              documenters,
	"GET /evidence/{id}":          documenters,
	"GET /evidence/{id}/preview":  documenters,
	"GET /evidence/{id}/download": reviewers,

	"GET /incidents":                 signedIn,
	"POST /incidents/find":           signedIn,
	"GET /incidents/{id}":            signedIn,
	"GET /incidents/drafts":          documenters,
	"GET /incidents/new":             documenters,
	"GET /incidents/{id}/edit":       documenters,
	"POST /incidents":                documenters,
	"POST /incidents/autosave":       documenters,
	"POST /incidents/{id}/autosave":  documenters,
	"POST /incidents/{id}/edit":      documenters,
	"POST /incidents/{id}/evidence":  documenters,
	"POST /incidents/{id}/submit":    documenters,
	"POST /incidents/{id}/verify":    reviewers,
	"POST /incidents/{id}/delete":    coordinators,
	"GET /admin/teams":               adminOnly,
	"POST /admin/teams":              adminOnly,
	"POST /admin/teams/{id}/members": adminOnly,
	"GET /admin/vocab":               adminOnly,
	"POST /admin/vocab":              adminOnly,
	"GET /incidents/export.csv":      reviewers,
	"GET /incidents/export.json":     reviewers,

	// The JSON API answers 401 where pages send to the login page, and 403
	// (problem type totp-required) where they send to enrolment.
	"GET /api/openapi.json":                public,
	"GET /api/incidents":                   signedIn,
	"POST /api/incidents":                  documenters,
	"GET /api/incidents/export.csv":        reviewers,
	"GET /api/incidents/export.json":       reviewers,
	"GET /api/incidents/{id}":              signedIn,
	"PATCH /api/incidents/{id}":            documenters,
	"DELETE /api/incidents/{id}":           coordinators,
	"POST /api/incidents/{id}/submit":      documenters,
	"POST /api/incidents/{id}/verify":      reviewers,
	"POST /api/incidents/{id}/testimonies": documenters,
}

// authzFixture is a fresh Faro with one client per identity and real
// objects to fill path wildcards with.
type authzFixture struct {
	ta              *testApp
	clients         [numIdentities]*client
	target          *auth.User // an account the admin routes act on
	targetSessionID int64
	inviteID        int64
	inviteToken     string
}

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	ta := newTestApp(t)
	f := &authzFixture{ta: ta}
	f.clients[anonymous] = ta.newClient(t)
	for id, role := range map[identity]auth.Role{viewer: auth.Viewer, documenter: auth.Documenter,
		reviewer: auth.Reviewer, coordinator: auth.Coordinator} {
		f.clients[id] = ta.sessionClient(t, ta.user(t, string(role), role))
	}
	adm, _ := ta.admin(t, "admin")
	f.clients[admin] = ta.sessionClient(t, adm)
	f.clients[adminNoTOTP] = ta.sessionClient(t, ta.user(t, "fresh-admin", auth.Admin))

	pending, _ := ta.admin(t, "pending-admin")
	c := ta.newClient(t)
	r := c.post("/login", url.Values{"login": {pending.Login}, "password": {password(pending.Login)}})
	if !r.redirectsTo("/login/totp") {
		t.Fatalf("password step: got %d %s", r.StatusCode, r.Location())
	}
	f.clients[secondFactor] = c

	f.target = ta.user(t, "target", auth.Viewer)
	ta.sessionClient(t, f.target)
	ss, err := ta.Auth.Sessions(ta.ctx, f.target.ID)
	if err != nil || len(ss) != 1 {
		t.Fatalf("target sessions: %v %d", err, len(ss))
	}
	f.targetSessionID = ss[0].ID
	f.inviteToken, err = ta.Auth.CreateInvite(ta.ctx, adm.ID, "invitee", auth.Documenter)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ta.Auth.InviteByToken(ta.ctx, f.inviteToken)
	if err != nil {
		t.Fatal(err)
	}
	f.inviteID = inv.ID
	return f
}

// split returns a pattern's method and path.
func split(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return http.MethodGet, pattern
	}
	return method, path
}

// path turns a route pattern into a concrete path.
func (f *authzFixture) path(pattern string) string {
	_, p := split(pattern)
	p = strings.ReplaceAll(p, "{$}", "")
	id := "999999"
	switch {
	case strings.HasPrefix(p, "/admin/users/{id}"):
		id = fmt.Sprint(f.target.ID)
	case strings.HasPrefix(p, "/admin/invites/{id}"):
		id = fmt.Sprint(f.inviteID)
	case strings.HasPrefix(p, "/admin/sessions/{id}"), strings.HasPrefix(p, "/account/sessions/{id}"):
		// Someone else's session: only an admin may end it.
		id = fmt.Sprint(f.targetSessionID)
	}
	p = strings.ReplaceAll(p, "{id}", id)
	p = strings.ReplaceAll(p, "{token}", f.inviteToken)
	p = strings.ReplaceAll(p, "{file}", strings.TrimPrefix(f.ta.Web.Assets.URL("app.css"), "/static/"))
	// Any other wildcard gets a dummy: a 404 still proves access passed.
	for strings.Contains(p, "{") {
		i, j := strings.Index(p, "{"), strings.Index(p, "}")
		if j < i {
			break
		}
		p = p[:i] + "1" + p[j+1:]
	}
	return p
}

// request sends one empty request for pattern as c.
func (f *authzFixture) request(c *client, pattern string) *response {
	method, _ := split(pattern)
	if method == http.MethodGet {
		return c.get(f.path(pattern))
	}
	req, err := http.NewRequest(method, c.url(f.path(pattern)), strings.NewReader(""))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// classify says what access control did with r.
func classify(r *response) outcome {
	problem := strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json")
	switch {
	case problem && r.StatusCode == http.StatusUnauthorized:
		return login
	case problem && r.StatusCode == http.StatusForbidden && strings.Contains(r.Body, web.ProblemTypeBase+web.ProblemTOTPRequired):
		return enrol
	case r.StatusCode == http.StatusForbidden:
		return deny
	case r.redirectsTo("/account/totp"):
		return enrol
	case r.redirectsTo("/login"):
		// Signing out also ends at /login, but with a notice.
		if _, notice := r.setsCookie(flashCookie); !notice {
			return login
		}
	}
	return allow
}

// snapshot is the state the admin routes change.
func (f *authzFixture) snapshot(t *testing.T) string {
	u := f.ta.reload(t, f.target.ID)
	inv, err := f.ta.Auth.PendingInvites(f.ta.ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := f.ta.Auth.Users(f.ta.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("role=%s disabled=%v sessions=%d invites=%d users=%d sealed=%v",
		u.Role, u.Disabled, f.ta.sessionCount(t, u.ID), len(inv), len(users), f.ta.Vault.Sealed())
}

func TestAuthorizationMatrix(t *testing.T) {
	probe := newTestApp(t)
	routes := map[string]bool{}
	for _, r := range probe.Web.Router.Routes() {
		routes[r.Pattern] = true
		if _, ok := authzMatrix[r.Pattern]; !ok {
			t.Errorf("route %q (access %s) has no row in authzMatrix: add one", r.Pattern, r.Access)
		}
	}
	for pattern := range authzMatrix {
		if !routes[pattern] {
			t.Errorf("authzMatrix row %q matches no registered route: remove or fix it", pattern)
		}
	}
	for _, r := range probe.Web.Router.Routes() {
		want, ok := authzMatrix[r.Pattern]
		if !ok {
			continue
		}
		// The role guard sends admins without a second factor to set one up.
		if strings.HasSuffix(r.Access.String(), "+") && want.adminNoTOTP != enrol {
			t.Errorf("%s is role-guarded (%s): an admin without TOTP must be sent to /account/totp", r.Pattern, r.Access)
		}
		t.Run(strings.NewReplacer(" ", "_", "/", "_").Replace(r.Pattern), func(t *testing.T) {
			t.Parallel()
			f := newAuthzFixture(t)
			before := f.snapshot(t)
			for id := identity(0); id < numIdentities; id++ {
				if id == admin {
					// Nobody before the admin may have changed anything.
					if now := f.snapshot(t); now != before {
						t.Errorf("state changed by requests that were not the admin's:\n before %s\n after  %s", before, now)
					}
				}
				res := f.request(f.clients[id], r.Pattern)
				if res.StatusCode >= 500 {
					t.Errorf("%s as %s: status %d\n%s", f.path(r.Pattern), id, res.StatusCode, shorten(res.Body))
					continue
				}
				if got := classify(res); got != want.of(id) {
					t.Errorf("%s %s as %s: got %s (status %d, Location %q), want %s",
						r.Pattern, f.path(r.Pattern), id, got, res.StatusCode, res.Location(), want.of(id))
				}
			}
			if errorsLogged(f.ta.Logs.String()) {
				t.Errorf("%s: errors logged:\n%s", r.Pattern, f.ta.Logs.String())
			}
		})
	}
}

// TestLoginRedirectKeepsTarget: an anonymous GET is sent to the login page
// with the page it wanted, so it comes back there after signing in.
func TestLoginRedirectKeepsTarget(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newClient(t)
	r := c.get("/admin/users?tab=1")
	if !r.redirectsTo("/login") {
		t.Fatalf("got %d %s", r.StatusCode, r.Location())
	}
	u, _ := url.Parse(r.Location())
	if got := u.Query().Get("next"); got != "/admin/users?tab=1" {
		t.Errorf("next = %q", got)
	}
	// A POST is not replayed after login: no next.
	r = c.post("/account/password", url.Values{})
	if r.Location() != "/login" {
		t.Errorf("POST redirect = %q, want /login", r.Location())
	}
}

// TestAuthzWhileSealed: once sealed, Faro answers 503 to everyone on every
// route but the few the unseal page needs; nothing about accounts shows.
func TestAuthzWhileSealed(t *testing.T) {
	f := newAuthzFixture(t)
	f.ta.Vault.Seal()
	name := f.ta.reload(t, f.target.ID).DisplayName
	for _, rt := range f.ta.Web.Router.Routes() {
		p := f.path(rt.Pattern)
		for _, id := range []identity{anonymous, viewer, admin} {
			res := f.request(f.clients[id], rt.Pattern)
			if sealing.AllowedWhileSealed(strings.SplitN(p, "?", 2)[0]) {
				if res.StatusCode == http.StatusServiceUnavailable && rt.Pattern != "GET /healthz" {
					t.Errorf("%s as %s: 503 while sealed, but the route is allowed", rt.Pattern, id)
				}
				continue
			}
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s as %s while sealed: status %d, want 503", rt.Pattern, id, res.StatusCode)
			}
			f.ta.mustContain(t, res.Body, "en", "sealed.title")
			mustNotContain(t, "sealed page", res.Body, name)
			mustNotContain(t, "sealed page", res.Body, "Name of admin")
			mustNotContain(t, "sealed page", res.Body, `action="/logout"`)
		}
	}
}

// errorsLogged reports whether the app logged at error level.
func errorsLogged(logs string) bool {
	return strings.Contains(logs, `"level":"ERROR"`) || strings.Contains(logs, "level=ERROR")
}
