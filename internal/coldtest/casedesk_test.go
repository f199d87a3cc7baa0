package coldtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// The case desk, responders, alerting and publication: canaries planted
// through their pages. Phone numbers and positions cannot hold a
// "CANARY-" text, so they are random digits the scanner looks for as
// literals (see digitCanaries).

var (
	caseLoc      = regexp.MustCompile(`^/cases/(\d+)`)
	responderLoc = regexp.MustCompile(`^/responders/(\d+)`)
	publicLinkRe = regexp.MustCompile(`href="/public/incidents/(\d+)"`)
)

// fakeRelay is a mail relay that refuses every recipient with a reply
// echoing the address, as real relays do ("550 5.1.1 <a@b>: User
// unknown"); and a webhook receiver that answers 500 with the path.
type fakeRelay struct {
	smtp, hook net.Listener
	mu         sync.Mutex
	rcpts      int
	hooks      int
}

func startFakeRelay(t *testing.T) *fakeRelay {
	t.Helper()
	f := &fakeRelay{}
	var err error
	if f.smtp, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if f.hook, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := f.smtp.Accept()
			if err != nil {
				return
			}
			go f.serveSMTP(c)
		}
	}()
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hooks++
		f.mu.Unlock()
		http.Error(w, "no such hook: "+r.URL.Path, http.StatusInternalServerError)
	})}
	go hs.Serve(f.hook)
	t.Cleanup(func() { f.smtp.Close(); hs.Close() })
	return f
}

func (f *fakeRelay) serveSMTP(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 relay.example ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			fmt.Fprintf(c, "250 relay.example\r\n")
		case strings.HasPrefix(cmd, "MAIL FROM"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			fmt.Fprintf(c, "250 2.0.0 OK\r\n")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			f.mu.Lock()
			f.rcpts++
			f.mu.Unlock()
			fmt.Fprintf(c, "550 5.1.1 %s: Recipient address rejected: User unknown in local recipient table\r\n", strings.TrimSpace(line[len("RCPT TO:"):]))
		case strings.HasPrefix(cmd, "QUIT"):
			fmt.Fprintf(c, "221 2.0.0 Bye\r\n")
			return
		default:
			fmt.Fprintf(c, "502 5.5.2 command not recognised\r\n")
		}
	}
}

func (f *fakeRelay) counts() (rcpts, hooks int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rcpts, f.hooks
}

// serveFlags are the channel flags of faro serve pointing at the relay.
func (f *fakeRelay) serveFlags() []string {
	return []string{"--smtp-addr", f.smtp.Addr().String(), "--smtp-from", "alerts@faro.example", "--smtp-tls", "none"}
}

// digitCanary is a planted value made of digits: a phone number or a
// coordinate. The scanner looks for its text and, for coordinates, for
// the float64's bytes in both byte orders (SQLite and PostgreSQL store
// REAL and DOUBLE PRECISION as binary).
type digitCanary struct {
	place string
	forms map[string][]byte // encoding -> bytes
}

func randDigits(n int) string {
	var b strings.Builder
	for b.Len() < n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		if b.Len() == 0 && d.Int64() == 0 {
			continue
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// phone returns a new phone number canary ("+" and 13 digits); the
// scanner looks for its digits, with or without the plus.
func (s *scanner) phone(place string) string {
	digits := "882" + randDigits(10)
	s.literal(place, map[string][]byte{"plain text": []byte(digits)})
	return "+" + digits
}

// coordinate returns a new coordinate canary within [lo, lo+10) with
// seven distinctive decimals.
func (s *scanner) coordinate(place string, lo int) string {
	text := fmt.Sprintf("%d.%s", lo+int(randDigits(1)[0]-'0'), randDigits(7))
	v, _ := strconv.ParseFloat(text, 64)
	be, le := make([]byte, 8), make([]byte, 8)
	binary.BigEndian.PutUint64(be, math.Float64bits(v))
	binary.LittleEndian.PutUint64(le, math.Float64bits(v))
	s.literal(place, map[string][]byte{"plain text": []byte(text), "float64 big-endian": be, "float64 little-endian": le})
	return text
}

func (s *scanner) literal(place string, forms map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.digits {
		if d.place == place {
			panic("canary place used twice: " + place)
		}
	}
	s.digits = append(s.digits, digitCanary{place: place, forms: forms})
}

func (s *scanner) digitCount() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.digits) }

func (s *scanner) findDigits(data []byte, where string) []finding {
	s.mu.Lock()
	ds := append([]digitCanary(nil), s.digits...)
	s.mu.Unlock()
	var out []finding
	for _, d := range ds {
		for enc, b := range d.forms {
			each(data, b, func(i int) { out = append(out, finding{"canary: " + d.place, where, enc, i}) })
		}
	}
	return out
}

// responders: the admin adds a responder reached by email, SMS and
// webhook, every field a canary, and a rule alerting it of sea cases.
func (p *planter) responders() {
	t := p.t
	a := p.admin
	r := a.get("/responders")
	if r.status == http.StatusNotFound {
		t.Log("this build has no responders: their fields are not planted")
		return
	}
	r.want(t, http.StatusOK, "responders page")
	email := strings.ToLower(p.cs.New("responder: email address")) + "@rescue.example"
	home := p.sc.coordinate("responder: home point latitude", 30) + ", " + p.sc.coordinate("responder: home point longitude", 10)
	r = a.post("/responders", url.Values{"name": {"MRCC " + p.cs.New("responder: name")}, "kind": {"verifier"},
		"languages": {"en, ar"}, "notes": {"Night shift: " + p.cs.New("responder: notes")}, "home": {home},
		"channel": {"email"}, "address": {email}})
	r.want(t, http.StatusSeeOther, "create responder")
	m := responderLoc.FindStringSubmatch(r.loc)
	if m == nil {
		t.Fatalf("create responder: redirect to %q", r.loc)
	}
	id := m[1]
	a.get("/responders/"+id).want(t, http.StatusOK, "responder page")
	a.post("/responders/"+id, url.Values{"op": {"2"}, "channel": {"sms"}, "address": {p.sc.phone("responder: SMS phone number")}}).
		wantRedirect(t, "/responders/"+id, "add SMS channel")
	hook := "http://" + p.relay.hook.Addr().String() + "/hooks/" + p.cs.New("responder: webhook URL path") + "?token=" + p.cs.New("responder: webhook URL query")
	a.post("/responders/"+id, url.Values{"op": {"2"}, "channel": {"webhook"}, "address": {hook},
		"secret": {p.cs.New("responder: webhook secret")}}).wantRedirect(t, "/responders/"+id, "add webhook channel")
	// Refused: an address that is not one, and a home point that does not parse.
	a.post("/responders/"+id, url.Values{"op": {"2"}, "channel": {"email"}, "address": {"not an address " + p.cs.New("refused responder channel: address")}}).
		want(t, http.StatusUnprocessableEntity, "add an invalid email channel")
	// Positive control.
	page := a.get("/responders/"+id).want(t, http.StatusOK, "responder page").body
	if !strings.Contains(strings.ToLower(page), email) {
		t.Errorf("responder page does not show the email address: the canary was not planted")
	}

	r = a.get("/alerting/rules/new")
	if r.status == http.StatusNotFound {
		t.Log("this build has no alerting rules: no delivery is attempted")
		return
	}
	r.want(t, http.StatusOK, "new rule form")
	a.post("/alerting/rules", url.Values{"name": {"Central Med"}, "kinds": {"sea"}, "min_severity": {"0"},
		"tier": {"1"}, "ack_minutes": {"30"}, "broadcast_hours": {"24"}, "active": {"1"}, "responders": {id}, "area_kind": {""}}).
		wantRedirect(t, "/alerting/rules", "create alert rule")
	p.alerting = true
}

// caseDesk: a distress case at sea and a raid report, with everything a
// hotline shift types into them.
func (p *planter) caseDesk() {
	t := p.t
	doc := p.members[3].c
	r := p.admin.get("/admin/regions")
	if r.status == http.StatusNotFound {
		t.Log("this build has no case desk: its fields are not planted")
		return
	}
	r.want(t, http.StatusOK, "regions page")
	p.admin.post("/admin/regions", url.Values{"code": {"CMED"}, "name": {"Central Mediterranean"}}).
		wantRedirect(t, "/admin/regions", "add region")

	doc.get("/cases/new").want(t, http.StatusOK, "new case form")
	pos := p.sc.coordinate("distress case: first position latitude", 33) + ", " + p.sc.coordinate("distress case: first position longitude", 12)
	notes := "Engine failed, water inside. " + p.cs.New("distress case: notes")
	r = doc.post("/cases", url.Values{"kind": {"sea"}, "region": {"CMED"}, "phase": {"distress"}, "severity": {"5"},
		"people": {"47"}, "source": {"relative"}, "language": {"ar"}, "minors": {"9"}, "condition": {"water", "engine"},
		"boat":      {"Blue rubber boat, " + p.cs.New("distress case: boat description")},
		"departure": {"Beach near " + p.cs.New("distress case: departure place")},
		"phone":     {p.sc.phone("distress case: caller phone")},
		"relatives": {"Brother in Berlin " + p.cs.New("distress case: relatives' contact")},
		"notes":     {notes}, "position": {pos}})
	r.want(t, http.StatusSeeOther, "open distress case")
	m := caseLoc.FindStringSubmatch(r.loc)
	if m == nil {
		t.Fatalf("open distress case: redirect to %q", r.loc)
	}
	id := m[1]
	doc.get("/cases/"+id).want(t, http.StatusOK, "case page")
	// The alert goes out now. Typing timeline entries while its failure
	// is being written to the same case can deadlock on PostgreSQL
	// (SQLSTATE 40P01, a 500 on POST /cases/{id}/entries): a bug of the
	// case desk and alerting, reported, not this test's to work around
	// beyond waiting for the delivery first.
	p.waitForDelivery()
	doc.post("/cases/"+id+"/entries", url.Values{"kind": {"call"}, "text": {"They see a ship. " + p.cs.New("distress case: timeline call note")}}).
		want(t, http.StatusSeeOther, "timeline call entry")
	later := p.sc.coordinate("distress case: timeline position latitude", 33) + ", " + p.sc.coordinate("distress case: timeline position longitude", 12)
	doc.post("/cases/"+id+"/entries", url.Values{"kind": {"position"}, "position": {later},
		"text": {"From the GPS: " + p.cs.New("distress case: timeline position note")}}).
		want(t, http.StatusSeeOther, "timeline position entry")
	doc.post("/cases/"+id+"/entries", url.Values{"kind": {"call"}, "at": {"not a time"},
		"text": {p.cs.New("refused timeline entry: text")}}).want(t, http.StatusUnprocessableEntity, "timeline entry with a bad time")
	doc.post("/cases/handover", url.Values{"text": {"Boat of 47 still drifting. " + p.cs.New("case desk: handover note")}}).
		wantRedirect(t, "/cases", "handover note")
	// Positive control, before the case closes.
	page := doc.get("/cases/"+id).want(t, http.StatusOK, "case page").body
	if !strings.Contains(page, notes) {
		t.Errorf("case page does not show the notes: the canary was not planted")
	}
	doc.post("/cases/"+id+"/close", url.Values{"outcome": {"rescued"}, "rescued": {"47"}, "dead": {"0"}, "missing": {"0"},
		"rescued_by": {"Ship " + p.cs.New("distress case closure: rescued by")},
		"taken_to":   {"Port of " + p.cs.New("distress case closure: taken to")}}).
		wantRedirect(t, "/cases/"+id, "close distress case")

	// A raid report.
	r = doc.post("/cases", url.Values{"kind": {"raid"}, "region": {"CMED"}, "raid_type": {"workplace"},
		"place": {"Warehouse on " + p.cs.New("raid report: place")}, "radius": {"200"},
		"agencies":  {"Police and " + p.cs.New("raid report: agencies")},
		"equipment": {"Two vans, " + p.cs.New("raid report: equipment")},
		"reporter":  {"Neighbour " + p.cs.New("raid report: reporter")},
		"notes":     {p.cs.New("raid report: notes")}})
	r.want(t, http.StatusSeeOther, "open raid report")
	if m := caseLoc.FindStringSubmatch(r.loc); m == nil {
		t.Fatalf("open raid report: redirect to %q", r.loc)
	}
	p.members[0].c.get(r.loc).want(t, http.StatusOK, "raid report page")
	doc.get("/cases").want(t, http.StatusOK, "case board")
}

// waitForDelivery waits until the alert of the distress case reached the
// relay by email and by webhook (both refuse it), so that its failure is
// recorded before the disk is looked at.
func (p *planter) waitForDelivery() {
	if !p.alerting {
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if rc, hk := p.relay.counts(); rc > 0 && hk > 0 {
			time.Sleep(2 * time.Second) // the failure lands in deliveries and jobs
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	rc, hk := p.relay.counts()
	p.t.Errorf("no delivery attempt reached the fake relay within 60s (%d RCPT, %d webhook calls): delivery errors are not tested", rc, hk)
}

// publication: one incident published with an approved text and canaries
// in every sealed field; another whose approved text lost its consent
// before verification, and a text refused for want of consent. The
// background publisher refreshes public_records on the approval.
func (p *planter) publication() {
	t := p.t
	doc, rev := p.members[3].c, p.members[0].c
	if rev.get("/incidents/new").status == http.StatusNotFound {
		return
	}
	newIncident := func(label, scope string) (string, url.Values) {
		doc.get("/incidents/new").want(t, http.StatusOK, "new incident form")
		r := doc.post("/incidents", url.Values{"step": {"1"}, "type": {p.incidentType}, "date": {"2026-03-02"}, "country": {"GR"},
			"place": {"Islet near " + p.cs.New(label+" incident: place description")}, "go": {"1"}})
		r.want(t, http.StatusSeeOther, "create "+label+" incident")
		m := incidentLoc.FindStringSubmatch(r.loc)
		if m == nil {
			t.Fatalf("create %s incident: redirect to %q", label, r.loc)
		}
		id := m[1]
		tm := url.Values{"step": {"3"}, "language": {"fa"}, "consent_scope": {scope}, "consent_how": {"oral"}, "consent_date": {"2026-03-03"},
			"narrative":       {"We were left on the islet. " + p.cs.New(label+" testimony: narrative")},
			"pseudonym":       {p.cs.New(label + " testimony: pseudonym")},
			"interviewer":     {p.cs.New(label + " testimony: interviewer")},
			"witness_contact": {"+30 " + p.cs.New(label+" testimony: witness contact")},
			"go":              {"1"}}
		doc.post("/incidents/"+id+"/edit", tm).want(t, http.StatusSeeOther, "save "+label+" testimony")
		doc.post("/incidents/"+id+"/edit", url.Values{"step": {"4"}, "sources": {"Call; " + p.cs.New(label+" incident: sources")}, "go": {"0"}}).
			wantRedirect(t, "/incidents/"+id, "save "+label+" sources")
		doc.post("/incidents/"+id+"/submit", url.Values{}).wantRedirect(t, "/incidents/"+id, "submit "+label+" incident")
		return id, tm
	}

	// Restricted: the text is approved while every testimony consents to
	// a name; then the consent narrows to internal use, before the record
	// is verified, so it is never eligible.
	rid, tm := newIncident("restricted", "public_named")
	r := rev.get("/incidents/" + rid + "/public-text")
	if r.status == http.StatusNotFound {
		t.Log("this build has no approved public texts: publication is not planted")
		return
	}
	r.want(t, http.StatusOK, "public text page")
	rev.post("/incidents/"+rid+"/public-text", url.Values{"text": {"Summary: " + p.cs.New("restricted incident: approved public text")}}).
		wantRedirect(t, "/incidents/"+rid+"/public-text", "approve public text")
	tm.Set("consent_scope", "internal")
	rev.get("/incidents/"+rid+"/edit?step=3").want(t, http.StatusOK, "testimony form of a submitted incident")
	rev.post("/incidents/"+rid+"/edit", tm).want(t, http.StatusSeeOther, "narrow the consent")
	rev.get("/incidents/"+rid+"/public-text").want(t, http.StatusOK, "public text page")
	rev.post("/incidents/"+rid+"/public-text", url.Values{"text": {p.cs.New("restricted incident: public text refused for want of consent")}}).
		want(t, http.StatusUnprocessableEntity, "public text without consent")
	rev.post("/incidents/"+rid+"/verify", url.Values{"level": {"verified"}}).wantRedirect(t, "/incidents/"+rid, "verify restricted incident")

	// Published: its approved text is public by design (no canary); its
	// sealed fields are canaries.
	pid, _ := newIncident("published", "public_named")
	rev.get("/incidents/"+pid).want(t, http.StatusOK, "incident page")
	rev.post("/incidents/"+pid+"/verify", url.Values{"level": {"verified"}}).wantRedirect(t, "/incidents/"+pid, "verify published incident")
	marker := "Public summary " + randHex(8)
	rev.get("/incidents/"+pid+"/public-text").want(t, http.StatusOK, "public text page")
	rev.post("/incidents/"+pid+"/public-text", url.Values{"text": {marker}}).
		wantRedirect(t, "/incidents/"+pid+"/public-text", "approve public text")

	// Positive control: the publisher ran and public_records holds the
	// published record (and so whatever else it chose to copy).
	anon := p.newClient()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if p.publicPageShows(anon, marker) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the published incident did not reach the public site within 90s: public_records was not refreshed")
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func (p *planter) publicPageShows(c *client, marker string) bool {
	r := c.get("/data/incidents.csv")
	if r.status == http.StatusOK && strings.Contains(r.body, marker) {
		return true
	}
	r = c.get("/public")
	if r.status != http.StatusOK {
		return false
	}
	for _, m := range publicLinkRe.FindAllStringSubmatch(r.body, -1) {
		if strings.Contains(c.get("/public/incidents/"+m[1]).body, marker) {
			return true
		}
	}
	return false
}

// checkLanded opens the database after every scan (opening it may write)
// and checks that what the scan should find ciphertext of did land: the
// cases, the failed deliveries and the published record. A pass with
// none of them would mean nothing.
func checkLanded(t *testing.T, dsn string, alerting bool) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open the database after the run: %v", err)
	}
	defer db.Close()
	var cases, events, handovers, attempted, withError, public int
	for _, q := range []struct {
		sql string
		n   *int
	}{
		{"SELECT COUNT(*) FROM cases", &cases},
		{"SELECT COUNT(*) FROM case_events", &events},
		{"SELECT COUNT(*) FROM case_handover", &handovers},
		{"SELECT COUNT(*) FROM deliveries WHERE attempts > 0", &attempted},
		{"SELECT COUNT(*) FROM deliveries WHERE last_error <> ''", &withError},
		{"SELECT COUNT(*) FROM public_records", &public},
	} {
		if err := db.QueryRow(ctx, q.sql).Scan(q.n); err != nil {
			t.Errorf("%s: %v", q.sql, err)
		}
	}
	t.Logf("landed: %d cases, %d timeline entries, %d handover notes, %d deliveries attempted (%d with an error kept), %d public records",
		cases, events, handovers, attempted, withError, public)
	if cases < 2 || handovers < 1 || public < 1 {
		t.Errorf("the case desk or publication canaries did not land: the scan proves less than it claims")
	}
	if alerting && (attempted < 1 || withError < 1) {
		t.Errorf("no failed delivery was recorded: the delivery error is not tested")
	}
}

// TestScannerFindsDigitCanaries: phone numbers as typed and without their
// plus, coordinates as text and as float64 bytes in either byte order.
func TestScannerFindsDigitCanaries(t *testing.T) {
	sc := &scanner{cs: newCanaries(), secrets: map[string]string{}}
	ph := sc.phone("a phone")
	lat := sc.coordinate("a latitude", 30)
	v, _ := strconv.ParseFloat(lat, 64)
	be, le := make([]byte, 8), make([]byte, 8)
	binary.BigEndian.PutUint64(be, math.Float64bits(v))
	binary.LittleEndian.PutUint64(le, math.Float64bits(v))
	for _, c := range []struct {
		blob      []byte
		what, enc string
	}{
		{[]byte(ph), "canary: a phone", "plain text"},
		{[]byte(`{"phone":"` + strings.TrimPrefix(ph, "+") + `"}`), "canary: a phone", "plain text"},
		{[]byte(`{"lat":` + lat + `}`), "canary: a latitude", "plain text"},
		{be, "canary: a latitude", "float64 big-endian"},
		{le, "canary: a latitude", "float64 little-endian"},
	} {
		got := sc.scan(append(append(randBytes(500), c.blob...), randBytes(500)...), "blob")
		found := false
		for _, f := range got {
			found = found || f.What == c.what && f.Encoding == c.enc
		}
		if !found {
			t.Errorf("%s (%s) not found: %v", c.what, c.enc, got)
		}
	}
	if got := sc.scan(randBytes(1<<20), "noise"); len(got) != 0 {
		t.Errorf("findings in random noise: %v", got)
	}
}
