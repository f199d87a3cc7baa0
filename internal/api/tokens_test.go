package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/api"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

var newTokenOnPage = regexp.MustCompile(`id="new-token">(faro_[A-Za-z0-9_-]+)<`)

// TestAccountPageTokens: a token is made on the account page, shown once,
// stored only as a hash, limited to a role no higher than the account's,
// and revoked there.
func TestAccountPageTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user("coco", auth.Coordinator)
		other := e.user("otto", auth.Coordinator)
		session, err := e.Auth.NewSessionFor(e.ctx, u, "test")
		if err != nil {
			t.Fatal(err)
		}
		browser := http.Header{"Cookie": {"faro_session=" + session}, "Sec-Fetch-Site": {"same-origin"}}
		post := func(path string, form url.Values) *resp {
			h := browser.Clone()
			h.Set("Content-Type", "application/x-www-form-urlencoded")
			return e.do(t, req{method: "POST", path: path, body: form.Encode(), header: h})
		}
		page := e.do(t, req{method: "GET", path: "/account", header: browser})
		if !strings.Contains(string(page.Body), html.EscapeString(e.tr("en", "tokens.none"))) {
			t.Errorf("account page has no empty token section")
		}
		if strings.Contains(string(page.Body), `<option value="admin"`) {
			t.Errorf("a coordinator is offered admin tokens")
		}

		// Without the account's password no token is made.
		if r := post("/account/tokens", url.Values{"name": {"nightly sync"}, "role": {"reviewer"}, "password": {"wrong"}}); r.StatusCode != http.StatusUnprocessableEntity || newTokenOnPage.Match(r.Body) {
			t.Errorf("token made without the password: %d", r.StatusCode)
		}
		r := post("/account/tokens", url.Values{"name": {"nightly sync"}, "role": {"reviewer"}, "password": {"pw-coco-Long-Enough-1"}})
		m := newTokenOnPage.FindStringSubmatch(string(r.Body))
		if r.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("create token: %d, token shown: %v", r.StatusCode, m != nil)
		}
		tok := m[1]
		// Only its hash is stored.
		sum := sha256.Sum256([]byte(tok))
		rows, err := e.DB.Query(e.ctx, "SELECT id, user_id, name, token_hash, role, created_at, last_used_at, revoked_at FROM api_tokens")
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		n := 0
		for rows.Next() {
			var uid, created, used, revoked int64
			var name, hash, role string
			if err := rows.Scan(&id, &uid, &name, &hash, &role, &created, &used, &revoked); err != nil {
				t.Fatal(err)
			}
			n++
			for _, col := range []string{name, hash, role} {
				if strings.Contains(col, tok) || strings.Contains(col, strings.TrimPrefix(tok, auth.TokenPrefix)) {
					t.Errorf("api_tokens holds the token itself")
				}
			}
			if hash != hex.EncodeToString(sum[:]) || uid != u.ID || role != "reviewer" || name != "nightly sync" {
				t.Errorf("stored token row: user %d name %q role %q, hash is the SHA-256: %v", uid, name, role, hash == hex.EncodeToString(sum[:]))
			}
		}
		rows.Close()
		if n != 1 {
			t.Fatalf("%d token rows", n)
		}
		if strings.Contains(e.logs.String(), tok) {
			t.Errorf("the token is in the log")
		}
		if e.auditCount(t, "create", "api_token", fmt.Sprint(id)) != 1 {
			t.Errorf("token creation not audited")
		}
		// Shown once.
		page = e.do(t, req{method: "GET", path: "/account", header: browser})
		if strings.Contains(string(page.Body), tok) || !strings.Contains(string(page.Body), "nightly sync") {
			t.Errorf("account page shows the token again, or not its name")
		}
		// It works, as a reviewer: a coordinator's sensitive export is
		// not for it.
		if r := e.do(t, req{method: "GET", path: "/api/incidents", token: tok}); r.StatusCode != http.StatusOK {
			t.Errorf("new token: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "GET", path: "/api/incidents/export.csv?sensitive=1", token: tok}); r.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer token's sensitive export: %d", r.StatusCode)
		}
		page = e.do(t, req{method: "GET", path: "/account", header: browser})
		if strings.Contains(string(page.Body), html.EscapeString(e.tr("en", "tokens.never"))) {
			t.Errorf("a used token shows as never used")
		}

		// Refusals: a role above the account's, no name.
		r = post("/account/tokens", url.Values{"password": {"pw-coco-Long-Enough-1"}, "name": {"too much"}, "role": {"admin"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), html.EscapeString(e.tr("en", "tokens.error.role"))) {
			t.Errorf("admin token for a coordinator: %d", r.StatusCode)
		}
		r = post("/account/tokens", url.Values{"password": {"pw-coco-Long-Enough-1"}, "name": {" "}, "role": {"viewer"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), html.EscapeString(e.tr("en", "tokens.error.name"))) {
			t.Errorf("token without a name: %d", r.StatusCode)
		}
		// Nobody revokes another's token; its owner does.
		otherTok, otherID, _ := e.Auth.CreateToken(e.ctx, other.ID, "x", auth.Viewer)
		if r := post(fmt.Sprintf("/account/tokens/%d/revoke", otherID), nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("revoking someone else's token: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "GET", path: "/api/incidents", token: otherTok}); r.StatusCode != http.StatusOK {
			t.Errorf("someone else's token stopped working: %d", r.StatusCode)
		}
		r = post(fmt.Sprintf("/account/tokens/%d/revoke", id), nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("revoke: %d", r.StatusCode)
		}
		if r := e.do(t, req{method: "GET", path: "/api/incidents", token: tok}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoked token: %d", r.StatusCode)
		}
		if e.auditCount(t, "revoke", "api_token", fmt.Sprint(id)) != 1 {
			t.Errorf("revocation not audited")
		}
	})
}

// TestDecodeSeedsOverHTTP: the decoder's fuzz seeds, sent to the running
// API as new records, changes and testimonies, never give a 5xx, and every
// answer matches the OpenAPI document.
func TestDecodeSeedsOverHTTP(t *testing.T) {
	e := newEnv(t, "sqlite")
	u := e.user("dora", auth.Reviewer)
	tok := e.token(u, auth.Reviewer)
	draft := e.incident(u, &incident.Incident{}, nil)
	path := fmt.Sprintf("/api/incidents/%d", draft.ID)
	for _, s := range api.DecodeSeeds {
		for _, q := range []req{
			{method: "POST", path: "/api/incidents"},
			{method: "PATCH", path: path},
			{method: "POST", path: path + "/testimonies"},
			{method: "POST", path: path + "/verify"},
		} {
			q.token, q.body = tok, []byte(s)
			r := e.do(t, q)
			if r.StatusCode >= 300 {
				r.problem(t)
			}
		}
	}
}
