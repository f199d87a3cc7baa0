package alerting_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/responders"
)

var centralMed = alerting.Area{Polygon: []geo.Point{{Lat: 32, Lon: 10}, {Lat: 38, Lon: 10}, {Lat: 38, Lon: 16}, {Lat: 32, Lon: 16}}}

func addResponder(t *testing.T, a *app.App, r *responders.Responder) int64 {
	t.Helper()
	r.Active = true
	if err := a.Responders.Save(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func addRule(t *testing.T, a *app.App, r alerting.Rule) {
	t.Helper()
	r.Active = true
	if r.Name == "" {
		r.Name = "rule"
	}
	if r.BroadcastHours == 0 {
		r.BroadcastHours = 12
	}
	if err := a.Alerts.SaveRule(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
}

func openSeaCase(t *testing.T, a *app.App, phone string) *casedesk.Case {
	t.Helper()
	ctx := context.Background()
	if err := a.Cases.AddRegion(ctx, "CM", "Central Mediterranean"); err != nil && !strings.Contains(err.Error(), "exist") {
		t.Fatal(err)
	}
	n := 47
	c := &casedesk.Case{Kind: casedesk.KindSea, Region: "CM", Phase: casedesk.PhaseDistress, People: &n,
		Details: casedesk.Details{Phone: phone, Conditions: []string{"water_inside"}, Boat: "rubber, grey"}}
	fix := &casedesk.Fix{Point: geo.Point{Lat: 35.5689, Lon: 12.6012}, At: time.Now().Add(-3 * time.Minute)}
	if err := a.Cases.Open(ctx, c, fix); err != nil {
		t.Fatal(err)
	}
	return c
}

func runWorkers(t *testing.T, a *app.App) {
	ctx, cancel := context.WithCancel(context.Background())
	a.RunWorkers(ctx)
	t.Cleanup(func() { cancel(); time.Sleep(100 * time.Millisecond) })
}

var ackLink = regexp.MustCompile(`https://faro\.test/(ack|verify)/([A-Za-z0-9_-]{20,})`)

// The rescue centre's email in Italian, a signed webhook, a Twilio SMS and
// a Signal message all leave for one case; a webhook answering 500 blocks
// none of them; the GET of an ack link does nothing, its POST acknowledges;
// a signed SMS reply acknowledges too.
func TestDistressReachesEveryChannel(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		p := startPeers(t)
		good := webhookPeer(t, []byte("webhook secret one"), http.StatusOK)
		broken := webhookPeer(t, []byte("webhook secret two"), http.StatusInternalServerError)
		a := newApp(t, t.TempDir(), dsn, p.notifyConfig(), true)
		defer a.Close()
		mrcc := addResponder(t, a, &responders.Responder{Name: "MRCC Roma", Kind: responders.KindRescueCentre, Languages: []string{"it"},
			Channels: []responders.Channel{{Channel: "email", Address: "ops@mrcc.example.it"}}})
		ngo := addResponder(t, a, &responders.Responder{Name: "NGO desk", Kind: responders.KindOther, Languages: []string{"en"},
			Channels: []responders.Channel{{Channel: "webhook", Address: good.srv.URL + "/in", Secret: []byte("webhook secret one")},
				{Channel: "webhook", Address: broken.srv.URL + "/in", Secret: []byte("webhook secret two")}}})
		ship := addResponder(t, a, &responders.Responder{Name: "Ship", Kind: responders.KindShip, Languages: []string{"es"},
			Channels: []responders.Channel{{Channel: "sms", Address: "+34600000001"}, {Channel: "signal", Address: "+34600000002"}}})
		addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Area: centralMed, Tier: 1, AckMinutes: 60, Responders: []int64{mrcc, ngo, ship}})
		c := openSeaCase(t, a, "+8821612345678")
		runWorkers(t, a)

		waitFor(t, "email, webhook, SMS and Signal", func() bool {
			return p.mail.count() == 1 && good.count() == 1 && p.sms.count() == 1 && p.signal.count() == 1
		})
		for _, h := range []*hook{good, broken, p.sms, p.signal} {
			if bad := h.problems(); len(bad) > 0 {
				t.Errorf("peer saw: %v", bad)
			}
		}
		// The email: Italian, position in decimal and DMS with its time,
		// people on board, phone, ack link.
		m, body := p.mail.msgs[0], p.mail.body[0]
		if got := m.Header.Get("Content-Language"); got != "it" {
			t.Errorf("Content-Language %q, want it", got)
		}
		fix := geo.Point{Lat: 35.5689, Lon: 12.6012}
		if !contains(body, fix.String(), fix.DMS(), "47", "+8821612345678", baseURL+"/ack/", c.Ref) {
			t.Errorf("email body lacks position, DMS, people, phone, ack link or ref:\n%s", redact(body))
		}
		// The condition in Italian, not as the case desk's code.
		if !contains(body, "Condizioni: Imbarca acqua, rubber, grey") || strings.Contains(body, "water_inside") {
			t.Errorf("email body lacks the condition in Italian:\n%s", redact(body))
		}
		var wh map[string]any
		if err := json.Unmarshal(good.bodies[0], &wh); err != nil || wh["ref"] != c.Ref || !strings.HasPrefix(wh["ack_url"].(string), baseURL+"/ack/") {
			t.Errorf("webhook body: %v", err)
		}
		if to := p.sms.forms[0].Get("To"); to != "+34600000001" {
			t.Error("SMS to the wrong number")
		}
		// The failing webhook is retried and recorded, without personal data.
		waitFor(t, "the broken webhook's failure recorded", func() bool {
			ds, _ := a.Alerts.Deliveries(context.Background(), c.ID)
			for _, d := range ds {
				if d.Channel == "webhook" && d.Attempts > 0 && d.Status != alerting.StatusSent {
					return strings.Contains(d.LastError, "500") && !strings.Contains(d.LastError, "127.0.0.1")
				}
			}
			return false
		})
		// The malformed answer of the good webhook is a note, not a failure.
		waitFor(t, "4 deliveries marked sent (email, good webhook, sms, signal)", func() bool {
			ds, _ := a.Alerts.Deliveries(context.Background(), c.ID)
			sent := 0
			for _, d := range ds {
				if d.Status == alerting.StatusSent {
					sent++
				}
			}
			return sent == 4
		})

		srv := httptest.NewServer(a.Handler())
		defer srv.Close()
		link := ackLink.FindStringSubmatch(body)
		if link == nil || link[1] != "ack" {
			t.Fatal("no ack link in the email")
		}
		resp, err := http.Get(srv.URL + "/ack/" + link[2])
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET ack page: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		if n := acked(t, a, c.ID); n != 0 {
			t.Fatal("a GET of the ack link acknowledged (link previews would)")
		}
		req, _ := http.NewRequest("POST", srv.URL+"/ack/"+link[2], strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST ack: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		if n := acked(t, a, c.ID); n != 1 {
			t.Fatalf("acknowledged deliveries after the button: %d", n)
		}

		// An SMS reply, signed as Twilio signs, acknowledges the ship's.
		form := url.Values{"From": {"+34600000001"}, "To": {smsFrom}, "Body": {"Recibido " + c.Ref}, "MessageSid": {"SM1"}}
		post := func(sig string) int {
			req, _ := http.NewRequest("POST", srv.URL+"/hooks/sms", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", sig)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := post("forged"); code != http.StatusUnauthorized {
			t.Errorf("unsigned SMS hook: %d", code)
		}
		if code := post(alerting.TwilioSignature(twilioToken, baseURL+"/hooks/sms", form)); code != 200 {
			t.Fatalf("signed SMS hook: %d", code)
		}
		if n := acked(t, a, c.ID); n != 2 {
			t.Errorf("acknowledged after the SMS reply: %d, want 2", n)
		}
		// Signal: the shared secret, then "ok" acknowledges the newest open
		// delivery to that number.
		sig := `{"envelope":{"sourceNumber":"+34600000002","dataMessage":{"message":"ok"}}}`
		for _, c := range []struct {
			secret string
			want   int
		}{{"wrong", 401}, {hookSecret, 204}} {
			req, _ := http.NewRequest("POST", srv.URL+"/hooks/signal", strings.NewReader(sig))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(alerting.SignalSecretHeader, c.secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != c.want {
				t.Errorf("signal hook with secret %q: %v %v", c.secret[:3], resp.StatusCode, err)
			}
			resp.Body.Close()
		}
		if n := acked(t, a, c.ID); n != 3 {
			t.Errorf("acknowledged after the Signal reply: %d, want 3", n)
		}
		// Every step is on the timeline.
		tl, err := a.Cases.Timeline(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range tl {
			kinds[e.Kind+"/"+e.Status]++
		}
		if kinds["delivery/acknowledged"] != 3 || kinds["ack/"] != 3 || kinds["delivery/sent"] != 1 {
			t.Errorf("timeline: %v", kinds)
		}
	})
}

func acked(t *testing.T, a *app.App, caseID int64) int {
	t.Helper()
	ds, err := a.Alerts.Deliveries(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range ds {
		if d.Status == alerting.StatusAcknowledged {
			n++
		}
	}
	return n
}

// redact keeps test output free of the canary phone.
func redact(s string) string { return strings.ReplaceAll(s, "+8821612345678", "[phone]") }

// With nobody acknowledging, tier 2 is alerted once; when tier 1
// acknowledges in time, tier 2 never is.
func TestEscalationEndToEnd(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		p, tier2, a := twoTiers(t, dsn)

		acking := openSeaCase(t, a, "+8821600000001")
		waitFor(t, "tier 1 email", func() bool { return p.mail.count() == 1 })
		link := ackLink.FindStringSubmatch(p.mail.body[0])
		if _, err := a.Alerts.Acknowledge(context.Background(), link[2], "link"); err != nil {
			t.Fatal(err)
		}
		silent := openSeaCase(t, a, "+8821600000002")
		waitFor(t, "tier 2 alerted about the silent case", func() bool { return tier2.count() >= 1 })
		time.Sleep(3 * time.Second) // past the acknowledged case's 2 s
		refs := map[string]int{}
		tier2.mu.Lock()
		for _, b := range tier2.bodies {
			var m map[string]any
			json.Unmarshal(b, &m)
			refs[m["ref"].(string)]++
		}
		tier2.mu.Unlock()
		if refs[silent.Ref] != 1 || refs[acking.Ref] != 0 {
			t.Errorf("tier 2 got %d alerts for the silent case (want 1) and %d for the acknowledged one (want 0)",
				refs[silent.Ref], refs[acking.Ref])
		}
		// The escalation names the kind and phase in its language, not
		// by the case desk's codes.
		tier2.mu.Lock()
		var m map[string]any
		json.Unmarshal(tier2.bodies[0], &m)
		tier2.mu.Unlock()
		if text, _ := m["text"].(string); !strings.Contains(text, "(Distress at sea, Distress)") || strings.Contains(text, "(sea, distress)") {
			t.Errorf("escalation text: %q", text)
		}
	})
}

// A rescue centre that acknowledged the case at "uncertainty" has not
// acknowledged it at "distress": when the phase rises, tier 1 is alerted
// again and, if nobody acknowledges that, tier 2 is, once.
func TestPhaseRiseNeedsItsOwnAcknowledgement(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		p, tier2, a := twoTiers(t, dsn)

		ctx := context.Background()
		if err := a.Cases.AddRegion(ctx, "CM", "Central Mediterranean"); err != nil && !strings.Contains(err.Error(), "exist") {
			t.Fatal(err)
		}
		n := 30
		c := &casedesk.Case{Kind: casedesk.KindSea, Region: "CM", Phase: casedesk.PhaseUncertainty, People: &n,
			Details: casedesk.Details{Phone: "+8821600000003"}}
		if err := a.Cases.Open(ctx, c, &casedesk.Fix{Point: geo.Point{Lat: 35.2, Lon: 13.1}, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "tier 1 email at uncertainty", func() bool { return p.mail.count() == 1 })
		link := ackLink.FindStringSubmatch(p.mail.body[0])
		if _, err := a.Alerts.Acknowledge(ctx, link[2], "link"); err != nil {
			t.Fatal(err)
		}
		if err := a.Cases.SetPhase(ctx, c.ID, casedesk.PhaseDistress, 5, &n); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "tier 1 email at distress", func() bool { return p.mail.count() == 2 })
		waitFor(t, "tier 2 alerted: nobody acknowledged the distress alert", func() bool { return tier2.count() >= 1 })
		time.Sleep(500 * time.Millisecond)
		if got := tier2.count(); got != 1 {
			t.Errorf("tier 2 alerted %d times, want once", got)
		}
	})
}

// twoTiers starts Faro with a rescue centre on email at tier 1 (2 s to
// acknowledge, AckUnit being a second) and a webhook at tier 2, for sea
// cases, with its workers running.
func twoTiers(t *testing.T, dsn string) (*peers, *hook, *app.App) {
	t.Helper()
	p := startPeers(t)
	tier2 := webhookPeer(t, []byte("tier two secret"), http.StatusOK)
	a := newApp(t, t.TempDir(), dsn, p.notifyConfig(), true)
	t.Cleanup(func() { a.Close() })
	a.Alerts.SetAckUnit(time.Second)
	one := addResponder(t, a, &responders.Responder{Name: "MRCC", Kind: responders.KindRescueCentre, Languages: []string{"en"},
		Channels: []responders.Channel{{Channel: "email", Address: "ops@mrcc.example.org"}}})
	two := addResponder(t, a, &responders.Responder{Name: "Tier two", Kind: responders.KindRescueCentre, Languages: []string{"en"},
		Channels: []responders.Channel{{Channel: "webhook", Address: tier2.srv.URL, Secret: []byte("tier two secret")}}})
	addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Tier: 1, AckMinutes: 2, Responders: []int64{one}})
	addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Tier: 2, AckMinutes: 600, Responders: []int64{two}})
	runWorkers(t, a)
	return p, tier2, a
}
