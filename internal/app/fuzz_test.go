package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
)

// browserLocal reports whether a browser following a redirect to loc stays
// on this site. Browsers drop tabs and newlines from URLs and read "\" as
// "/", so "/\t/evil.example" and "/\evil.example" both leave.
func browserLocal(loc string) bool {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	loc = strings.ReplaceAll(loc, "\\", "/")
	loc = strings.TrimLeft(loc, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	return strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//")
}

func TestBrowserLocal(t *testing.T) {
	for loc, want := range map[string]bool{
		"/": true, "/account": true, "/login/totp?next=%2F%2Fevil": true,
		"//evil.example": false, "/\\evil.example": false, "/\t/evil.example": false,
		"https://evil.example/": false, "\\\\evil": false, " //evil": false, "": false,
	} {
		if got := browserLocal(loc); got != want {
			t.Errorf("browserLocal(%q) = %v", loc, got)
		}
	}
}

// fuzzApp is a Faro with throttling out of the way, so the fuzzer reaches
// the handlers instead of the 429 page.
// With FARO_TEST_POSTGRES set it runs on PostgreSQL, which is stricter
// about what text it stores than SQLite.
func fuzzApp(f *testing.F) *testApp {
	e := apptest.Engines()
	ta := newTestAppOn(f, e[len(e)-1])
	ta.Auth.Limits.MaxFailuresPerAccount = 1 << 30
	ta.Auth.Limits.MaxFailuresPerAddress = 1 << 30
	return ta
}

// FuzzLoginForm: whatever is typed into the login form, Faro never fails
// with a 5xx and never redirects anywhere but to a path on this site.
func FuzzLoginForm(f *testing.F) {
	ta := fuzzApp(f)
	ta.user(f, "fuzz-user", auth.Viewer)
	ta.admin(f, "fuzz-admin")
	for _, next := range []string{"", "/", "/account", "//evil.example", "https://evil.example/", "/\\evil.example",
		"/\t/evil.example", "/\n/evil.example", "/%2F%2Fevil.example", "\\\\evil.example", " /account",
		"/x\r\nSet-Cookie: a=b", "javascript:alert(1)", "/..//evil.example", "/./\\evil", "/\x00/evil"} {
		f.Add("fuzz-user", password("fuzz-user"), next)
		f.Add("fuzz-admin", password("fuzz-admin"), next)
	}
	// Unknown logins cost a full-strength dummy hash each: few seeds.
	f.Add("nobody", "whatever-password", "//evil.example")
	f.Add("fuzz-user", "wrong-password", "/\\evil.example")
	f.Add("", "", "")
	f.Add("FUZZ-USER ", password("fuzz-user"), "/")
	f.Add("\xff\xfe", "\x00", "/")
	f.Add(strings.Repeat("a", 300), strings.Repeat("b", 5000), strings.Repeat("/c", 2000))
	f.Fuzz(func(t *testing.T, login, pw, next string) {
		c := ta.newClient(t)
		r := c.post("/login", url.Values{"login": {login}, "password": {pw}, "next": {next}})
		if r.StatusCode >= 500 {
			t.Fatalf("login=%q next=%q: status %d\n%s", login, next, r.StatusCode, shorten(r.Body))
		}
		if loc := r.Header.Get("Location"); loc != "" && !browserLocal(loc) {
			t.Fatalf("login=%q next=%q: redirect to %q leaves the site", login, next, loc)
		}
		if r.StatusCode == http.StatusSeeOther && r.redirectsTo("/login/totp") {
			// The second step keeps next; it must stay local too.
			u, _ := url.Parse(r.Location())
			n := u.Query().Get("next")
			if !browserLocal(n) {
				t.Fatalf("next=%q: second step carries %q", next, n)
			}
		}
	})
}

var inviteSeq atomic.Int64

// FuzzInviteForm: whatever is posted to an invitation link, Faro never
// fails with a 5xx, and a success sends the new account home.
func FuzzInviteForm(f *testing.F) {
	ta := fuzzApp(f)
	adm, _ := ta.admin(f, "fuzz-admin")
	f.Add("", "Nadia", "a long enough pass", "a long enough pass")
	f.Add("", "", "", "")
	f.Add("", "Nadia", "short", "short")
	f.Add("", "Nadia", "a long enough pass", "different pass!!")
	f.Add("", strings.Repeat("n", 101), "a long enough pass", "a long enough pass")
	f.Add("", "\xff\xfe bad utf8", "a long enough pass", "a long enough pass")
	f.Add("", "nul\x00name", "pass\x00word-long", "pass\x00word-long")
	f.Add("", "  ", strings.Repeat("p", 300), strings.Repeat("p", 300))
	f.Add("not-a-token", "Nadia", "a long enough pass", "a long enough pass")
	f.Add("../../admin/users", "x", "y", "y")
	f.Add("%00", "x", "y", "y")
	f.Fuzz(func(t *testing.T, token, name, pw, confirm string) {
		p := "/invite/" + url.PathEscape(token)
		if token == "" {
			tok, err := ta.Auth.CreateInvite(ta.ctx, adm.ID, fmt.Sprintf("fuzz-invitee-%d", inviteSeq.Add(1)), auth.Viewer)
			if err != nil {
				t.Fatal(err)
			}
			p = "/invite/" + tok
		}
		c := ta.newClient(t)
		r := c.post(p, url.Values{"name": {name}, "password": {pw}, "confirm": {confirm}})
		if r.StatusCode >= 500 {
			t.Fatalf("name=%q password=%q confirm=%q: status %d\n%s", name, pw, confirm, r.StatusCode, shorten(r.Body))
		}
		if r.StatusCode == http.StatusSeeOther && r.Location() != "/" {
			t.Fatalf("accepted invitation redirects to %q", r.Location())
		}
	})
}

// TestOddBytesNeverFail: bytes that are not text (invalid UTF-8, NUL) in
// forms and headers are refused or stored, never a 500, on every engine.
func TestOddBytesNeverFail(t *testing.T) {
	odd := []string{"\xff\xfe", "nul\x00byte", "\xc3", "ok\u2028line", "\x1b[31mred"}
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "odd-user", auth.Viewer)
		adm, _ := ta.admin(t, "odd-admin")
		for _, s := range odd {
			// Header values may carry bytes >= 0x80 but no control characters
			// (net/http refuses those on both ends).
			header := !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
			c := ta.newClient(t)
			if header {
				c.Header.Set("Accept-Language", s)
			}
			for name, form := range map[string]url.Values{
				"login field":    {"login": {s}, "password": {"whatever-password"}},
				"password field": {"login": {u.Login}, "password": {s}},
				"next field":     {"login": {u.Login}, "password": {password(u.Login)}, "next": {"/" + s}},
			} {
				r := c.post("/login", form)
				if r.StatusCode >= 500 {
					t.Errorf("%s %q: status %d", name, s, r.StatusCode)
				}
			}
			// A User-Agent that is not text, on a successful login.
			c2 := ta.newClient(t)
			if header {
				c2.Header.Set("User-Agent", "Agent "+s)
			}
			r := c2.post("/login", url.Values{"login": {u.Login}, "password": {password(u.Login)}})
			if r.StatusCode >= 500 {
				t.Errorf("User-Agent %q: status %d", s, r.StatusCode)
			} else if r = c2.get("/account"); r.StatusCode >= 500 {
				t.Errorf("account page with User-Agent %q: status %d", s, r.StatusCode)
			}
			// Invitations: odd login, odd name.
			tok, err := ta.Auth.CreateInvite(ta.ctx, adm.ID, fmt.Sprintf("odd-invitee-%d", inviteSeq.Add(1)), auth.Viewer)
			if err != nil {
				t.Fatal(err)
			}
			pw := "a long enough password"
			r = ta.newClient(t).post("/invite/"+tok, url.Values{"name": {"Name " + s}, "password": {pw}, "confirm": {pw}})
			if r.StatusCode >= 500 {
				t.Errorf("invite name %q: status %d", s, r.StatusCode)
			}
			ac := ta.sessionClient(t, adm)
			r = ac.post("/admin/invites", url.Values{"login": {s}, "role": {"viewer"}})
			if r.StatusCode >= 500 {
				t.Errorf("invite login %q: status %d", s, r.StatusCode)
			}
			r = ac.post("/lang", url.Values{"lang": {s}, "back": {"/" + s}})
			if r.StatusCode >= 500 {
				t.Errorf("language %q: status %d", s, r.StatusCode)
			}
		}
	})
}
