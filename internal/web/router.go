package web

import (
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/faro-project/faro/internal/auth"
)

// Access says who may use a route.
type Access struct {
	kind accessKind
	min  auth.Role
}

type accessKind int

const (
	kindPublic accessKind = iota + 1
	kindSecondFactor
	kindEnrol
	kindRole
	kindInbound
)

var (
	// Public routes answer everyone, signed in or not.
	Public = Access{kind: kindPublic}
	// SecondFactor routes answer a session waiting for its TOTP code.
	SecondFactor = Access{kind: kindSecondFactor}
	// Enrol routes answer any signed-in account, even an admin who has not
	// yet set up the second factor that every other page requires.
	Enrol = Access{kind: kindEnrol}
	// Inbound routes answer other programs (SMS and Signal gateways): no
	// session, no CSRF token; the handler must authenticate the request
	// itself (a signature or a shared secret).
	Inbound = Access{kind: kindInbound}
)

// AtLeast returns access for accounts whose role includes min.
func AtLeast(min auth.Role) Access { return Access{kind: kindRole, min: min} }

func (a Access) String() string {
	switch a.kind {
	case kindPublic:
		return "public"
	case kindSecondFactor:
		return "second-factor"
	case kindEnrol:
		return "enrol"
	case kindRole:
		return string(a.min) + "+"
	case kindInbound:
		return "inbound"
	}
	return "unset"
}

// Route is one registered pattern and who may use it.
type Route struct {
	Pattern string
	Access  Access
}

// Router is Faro's single routing table: every route is registered here,
// with its access rule, so that tests can enumerate all of them.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	srv    *Server
}

// Handle registers h for pattern ("GET /path/{id}") with the given access.
func (rt *Router) Handle(pattern string, access Access, h http.HandlerFunc) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: access})
	rt.mux.Handle(pattern, rt.guard(pattern, access, h))
}

// allowed lists the methods some route takes for r's path, other than
// r's own.
func (rt *Router) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := *r
		probe.Method = m
		if _, pattern := rt.mux.Handler(&probe); pattern != "" && pattern != "/" {
			out = append(out, m)
		}
	}
	return out
}

// Routes lists every registered route, sorted by pattern.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Pattern < out[j].Pattern })
	return out
}

// guard enforces access before the handler runs.
func (rt *Router) guard(pattern string, a Access, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := StateOf(r)
		st.Route = pattern
		full := st.Session != nil && st.Session.State == auth.StateFull || st.TokenID != 0 && st.User != nil
		switch a.kind {
		case kindPublic, kindInbound:
		case kindSecondFactor:
			if st.Session == nil || st.Session.State != auth.StateSecondFactor {
				rt.srv.unauthenticated(w, r)
				return
			}
		case kindEnrol:
			if !full {
				rt.srv.unauthenticated(w, r)
				return
			}
		case kindRole:
			if !full {
				rt.srv.unauthenticated(w, r)
				return
			}
			if st.User.NeedsTOTPEnrolment() {
				if IsAPI(r) {
					rt.srv.WriteProblem(w, r, ProblemSpec{Status: http.StatusForbidden, Kind: ProblemTOTPRequired, Detail: "api.detail.totp"})
					return
				}
				http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
				return
			}
			if !st.User.Role.AtLeast(a.min) {
				rt.srv.Error(w, r, http.StatusForbidden)
				return
			}
		default:
			rt.srv.Error(w, r, http.StatusInternalServerError)
			return
		}
		if !safeMethod(r.Method) && isMultipart(r) {
			// Faro reads multipart bodies only as streams (uploads, with
			// r.MultipartReader). A form handler's PostFormValue would make
			// Go parse one with ParseMultipartForm, which writes file parts
			// over 32 MiB to temporary files, in the clear and without
			// limit: such handlers see an empty form instead.
			r.Form, r.PostForm = r.URL.Query(), url.Values{}
		}
		if a.kind != kindInbound && !rt.srv.checkCSRF(w, r) {
			return
		}
		// A handler reading a form from a multipart body makes Go spool
		// file parts over 32 MiB to temporary files. net/http removes them
		// only for the request it made, not for the copies our middleware
		// hands down (golang/go#58809): without this they stay on disk.
		defer func() {
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
		}()
		h(w, r)
	})
}

func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.HasPrefix(mt, "multipart/")
}

// unauthenticated answers a request that needs an account it lacks: the
// login page for people, 401 for programs using the API.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if IsAPI(r) {
		s.WriteProblem(w, r, ProblemSpec{Status: http.StatusUnauthorized, Detail: "api.detail.token"})
		return
	}
	redirectToLogin(w, r)
}

func redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
