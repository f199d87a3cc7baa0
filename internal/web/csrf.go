package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// Cross-site request forgery is stopped in two layers. The first is
// net/http's CrossOriginProtection, which relies on the Sec-Fetch-Site and
// Origin headers every current browser sends. Old browsers send neither;
// for them each form carries a token tied to the session (or, before
// login, to a cookie) that a forged request cannot know.

const csrfCookie = "faro_csrf"

// CSRFField is the form field carrying the token.
const CSRFField = "csrf"

func newCSRF() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ensureAnonCSRF gives an anonymous visitor a token cookie.
func (s *Server) ensureAnonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := newCSRF()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	return tok
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF applies the token check to unsafe requests that carry neither
// Sec-Fetch-Site nor Origin (CrossOriginProtection already judged the rest).
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	// A request authenticated by an API token carries no cookie a forged
	// request could ride on: it has nothing to check.
	if StateOf(r).TokenID != 0 {
		return true
	}
	if safeMethod(r.Method) || r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != "" {
		return true
	}
	want := StateOf(r).CSRF
	got := r.Header.Get("X-CSRF-Token")
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		// Parsing a multipart body here would spool uploads to disk in
		// the clear; upload forms carry the token in their action URL.
		got = r.URL.Query().Get(CSRFField)
	} else if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		return true
	}
	s.Error(w, r, http.StatusForbidden)
	return false
}
