package responders_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/responders"
	"github.com/faro-project/faro/internal/store/storetest"
)

// fixture is a whole Faro with the responder pages and a signed-in
// coordinator.
type fixture struct {
	app   *app.App
	store *responders.Store
	srv   *httptest.Server
	hc    *http.Client
}

func newFixture(t *testing.T, engine string, role auth.Role, lang string) *fixture {
	t.Helper()
	opts := apptest.Options{}
	if engine == "postgres" {
		opts.Database = storetest.PostgresDSN(t)
	}
	a, logs := apptest.New(t, opts)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	})
	st := responders.NewStore(a.DB, a.Vault, a.Audit)
	// Until the app wires the pages itself, register them here.
	registered := false
	for _, r := range a.Web.Router.Routes() {
		registered = registered || r.Pattern == "GET /responders"
	}
	if !registered {
		responders.Register(a.Web, st)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "u-" + string(role), DisplayName: "U", Password: "pw-long-enough-Password-1", Role: role, Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.NewSessionFor(ctx, u, "test")
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(srv.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: "faro_session", Value: tok, Path: "/"}})
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &fixture{app: a, store: st, srv: srv, hc: hc}
}

type resp struct {
	status   int
	location string
	body     string
}

func (f *fixture) do(t *testing.T, method, path string, form url.Values) resp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header.Get("Location"), string(b)}
}

const canary = "CANARY-91b2"

func TestHTTPResponderLifecycle(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, auth.Coordinator, "en")
			r := f.do(t, "GET", "/responders", nil)
			if r.status != 200 || !strings.Contains(r.body, "add-responder") {
				t.Fatalf("list: %d", r.status)
			}
			// Invalid: errors shown, nothing stored.
			r = f.do(t, "POST", "/responders", url.Values{"name": {""}, "kind": {"ship"}, "languages": {"it, xx-!!"},
				"channel": {"sms"}, "address": {"333 1234567"}, "home": {"somewhere"}})
			if r.status != 422 {
				t.Fatalf("invalid add: %d", r.status)
			}
			for _, want := range []string{"Enter a name.", "Use language codes", "Enter the number with", "This position could not be read"} {
				if !strings.Contains(r.body, want) {
					t.Errorf("invalid add: no %q", want)
				}
			}
			if list, _ := f.store.List(context.Background()); len(list) != 0 {
				t.Fatal("invalid responder stored")
			}
			// Valid add.
			r = f.do(t, "POST", "/responders", url.Values{"name": {"MRCC " + canary}, "kind": {"rescue_centre"}, "languages": {"it, en"},
				"channel": {"email"}, "address": {"ops@example.it"}, "home": {"41.9, 12.5"}})
			if r.status != 303 || !strings.HasPrefix(r.location, "/responders/") {
				t.Fatalf("add: %d %s", r.status, r.location)
			}
			page := r.location
			r = f.do(t, "GET", page, nil)
			if r.status != 200 || !strings.Contains(r.body, "MRCC "+canary) || !strings.Contains(r.body, "ops@example.it") {
				t.Fatalf("edit page: %d", r.status)
			}
			// Add a webhook: a secret is generated and shown.
			r = f.do(t, "POST", page, url.Values{"op": {"2"}, "channel": {"webhook"}, "address": {"https://hooks.example.org/x"}})
			if r.status != 303 {
				t.Fatalf("add channel: %d", r.status)
			}
			r = f.do(t, "GET", page, nil)
			if !regexp.MustCompile(`class="secret" dir="ltr">[0-9a-f]{64}<`).MatchString(r.body) {
				t.Error("webhook secret not shown")
			}
			// Bad channel address: 422 with the message, channel not added.
			r = f.do(t, "POST", page, url.Values{"op": {"2"}, "channel": {"signal"}, "address": {"12"}})
			if r.status != 422 || !strings.Contains(r.body, "Enter the Signal number") {
				t.Errorf("bad channel: %d", r.status)
			}
			list, _ := f.store.List(context.Background())
			if len(list) != 1 || len(list[0].Channels) != 2 {
				t.Fatalf("channels: %+v", len(list))
			}
			// Remove the email channel, deactivate.
			r = f.do(t, "POST", page, url.Values{"op": {"3"}, "ch": {itoa(list[0].Channels[0].ID)}})
			if r.status != 303 {
				t.Fatalf("remove: %d", r.status)
			}
			r = f.do(t, "POST", page, url.Values{"op": {"4"}, "active": {"0"}})
			if r.status != 303 {
				t.Fatalf("deactivate: %d", r.status)
			}
			got, _ := f.store.Get(context.Background(), list[0].ID)
			if got.Active || len(got.Channels) != 1 || got.Channels[0].Channel != "webhook" {
				t.Error("remove/deactivate not kept")
			}
			// Edit details.
			r = f.do(t, "POST", page, url.Values{"op": {"1"}, "name": {"MRCC Roma"}, "kind": {"rescue_centre"}, "languages": {"it"}, "active": {"1"}})
			if r.status != 303 {
				t.Fatalf("save: %d %s", r.status, r.body)
			}
			got, _ = f.store.Get(context.Background(), list[0].ID)
			if got.Name != "MRCC Roma" || !got.Active || got.Home != nil || len(got.Channels) != 1 {
				t.Error("details not kept")
			}
			if r := f.do(t, "GET", "/responders/999", nil); r.status != 404 {
				t.Errorf("missing: %d", r.status)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHTTPTemplateEditAndPreview(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, auth.Coordinator, "es")
			r := f.do(t, "GET", "/responders/templates", nil)
			if r.status != 200 || strings.Count(r.body, `href="/responders/templates/`) < 20 {
				t.Fatalf("templates: %d", r.status)
			}
			all, _ := f.store.Templates(context.Background())
			id := itoa(all[0].ID)
			r = f.do(t, "GET", "/responders/templates/"+id, nil)
			if r.status != 200 || !strings.Contains(r.body, `id="preview"`) {
				t.Fatalf("template page: %d", r.status)
			}
			// A typo in a field: error in Spanish, with the technical detail.
			r = f.do(t, "POST", "/responders/templates/"+id, url.Values{"op": {"1"}, "name": {all[0].Name}, "lang": {all[0].Lang},
				"subject": {"S"}, "body": {"Posición {{.Positon}}"}})
			if r.status != 422 || !strings.Contains(r.body, "La plantilla tiene un error") || !strings.Contains(r.body, "{{.Positon}}: no such field") {
				t.Errorf("invalid template: %d", r.status)
			}
			// Preview renders sample data without saving.
			r = f.do(t, "POST", "/responders/templates/"+id, url.Values{"op": {"2"}, "name": {all[0].Name}, "lang": {all[0].Lang},
				"subject": {"Caso {{.Ref}}"}, "body": {"POB {{.PeopleOnBoard}}"}})
			if r.status != 200 || !strings.Contains(r.body, "Caso 2026-11-25-014") || !strings.Contains(r.body, "POB 47") {
				t.Errorf("preview: %d", r.status)
			}
			if got, _ := f.store.GetTemplate(context.Background(), all[0].ID); got.Body != all[0].Body {
				t.Error("preview saved the template")
			}
			// Save.
			r = f.do(t, "POST", "/responders/templates/"+id, url.Values{"op": {"1"}, "name": {all[0].Name}, "lang": {all[0].Lang},
				"subject": {"Caso {{.Ref}}"}, "body": {"POB {{.PeopleOnBoard}}"}})
			if r.status != 303 {
				t.Fatalf("save: %d", r.status)
			}
			// A new translation.
			r = f.do(t, "GET", "/responders/templates/new?name=distress&lang=de", nil)
			if r.status != 200 || !strings.Contains(r.body, `value="distress"`) {
				t.Fatalf("new: %d", r.status)
			}
			r = f.do(t, "POST", "/responders/templates/new", url.Values{"op": {"1"}, "name": {"distress"}, "lang": {"de"},
				"subject": {"SEENOT {{.Ref}}"}, "body": {"Position {{.PositionDecimal}}"}})
			if r.status != 303 {
				t.Fatalf("create: %d", r.status)
			}
			_, _, lang, err := f.store.Template(context.Background(), "distress", []string{"de"}, "email")
			if err != nil || lang != "de" {
				t.Errorf("new translation not chosen: %q %v", lang, err)
			}
		})
	}
}

func TestHTTPDocumenterDenied(t *testing.T) {
	f := newFixture(t, "sqlite", auth.Reviewer, "en")
	for _, p := range []string{"/responders", "/responders/templates", "/responders/1", "/responders/templates/1"} {
		if r := f.do(t, "GET", p, nil); r.status != 403 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
}
