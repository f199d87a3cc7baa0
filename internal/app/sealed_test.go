package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/sealing"
)

// TestSealedCrawl proves that a sealed Faro answers nothing but the unseal
// page, health checks, static assets and the language switch: every other
// registered route gives 503 and the sealed page, whoever asks.
func TestSealedCrawl(t *testing.T) {
	a, _ := apptest.New(t)
	ctx := t.Context()
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "reviewer1", DisplayName: "R", Password: "reviewer-password", Role: auth.Reviewer}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Auth.Login(ctx, "reviewer1", "reviewer-password", "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	a.Vault.Seal()

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	routes := a.Web.Router.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.NewReplacer("{id}", "1", "{token}", "x", "{file}", "app.css", "{$}", "").Replace(path)
		for _, signedIn := range []bool{false, true} {
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("csrf=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if signedIn {
				req.AddCookie(&http.Cookie{Name: "faro_session", Value: res.Token})
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if sealing.AllowedWhileSealed(path) {
				if resp.StatusCode == http.StatusServiceUnavailable && path != "/healthz" {
					t.Errorf("%s (signed in %v): 503 but it must work while sealed", rt.Pattern, signedIn)
				}
				continue
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s (signed in %v): status %d while sealed, want 503", rt.Pattern, signedIn, resp.StatusCode)
			}
			if strings.HasPrefix(path, "/api/") {
				// Programs get a problem document, not the page.
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || !strings.Contains(string(body), `"status":503`) {
					t.Errorf("%s: sealed API answer is %q, not a 503 problem document", rt.Pattern, ct)
				}
			} else if !strings.Contains(string(body), `href="/unseal"`) {
				t.Errorf("%s: the sealed page does not lead to the unseal page", rt.Pattern)
			}
			if strings.Contains(string(body), "reviewer1") {
				t.Errorf("%s: the sealed page shows who is signed in", rt.Pattern)
			}
		}
	}
	// Unsealing through the page opens everything again.
	if err := a.Vault.UnsealPassphrase(ctx, apptest.Passphrase); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/account", nil)
	req.AddCookie(&http.Cookie{Name: "faro_session", Value: res.Token})
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after unseal /account gives %d", resp.StatusCode)
	}
}
