package alerting_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/responders"
)

// session signs a new account of role in and returns its cookie.
func session(t *testing.T, a *app.App, login string, role auth.Role) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	pw := "a long password for " + login
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: login, Password: pw, Role: role}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Auth.Login(ctx, login, pw, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "faro_session", Value: res.Token}
}

func get(t *testing.T, u string, c *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A raid report goes by SMS to the verifier living near it, and to nobody
// else; the verifier confirms through the link; only then does the wider
// network get the alert (without the reporter's phone or the exact
// point), and it shows on /alerts until it expires, then only in the
// coordinators' history.
func TestRaidVerifiedThenBroadcast(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		p := startPeers(t)
		network := webhookPeer(t, []byte("network secret"), http.StatusOK)
		a := newApp(t, t.TempDir(), dsn, p.notifyConfig(), true)
		defer a.Close()
		ctx := context.Background()
		report := geo.Point{Lat: 34.0522, Lon: -118.2437}
		near, far := geo.Point{Lat: 34.06, Lon: -118.25}, geo.Point{Lat: 34.6, Lon: -118.2}
		vNear := addResponder(t, a, &responders.Responder{Name: "Verifier near", Kind: responders.KindVerifier, Languages: []string{"es"},
			Home: &near, Channels: []responders.Channel{{Channel: "sms", Address: "+12135550101"}}})
		vFar := addResponder(t, a, &responders.Responder{Name: "Verifier far", Kind: responders.KindVerifier, Languages: []string{"en"},
			Home: &far, Channels: []responders.Channel{{Channel: "sms", Address: "+12135550102"}}})
		net := addResponder(t, a, &responders.Responder{Name: "Rapid response network", Kind: responders.KindVolunteer,
			Channels: []responders.Channel{{Channel: "webhook", Address: network.srv.URL, Secret: []byte("network secret")}}})
		addRule(t, a, alerting.Rule{Kinds: []string{"raid"}, Area: alerting.Area{Centre: &report, RadiusKm: 5}, Tier: 1,
			AckMinutes: 30, BroadcastHours: 6, Responders: []int64{vNear, vFar, net}})
		if err := a.Cases.AddRegion(ctx, "LA", "Los Angeles"); err != nil {
			t.Fatal(err)
		}
		c := &casedesk.Case{Kind: casedesk.KindRaid, Region: "LA", Details: casedesk.Details{RaidType: "workplace", Phone: "+12135559876"}}
		if err := a.Cases.Open(ctx, c, &casedesk.Fix{Point: report, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		runWorkers(t, a)
		waitFor(t, "the near verifier's SMS", func() bool { return p.sms.count() == 1 })
		time.Sleep(500 * time.Millisecond)
		if p.sms.count() != 1 || p.sms.forms[0].Get("To") != "+12135550101" || network.count() != 0 {
			t.Fatal("a pending raid report reached someone other than the verifier near it")
		}
		link := ackLink.FindStringSubmatch(p.sms.forms[0].Get("Body"))
		if link == nil || link[1] != "verify" {
			t.Fatal("no verify link in the verifier's SMS")
		}

		srv := httptest.NewServer(a.Handler())
		defer srv.Close()
		viewer := session(t, a, "viewer", auth.Viewer)
		coord := session(t, a, "coordinator", auth.Coordinator)
		if _, body := get(t, srv.URL+"/alerts", viewer); strings.Contains(body, c.Ref) {
			t.Fatal("alert listed before verification")
		}
		if code, _ := get(t, srv.URL+"/verify/"+link[2], nil); code != 200 {
			t.Fatalf("verify page: %d", code)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/verify/"+link[2], strings.NewReader(url.Values{"verdict": {"1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("verify: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		got, err := a.Cases.Get(ctx, c.ID)
		if err != nil || got.Verification != casedesk.VerifyConfirmed {
			t.Fatalf("case verification %q, %v", got.Verification, err)
		}
		waitFor(t, "the network's raid alert", func() bool { return network.count() == 1 })
		var wh map[string]any
		json.Unmarshal(network.bodies[0], &wh)
		if wh["template"] != "raid_alert" || wh["ref"] != c.Ref || strings.Contains(string(network.bodies[0]), "+12135559876") ||
			strings.Contains(string(network.bodies[0]), "34.0522") {
			t.Error("raid alert: wrong template, or carries the reporter's phone or the exact point")
		}
		// Verifiers are part of the network: they get the alert too now.
		waitFor(t, "both verifiers' raid alert SMS", func() bool { return p.sms.count() == 3 })
		for _, f := range p.sms.forms[1:] {
			if strings.Contains(f.Get("Body"), "+12135559876") {
				t.Error("raid alert SMS carries the reporter's phone")
			}
		}
		if code, body := get(t, srv.URL+"/alerts", viewer); code != 200 || !strings.Contains(body, c.Ref) {
			t.Errorf("active alert not listed for a viewer: %d", code)
		}
		if code, _ := get(t, srv.URL+"/alerts/history", viewer); code != http.StatusForbidden {
			t.Errorf("history for a viewer: %d", code)
		}
		// Expiry: move it into the past.
		if _, err := a.DB.Exec(ctx, `UPDATE broadcast_alerts SET expires_at = ? WHERE case_id = ?`, time.Now().Add(-time.Minute).Unix(), c.ID); err != nil {
			t.Fatal(err)
		}
		if _, body := get(t, srv.URL+"/alerts", viewer); strings.Contains(body, c.Ref) {
			t.Error("expired alert still listed")
		}
		if _, body := get(t, srv.URL+"/alerts", coord); strings.Contains(body, c.Ref) {
			t.Error("expired alert still listed for a coordinator")
		}
		if code, body := get(t, srv.URL+"/alerts/history", coord); code != 200 || !strings.Contains(body, c.Ref) {
			t.Errorf("expired alert missing from the coordinators' history: %d", code)
		}
	})
}

// A false alarm is kept on the case and never broadcast.
func TestRaidFalseAlarmKept(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		p := startPeers(t)
		network := webhookPeer(t, []byte("network secret"), http.StatusOK)
		a := newApp(t, t.TempDir(), dsn, p.notifyConfig(), true)
		defer a.Close()
		ctx := context.Background()
		report := geo.Point{Lat: 34.0522, Lon: -118.2437}
		v := addResponder(t, a, &responders.Responder{Name: "Verifier", Kind: responders.KindVerifier, Home: &report,
			Channels: []responders.Channel{{Channel: "signal", Address: "+12135550103"}}})
		net := addResponder(t, a, &responders.Responder{Name: "Network", Kind: responders.KindVolunteer,
			Channels: []responders.Channel{{Channel: "webhook", Address: network.srv.URL, Secret: []byte("network secret")}}})
		addRule(t, a, alerting.Rule{Kinds: []string{"raid"}, Area: alerting.Area{Centre: &report, RadiusKm: 5}, Tier: 1,
			AckMinutes: 30, Responders: []int64{v, net}})
		a.Cases.AddRegion(ctx, "LA", "Los Angeles")
		c := &casedesk.Case{Kind: casedesk.KindRaid, Region: "LA"}
		if err := a.Cases.Open(ctx, c, &casedesk.Fix{Point: report, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		runWorkers(t, a)
		waitFor(t, "the verifier's Signal message", func() bool { return p.signal.count() == 1 })
		var m map[string]any
		json.Unmarshal(p.signal.bodies[0], &m)
		link := ackLink.FindStringSubmatch(m["message"].(string))
		if link == nil {
			t.Fatal("no link in the Signal message")
		}
		if err := a.Alerts.Verify(ctx, link[2], alerting.VerdictFalseAlarm); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		hist, _ := a.Alerts.Alerts(ctx, true, 10)
		if len(hist) != 0 || network.count() != 0 {
			t.Error("a false alarm was broadcast")
		}
		if got, _ := a.Cases.Get(ctx, c.ID); got.Verification != casedesk.VerifyFalse {
			t.Error("the false alarm is not kept on the case")
		}
	})
}
