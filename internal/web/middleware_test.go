package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/web"
)

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// newServer builds the web layer alone: no database is needed as long as
// requests carry no session cookie.
func newServer(t *testing.T) (*web.Server, *logBuffer) {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	s, err := web.New(web.Config{InstanceName: "Faro"}, auth.New(nil), b, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func serve(s *web.Server, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	return w
}

func TestPanicGivesGenericPageInUsersLanguage(t *testing.T) {
	s, logs := newServer(t)
	lang := "es"
	if !s.I18n.Has(lang) {
		for _, l := range s.I18n.Langs() {
			if l != i18n.Fallback {
				lang = l
			}
		}
		if !s.I18n.Has(lang) {
			t.Skip("no catalogue besides English")
		}
	}
	s.Router.Handle("GET /boom", web.Public, func(http.ResponseWriter, *http.Request) {
		panic("secret detail from /srv/faro/x.go")
	})
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Header.Set("Accept-Language", lang)
	w := serve(s, req)
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(body, "secret detail") || strings.Contains(body, ".go") {
		t.Errorf("the 500 page shows the panic")
	}
	if !strings.Contains(body, `<html lang="`+lang+`"`) {
		t.Errorf("the 500 page after a panic is not in the visitor's language %s", lang)
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("the 500 page lacks the security headers")
	}
	l := logs.String()
	if !strings.Contains(l, "secret detail") {
		t.Errorf("the panic is not logged for the operator")
	}
	if !strings.Contains(l, `route="GET /boom"`) || !strings.Contains(l, "status=500") {
		t.Errorf("the request that panicked is missing from the request log:\n%s", l)
	}
}

func TestRequestLogHoldsNoPathOrQuery(t *testing.T) {
	s, logs := newServer(t)
	s.Router.Handle("GET /thing/{id}", web.Public, func(w http.ResponseWriter, r *http.Request) {})
	serve(s, httptest.NewRequest(http.MethodGet, "/thing/secret-id-123?q=secret-query", nil))
	serve(s, httptest.NewRequest(http.MethodGet, "/nowhere/secret-path", nil))
	l := logs.String()
	for _, bad := range []string{"secret-id-123", "secret-query", "secret-path", "192.0.2.1"} {
		if strings.Contains(l, bad) {
			t.Errorf("log holds %q:\n%s", bad, l)
		}
	}
	if !strings.Contains(l, `route="GET /thing/{id}"`) || !strings.Contains(l, "route=unmatched") {
		t.Errorf("log lacks the route patterns:\n%s", l)
	}
}

func TestGzip(t *testing.T) {
	s, _ := newServer(t)
	req := httptest.NewRequest(http.MethodGet, "/nowhere", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	w := serve(s, req)
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("HTML not compressed")
	}
	if !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("no Vary: Accept-Encoding")
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(body), "<html") {
		t.Errorf("gzip body: %v %.100q", err, body)
	}
	// Without Accept-Encoding: plain.
	w = serve(s, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	if w.Header().Get("Content-Encoding") != "" || !strings.Contains(w.Body.String(), "<html") {
		t.Errorf("plain answer: %q", w.Header().Get("Content-Encoding"))
	}
}

func TestAnonymousCSRFCookie(t *testing.T) {
	s, _ := newServer(t)
	w := serve(s, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	var tok string
	for _, c := range w.Result().Cookies() {
		if c.Name == "faro_csrf" {
			tok = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("csrf cookie flags: %+v", c)
			}
		}
	}
	if len(tok) < 32 || !strings.Contains(w.Body.String(), `name="csrf" value="`+tok+`"`) {
		t.Fatalf("anonymous page token %q not tied to the cookie", tok)
	}
	// Static files set no cookie.
	w = serve(s, httptest.NewRequest(http.MethodGet, s.Assets.URL("app.css"), nil))
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("static asset sets cookies")
	}
	// A POST with neither Sec-Fetch-Site nor Origin needs the token.
	s.Router.Handle("POST /act", web.Public, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	post := func(form string, cookie string) int {
		req := httptest.NewRequest(http.MethodPost, "/act", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "faro_csrf", Value: cookie})
		}
		return serve(s, req).Code
	}
	if c := post("", tok); c != http.StatusForbidden {
		t.Errorf("no token: %d", c)
	}
	if c := post("csrf="+tok, ""); c != http.StatusForbidden {
		t.Errorf("token without cookie: %d", c)
	}
	if c := post("csrf=short", "short"); c != http.StatusForbidden {
		t.Errorf("short cookie accepted: %d", c)
	}
	if c := post("csrf="+tok, tok); c != http.StatusNoContent {
		t.Errorf("token and cookie: %d", c)
	}
}
