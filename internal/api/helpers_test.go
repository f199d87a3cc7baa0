package api_test

// Fixtures for the API tests: a whole Faro per database engine behind an
// httptest server, accounts with tokens, and a client whose every answer
// to an /api/ path is checked against the OpenAPI document.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

func eachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, name := range apptest.Engines() {
		t.Run(name, func(t *testing.T) { fn(t, newEnv(t, name)) })
	}
}

// env is one running Faro and the OpenAPI document it serves.
type env struct {
	*app.App
	t      testing.TB
	ctx    context.Context
	srv    *httptest.Server
	logs   *apptest.Logs
	doc    *openapi3.T
	router routers.Router
	bundle *i18n.Bundle
}

func newEnv(t testing.TB, engine string) *env {
	t.Helper()
	var opts apptest.Options
	if engine == "postgres" {
		opts.Database = storetest.PostgresDSN(t)
	}
	a, logs := apptest.New(t, opts)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{App: a, t: t, ctx: context.Background(), srv: srv, logs: logs, bundle: bundle}
	e.doc = loadDoc(t, e.fetchDoc())
	if e.router, err = gorillamux.NewRouter(e.doc); err != nil {
		t.Fatalf("router from the OpenAPI document: %v", err)
	}
	return e
}

// fetchDoc reads the document the way a client does.
func (e *env) fetchDoc() []byte {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/api/openapi.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		e.t.Fatalf("GET /api/openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return b
}

// loadDoc parses and validates an OpenAPI document with kin-openapi.
func loadDoc(t testing.TB, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

// user creates an account; admins get their second factor set up unless
// noTOTP.
func (e *env) user(login string, role auth.Role, noTOTP ...bool) *auth.User {
	e.t.Helper()
	u, err := e.Auth.CreateUser(e.ctx, auth.NewUser{Login: login, DisplayName: "Name of " + login,
		Password: "pw-" + login + "-Long-Enough-1", Role: role})
	if err != nil {
		e.t.Fatalf("create %s: %v", login, err)
	}
	if role == auth.Admin && len(noTOTP) == 0 {
		enr, err := e.Auth.StartTOTP(e.ctx, u, "Faro")
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.Auth.ConfirmTOTP(e.ctx, u.ID, auth.TOTPCode(enr.Secret, time.Now())); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

// token makes an API token for u limited to role.
func (e *env) token(u *auth.User, role auth.Role) string {
	e.t.Helper()
	tok, _, err := e.Auth.CreateToken(audit.WithActor(e.ctx, u.ID), u.ID, "test", role)
	if err != nil {
		e.t.Fatalf("token for %s: %v", u.Login, err)
	}
	return tok
}

// incident stores a record as u, straight through the store.
func (e *env) incident(u *auth.User, inc *incident.Incident, t *incident.Testimony) *incident.Incident {
	e.t.Helper()
	if inc.Type == "" {
		inc.Type = "pushback"
	}
	if inc.OccurredAt.IsZero() {
		inc.OccurredAt, inc.DatePrecision = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), incident.PrecisionDay
	}
	status := inc.Status
	inc.Status = ""
	if err := e.Incidents.Create(audit.WithActor(e.ctx, u.ID), inc, t); err != nil {
		e.t.Fatalf("create incident: %v", err)
	}
	if status == incident.StatusSubmitted {
		if err := e.Incidents.Submit(audit.WithActor(e.ctx, u.ID), inc.ID); err != nil {
			e.t.Fatal(err)
		}
		inc.Status = status
	}
	return inc
}

// resp is an answer with its body read.
type resp struct {
	*http.Response
	Body []byte
}

// json decodes the body into v.
func (r *resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v\n%s", r.Request.Method, r.Request.URL.Path, err, r.Body)
	}
}

// obj decodes the body as a JSON object.
func (r *resp) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// problem checks that r is a problem document for its status and returns it.
func (r *resp) problem(t testing.TB) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s %s: %d with Content-Type %q, want application/problem+json\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, ct, r.Body)
	}
	p := r.obj(t)
	if int(p["status"].(float64)) != r.StatusCode {
		t.Errorf("problem status %v, HTTP status %d", p["status"], r.StatusCode)
	}
	if p["title"] == "" || p["type"] == "" {
		t.Errorf("problem without title or type: %s", r.Body)
	}
	return p
}

// req is one request to send.
type req struct {
	method, path string
	token        string // Authorization: Bearer
	body         any    // marshalled to JSON unless a string or []byte
	header       http.Header
}

// do sends q and checks the answer against the OpenAPI document when the
// path is the API's. A 5xx fails the test.
func (e *env) do(t testing.TB, q req) *resp {
	t.Helper()
	var body io.Reader
	var raw []byte
	switch b := q.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	if q.body != nil {
		body = bytes.NewReader(raw)
	}
	hr, err := http.NewRequest(q.method, e.srv.URL+q.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if q.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if q.token != "" {
		hr.Header.Set("Authorization", "Bearer "+q.token)
	}
	for k, v := range q.header {
		hr.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", q.method, q.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", q.method, q.path, err)
	}
	r := &resp{Response: res, Body: b}
	if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%s %s: status %d\n%s", q.method, q.path, res.StatusCode, b)
	}
	if strings.HasPrefix(q.path, "/api/") {
		e.validate(t, hr, raw, r)
	}
	return r
}

// validate checks a response against the OpenAPI document: its status is
// documented for the operation, its headers and body match the schema.
func (e *env) validate(t testing.TB, hr *http.Request, reqBody []byte, r *resp) {
	t.Helper()
	// The router matches on the server URL "/": give it a request for
	// the same path without the test server's host.
	vr := hr.Clone(context.Background())
	if reqBody != nil {
		vr.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, params, err := e.router.FindRoute(vr)
	if err != nil {
		// A path or method the API does not have (TestOpenAPIDocument
		// holds routes and document together): a problem document still.
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s (not in the document): %d answered with %q, not a problem document", hr.Method, hr.URL.Path, r.StatusCode, ct)
		}
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: opts}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.StatusCode, Header: r.Header, Options: opts}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: the %d answer does not match the OpenAPI document: %v\n%s", hr.Method, hr.URL.Path, r.StatusCode, err, shorten(r.Body))
	}
	// Requests that succeeded must also be ones the document describes.
	if r.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s succeeded, but the OpenAPI document says the request is invalid: %v", hr.Method, hr.URL.Path, err)
		}
	}
}

func shorten(b []byte) string {
	if len(b) > 1500 {
		return string(b[:1500]) + "…"
	}
	return string(b)
}

// auditCount counts audit entries.
func (e *env) auditCount(t testing.TB, action, recordType, recordID string) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM audit_log WHERE action = ? AND record_type = ?"
	args := []any{action, recordType}
	if recordID != "" {
		q += " AND record_id = ?"
		args = append(args, recordID)
	}
	var n int
	if err := e.DB.QueryRow(e.ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tr translates key in lang with the real catalogues.
func (e *env) tr(lang, key string, args ...any) string {
	return e.bundle.Localizer(lang).T(key, args...)
}

func ptr[T any](v T) *T { return &v }
