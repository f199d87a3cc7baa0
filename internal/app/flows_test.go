package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
)

// These are the journeys people make through Faro, step by step over
// HTTP, each on every database engine. Each also checks something that
// must not show up.

// langsOtherThanEnglish lists the catalogues besides English.
func langsOtherThanEnglish(ta *testApp) []string {
	var out []string
	for _, l := range ta.Bundle.Langs() {
		if l != "en" {
			out = append(out, l)
		}
	}
	return out
}

// pickLang returns want when its catalogue exists, else another
// non-English one, else skips.
func pickLang(t *testing.T, ta *testApp, want string) string {
	t.Helper()
	if ta.Bundle.Has(want) {
		return want
	}
	others := langsOtherThanEnglish(ta)
	if len(others) == 0 {
		t.Skipf("no catalogue besides English yet")
	}
	t.Logf("no %s catalogue; using %s", want, others[0])
	return others[0]
}

var htmlTag = regexp.MustCompile(`<html lang="([^"]*)" dir="([^"]*)">`)

func htmlLang(t *testing.T, body string) (lang, dir string) {
	t.Helper()
	m := htmlTag.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no <html lang dir> on the page")
	}
	return m[1], m[2]
}

func TestFlowLogin(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "amira", auth.Documenter)
		c := ta.newClient(t)
		r := c.get("/")
		if !r.redirectsTo("/login") {
			t.Fatalf("anonymous home: %d %s", r.StatusCode, r.Location())
		}
		r = c.get("/login?next=%2Faccount")
		wantStatus(t, r, http.StatusOK, "login page")
		ta.mustContain(t, r.Body, "en", "login.title")
		if !strings.Contains(r.Body, `name="next" value="/account"`) {
			t.Errorf("login form does not carry next")
		}
		r = c.post("/login", url.Values{"login": {"  AMIRA "}, "password": {password(u.Login)}, "next": {"/account"}})
		if !r.redirectsTo("/account") {
			t.Fatalf("login: %d %s", r.StatusCode, r.Location())
		}
		for _, ck := range r.Cookies() {
			if ck.Name == sessionCookie && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode && ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.MaxAge > 0 || !ck.Expires.IsZero()) {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite, Path=/, ending with the browser", ck)
			}
		}
		r = c.get("/")
		wantStatus(t, r, http.StatusOK, "home after login")
		ta.mustContain(t, r.Body, "en", "home.welcome", u.DisplayName)
		mustNotContain(t, "home page", r.Body, password(u.Login))
		// Signed in, the login page sends home.
		if r = c.get("/login"); !r.redirectsTo("/") {
			t.Errorf("login page when signed in: %d %s", r.StatusCode, r.Location())
		}
		// Signing out ends the session on the server, not just the cookie.
		tok := c.cookie(sessionCookie)
		r = c.post("/logout", url.Values{})
		if !r.redirectsTo("/login") {
			t.Fatalf("logout: %d %s", r.StatusCode, r.Location())
		}
		if c.cookie(sessionCookie) != "" {
			t.Errorf("session cookie kept after logout")
		}
		if _, _, err := ta.Auth.Lookup(ta.ctx, tok); err == nil {
			t.Errorf("session still valid after logout")
		}
		r = c.get("/login")
		ta.mustContain(t, r.Body, "en", "logout.done")
		// The notice shows once.
		r = c.get("/login")
		mustNotContain(t, "second login page", r.Body, htmlText(ta.tr("en", "logout.done")))
	})
}

func TestFlowLoginFailureInUsersLanguage(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "lucia", auth.Reviewer)
		langs := []string{"es"}
		if !ta.Bundle.Has("es") {
			langs = langsOtherThanEnglish(ta)
			if len(langs) == 0 {
				t.Skip("no catalogue besides English yet")
			}
		}
		for _, lang := range append(langs, "en") {
			want := ta.tr(lang, "login.error.credentials")
			if lang != "en" && want == ta.tr("en", "login.error.credentials") {
				t.Errorf("%s: login.error.credentials is not translated", lang)
			}
			c := ta.newClient(t)
			c.Header.Set("Accept-Language", lang)
			typo := "wrong-but-long-password"
			for _, login := range []string{u.Login, "nobody-here"} {
				r := c.post("/login", url.Values{"login": {login}, "password": {typo}})
				wantStatus(t, r, http.StatusUnauthorized, "wrong password")
				ta.mustContain(t, r.Body, lang, "login.error.credentials")
				if l, _ := htmlLang(t, r.Body); l != lang {
					t.Errorf("page language %s, want %s", l, lang)
				}
				if !strings.Contains(r.Body, `value="`+login+`"`) {
					t.Errorf("the login typed is not kept")
				}
				mustNotContain(t, "failed login page", r.Body, typo)
				if _, set := r.setsCookie(sessionCookie); set {
					t.Errorf("failed login set a session cookie")
				}
			}
		}
	})
}

func TestFlowThrottling(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "jonas", auth.Viewer)
		other := ta.user(t, "sami", auth.Viewer)
		c := ta.newClient(t)
		max := ta.Auth.Limits.MaxFailuresPerAccount
		for i := 0; i < max; i++ {
			r := c.post("/login", url.Values{"login": {u.Login}, "password": {"not-the-password"}})
			wantStatus(t, r, http.StatusUnauthorized, fmt.Sprintf("failure %d", i+1))
		}
		for _, pw := range []string{"not-the-password", password(u.Login)} {
			r := c.post("/login", url.Values{"login": {u.Login}, "password": {pw}})
			wantStatus(t, r, http.StatusTooManyRequests, "throttled login")
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || secs < 60 || secs > int(ta.Auth.Limits.FailureWindow.Seconds()) {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			ta.mustContain(t, r.Body, "en", "login.error.throttled")
			mustNotContain(t, "throttled page", r.Body, htmlText(ta.tr("en", "login.error.credentials")))
			if _, set := r.setsCookie(sessionCookie); set {
				t.Errorf("a throttled login set a session cookie")
			}
		}
		// Another account from the same address is not locked out.
		c2 := ta.newClient(t)
		c2.signIn(other.Login, password(other.Login), "")
		// After the window the account may sign in again.
		ta.Clock.Advance(ta.Auth.Limits.FailureWindow + time.Second)
		c.signIn(u.Login, password(u.Login), "")
	})
}

func TestFlowSessionRotatedAtLogin(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "noor", auth.Coordinator)
		c := ta.newClient(t)
		c.signIn(u.Login, password(u.Login), "")
		first := c.cookie(sessionCookie)
		// Signing in again, from the same browser, gives a new token and
		// ends the old session.
		c.signIn(u.Login, password(u.Login), "")
		second := c.cookie(sessionCookie)
		if second == first {
			t.Fatalf("session token not rotated at login")
		}
		if _, _, err := ta.Auth.Lookup(ta.ctx, first); err == nil {
			t.Errorf("the pre-login session survived the login")
		}
		stale := ta.newClient(t)
		stale.setCookie(sessionCookie, first)
		if r := stale.get("/account"); !r.redirectsTo("/login") {
			t.Errorf("old token still works: %d", r.StatusCode)
		}
		// A planted (fixated) token is replaced, not adopted.
		victim := ta.newClient(t)
		victim.setCookie(sessionCookie, "attacker-chosen-token")
		victim.signIn(u.Login, password(u.Login), "")
		if victim.cookie(sessionCookie) == "attacker-chosen-token" {
			t.Errorf("login kept a session token chosen by someone else")
		}
	})
}

func TestFlowTOTPLogin(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		adm, secret := ta.admin(t, "noor")
		c := ta.newClient(t)
		r := c.post("/login", url.Values{"login": {adm.Login}, "password": {password(adm.Login)}, "next": {"/admin/users"}})
		if !r.redirectsTo("/login/totp") {
			t.Fatalf("password step: %d %s", r.StatusCode, r.Location())
		}
		pending := c.cookie(sessionCookie)
		// Half signed in is not signed in.
		for _, p := range []string{"/", "/account", "/admin/users"} {
			if r := c.get(p); !r.redirectsTo("/login") {
				t.Errorf("%s with only a password: %d %s", p, r.StatusCode, r.Location())
			}
		}
		r = c.get(r.Location())
		wantStatus(t, r, http.StatusOK, "code page")
		ta.mustContain(t, r.Body, "en", "login.totp.explain")
		mustNotContain(t, "code page", r.Body, secret)
		// A wrong code.
		r = c.post("/login/totp", url.Values{"code": {"123456"}, "next": {"/admin/users"}})
		wantStatus(t, r, http.StatusUnauthorized, "wrong code")
		ta.mustContain(t, r.Body, "en", "totp.error.code")
		mustNotContain(t, "wrong code page", r.Body, "123456")
		// The right one, with spaces as some apps show it.
		code := ta.freshCode(secret)
		r = c.post("/login/totp", url.Values{"code": {code[:3] + " " + code[3:]}, "next": {"/admin/users"}})
		if !r.redirectsTo("/admin/users") {
			t.Fatalf("code step: %d %s", r.StatusCode, r.Location())
		}
		full := c.cookie(sessionCookie)
		if full == pending {
			t.Errorf("the waiting session's token was kept for the full session")
		}
		if _, _, err := ta.Auth.Lookup(ta.ctx, pending); err == nil {
			t.Errorf("the waiting session survived the second step")
		}
		wantStatus(t, c.get("/admin/users"), http.StatusOK, "admin page after both steps")

		// The same code again, from another browser, in the same step.
		c2 := ta.newClient(t)
		r = c2.post("/login", url.Values{"login": {adm.Login}, "password": {password(adm.Login)}})
		if !r.redirectsTo("/login/totp") {
			t.Fatalf("second password step: %d", r.StatusCode)
		}
		r = c2.post("/login/totp", url.Values{"code": {code}})
		wantStatus(t, r, http.StatusUnauthorized, "reused code")
		ta.mustContain(t, r.Body, "en", "totp.error.code")
		if r := c2.get("/account"); !r.redirectsTo("/login") {
			t.Errorf("a reused code gave access")
		}
		// Cancelling signs the waiting session out.
		r = c2.post("/logout", url.Values{})
		if !r.redirectsTo("/login") || c2.cookie(sessionCookie) != "" {
			t.Errorf("cancel: %d", r.StatusCode)
		}
		// The waiting session expires on its own.
		c3 := ta.newClient(t)
		c3.post("/login", url.Values{"login": {adm.Login}, "password": {password(adm.Login)}})
		ta.Clock.Advance(ta.Auth.Limits.SecondFactorTimeout + time.Minute)
		r = c3.post("/login/totp", url.Values{"code": {auth.TOTPCode(secret, ta.Clock.Now())}})
		if !r.redirectsTo("/login") {
			t.Errorf("an expired waiting session: %d %s, want 303 to /login", r.StatusCode, r.Location())
		}
	})
}

var revokeAction = regexp.MustCompile(`action="/account/sessions/(\d+)/revoke"`)

func TestFlowRevokeOtherSession(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "amira", auth.Viewer)
		stranger := ta.user(t, "stranger", auth.Viewer)
		laptop, phone := ta.newClient(t), ta.newClient(t)
		laptop.Header.Set("User-Agent", "Laptop Browser")
		phone.Header.Set("User-Agent", "Phone Browser")
		laptop.signIn(u.Login, password(u.Login), "")
		phone.signIn(u.Login, password(u.Login), "")
		sc := ta.sessionClient(t, stranger)

		r := laptop.get("/account")
		wantStatus(t, r, http.StatusOK, "account page")
		ta.mustContain(t, r.Body, "en", "sessions.count", 2)
		if !strings.Contains(r.Body, "Laptop Browser") || !strings.Contains(r.Body, "Phone Browser") {
			t.Errorf("sessions are not listed by device")
		}
		mustNotContain(t, "account page", r.Body, "FaroTest")
		ids := map[string]bool{}
		for _, m := range revokeAction.FindAllStringSubmatch(r.Body, -1) {
			ids[m[1]] = true
		}
		phoneID := fmt.Sprint(ta.sessionID(t, phone))
		strangerID := fmt.Sprint(ta.sessionID(t, sc))
		if len(ids) != 2 || !ids[phoneID] {
			t.Fatalf("revoke forms %v, want this and the phone's (%s)", ids, phoneID)
		}
		if ids[strangerID] {
			t.Errorf("someone else's session is listed")
		}
		mustNotContain(t, "account page", r.Body, phone.cookie(sessionCookie))

		// Someone else's session cannot be ended from here.
		r = laptop.post("/account/sessions/"+strangerID+"/revoke", url.Values{})
		wantStatus(t, r, http.StatusNotFound, "revoke a stranger's session")
		wantStatus(t, sc.get("/account"), http.StatusOK, "stranger after the attempt")

		r = laptop.post("/account/sessions/"+phoneID+"/revoke", url.Values{})
		if !r.redirectsTo("/account") {
			t.Fatalf("revoke: %d %s", r.StatusCode, r.Location())
		}
		if r := phone.get("/account"); !r.redirectsTo("/login") {
			t.Errorf("the revoked phone still gets in: %d", r.StatusCode)
		}
		r = laptop.get("/account")
		wantStatus(t, r, http.StatusOK, "laptop after revoking the phone")
		ta.mustContain(t, r.Body, "en", "session.revoked")
		ta.mustContain(t, r.Body, "en", "sessions.count", 1)
		mustNotContain(t, "account page", r.Body, "Phone Browser")

		// Ending this very session signs out.
		self := fmt.Sprint(ta.sessionID(t, laptop))
		r = laptop.post("/account/sessions/"+self+"/revoke", url.Values{})
		if !r.redirectsTo("/login") {
			t.Errorf("revoking the current session: %d %s", r.StatusCode, r.Location())
		}
		if r := laptop.get("/account"); !r.redirectsTo("/login") {
			t.Errorf("still signed in after ending the current session")
		}
	})
}

func TestFlowPasswordChange(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		u := ta.user(t, "jonas", auth.Documenter)
		here, there := ta.newClient(t), ta.newClient(t)
		here.signIn(u.Login, password(u.Login), "")
		there.signIn(u.Login, password(u.Login), "")
		before := here.cookie(sessionCookie)
		newPW := "a brand new passphrase"

		// Mistakes first: each re-renders, shows no password, changes nothing.
		for name, tc := range map[string]struct {
			form  url.Values
			key   string
			field string
		}{
			"wrong current": {url.Values{"current": {"wrong-current-pw"}, "new": {newPW}, "confirm": {newPW}}, "password.error.current", "current"},
			"mismatch":      {url.Values{"current": {password(u.Login)}, "new": {newPW}, "confirm": {newPW + "x"}}, "password.error.mismatch", "confirm"},
			"too short":     {url.Values{"current": {password(u.Login)}, "new": {"short"}, "confirm": {"short"}}, "password.error.short", "new"},
			"missing":       {url.Values{"new": {newPW}, "confirm": {newPW}}, "form.required", "current"},
		} {
			r := here.post("/account/password", tc.form)
			wantStatus(t, r, http.StatusUnprocessableEntity, name)
			ta.mustContain(t, r.Body, "en", tc.key)
			for _, v := range []string{password(u.Login), newPW, "wrong-current-pw"} {
				mustNotContain(t, name+" page", r.Body, v)
			}
			if !strings.Contains(r.Body, `name="`+tc.field+`" autocomplete="`) {
				t.Errorf("%s: no field %s", name, tc.field)
			}
			wantStatus(t, there.get("/account"), http.StatusOK, name+": other session")
		}

		r := here.post("/account/password", url.Values{"current": {password(u.Login)}, "new": {newPW}, "confirm": {newPW}})
		if !r.redirectsTo("/account") {
			t.Fatalf("change: %d %s", r.StatusCode, r.Location())
		}
		if here.cookie(sessionCookie) == before {
			t.Errorf("session token not renewed after the password change")
		}
		r = here.get("/account")
		wantStatus(t, r, http.StatusOK, "this session after the change")
		ta.mustContain(t, r.Body, "en", "password.changed")
		mustNotContain(t, "account page", r.Body, newPW)
		if r := there.get("/account"); !r.redirectsTo("/login") {
			t.Errorf("the other session survived the password change: %d", r.StatusCode)
		}
		old := ta.newClient(t)
		r = old.post("/login", url.Values{"login": {u.Login}, "password": {password(u.Login)}})
		wantStatus(t, r, http.StatusUnauthorized, "old password")
		ta.newClient(t).signIn(u.Login, newPW, "")
	})
}

func TestFlowInvitation(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		adm, secret := ta.admin(t, "noor")
		ac := ta.newClient(t)
		ac.signIn(adm.Login, password(adm.Login), secret)

		r := ac.post("/admin/invites", url.Values{"login": {"  New.Person "}, "role": {"documenter"}})
		wantStatus(t, r, http.StatusOK, "invite")
		ta.mustContain(t, r.Body, "en", "invite.created")
		link := inviteLink(t, r.Body)
		if !strings.HasPrefix(link, ta.Srv.URL+"/invite/") {
			t.Errorf("link %q is not on this site", link)
		}
		p := mustPath(t, link)
		// The link is shown once.
		r = ac.get("/admin/users")
		mustNotContain(t, "admin page later", r.Body, strings.TrimPrefix(p, "/invite/"))
		if !strings.Contains(r.Body, "new.person") {
			t.Errorf("pending invitation not listed")
		}

		nc := ta.newClient(t)
		r = nc.get(p)
		wantStatus(t, r, http.StatusOK, "invite page")
		ta.mustContain(t, r.Body, "en", "invite.explain", "new.person", ta.tr("en", "role.documenter"))
		// A mistake keeps the name, never the passwords, and uses nothing up.
		pw := "my own long passphrase"
		r = nc.post(p, url.Values{"name": {"Nadia K"}, "password": {pw}, "confirm": {pw + "!"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "mismatched passwords")
		ta.mustContain(t, r.Body, "en", "password.error.mismatch")
		if !strings.Contains(r.Body, `value="Nadia K"`) {
			t.Errorf("the name typed is not kept")
		}
		mustNotContain(t, "invite page", r.Body, pw)
		r = nc.post(p, url.Values{"name": {"Nadia K"}, "password": {"short"}, "confirm": {"short"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "short password")
		ta.mustContain(t, r.Body, "en", "password.error.short")
		if _, err := ta.Auth.UserByLogin(ta.ctx, "new.person"); err == nil {
			t.Fatalf("an account was created by a refused form")
		}

		r = nc.post(p, url.Values{"name": {"Nadia K"}, "password": {pw}, "confirm": {pw}})
		if !r.redirectsTo("/") {
			t.Fatalf("accept: %d %s\n%s", r.StatusCode, r.Location(), shorten(r.Body))
		}
		r = nc.get("/")
		wantStatus(t, r, http.StatusOK, "home of the new account")
		ta.mustContain(t, r.Body, "en", "invite.welcome")
		ta.mustContain(t, r.Body, "en", "home.welcome", "Nadia K")
		nu, err := ta.Auth.UserByLogin(ta.ctx, "new.person")
		if err != nil || nu.Role != auth.Documenter {
			t.Fatalf("new account: %v %+v", err, nu)
		}
		// The link works once.
		again := ta.newClient(t)
		wantStatus(t, again.get(p), http.StatusNotFound, "used link")
		r = again.post(p, url.Values{"name": {"Intruder"}, "password": {pw}, "confirm": {pw}})
		wantStatus(t, r, http.StatusNotFound, "used link posted")
		mustNotContain(t, "used link page", r.Body, "new.person")
		// The new person signs in anywhere with what they chose.
		ta.newClient(t).signIn("new.person", pw, "")

		// An invitation for a taken login is refused with the reason.
		r = ac.post("/admin/invites", url.Values{"login": {"new.person"}, "role": {"viewer"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "taken login")
		ta.mustContain(t, r.Body, "en", "user.error.taken")
		mustNotContain(t, "refused invite page", r.Body, `id="invite-link"`)
		// A revoked invitation's link is dead.
		r = ac.post("/admin/invites", url.Values{"login": {"later"}, "role": {"viewer"}})
		p2 := mustPath(t, inviteLink(t, r.Body))
		inv, err := ta.Auth.InviteByToken(ta.ctx, strings.TrimPrefix(p2, "/invite/"))
		if err != nil {
			t.Fatal(err)
		}
		r = ac.post(fmt.Sprintf("/admin/invites/%d/revoke", inv.ID), url.Values{})
		if !r.redirectsTo("/admin/users") {
			t.Fatalf("revoke invite: %d", r.StatusCode)
		}
		wantStatus(t, ta.newClient(t).get(p2), http.StatusNotFound, "revoked link")
	})
}

func TestFlowDisableUser(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		adm, secret := ta.admin(t, "noor")
		u := ta.user(t, "amira", auth.Reviewer)
		ac, uc := ta.newClient(t), ta.newClient(t)
		ac.signIn(adm.Login, password(adm.Login), secret)
		uc.signIn(u.Login, password(u.Login), "")
		wantStatus(t, uc.get("/account"), http.StatusOK, "user before")

		r := ac.post(fmt.Sprintf("/admin/users/%d/disable", u.ID), url.Values{})
		if !r.redirectsTo("/admin/users") {
			t.Fatalf("disable: %d %s", r.StatusCode, r.Location())
		}
		r = ac.get("/admin/users")
		ta.mustContain(t, r.Body, "en", "user.disabled")
		ta.mustContain(t, r.Body, "en", "admin.users.disabled")
		if r := uc.get("/account"); !r.redirectsTo("/login") {
			t.Errorf("disabled user's session still works: %d", r.StatusCode)
		}
		r = ta.newClient(t).post("/login", url.Values{"login": {u.Login}, "password": {password(u.Login)}})
		wantStatus(t, r, http.StatusUnauthorized, "disabled login")
		ta.mustContain(t, r.Body, "en", "login.error.disabled")
		if _, set := r.setsCookie(sessionCookie); set {
			t.Errorf("disabled login set a session cookie")
		}
		// The last admin cannot disable themselves.
		r = ac.post(fmt.Sprintf("/admin/users/%d/disable", adm.ID), url.Values{})
		wantStatus(t, r, http.StatusUnprocessableEntity, "disable the last admin")
		ta.mustContain(t, r.Body, "en", "user.error.last_admin")
		if ta.reload(t, adm.ID).Disabled {
			t.Fatalf("the last admin was disabled")
		}
		// Enabled again, they can sign in.
		r = ac.post(fmt.Sprintf("/admin/users/%d/enable", u.ID), url.Values{})
		if !r.redirectsTo("/admin/users") {
			t.Fatalf("enable: %d", r.StatusCode)
		}
		ta.newClient(t).signIn(u.Login, password(u.Login), "")
		// Unknown ids are 404s.
		wantStatus(t, ac.post("/admin/users/987654/disable", url.Values{}), http.StatusNotFound, "unknown user")
		wantStatus(t, ac.post("/admin/users/abc/disable", url.Values{}), http.StatusNotFound, "non-numeric id")
	})
}

func TestFlowRoleChange(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		adm, secret := ta.admin(t, "noor")
		u := ta.user(t, "sami", auth.Viewer)
		ac, uc := ta.newClient(t), ta.newClient(t)
		ac.signIn(adm.Login, password(adm.Login), secret)
		uc.signIn(u.Login, password(u.Login), "")
		wantStatus(t, uc.get("/evidence"), http.StatusForbidden, "viewer on evidence")

		path := fmt.Sprintf("/admin/users/%d/role", u.ID)
		r := ac.post(path, url.Values{"role": {"superuser"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "unknown role")
		ta.mustContain(t, r.Body, "en", "user.error.role")
		if ta.reload(t, u.ID).Role != auth.Viewer {
			t.Fatalf("an unknown role changed the account")
		}
		r = ac.post(path, url.Values{"role": {"coordinator"}})
		if !r.redirectsTo("/admin/users") {
			t.Fatalf("role change: %d %s", r.StatusCode, r.Location())
		}
		if got := ta.reload(t, u.ID).Role; got != auth.Coordinator {
			t.Fatalf("role %s, want coordinator", got)
		}
		// The change applies to the running session at once.
		r = uc.get("/")
		ta.mustContain(t, r.Body, "en", "home.role", ta.tr("en", "role.coordinator"))
		wantStatus(t, uc.get("/evidence"), http.StatusOK, "coordinator on evidence")
		wantStatus(t, uc.get("/admin/users"), http.StatusForbidden, "coordinator on admin")
		// The last admin keeps the role.
		r = ac.post(fmt.Sprintf("/admin/users/%d/role", adm.ID), url.Values{"role": {"viewer"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "demote the last admin")
		ta.mustContain(t, r.Body, "en", "user.error.last_admin")
		if ta.reload(t, adm.ID).Role != auth.Admin {
			t.Fatalf("the last admin was demoted")
		}
		// A new admin must set up the second factor before anything else.
		r = ac.post(path, url.Values{"role": {"admin"}})
		if !r.redirectsTo("/admin/users") {
			t.Fatalf("promote: %d", r.StatusCode)
		}
		if r := uc.get("/account"); !r.redirectsTo("/account/totp") {
			t.Errorf("new admin without TOTP: %d %s", r.StatusCode, r.Location())
		}
	})
}

func TestFlowLanguageSwitch(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		lang := pickLang(t, ta, "ar")
		u := ta.user(t, "amira", auth.Viewer)
		c := ta.newClient(t)
		c.signIn(u.Login, password(u.Login), "")
		r := c.get("/account")
		if l, _ := htmlLang(t, r.Body); l != "en" {
			t.Fatalf("starting language %s", l)
		}
		r = c.post("/lang", url.Values{"lang": {lang}, "back": {"/account"}})
		if !r.redirectsTo("/account") {
			t.Fatalf("switch: %d %s", r.StatusCode, r.Location())
		}
		r = c.get("/account")
		l, dir := htmlLang(t, r.Body)
		wantDir := "ltr"
		if lang == "ar" {
			wantDir = "rtl"
		}
		if l != lang || dir != wantDir {
			t.Errorf(`<html lang=%q dir=%q>, want %q %q`, l, dir, lang, wantDir)
		}
		ta.mustContain(t, r.Body, lang, "account.title")
		mustNotContain(t, "switched page", r.Body, htmlText(ta.tr("en", "account.password.title")))
		if got := ta.reload(t, u.ID).Lang; got != lang {
			t.Errorf("account language %q, want %q", got, lang)
		}
		// It follows the account to a new browser, whatever that browser asks.
		c2 := ta.newClient(t)
		c2.Header.Set("Accept-Language", "en-US,en;q=0.9")
		c2.signIn(u.Login, password(u.Login), "")
		if l, _ := htmlLang(t, c2.get("/").Body); l != lang {
			t.Errorf("new browser language %s, want the account's %s", l, lang)
		}
		// Unknown languages and off-site returns are refused.
		r = c.post("/lang", url.Values{"lang": {"xx"}, "back": {"/account"}})
		wantStatus(t, r, http.StatusBadRequest, "unknown language")
		if got := ta.reload(t, u.ID).Lang; got != lang {
			t.Errorf("refused switch changed the language to %q", got)
		}
		for _, back := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			r = c.post("/lang", url.Values{"lang": {"en"}, "back": {back}})
			if r.StatusCode != http.StatusSeeOther || r.Location() != "/" {
				t.Errorf("back=%q: %d %q, want 303 /", back, r.StatusCode, r.Location())
			}
		}
		// Anonymous visitors keep their choice in a cookie.
		a := ta.newClient(t)
		r = a.post("/lang", url.Values{"lang": {lang}, "back": {"/login"}})
		if !r.redirectsTo("/login") || a.cookie(langCookie) != lang {
			t.Fatalf("anonymous switch: %d cookie %q", r.StatusCode, a.cookie(langCookie))
		}
		if l, _ := htmlLang(t, a.get("/login").Body); l != lang {
			t.Errorf("anonymous page language %s", l)
		}
	})
}

func TestFlowAcceptLanguage(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		lang := pickLang(t, ta, "fr")
		c := ta.newClient(t)
		c.Header.Set("Accept-Language", lang+"-CH, "+lang+";q=0.9, en;q=0.8, de;q=0.7")
		r := c.get("/login")
		if l, _ := htmlLang(t, r.Body); l != lang {
			t.Errorf("page language %s, want %s", l, lang)
		}
		ta.mustContain(t, r.Body, lang, "login.title")
		mustNotContain(t, "page", r.Body, ">"+htmlText(ta.tr("en", "login.submit"))+"<")
		// The switcher marks the current language.
		if !strings.Contains(r.Body, `<option value="`+lang+`" lang="`+lang+`" selected>`) {
			t.Errorf("language switcher does not mark %s", lang)
		}
		// An unknown language falls back to English.
		c.Header.Set("Accept-Language", "de-DE,de;q=0.9")
		if l, _ := htmlLang(t, c.get("/login").Body); l != "en" {
			t.Errorf("German visitor sees %s", l)
		}
		// A chosen language beats the header.
		c.Header.Set("Accept-Language", lang)
		c.post("/lang", url.Values{"lang": {"en"}, "back": {"/login"}})
		if l, _ := htmlLang(t, c.get("/login").Body); l != "en" {
			t.Errorf("explicit choice lost to Accept-Language: %s", l)
		}
	})
}

func TestFlowInvalidInputKeepsValues(t *testing.T) {
	eachEngine(t, func(t *testing.T, ta *testApp) {
		adm, secret := ta.admin(t, "noor")
		ac := ta.newClient(t)
		ac.signIn(adm.Login, password(adm.Login), secret)

		// Bad login in an invitation: typed value back, role kept, nothing made.
		r := ac.post("/admin/invites", url.Values{"login": {"no spaces allowed"}, "role": {"reviewer"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad invite login")
		ta.mustContain(t, r.Body, "en", "user.error.login")
		if !strings.Contains(r.Body, `value="no spaces allowed"`) {
			t.Errorf("typed login not kept")
		}
		if !strings.Contains(r.Body, `<option value="reviewer" selected>`) {
			t.Errorf("chosen role not kept")
		}
		mustNotContain(t, "refused invite", r.Body, `id="invite-link"`)
		if inv, _ := ta.Auth.PendingInvites(ta.ctx); len(inv) != 0 {
			t.Errorf("a refused invitation was stored")
		}
		// Markup typed into a field comes back escaped.
		r = ac.post("/admin/invites", url.Values{"login": {`"><script>x</script>`}, "role": {"viewer"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "markup login")
		mustNotContain(t, "refused invite", r.Body, "<script>x")
		// Unknown role.
		r = ac.post("/admin/invites", url.Values{"login": {"fine.login"}, "role": {"owner"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad invite role")
		ta.mustContain(t, r.Body, "en", "user.error.role")
		if !strings.Contains(r.Body, `value="fine.login"`) {
			t.Errorf("typed login not kept")
		}

		// Login form: the login comes back, the password never.
		c := ta.newClient(t)
		r = c.post("/login", url.Values{"login": {"someone"}, "password": {""}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "missing password")
		ta.mustContain(t, r.Body, "en", "form.required")
		if !strings.Contains(r.Body, `value="someone"`) {
			t.Errorf("typed login not kept")
		}
		r = c.post("/login", url.Values{"login": {""}, "password": {"typed-secret-pw"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "missing login")
		mustNotContain(t, "login page", r.Body, "typed-secret-pw")
		if c.cookie(sessionCookie) != "" {
			t.Errorf("refused login gave a session")
		}
		// A TOTP code that is not a code.
		u := ta.user(t, "amira", auth.Viewer)
		uc := ta.newClient(t)
		uc.signIn(u.Login, password(u.Login), "")
		r = uc.post("/account/totp", url.Values{"code": {"abcdef"}})
		wantStatus(t, r, http.StatusUnprocessableEntity, "bad enrolment code")
		ta.mustContain(t, r.Body, "en", "totp.error.code")
		if ta.reload(t, u.ID).TOTPEnabled {
			t.Errorf("a bad code turned TOTP on")
		}
		mustNotContain(t, "enrol page", r.Body, "abcdef")
	})
}
