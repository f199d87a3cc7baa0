// Package web is Faro's HTTP platform: routing with access rules, session
// loading, security headers, CSRF defence, compression, localisation,
// templates and embedded assets. Domain packages register their handlers
// on its Router; they never touch net/http's mux directly.
package web

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
)

// Config holds the web settings chosen at start.
type Config struct {
	// InstanceName is shown in titles and the authenticator app.
	InstanceName string
	// SecureCookies forces the Secure cookie flag (behind a TLS proxy).
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// BaseURL, when set, is used for links handed out of band
	// (invitations) instead of the Host the request came to.
	BaseURL string
}

// Server holds what every handler needs.
type Server struct {
	Config Config
	Auth   *auth.Service
	I18n   *i18n.Bundle
	Log    *slog.Logger
	Router *Router
	Assets *Assets
	views  *Views
	// Gate, when set, may answer a request before routing (the sealed
	// page); it returns true when it did.
	Gate func(w http.ResponseWriter, r *http.Request) bool
}

// New builds a Server with its router, assets and base templates.
func New(cfg Config, a *auth.Service, b *i18n.Bundle, log *slog.Logger) (*Server, error) {
	s := &Server{Config: cfg, Auth: a, I18n: b, Log: log}
	s.Router = &Router{mux: http.NewServeMux(), srv: s}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s.Assets = assets
	s.views = newViews(s)
	s.Router.Handle("GET /static/{file}", Public, assets.serve)
	s.Router.Handle("GET /favicon.ico", Public, assets.favicon)
	s.Router.Handle("POST /lang", Public, s.switchLang)
	s.Router.mux.HandleFunc("/", s.noRoute)
	return s, nil
}

// noRoute answers what no route took: 405 with an Allow header when the
// path exists for other methods (the catch-all pattern "/" would otherwise
// hide that from ServeMux, which then never answers 405 itself), else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	if allow := s.Router.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.Error(w, r, http.StatusMethodNotAllowed)
		return
	}
	s.Error(w, r, http.StatusNotFound)
}

// Handler returns the whole middleware stack around the router.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, http.StatusForbidden)
	}))
	var h http.Handler = s.Router.mux
	h = cop.Handler(h)
	h = s.gate(h)
	h = s.loadSession(h)
	h = gzipHandler(h)
	h = s.secureHeaders(h)
	// Panics are recovered inside the request log, so the request is still
	// logged and the 500 page still knows the visitor's language.
	h = s.recoverPanics(h)
	h = s.logRequests(h)
	return h
}

func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Gate != nil && s.Gate(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "faro_session"
const langCookie = "faro_lang"

// loadSession finds the request's session and language.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := StateOf(r)
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			ss, u, err := s.Auth.Lookup(r.Context(), c.Value)
			switch {
			case err == nil:
				st.Session, st.Token, st.CSRF = ss, c.Value, ss.CSRF
				if ss.State == auth.StateFull {
					st.User = u
					r = r.WithContext(audit.WithActor(r.Context(), u.ID))
				}
			case errors.Is(err, auth.ErrNoSession):
				s.ClearSessionCookie(w, r)
			default:
				s.Log.Error("session lookup failed", "err", err)
				s.Error(w, r, http.StatusInternalServerError)
				return
			}
		}
		// Without a session, an API request may carry an API token; the
		// account it acts for has its role capped at the token's.
		if st.Session == nil && IsAPI(r) {
			if tok, ok := bearerToken(r); ok {
				u, id, err := s.Auth.LookupToken(r.Context(), tok)
				switch {
				case err == nil:
					st.User, st.TokenID = u, id
					r = r.WithContext(audit.WithActor(r.Context(), u.ID))
				case errors.Is(err, auth.ErrNoToken):
					// Stays anonymous: the route's guard answers 401.
				default:
					s.Log.Error("API token lookup failed", "err", err)
					s.Error(w, r, http.StatusInternalServerError)
					return
				}
			}
		}
		if st.Session == nil && !strings.HasPrefix(r.URL.Path, "/static/") && !IsAPI(r) {
			st.CSRF = s.ensureAnonCSRF(w, r)
		}
		explicit := ""
		// A program's Accept-Language says what it wants; a browser's
		// account setting wins over its headers.
		if st.User != nil && st.User.Lang != "" && (st.TokenID == 0 || r.Header.Get("Accept-Language") == "") {
			explicit = st.User.Lang
		} else if c, err := r.Cookie(langCookie); err == nil {
			explicit = c.Value
		}
		st.L = s.I18n.Localizer(s.I18n.Match(explicit, r.Header.Get("Accept-Language")))
		next.ServeHTTP(w, r)
	})
}

// SetSessionCookie hands the browser a new session token.
func (s *Server) SetSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func (s *Server) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) secure(r *http.Request) bool { return s.Config.SecureCookies || r.TLS != nil }

// ClientAddr returns the client's IP address for throttling.
func (s *Server) ClientAddr(r *http.Request) string {
	if s.Config.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// switchLang stores the chosen language in a cookie and, for a signed-in
// account, in the account; then returns to the page the form was on.
func (s *Server) switchLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !s.I18n.Has(lang) {
		s.Error(w, r, http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	if u := User(r); u != nil {
		if err := s.Auth.SetLang(r.Context(), u.ID, lang); err != nil {
			s.ServerError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, LocalPath(r.PostFormValue("back")), http.StatusSeeOther)
}

// LocalPath returns p when it is a path on this site, else "/": redirect
// targets taken from requests must never send the user elsewhere.
func LocalPath(p string) string {
	// Browsers drop tabs and newlines from URLs and read "\" as "/", and
	// http.Redirect cleans "/./\evil" to "/\evil": refuse any backslash
	// or control character, not just a leading "/\".
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') ||
		strings.IndexFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return "/"
	}
	return p
}

// BaseURL is the scheme and host the request came to, for links handed
// out of band (invitations).
func (s *Server) BaseURL(r *http.Request) string {
	if s.Config.BaseURL != "" {
		return strings.TrimSuffix(s.Config.BaseURL, "/")
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
