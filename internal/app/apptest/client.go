package apptest

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store/storetest"
)

// Engines lists the databases a test runs on: SQLite always, PostgreSQL
// when FARO_TEST_POSTGRES is set (and then it must answer).
func Engines() []string {
	if os.Getenv(storetest.Env) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// EngineOptions are Options for a fresh instance on engine, with its own
// data directory (and its own PostgreSQL schema).
func EngineOptions(t testing.TB, engine string) Options {
	t.Helper()
	o := Options{DataDir: t.TempDir()}
	if engine == "postgres" {
		o.Database = storetest.PostgresDSN(t)
	}
	return o
}

// Server serves a's pages until the test ends.
func Server(t testing.TB, a *app.App) *httptest.Server {
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// UserAgent is what a Client sends.
const UserAgent = "FaroTest/1.0"

// Client is one signed-in browser: its own cookie jar, no redirect
// followed, no transparent decompression (tests see the bytes sent).
type Client struct {
	T    testing.TB
	URL  string // the server's base URL
	HC   *http.Client
	User *auth.User
	Lang string // sent as Accept-Language when set
}

// SignedIn returns a client holding a full session for u on the server at
// srvURL.
func SignedIn(t testing.TB, a *app.App, srvURL string, u *auth.User) *Client {
	t.Helper()
	tok, err := a.Auth.NewSessionFor(context.Background(), u, UserAgent)
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(srvURL)
	jar.SetCookies(base, []*http.Cookie{{Name: "faro_session", Value: tok, Path: "/"}})
	return &Client{T: t, URL: srvURL, User: u, HC: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is an answer with its whole body read.
type Response struct {
	*http.Response
	Body string
}

// Location is the answer's Location header.
func (r *Response) Location() string { return r.Header.Get("Location") }

// Do sends req and reads the whole answer; a transport error fails the test.
func (c *Client) Do(req *http.Request) *Response {
	c.T.Helper()
	req.Header.Set("User-Agent", UserAgent)
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	res, err := c.HC.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.T.Fatal(err)
	}
	return &Response{Response: res, Body: string(b)}
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	c.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.URL+path, nil)
	return c.Do(req)
}

// Post sends a form as a current browser does from Faro's own page.
func (c *Client) Post(path string, form url.Values) *Response {
	c.T.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// Upload posts a file the way the upload form does; hdr adds headers.
func (c *Client) Upload(path, name string, content []byte, hdr http.Header) *Response {
	c.T.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range hdr {
		req.Header[k] = v
	}
	return c.Do(req)
}
