package alerting_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
)

// The rule pages: a coordinator creates a rule through the form, sees
// field errors in their language for a bad area, edits and deletes it.
func TestRulePages(t *testing.T) {
	a := newApp(t, t.TempDir(), "", notify.Config{}, true)
	defer a.Close()
	id := addResponder(t, a, &responders.Responder{Name: "MRCC Palermo", Kind: responders.KindRescueCentre,
		Channels: []responders.Channel{{Channel: "email", Address: "ops@mrcc.example.it"}}})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	coord := session(t, a, "coord", auth.Coordinator)
	post := func(path string, form url.Values, lang string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Accept-Language", lang)
		req.AddCookie(coord)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(t, srv.URL+"/alerting/rules/new", coord); code != 200 || !strings.Contains(body, "MRCC Palermo") {
		t.Fatalf("new rule form: %d", code)
	}
	form := url.Values{"name": {"Lampedusa"}, "kinds": {"sea"}, "area_kind": {"circle"}, "centre": {"35 1 17"},
		"radius_km": {"-3"}, "tier": {"1"}, "ack_minutes": {"15"}, "min_severity": {"0"}, "broadcast_hours": {"12"},
		"responders": {"99"}, "active": {"1"}}
	code, body := post("/alerting/rules", form, "fr")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Le centre n’est pas une position") {
		t.Fatalf("bad area: %d, want 422 with the French message", code)
	}
	form.Set("centre", "35.5, 12.6")
	form.Set("radius_km", "80")
	form.Set("responders", itoa(id))
	if code, _ := post("/alerting/rules", form, "en"); code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	rules, _ := a.Alerts.Rules(context.Background())
	if len(rules) != 1 || rules[0].Area.RadiusKm != 80 || rules[0].Responders[0] != id {
		t.Fatalf("stored rules: %+v", rules)
	}
	if code, body := get(t, srv.URL+"/alerting/rules", coord); code != 200 || !strings.Contains(body, "Lampedusa") {
		t.Errorf("rule list: %d", code)
	}
	path := "/alerting/rules/" + itoa(rules[0].ID)
	if code, body := get(t, srv.URL+path, coord); code != 200 || !strings.Contains(body, "35.50000, 12.60000") {
		t.Errorf("edit form: %d", code)
	}
	form.Set("area_kind", "polygon")
	form.Set("polygon", "32 10\n38 10\n38 16\n32 16")
	if code, _ := post(path, form, "en"); code != http.StatusSeeOther {
		t.Fatalf("update: %d", code)
	}
	if r, _ := a.Alerts.Rule(context.Background(), rules[0].ID); len(r.Area.Polygon) != 4 {
		t.Error("update did not store the polygon")
	}
	if code, _ := post(path+"/delete", nil, "en"); code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	if rules, _ := a.Alerts.Rules(context.Background()); len(rules) != 0 {
		t.Error("rule not deleted")
	}
	if code, _ := get(t, srv.URL+"/alerts/history", coord); code != 200 {
		t.Errorf("history page: %d", code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
