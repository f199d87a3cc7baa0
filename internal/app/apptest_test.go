package app_test

// This file builds Faro for the HTTP tests in one place: if app.New's
// configuration or start-up (sealing) changes, only newTestApp changes.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/store/storetest"
)

// Cookie names the web package uses (unexported there).
const (
	sessionCookie = "faro_session"
	csrfCookie    = "faro_csrf"
	langCookie    = "faro_lang"
	flashCookie   = "faro_flash"
)

// testApp is one running Faro behind an httptest server.
type testApp struct {
	*app.App
	Srv    *httptest.Server
	Logs   *apptest.Logs
	Clock  *testClock
	Bundle *i18n.Bundle
	Engine string
	ctx    context.Context
}

// eachEngine runs fn once per engine, each with a fresh app.
func eachEngine(t *testing.T, fn func(t *testing.T, ta *testApp)) {
	t.Helper()
	for _, e := range apptest.Engines() {
		t.Run(e, func(t *testing.T) { fn(t, newTestAppOn(t, e)) })
	}
}

// newTestApp starts a fresh, unsealed Faro on SQLite.
func newTestApp(t testing.TB) *testApp { return newTestAppOn(t, "sqlite") }

// newTestAppOn starts a fresh, unsealed Faro on the given engine.
func newTestAppOn(t testing.TB, engine string) *testApp {
	t.Helper()
	ctx := context.Background()
	var opts apptest.Options
	if engine == "postgres" {
		opts.Database = storetest.PostgresDSN(t)
	}
	a, logs := apptest.New(t, opts)
	clock := newTestClock()
	a.Auth.Now = clock.Now
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatalf("load catalogues: %v", err)
	}
	return &testApp{App: a, Srv: srv, Logs: logs, Clock: clock, Bundle: bundle, Engine: engine, ctx: ctx}
}

// testClock is the auth service's clock, moved by hand: TOTP codes work
// once per 30-second step, so tests step forward instead of sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	// Start one second into a TOTP step so that no test straddles one.
	n := time.Now().Truncate(30 * time.Second).Add(time.Second)
	return &testClock{now: n}
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// password is the password tests give the account with this login.
func password(login string) string { return "pw-" + login + "-Long-Enough-1" }

// user creates an account with password(login).
func (ta *testApp) user(t testing.TB, login string, role auth.Role) *auth.User {
	t.Helper()
	u, err := ta.Auth.CreateUser(ta.ctx, auth.NewUser{Login: login, DisplayName: "Name of " + login,
		Password: password(login), Role: role})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// enableTOTP turns the second factor on for u and returns its secret.
func (ta *testApp) enableTOTP(t testing.TB, u *auth.User) string {
	t.Helper()
	enr, err := ta.Auth.StartTOTP(ta.ctx, u, "Faro")
	if err != nil {
		t.Fatalf("start TOTP: %v", err)
	}
	if err := ta.Auth.ConfirmTOTP(ta.ctx, u.ID, auth.TOTPCode(enr.Secret, ta.Clock.Now())); err != nil {
		t.Fatalf("confirm TOTP: %v", err)
	}
	u.TOTPEnabled = true
	return enr.Secret
}

// freshCode moves the clock to the next TOTP step and returns its code, so
// that it was never used before.
func (ta *testApp) freshCode(secret string) string {
	ta.Clock.Advance(30 * time.Second)
	return auth.TOTPCode(secret, ta.Clock.Now())
}

// admin creates an admin with the second factor on; it returns the secret.
func (ta *testApp) admin(t testing.TB, login string) (*auth.User, string) {
	t.Helper()
	u := ta.user(t, login, auth.Admin)
	return u, ta.enableTOTP(t, u)
}

// reload reads an account afresh from the database.
func (ta *testApp) reload(t testing.TB, id int64) *auth.User {
	t.Helper()
	u, err := ta.Auth.UserByID(ta.ctx, id)
	if err != nil {
		t.Fatalf("load user %d: %v", id, err)
	}
	return u
}

// sessionCount returns how many live full sessions the account has.
func (ta *testApp) sessionCount(t testing.TB, userID int64) int {
	t.Helper()
	ss, err := ta.Auth.Sessions(ta.ctx, userID)
	if err != nil {
		t.Fatalf("sessions: %v", err)
	}
	return len(ss)
}

// client is one browser: its own cookie jar, never following redirects.
type client struct {
	t      testing.TB
	ta     *testApp
	hc     *http.Client
	base   *url.URL
	Header http.Header // sent with every request (Accept-Language, User-Agent)
}

func (ta *testApp) newClient(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(ta.Srv.URL)
	return &client{t: t, ta: ta, base: base, Header: http.Header{"User-Agent": {"FaroTest/1.0"}},
		hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	Body string
}

// Location returns the redirect target, or "".
func (r *response) Location() string { return r.Header.Get("Location") }

// redirectsTo reports whether r is a 303 to path (query ignored).
func (r *response) redirectsTo(path string) bool {
	if r.StatusCode != http.StatusSeeOther {
		return false
	}
	u, err := url.Parse(r.Location())
	return err == nil && u.Path == path
}

// setsCookie returns the value r sets for the cookie name, and whether it does.
func (r *response) setsCookie(name string) (string, bool) {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

func (c *client) url(path string) string { return c.ta.Srv.URL + path }

// do sends req with the client's headers and reads the answer.
func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	for k, v := range c.Header {
		if req.Header.Get(k) == "" {
			req.Header[k] = v
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return &response{Response: res, Body: string(b)}
}

// get fetches path.
func (c *client) get(path string) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.url(path), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post submits a form the way a current browser does: Sec-Fetch-Site
// says the form came from Faro's own page.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	return c.postWith(path, form, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

// postWith submits a form with exactly the extra headers given (no
// Sec-Fetch-Site unless hdr holds one).
func (c *client) postWith(path string, form url.Values, hdr http.Header) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header[k] = v
	}
	return c.do(req)
}

// cookie returns the value of the named cookie in the jar, or "".
func (c *client) cookie(name string) string {
	for _, ck := range c.hc.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie puts a cookie into the jar.
func (c *client) setCookie(name, value string) {
	c.hc.Jar.SetCookies(c.base, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrfFrom returns the form token on a page.
func csrfFrom(t testing.TB, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field on the page")
	}
	return m[1]
}

// signIn logs c in through the login form (and the second step when a
// TOTP secret is given) and checks it worked.
func (c *client) signIn(login, pw, totpSecret string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"login": {login}, "password": {pw}})
	if totpSecret != "" {
		if !r.redirectsTo("/login/totp") {
			c.t.Fatalf("login %s: want 303 to /login/totp, got %d %s", login, r.StatusCode, r.Location())
		}
		r = c.post("/login/totp", url.Values{"code": {c.ta.freshCode(totpSecret)}, "next": {"/"}})
	}
	if r.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: want 303, got %d\n%s", login, r.StatusCode, r.Body)
	}
	if c.cookie(sessionCookie) == "" {
		c.t.Fatalf("login %s: no session cookie", login)
	}
}

// sessionClient returns a client holding a fresh full session for u,
// opened directly through the auth service.
func (ta *testApp) sessionClient(t testing.TB, u *auth.User) *client {
	t.Helper()
	tok, err := ta.Auth.NewSessionFor(ta.ctx, u, "FaroTest/1.0")
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	c := ta.newClient(t)
	c.setCookie(sessionCookie, tok)
	return c
}

// sessionID returns the id of the session behind c's cookie.
func (ta *testApp) sessionID(t testing.TB, c *client) int64 {
	t.Helper()
	ss, _, err := ta.Auth.Lookup(ta.ctx, c.cookie(sessionCookie))
	if err != nil {
		t.Fatalf("look up session: %v", err)
	}
	return ss.ID
}

// tr returns the translation of key in lang from the real catalogues.
func (ta *testApp) tr(lang, key string, args ...any) string {
	return ta.Bundle.Localizer(lang).T(key, args...)
}

// htmlText escapes s the way html/template prints text, to look for a
// translation in a page.
func htmlText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mustContain fails unless body holds the translation of key in lang.
func (ta *testApp) mustContain(t testing.TB, body, lang, key string, args ...any) {
	t.Helper()
	want := htmlText(ta.tr(lang, key, args...))
	if !strings.Contains(body, want) {
		t.Errorf("page lacks %s text of %q (%q)", lang, key, want)
	}
}

func mustNotContain(t testing.TB, what, body, secret string) {
	t.Helper()
	if secret != "" && strings.Contains(body, secret) {
		t.Errorf("%s contains %q, which must never appear there", what, secret)
	}
}

func wantStatus(t testing.TB, r *response, code int, what string) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s: status %d, want %d (Location %q)\n%s", what, r.StatusCode, code, r.Location(), shorten(r.Body))
	}
}

func shorten(s string) string {
	if len(s) > 2000 {
		return s[:2000] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}
