package alerting

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

var (
	lampedusa  = geo.Point{Lat: 35.5, Lon: 12.6}
	centralMed = Area{Polygon: []geo.Point{{Lat: 32, Lon: 10}, {Lat: 38, Lon: 10}, {Lat: 38, Lon: 16}, {Lat: 32, Lon: 16}}}
)

func people(n int) *int { return &n }

func seaCase(id int64, phase string) *Case {
	p := lampedusa
	return &Case{ID: id, Ref: "2026-11-25-CM-014", Kind: "sea", Status: "open", Phase: phase, Severity: 3,
		People: people(47), Position: &p, FixAt: time.Date(2026, 11, 25, 3, 12, 0, 0, time.UTC), Phone: "+8821600000000"}
}

func responder(id int64, name, kind string, langs []string, chans ...Channel) Responder {
	return Responder{ID: id, Name: name, Kind: kind, Languages: langs, Active: true, Channels: chans}
}

func TestDispatchSendsEachChannelAndRecordsTimeline(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		r := newRig(t, db,
			responder(1, "MRCC Roma", "rescue_centre", []string{"it"},
				Channel{ID: 11, Channel: "email", Address: "mrcc@example.it"},
				Channel{ID: 12, Channel: "webhook", Address: "https://hook.example/broken"}),
			responder(2, "Ship", "ship", []string{"en"}, Channel{ID: 21, Channel: "sms", Address: "+393331111111"}),
			responder(3, "Elsewhere", "rescue_centre", nil, Channel{ID: 31, Channel: "email", Address: "far@example.org"}))
		r.sender.fail["https://hook.example/broken"] = errPermanentFake
		r.rule(Rule{Kinds: []string{"sea"}, Area: centralMed, Responders: []int64{1, 2}})
		far := geo.Point{Lat: 0, Lon: 0}
		r.rule(Rule{Kinds: []string{"sea"}, Area: Area{Centre: &far, RadiusKm: 10}, Responders: []int64{3}})
		r.rule(Rule{Kinds: []string{"land"}, Responders: []int64{3}})
		c := seaCase(100, "distress")
		r.open(c)
		ds := r.deliveries(100)
		if len(ds) != 3 {
			t.Fatalf("deliveries: %d, want 3 (email, webhook, sms)", len(ds))
		}
		for _, d := range ds {
			if d.Status != StatusPending || d.Tier != 1 {
				t.Errorf("new delivery %+v", d)
			}
		}
		r.run()
		r.waitFor("email and sms sent", func() bool {
			return len(r.sender.to("mrcc@example.it")) == 1 && len(r.sender.to("+393331111111")) == 1
		})
		r.waitFor("webhook failed", func() bool {
			for _, d := range r.deliveries(100) {
				if d.Channel == "webhook" {
					return d.Status == StatusFailed
				}
			}
			return false
		})
		m := r.sender.to("mrcc@example.it")[0]
		if !strings.HasPrefix(m.Text, "distress|it|2026-11-25-CM-014|https://faro.test/ack/") || m.Lang != "it" {
			t.Errorf("email rendered as %q in %q", m.Subject, m.Lang)
		}
		if !strings.Contains(m.Text, "35.50000, 12.60000") || !strings.Contains(m.Text, "+8821600000000") {
			t.Error("email lacks position or phone")
		}
		if len(r.sender.to("far@example.org")) != 0 {
			t.Error("a rule whose area does not hold the case alerted")
		}
		r.waitFor("timeline statuses", func() bool {
			st := map[string]int{}
			for _, e := range r.cases.timeline(100) {
				if e.Kind == EventDelivery {
					st[e.Status]++
				}
			}
			return st[StatusSent] == 2 && st[StatusFailed] == 1
		})
		for _, d := range r.deliveries(100) {
			if d.Channel == "webhook" && (d.LastError == "" || strings.Contains(d.LastError, "hook.example")) {
				t.Errorf("last_error %q: want a class, never the address", d.LastError)
			}
		}
	})
}

func TestAckByLinkCancelsEscalation(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		r := newRig(t, db,
			responder(1, "MRCC", "rescue_centre", []string{"en"}, Channel{ID: 11, Channel: "email", Address: "tier1@example.org"}),
			responder(2, "Tier two", "rescue_centre", []string{"en"}, Channel{ID: 21, Channel: "email", Address: "tier2@example.org"}))
		r.rule(Rule{Kinds: []string{"sea"}, Tier: 1, AckMinutes: 3, Responders: []int64{1}})
		r.rule(Rule{Kinds: []string{"sea"}, Tier: 2, AckMinutes: 3, Responders: []int64{2}})
		r.open(seaCase(7, "alert"))
		r.run()
		r.waitFor("tier 1 email", func() bool { return len(r.sender.to("tier1@example.org")) == 1 })
		tok := tokenOf(t, r.sender.to("tier1@example.org")[0])
		link, err := r.s.LinkInfo(context.Background(), tok)
		if err != nil || link.Acknowledged || link.Ref != "2026-11-25-CM-014" {
			t.Fatalf("link before ack: %+v %v", link, err)
		}
		first, err := r.s.Acknowledge(context.Background(), tok, "link")
		if err != nil || !first {
			t.Fatalf("ack: %v %v", first, err)
		}
		if again, err := r.s.Acknowledge(context.Background(), tok, "link"); err != nil || again {
			t.Errorf("second ack: %v %v", again, err)
		}
		time.Sleep(1500 * time.Millisecond) // 2.5× the wait: escalation would have fired
		if n := len(r.sender.to("tier2@example.org")); n != 0 {
			t.Errorf("tier 2 alerted %d times after tier 1 acknowledged", n)
		}
		if _, err := r.s.Acknowledge(context.Background(), "not-a-token-at-all-xxxxxxxxxx", "link"); !errors.Is(err, ErrNoToken) {
			t.Errorf("unknown token: %v", err)
		}
	})
}

func TestNoAckEscalatesOnce(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		r := newRig(t, db,
			responder(1, "MRCC", "rescue_centre", []string{"en"}, Channel{ID: 11, Channel: "email", Address: "tier1@example.org"}),
			responder(2, "Tier two", "rescue_centre", []string{"fr"}, Channel{ID: 21, Channel: "signal", Address: "+33600000000"}))
		r.rule(Rule{Kinds: []string{"sea"}, Tier: 1, AckMinutes: 1, Responders: []int64{1}})
		r.rule(Rule{Kinds: []string{"sea"}, Tier: 2, AckMinutes: 1, Responders: []int64{2}})
		r.open(seaCase(8, "distress"))
		r.run()
		r.waitFor("tier 2 alerted", func() bool { return len(r.sender.to("+33600000000")) == 1 })
		time.Sleep(800 * time.Millisecond)
		if n := len(r.sender.to("+33600000000")); n != 1 {
			t.Errorf("tier 2 got %d messages, want exactly 1", n)
		}
		m := r.sender.to("+33600000000")[0]
		if !strings.HasPrefix(m.Text, "escalation|fr|") {
			t.Errorf("tier 2 message: template/lang %q", m.Subject+"/"+m.Lang)
		}
		noted := false
		for _, e := range r.cases.timeline(8) {
			noted = noted || e.Kind == EventNote && strings.Contains(e.Text, "tier 2 alerted")
		}
		if !noted {
			t.Error("escalation not on the timeline")
		}
		// Tier 2 acknowledges by SMS-style reply over Signal.
		if err := r.s.Reply(context.Background(), "signal", "+33600000000", "reçu 2026-11-25-cm-014"); err != nil {
			t.Fatalf("reply: %v", err)
		}
		acked := 0
		for _, d := range r.deliveries(8) {
			if d.Status == StatusAcknowledged {
				acked++
			}
		}
		if acked != 1 {
			t.Errorf("acknowledged deliveries: %d", acked)
		}
		if err := r.s.Reply(context.Background(), "signal", "+33600000000", "where are they now?"); !errors.Is(err, ErrNotAck) {
			t.Errorf("question taken for an ack: %v", err)
		}
		if err := r.s.Reply(context.Background(), "sms", "+10000000000", "ok"); !errors.Is(err, ErrNoResponder) {
			t.Errorf("unknown number: %v", err)
		}
	})
}

func TestPhaseRiseRedispatches(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		r := newRig(t, db, responder(1, "MRCC", "rescue_centre", nil, Channel{ID: 11, Channel: "email", Address: "a@example.org"}),
			responder(2, "Distress only", "ship", nil, Channel{ID: 21, Channel: "email", Address: "b@example.org"}))
		r.rule(Rule{Kinds: []string{"sea"}, AckMinutes: 600, Responders: []int64{1}})
		r.rule(Rule{Kinds: []string{"sea"}, AckMinutes: 600, MinPhase: "distress", Responders: []int64{2}})
		c := seaCase(9, "uncertainty")
		r.open(c)
		if n := len(r.deliveries(9)); n != 1 {
			t.Fatalf("uncertainty: %d deliveries, want 1", n)
		}
		r.change(c) // a position or a note: nothing new
		if n := len(r.deliveries(9)); n != 1 {
			t.Fatalf("same phase: %d deliveries, want 1", n)
		}
		c.Phase = "distress"
		r.change(c)
		if n := len(r.deliveries(9)); n != 3 {
			t.Fatalf("distress: %d deliveries, want 3", n)
		}
		c.Phase = "alert"
		r.change(c)
		if n := len(r.deliveries(9)); n != 3 {
			t.Fatalf("phase fell: %d deliveries, want still 3", n)
		}
	})
}

func TestRaidVerifiedBeforeBroadcast(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		report := geo.Point{Lat: 34.0522, Lon: -118.2437}
		near := geo.Point{Lat: 34.06, Lon: -118.25}
		far := geo.Point{Lat: 34.5, Lon: -118.2}
		vNear := responder(1, "Verifier near", "verifier", []string{"es"}, Channel{ID: 11, Channel: "sms", Address: "+12135550001"})
		vNear.Home = &near
		vFar := responder(2, "Verifier far", "verifier", nil, Channel{ID: 21, Channel: "sms", Address: "+12135550002"})
		vFar.Home = &far
		network := responder(3, "Network", "volunteer", nil, Channel{ID: 31, Channel: "webhook", Address: "https://net.example/hook"})
		r := newRig(t, db, vNear, vFar, network)
		r.rule(Rule{Kinds: []string{"raid"}, Area: Area{Centre: &report, RadiusKm: 5}, BroadcastHours: 6, Responders: []int64{1, 2, 3}})
		raid := &Case{ID: 50, Ref: "2026-11-25-LA-003", Kind: "raid", Status: "open", Verification: "pending",
			Position: &report, Phone: "+12135559999", Notes: "reporter's words"}
		r.open(raid)
		r.run()
		r.waitFor("verify request", func() bool { return len(r.sender.to("+12135550001")) == 1 })
		if len(r.sender.to("+12135550002")) != 0 || len(r.sender.to("https://net.example/hook")) != 0 {
			t.Fatal("a pending raid report reached someone other than the near verifier")
		}
		active, _ := r.s.Alerts(context.Background(), false, 50)
		if len(active) != 0 {
			t.Fatal("broadcast before verification")
		}
		tok := tokenOf(t, r.sender.to("+12135550001")[0])
		if !strings.Contains(r.sender.to("+12135550001")[0].Text, "/verify/") {
			t.Error("verifier's link is not a verify link")
		}
		if err := r.s.Verify(context.Background(), tok, "maybe"); !errors.Is(err, ErrVerdict) {
			t.Errorf("bad verdict: %v", err)
		}
		if err := r.s.Verify(context.Background(), tok, VerdictConfirmed); err != nil {
			t.Fatal(err)
		}
		r.waitFor("raid alert", func() bool { return len(r.sender.to("https://net.example/hook")) == 1 })
		m := r.sender.to("https://net.example/hook")[0]
		if !strings.HasPrefix(m.Text, "raid_alert|") || strings.Contains(m.Text, "+12135559999") || strings.Contains(m.Text, "34.05220") {
			t.Error("raid alert: wrong template, or it carries the reporter's phone or exact position")
		}
		active, _ = r.s.Alerts(context.Background(), false, 50)
		if len(active) != 1 || active[0].Centre != (geo.Point{Lat: 34.05, Lon: -118.24}) || active[0].RadiusKm != 5 {
			t.Fatalf("active alerts: %+v", active)
		}
		if got := active[0].ExpiresAt.Sub(active[0].CreatedAt); got != 6*time.Hour {
			t.Errorf("expires after %v, want the rule's 6 h", got)
		}
		// A second verdict (another verifier, a double click) changes nothing.
		if err := r.s.Verify(context.Background(), tok, VerdictFalseAlarm); !errors.Is(err, ErrDecided) {
			t.Fatalf("second verdict: %v", err)
		}
		hist, _ := r.s.Alerts(context.Background(), true, 50)
		if len(hist) != 1 {
			t.Fatalf("history: %d alerts", len(hist))
		}
		r.advance(7 * time.Hour)
		active, _ = r.s.Alerts(context.Background(), false, 50)
		hist, _ = r.s.Alerts(context.Background(), true, 50)
		if len(active) != 0 || len(hist) != 1 {
			t.Errorf("after expiry: %d active, %d in history", len(active), len(hist))
		}
	})
}

func TestFalseAlarmNeverBroadcast(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		report := geo.Point{Lat: 34.0522, Lon: -118.2437}
		v := responder(1, "Verifier", "verifier", nil, Channel{ID: 11, Channel: "sms", Address: "+12135550001"})
		v.Home = &report
		network := responder(3, "Network", "volunteer", nil, Channel{ID: 31, Channel: "webhook", Address: "https://net.example/hook"})
		r := newRig(t, db, v, network)
		r.rule(Rule{Kinds: []string{"raid"}, Area: Area{Centre: &report, RadiusKm: 5}, Responders: []int64{1, 3}})
		r.open(&Case{ID: 51, Ref: "2026-11-25-LA-004", Kind: "raid", Status: "open", Verification: "pending", Position: &report})
		r.run()
		r.waitFor("verify request", func() bool { return len(r.sender.to("+12135550001")) == 1 })
		if err := r.s.Verify(context.Background(), tokenOf(t, r.sender.to("+12135550001")[0]), VerdictFalseAlarm); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		hist, _ := r.s.Alerts(context.Background(), true, 50)
		if len(hist) != 0 || len(r.sender.to("https://net.example/hook")) != 0 {
			t.Error("a false alarm was broadcast")
		}
		if c, _ := r.cases.Case(context.Background(), 51); c.Verification != VerdictFalseAlarm {
			t.Error("false alarm not kept on the case")
		}
	})
}
