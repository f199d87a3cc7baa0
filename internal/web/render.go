package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
)

//go:embed templates
var baseFS embed.FS

// Views holds the base layout and every page template, each page parsed
// together with a clone of the layout.
type Views struct {
	srv   *Server
	base  *template.Template
	pages map[string]*template.Template
}

func newViews(s *Server) *Views {
	v := &Views{srv: s, pages: map[string]*template.Template{}}
	v.base = template.Must(template.New("").Funcs(s.funcs()).ParseFS(baseFS, "templates/layout/*.html"))
	v.MustAdd("web", baseFS, "templates/pages/*.html")
	return v
}

// AddPages parses every page matching pattern in fsys, each under the name
// "<ns>/<file name without .html>".
func (s *Server) AddPages(ns string, fsys fs.FS, pattern string) { s.views.MustAdd(ns, fsys, pattern) }

// MustAdd parses pages; a broken template stops Faro at start, not at use.
func (v *Views) MustAdd(ns string, fsys fs.FS, pattern string) {
	files, err := fs.Glob(fsys, pattern)
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("web: no templates for %s %s: %v", ns, pattern, err))
	}
	// Files named _*.html are partials: parsed into every page of ns,
	// never pages of their own, so two pages can share one form.
	var partials, pages []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		} else {
			pages = append(pages, f)
		}
	}
	for _, f := range pages {
		t := template.Must(v.base.Clone())
		template.Must(t.ParseFS(fsys, append([]string{f}, partials...)...))
		v.pages[ns+"/"+strings.TrimSuffix(path.Base(f), ".html")] = t
	}
}

// Templates returns every parsed page by name; tests walk them.
func (s *Server) Templates() map[string]*template.Template { return s.views.pages }

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return s.Assets.URL(name) },
		"time": func(unix int64) string {
			if unix == 0 {
				return ""
			}
			return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04 UTC")
		},
		"iso": func(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) },
		// num shows a count that may be unknown (nil) as empty, never 0.
		"num": func(p *int) string {
			if p == nil {
				return ""
			}
			return strconv.Itoa(*p)
		},
		"date": func(t time.Time, layout string) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(layout)
		},
		"contains": func(list []string, v string) bool { return slices.Contains(list, v) },
		"list":     func(v ...string) []string { return v },
	}
}

// Page is what every template receives.
type Page struct {
	L        *i18n.Localizer
	User     *auth.User
	CSRF     string
	Title    string // catalogue key
	Flash    string // catalogue key of a one-time notice
	Path     string
	Langs    []LangOption
	Errors   map[string]string // field -> catalogue key; "" for the form as a whole
	Form     url.Values
	Data     any
	Status   int
	Instance string
}

// LangOption is one entry of the language switcher.
type LangOption struct {
	Code, Name string
	Current    bool
}

// T translates a key for the page's language.
func (p *Page) T(key string, args ...any) string { return p.L.T(key, args...) }

// Err returns the translated error for a field, or "".
func (p *Page) Err(field string) string {
	if k, ok := p.Errors[field]; ok {
		return p.L.T(k)
	}
	return ""
}

// Checked reports whether a multi-valued field holds v (checkboxes).
func (p *Page) Checked(field, v string) bool { return slices.Contains(p.Form[field], v) }

// Value returns what the user typed into a field, to show it again.
func (p *Page) Value(field string) string { return p.Form.Get(field) }

// NewPage prepares the common page data for a request.
func (s *Server) NewPage(r *http.Request, title string, data any) *Page {
	st := StateOf(r)
	l := st.L
	if l == nil {
		l = s.I18n.Localizer(i18n.Fallback)
	}
	p := &Page{L: l, User: st.User, CSRF: st.CSRF, Title: title, Path: r.URL.RequestURI(),
		Data: data, Errors: map[string]string{}, Form: url.Values{}, Instance: s.Config.InstanceName}
	for _, code := range s.I18n.Langs() {
		p.Langs = append(p.Langs, LangOption{Code: code, Name: s.I18n.Name(code), Current: code == l.Lang})
	}
	return p
}

// Render writes a page with the given status.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := s.views.pages[name]
	if !ok {
		s.ServerError(w, r, fmt.Errorf("web: no page %q", name))
		return
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		if p.Flash == "" {
			p.Flash = c.Value
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

const flashCookie = "faro_flash"

// Redirect answers a form post with a redirect and a one-time notice (a
// catalogue key, never user content).
func (s *Server) Redirect(w http.ResponseWriter, r *http.Request, to, flashKey string) {
	if flashKey != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: flashKey, Path: "/", HttpOnly: true,
			Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Error renders a generic error page for status: it never says more than
// the status means.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, status int) {
	if IsAPI(r) {
		s.WriteProblem(w, r, ProblemSpec{Status: status})
		return
	}
	p := s.NewPage(r, fmt.Sprintf("error.%d", status), nil)
	if _, ok := s.I18n.Lookup(i18n.Fallback, p.Title); !ok {
		p.Title = "error.generic"
	}
	p.Status = status
	s.Render(w, r, status, "web/error", p)
}

// ServerError logs err (which must not hold personal data) and renders
// the generic 500 page.
func (s *Server) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("internal error", "route", StateOf(r).Route, "err", err)
	if IsAPI(r) {
		s.WriteProblem(w, r, ProblemSpec{Status: http.StatusInternalServerError})
		return
	}
	p := s.NewPage(r, "error.500", nil)
	p.Status = http.StatusInternalServerError
	t := s.views.pages["web/error"]
	var buf bytes.Buffer
	if t == nil || t.ExecuteTemplate(&buf, "layout", p) != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(buf.Bytes())
}
