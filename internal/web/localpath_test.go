package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/web"
)

// leavesSite reports whether a browser sent to loc would leave the site.
// Browsers drop tabs and newlines anywhere in a URL, strip leading control
// characters and spaces, and read "\" as "/" in http(s) URLs.
func leavesSite(loc string) bool {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	loc = strings.TrimLeftFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.ReplaceAll(loc, "\\", "/")
	return !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//")
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0
}

// redirectTo is what Faro's handlers do with a requested return path:
// LocalPath, then http.Redirect (which cleans the path).
func redirectTo(p string) string {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	http.Redirect(w, r, web.LocalPath(p), http.StatusSeeOther)
	return w.Header().Get("Location")
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "/",
		"/":                        "/",
		"/account":                 "/account",
		"/admin/users?tab=1#x":     "/admin/users?tab=1#x",
		"/login/totp?next=%2F%2Fx": "/login/totp?next=%2F%2Fx",
		"account":                  "/",
		"//evil.example":           "/",
		"///evil.example":          "/",
		"/\\evil.example":          "/",
		"\\\\evil.example":         "/",
		"https://evil.example/":    "/",
		"http:/evil.example":       "/",
		"javascript:alert(1)":      "/",
		" /account":                "/",
		"/x\r\nSet-Cookie: a=b":    "/",
		"/\t/evil.example":         "/",
		"/\x00/evil":               "/",
		"/./\\evil.example":        "/",
		"/a/..\\..\\evil":          "/",
	} {
		if got := web.LocalPath(in); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
		if loc := redirectTo(in); leavesSite(loc) || hasControl(loc) {
			t.Errorf("redirect for %q goes to %q", in, loc)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"", "/", "/account", "//evil", "/\\evil", "/\t/evil", "/./\\evil", "/.\\/evil",
		"https://evil", "/%2F%2Fevil", "/a/../..//evil", "/\x00", "/é/ü", "/\u2028//evil", "/\x7f/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := web.LocalPath(p)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
			t.Fatalf("LocalPath(%q) = %q", p, got)
		}
		if got != "/" && got != p {
			t.Fatalf("LocalPath(%q) = %q: it must keep or replace, never rewrite", p, got)
		}
		if leavesSite(got) || hasControl(got) {
			t.Fatalf("LocalPath(%q) = %q leaves the site in a browser", p, got)
		}
		if loc := redirectTo(p); leavesSite(loc) || hasControl(loc) {
			t.Fatalf("redirect for %q: Location %q leaves the site in a browser", p, loc)
		}
	})
}
