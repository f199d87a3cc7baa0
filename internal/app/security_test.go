package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

// checkHeaders fails unless r carries Faro's security headers.
func checkHeaders(t *testing.T, what string, r *response) {
	t.Helper()
	h := r.Header
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
	}
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = val
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data: 'self'"} {
		for name, val := range directives {
			if name == "img-src" && bad == "data: 'self'" {
				continue
			}
			for _, src := range strings.Fields(val) {
				if src == bad {
					t.Errorf("%s: CSP %s allows %s: %q", what, name, bad, csp)
				}
			}
		}
	}
	if directives["frame-ancestors"] != "'none'" {
		t.Errorf("%s: CSP frame-ancestors is %q, want 'none'", what, directives["frame-ancestors"])
	}
	if directives["default-src"] != "'none'" && directives["default-src"] != "'self'" {
		t.Errorf("%s: CSP default-src is %q", what, directives["default-src"])
	}
	for name, want := range map[string]string{
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s is %q, want %q", what, name, got, want)
		}
	}
	path := r.Request.URL.Path
	switch {
	case strings.HasPrefix(path, "/static/"):
	case path == "/public" || strings.HasPrefix(path, "/public/") || strings.HasPrefix(path, "/data/"):
		// The public site and open data are the same for everyone and may
		// be cached (errors need not be), but never shared when the answer
		// sets a cookie.
		got := h.Get("Cache-Control")
		if got != "no-store" && !cacheablePublic.MatchString(got) {
			t.Errorf("%s: Cache-Control %q, want public or private with max-age", what, got)
		}
		if h.Get("Set-Cookie") != "" && strings.HasPrefix(got, "public") {
			t.Errorf("%s: a shared cache may keep an answer that sets a cookie", what)
		}
	default:
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, got)
		}
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		checkPageMarkup(t, what, r)
	}
}

var cacheablePublic = regexp.MustCompile(`^(public|private), max-age=[0-9]+$`)

var (
	urlAttr      = regexp.MustCompile(`(?i)\s(src|href|action|formaction|poster|srcset|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
	inlineScript = regexp.MustCompile(`(?i)<script(\s[^>]*)?>`)
	eventAttr    = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	styleAttr    = regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`)
)

// checkPageMarkup fails when a page points at another host, or holds
// inline script or style (which the CSP would block, breaking the page).
func checkPageMarkup(t *testing.T, what string, r *response) {
	t.Helper()
	host := r.Request.URL.Host
	for _, m := range urlAttr.FindAllStringSubmatch(r.Body, -1) {
		attr, val := strings.ToLower(m[1]), m[2]+m[3]+m[4]
		val = strings.ReplaceAll(val, "&amp;", "&")
		switch {
		case val == "" || strings.HasPrefix(val, "#"):
		case strings.HasPrefix(val, "data:image/") && attr == "src":
		case strings.HasPrefix(val, "/") && !strings.HasPrefix(val, "//") && !strings.HasPrefix(val, "/\\"):
		default:
			u, err := url.Parse(val)
			if err != nil || u.Scheme != "" || u.Host != "" {
				if err == nil && u.Host == host {
					t.Errorf("%s: %s=%q is an absolute URL (use a path)", what, attr, val)
				} else {
					t.Errorf("%s: %s=%q points off-site", what, attr, val)
				}
			}
		}
	}
	for _, m := range inlineScript.FindAllStringSubmatch(r.Body, -1) {
		if !strings.Contains(strings.ToLower(m[1]), "src=") {
			t.Errorf("%s: inline <script>", what)
		}
	}
	if strings.Contains(strings.ToLower(r.Body), "<style") {
		t.Errorf("%s: inline <style>", what)
	}
	if eventAttr.MatchString(r.Body) {
		t.Errorf("%s: inline event handler: %s", what, eventAttr.FindString(r.Body))
	}
	if styleAttr.MatchString(r.Body) {
		t.Errorf("%s: inline style attribute: %s", what, styleAttr.FindString(r.Body))
	}
}

// TestSecurityHeadersEverywhere sends every route as several identities,
// plus error cases, and checks every answer's headers and markup.
func TestSecurityHeadersEverywhere(t *testing.T) {
	f := newAuthzFixture(t)
	// Pages that only exist with data: an invitation link shown once, the
	// TOTP enrolment page with its inline QR code.
	adm := f.clients[admin]
	r := adm.post("/admin/invites", url.Values{"login": {"headers-check"}, "role": {"viewer"}})
	wantStatus(t, r, http.StatusOK, "create invite")
	checkHeaders(t, "POST /admin/invites (link shown)", r)
	r = f.clients[adminNoTOTP].get("/account/totp")
	wantStatus(t, r, http.StatusOK, "enrol page")
	if !strings.Contains(r.Body, `src="data:image/png;base64,`) {
		t.Errorf("enrol page has no inline QR code")
	}
	checkHeaders(t, "GET /account/totp (enrol)", r)

	routes := f.ta.Web.Router.Routes()
	// Sealing and signing out go last: afterwards every page is the sealed
	// page, and the clients are signed out.
	rank := func(p string) int {
		switch p {
		case "POST /admin/seal":
			return 1
		case "POST /logout":
			return 2
		}
		return 0
	}
	sort.SliceStable(routes, func(i, j int) bool { return rank(routes[i].Pattern) < rank(routes[j].Pattern) })
	for _, rt := range routes {
		for _, id := range []identity{anonymous, secondFactor, adminNoTOTP, viewer, coordinator, admin} {
			res := f.request(f.clients[id], rt.Pattern)
			checkHeaders(t, fmt.Sprintf("%s as %s (%d)", rt.Pattern, id, res.StatusCode), res)
		}
	}
	// After sealing: the sealed page and the unseal page.
	if !f.ta.Vault.Sealed() {
		t.Fatalf("POST /admin/seal did not seal")
	}
	for _, p := range []string{"/", "/unseal", "/login", "/nowhere"} {
		checkHeaders(t, "sealed "+p, f.clients[anonymous].get(p))
	}
}

func TestSecurityHeadersOnErrors(t *testing.T) {
	ta := newTestApp(t)
	v := ta.sessionClient(t, ta.user(t, "viewer", auth.Viewer))
	anon := ta.newClient(t)
	cases := []struct {
		name string
		r    *response
		code int
	}{
		{"404", anon.get("/no/such/page"), http.StatusNotFound},
		{"403", v.get("/admin/users"), http.StatusForbidden},
		{"422", anon.post("/login", url.Values{"login": {"x"}}), http.StatusUnprocessableEntity},
		{"401", anon.post("/login", url.Values{"login": {"x"}, "password": {"nope-nope-nope"}}), http.StatusUnauthorized},
		{"cross-site 403", anon.postWith("/login", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}}), http.StatusForbidden},
		{"bad static", anon.get("/static/app.css"), http.StatusNotFound},
	}
	for _, c := range cases {
		if c.r.StatusCode != c.code {
			t.Errorf("%s: status %d, want %d", c.name, c.r.StatusCode, c.code)
		}
		checkHeaders(t, c.name, c.r)
	}
}

var hashedAsset = regexp.MustCompile(`^/static/([a-z0-9_-]+)\.([0-9a-f]{8})(\.[a-z0-9]+)$`)

// TestStaticAssets: assets are served under content-hashed names, cached
// forever, and pages only ever link the hashed names.
func TestStaticAssets(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newClient(t)
	names := ta.Web.Assets.Names()
	if len(names) == 0 {
		t.Fatal("no assets")
	}
	known := map[string]bool{}
	for _, name := range names {
		u := ta.Web.Assets.URL(name)
		known[u] = true
		m := hashedAsset.FindStringSubmatch(u)
		if m == nil {
			t.Errorf("asset %s has URL %s, not /static/<name>.<hash8>.<ext>", name, u)
			continue
		}
		if m[1]+m[3] != name {
			t.Errorf("asset %s: URL %s does not keep its name", name, u)
		}
		r := c.get(u)
		wantStatus(t, r, http.StatusOK, u)
		cc := r.Header.Get("Cache-Control")
		if !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q, want a year and immutable", u, cc)
		}
		if ct := r.Header.Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: Content-Type %q", u, ct)
		}
		sum := sha256.Sum256([]byte(r.Body))
		if hex.EncodeToString(sum[:4]) != m[2] {
			t.Errorf("%s: name hash %s does not match content hash %x", u, m[2], sum[:4])
		}
		checkHeaders(t, u, r)
		// The plain name and a stale hash are not served.
		wantStatus(t, c.get("/static/"+name), http.StatusNotFound, "plain asset name")
		wantStatus(t, c.get("/static/"+m[1]+".00000000"+m[3]), http.StatusNotFound, "stale asset hash")
	}
	// Pages reference assets only by their hashed URLs.
	r := c.get("/login")
	refs := regexp.MustCompile(`"(/static/[^"]*)"`).FindAllStringSubmatch(r.Body, -1)
	if len(refs) == 0 {
		t.Errorf("login page links no static asset")
	}
	for _, m := range refs {
		if !known[m[1]] {
			t.Errorf("page links %s, which is not a hashed asset URL", m[1])
		}
	}
	r = c.get("/favicon.ico")
	if r.StatusCode != http.StatusMovedPermanently || !known[r.Location()] {
		t.Errorf("favicon: %d %s", r.StatusCode, r.Location())
	}
}

// TestCrossOriginPostRefused: a form posted from another site is refused
// before any handler runs, whether or not it carries a valid token.
func TestCrossOriginPostRefused(t *testing.T) {
	ta := newTestApp(t)
	adm, secret := ta.admin(t, "boss")
	target := ta.user(t, "someone", auth.Viewer)
	c := ta.newClient(t)
	c.signIn(adm.Login, password(adm.Login), secret)
	token := csrfFrom(t, c.get("/admin/users").Body)
	rolePath := fmt.Sprintf("/admin/users/%d/role", target.ID)
	for _, hdr := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Sec-Fetch-Site": {"same-site"}},
		{"Sec-Fetch-Site": {"cross-site"}, "Origin": {c.ta.Srv.URL}},
		{"Origin": {"http://evil.example"}},
		{"Origin": {"null"}},
	} {
		for _, form := range []url.Values{
			{"role": {"admin"}},
			{"role": {"admin"}, "csrf": {token}},
		} {
			r := c.postWith(rolePath, form, hdr)
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("role change with %v (token %v): status %d, want 403", hdr, form.Has("csrf"), r.StatusCode)
			}
			checkHeaders(t, "cross-origin refusal", r)
			ta.mustContain(t, r.Body, "en", "error.403")
			if got := ta.reload(t, target.ID).Role; got != auth.Viewer {
				t.Fatalf("cross-origin POST changed the role to %s", got)
			}
		}
	}
	// Sign-out and language switch are refused too; the session lives on.
	evil := http.Header{"Origin": {"http://evil.example"}}
	if r := c.postWith("/logout", url.Values{"csrf": {token}}, evil); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin logout: %d", r.StatusCode)
	}
	if r := c.postWith("/lang", url.Values{"lang": {"fr"}, "csrf": {token}}, evil); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin language switch: %d", r.StatusCode)
	}
	if ta.reload(t, adm.ID).Lang != "" {
		t.Errorf("cross-origin language switch changed the account's language")
	}
	wantStatus(t, c.get("/account"), http.StatusOK, "session after refused cross-origin posts")

	// Login CSRF: a cross-site login form gives no session.
	anon := ta.newClient(t)
	anon.get("/login")
	r := anon.postWith("/login", url.Values{"login": {target.Login}, "password": {password(target.Login)},
		"csrf": {anon.cookie(csrfCookie)}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	wantStatus(t, r, http.StatusForbidden, "cross-site login")
	if _, set := r.setsCookie(sessionCookie); set {
		t.Errorf("cross-site login set a session cookie")
	}
	// Same origin, stated by the Origin header alone, is fine.
	r = c.postWith(rolePath, url.Values{"role": {"reviewer"}}, http.Header{"Origin": {c.ta.Srv.URL}})
	if !r.redirectsTo("/admin/users") || ta.reload(t, target.ID).Role != auth.Reviewer {
		t.Errorf("same-origin POST by Origin: %d %s", r.StatusCode, r.Location())
	}
}

// TestTokenPath: a POST with neither Sec-Fetch-Site nor Origin (an old
// browser) needs the form token of its own session.
func TestTokenPath(t *testing.T) {
	ta := newTestApp(t)
	adm, secret := ta.admin(t, "boss")
	target := ta.user(t, "someone", auth.Viewer)
	c := ta.newClient(t)
	c.signIn(adm.Login, password(adm.Login), secret)
	token := csrfFrom(t, c.get("/admin/users").Body)
	rolePath := fmt.Sprintf("/admin/users/%d/role", target.ID)
	other := ta.sessionClient(t, ta.user(t, "other", auth.Viewer))
	otherToken := csrfFrom(t, other.get("/account").Body)
	if otherToken == token {
		t.Fatal("two sessions share a CSRF token")
	}
	for name, form := range map[string]url.Values{
		"no token":                {"role": {"coordinator"}},
		"empty token":             {"role": {"coordinator"}, "csrf": {""}},
		"wrong token":             {"role": {"coordinator"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		"another session's token": {"role": {"coordinator"}, "csrf": {otherToken}},
	} {
		r := c.postWith(rolePath, form, nil)
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, r.StatusCode)
		}
		if got := ta.reload(t, target.ID).Role; got != auth.Viewer {
			t.Fatalf("%s: role changed to %s", name, got)
		}
	}
	r := c.postWith(rolePath, url.Values{"role": {"coordinator"}, "csrf": {token}}, nil)
	if !r.redirectsTo("/admin/users") {
		t.Fatalf("with token: %d %s", r.StatusCode, r.Location())
	}
	if got := ta.reload(t, target.ID).Role; got != auth.Coordinator {
		t.Errorf("with token: role %s, want coordinator", got)
	}
	// The header form of the token works too (for scripts).
	r = c.postWith(rolePath, url.Values{"role": {"documenter"}}, http.Header{"X-CSRF-Token": {token}})
	if !r.redirectsTo("/admin/users") || ta.reload(t, target.ID).Role != auth.Documenter {
		t.Errorf("X-CSRF-Token: %d %s", r.StatusCode, r.Location())
	}

	// Before login the token is tied to a cookie.
	anon := ta.newClient(t)
	page := anon.get("/login")
	anonToken := csrfFrom(t, page.Body)
	if anonToken == "" || anonToken != anon.cookie(csrfCookie) {
		t.Fatalf("login page token %q does not match its cookie", anonToken)
	}
	creds := url.Values{"login": {target.Login}, "password": {password(target.Login)}}
	r = anon.postWith("/login", creds, nil)
	wantStatus(t, r, http.StatusForbidden, "login without token")
	if _, set := r.setsCookie(sessionCookie); set {
		t.Errorf("refused login set a session cookie")
	}
	creds.Set("csrf", token) // someone else's
	wantStatus(t, anon.postWith("/login", creds, nil), http.StatusForbidden, "login with a foreign token")
	creds.Set("csrf", anonToken)
	r = anon.postWith("/login", creds, nil)
	if r.StatusCode != http.StatusSeeOther || anon.cookie(sessionCookie) == "" {
		t.Errorf("login with token: %d", r.StatusCode)
	}
	// A fresh visitor without the cookie cannot reuse the token.
	stranger := ta.newClient(t)
	wantStatus(t, stranger.postWith("/login", creds, nil), http.StatusForbidden, "token without its cookie")
}

// TestGETNeverChangesState: every POST-only path answered to a GET changes
// nothing; GET /logout in particular does not sign out.
func TestGETNeverChangesState(t *testing.T) {
	f := newAuthzFixture(t)
	adm := f.clients[admin]
	before := f.snapshot(t)
	gets := map[string]bool{}
	for _, rt := range f.ta.Web.Router.Routes() {
		if m, _ := split(rt.Pattern); m == http.MethodGet {
			gets[f.path(rt.Pattern)] = true
		}
	}
	for _, rt := range f.ta.Web.Router.Routes() {
		m, _ := split(rt.Pattern)
		p := f.path(rt.Pattern)
		if m == http.MethodGet || gets[p] {
			continue
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, adm.url(p), nil)
			r := adm.do(req)
			if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s (route %s): status %d, want 404 or 405", method, p, rt.Pattern, r.StatusCode)
			}
		}
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("GET requests changed state:\n before %s\n after  %s", before, after)
	}
	r := adm.get("/logout")
	if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: %d", r.StatusCode)
	}
	wantStatus(t, adm.get("/account"), http.StatusOK, "session after GET /logout")
	if f.ta.Vault.Sealed() {
		t.Errorf("a GET sealed Faro")
	}
}

// leakMarkers are things an error page must never show.
var leakMarkers = []string{"goroutine", "runtime/", ".go:", "panic", "sql:", "SQL", "database", "internal/",
	"/home/", "/work/", "/tmp/", "Error:", "error:", "stack", "admin+", "documenter+", "reviewer+"}

func checkGenericError(t *testing.T, ta *testApp, lang, what string, r *response, code int, extra ...string) {
	t.Helper()
	if r.StatusCode != code {
		t.Errorf("%s: status %d, want %d", what, r.StatusCode, code)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("%s: Content-Type %q", what, r.Header.Get("Content-Type"))
	}
	ta.mustContain(t, r.Body, lang, fmt.Sprintf("error.%d", code))
	ta.mustContain(t, r.Body, lang, "error.explain")
	for _, m := range append(leakMarkers, extra...) {
		if strings.Contains(r.Body, m) {
			t.Errorf("%s: error page contains %q", what, m)
		}
	}
	checkHeaders(t, what, r)
}

// TestErrorPagesAreGeneric: 404, 403 and 500 pages say what the status
// means and nothing about the server, the code or the failure.
func TestErrorPagesAreGeneric(t *testing.T) {
	ta := newTestApp(t)
	ta.Web.Router.Handle("GET /test/boom", web.Public, func(http.ResponseWriter, *http.Request) {
		panic("secret-panic-detail in /srv/faro/internal/x.go:42")
	})
	ta.Web.Router.Handle("GET /test/fail", web.Public, func(w http.ResponseWriter, r *http.Request) {
		ta.Web.ServerError(w, r, errors.New(`pq: relation "secret_table" does not exist at /var/lib/faro`))
	})
	anon := ta.newClient(t)
	v := ta.sessionClient(t, ta.user(t, "viewer", auth.Viewer))

	r := anon.get("/no/such/page/secret-path-segment")
	checkGenericError(t, ta, "en", "404", r, http.StatusNotFound)
	r = anon.get("/x%3Cscript%3Ealert(1)%3C/script%3E")
	checkGenericError(t, ta, "en", "404 with markup in the path", r, http.StatusNotFound, "<script>alert")
	r = v.get("/admin/users")
	checkGenericError(t, ta, "en", "403", r, http.StatusForbidden, "Name of")
	r = v.get("/evidence/123/download")
	checkGenericError(t, ta, "en", "403 evidence", r, http.StatusForbidden)
	r = anon.get("/test/boom")
	checkGenericError(t, ta, "en", "500 from a panic", r, http.StatusInternalServerError, "secret-panic-detail", "/srv/faro")
	r = anon.get("/test/fail")
	checkGenericError(t, ta, "en", "500 from an error", r, http.StatusInternalServerError, "secret_table", "/var/lib/faro", "pq:")
	if logs := ta.Logs.String(); !strings.Contains(logs, "secret-panic-detail") || !strings.Contains(logs, "secret_table") {
		t.Errorf("the causes of 500s are not in the log for the operator")
	}
	// In another language the page is still generic, and translated, even
	// when a handler panicked; and the request still shows in the log.
	if lang := pickLang(t, ta, "es"); lang != "" {
		anon.Header.Set("Accept-Language", lang)
		r = anon.get("/no/such/page")
		ta.mustContain(t, r.Body, lang, "error.404")
		r = anon.get("/test/boom")
		checkGenericError(t, ta, lang, "500 from a panic, "+lang, r, http.StatusInternalServerError, "secret-panic-detail")
		if l, _ := htmlLang(t, r.Body); l != lang {
			t.Errorf("500 page after a panic is in %q, want %q", l, lang)
		}
		ta.mustContain(t, r.Body, lang, "error.500")
		if csrfFrom(t, r.Body) == "" {
			t.Errorf("500 page after a panic has an empty form token: its language switch cannot work")
		}
		if !strings.Contains(ta.Logs.String(), "GET /test/boom") {
			t.Errorf("a request that panicked is missing from the request log")
		}
	}

	// A real failure: the database goes away under a signed-in user.
	ta2 := newTestApp(t)
	c := ta2.sessionClient(t, ta2.user(t, "viewer", auth.Viewer))
	ta2.DB.Close()
	r = c.get("/account")
	checkGenericError(t, ta2, "en", "500 with the database closed", r, http.StatusInternalServerError, "closed")
}

// TestLogsHoldNoSecrets walks through the sign-in flows and checks that
// the log shows the requests but none of what people typed or hold.
func TestLogsHoldNoSecrets(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ta := newTestAppOn(t, engine)
			var secrets []string
			keep := func(s ...string) { secrets = append(secrets, s...) }

			adm, admSecret := ta.admin(t, "log-admin-login")
			keep(admSecret)
			u := ta.user(t, "log-user-login", auth.Documenter)
			keep(password(u.Login), password(adm.Login))

			c := ta.newClient(t)
			c.Header.Set("User-Agent", "SecretBrowser/9.9 (private device name)")
			keep("SecretBrowser/9.9")
			c.get("/login")
			keep(c.cookie(csrfCookie))
			c.signIn(u.Login, password(u.Login), "")
			keep(c.cookie(sessionCookie))
			page := c.get("/account")
			keep(csrfFrom(t, page.Body))

			// A failed login from another browser, with a typo'd password.
			c2 := ta.newClient(t)
			wrong := "Wrong-Secret-Passw0rd!"
			keep(wrong)
			r := c2.post("/login", url.Values{"login": {u.Login}, "password": {wrong}})
			wantStatus(t, r, http.StatusUnauthorized, "failed login")
			// A failed password change, then a good one.
			newPW := "The-New-Secret-Passphrase-77"
			keep(newPW)
			r = c.post("/account/password", url.Values{"current": {wrong}, "new": {newPW}, "confirm": {newPW}})
			wantStatus(t, r, http.StatusUnprocessableEntity, "password change with wrong current")
			r = c.post("/account/password", url.Values{"current": {password(u.Login)}, "new": {newPW}, "confirm": {newPW}})
			if !r.redirectsTo("/account") {
				t.Fatalf("password change: %d", r.StatusCode)
			}
			keep(c.cookie(sessionCookie))
			// TOTP enrolment of the user, and sign-in with it.
			page = c.get("/account/totp")
			m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
			if m == nil {
				t.Fatal("no TOTP secret on the enrolment page")
			}
			keep(m[1])
			r = c.post("/account/totp", url.Values{"code": {"000000"}})
			wantStatus(t, r, http.StatusUnprocessableEntity, "wrong enrolment code")
			r = c.post("/account/totp", url.Values{"code": {ta.freshCode(m[1])}})
			if !r.redirectsTo("/account") {
				t.Fatalf("confirm TOTP: %d", r.StatusCode)
			}
			c3 := ta.newClient(t)
			c3.signIn(u.Login, newPW, m[1])
			keep(c3.cookie(sessionCookie))

			// An invitation made and accepted.
			ca := ta.newClient(t)
			ca.signIn(adm.Login, password(adm.Login), admSecret)
			keep(ca.cookie(sessionCookie))
			r = ca.post("/admin/invites", url.Values{"login": {"log-invitee-login"}, "role": {"viewer"}})
			link := inviteLink(t, r.Body)
			tokenPath := mustPath(t, link)
			keep(strings.TrimPrefix(tokenPath, "/invite/"))
			ci := ta.newClient(t)
			invPW := "Invitee-Secret-Passphrase-5"
			keep(invPW, "Secret Display Name")
			r = ci.post(tokenPath, url.Values{"name": {"Secret Display Name"}, "password": {invPW}, "confirm": {invPW}})
			if !r.redirectsTo("/") {
				t.Fatalf("accept invite: %d %s", r.StatusCode, shorten(r.Body))
			}
			keep(ci.cookie(sessionCookie))
			// Unsealing with a wrong passphrase.
			ta.Vault.Seal()
			keep("Wrong unseal passphrase 123", "test passphrase for faro")
			ci.post("/unseal", url.Values{"secret": {"Wrong unseal passphrase 123"}})

			logs := ta.Logs.String()
			if !strings.Contains(logs, "POST /login") || !strings.Contains(logs, "POST /account/password") {
				t.Fatalf("requests were not logged:\n%s", logs)
			}
			for _, s := range secrets {
				if s == "" {
					t.Fatalf("empty secret collected")
				}
				if strings.Contains(logs, s) {
					t.Errorf("log contains secret %q", s)
				}
			}
			// Login names are typed into forms too: they stay out of logs.
			for _, l := range []string{u.Login, adm.Login, "log-invitee-login"} {
				if strings.Contains(logs, l) {
					t.Errorf("log contains login name %q", l)
				}
			}
			if t.Failed() {
				t.Logf("log:\n%s", logs)
			}
		})
	}
}

var inviteLinkRE = regexp.MustCompile(`id="invite-link">([^<]+)<`)

// inviteLink returns the invitation link on the admin page.
func inviteLink(t testing.TB, body string) string {
	t.Helper()
	m := inviteLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no invitation link on the page")
	}
	return m[1]
}

func mustPath(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/invite/") {
		t.Fatalf("bad invitation link %q", link)
	}
	return path.Clean(u.Path)
}
