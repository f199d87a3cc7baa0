package coldtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// TestColdDisk plants canaries through Faro's public HTTP interfaces and
// then looks for them in everything a seized disk would hold.
func TestColdDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the faro binary")
	}
	bin := buildFaro(t)
	t.Run("sqlite", func(t *testing.T) { coldDisk(t, bin, "") })
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) {
			pgDump := findPgDump(t)
			coldDisk(t, bin, storetest.PostgresDSN(t), pgDump)
		})
	}
}

// ---------------------------------------------------------------------
// The test proper.

func coldDisk(t *testing.T, bin, dsn string, pgDump ...string) {
	work := t.TempDir()
	data := filepath.Join(work, "data")
	secretDir := filepath.Join(work, "secrets")
	tmp := filepath.Join(work, "tmp") // the faro processes' TMPDIR
	for _, d := range []string{secretDir, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cs := newCanaries()
	sc := &scanner{cs: cs, secrets: map[string]string{}}
	passphrase := "passphrase-" + randHex(16)
	adminPW := "admin-password-" + randHex(12)
	sc.secret("vault passphrase", passphrase)
	sc.secret("admin password (faro adduser)", adminPW)
	passFile := writeSecret(t, secretDir, "passphrase", passphrase)
	pwFile := writeSecret(t, secretDir, "admin-password", adminPW)

	h := &harness{t: t, bin: bin, env: childEnv(tmp)}
	db := []string{"--data", data}
	if dsn != "" {
		db = append(db, "--database", dsn)
	}
	h.run("faro init", cat([]string{"init"}, db, []string{"--passphrase-file", passFile})...)
	h.run("faro adduser", cat([]string{"adduser"}, db, []string{"--login", "admin", "--role", "admin",
		"--password-file", pwFile, "--unseal-file", passFile})...)

	var pgLog *pgLogTail
	if dsn != "" {
		pgLog = startPgLogTail(t)
	}
	addr := freeAddr(t)
	relay := startFakeRelay(t)
	srv := h.start("faro serve", cat([]string{"serve"}, db, []string{"--listen", addr, "--unseal-file", passFile}, relay.serveFlags())...)
	base := "http://" + addr
	waitHealthy(t, base, srv)
	if os.Getenv("COLDTEST_DEBUG") != "" {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("faro serve stderr:\n%s", srv.se.bytes())
			}
		})
	}
	poll := startPoller(tmp, sc)

	p := &planter{t: t, base: base, cs: cs, sc: sc, adminPW: adminPW, relay: relay}
	p.plantEverything()
	if n, d := cs.count(), sc.digitCount(); n < minCanaries || d < minDigitCanaries {
		t.Fatalf("only %d canaries and %d digit canaries planted, want at least %d and %d", n, d, minCanaries, minDigitCanaries)
	}

	// A server seized while running: what is on its disk right now.
	var findings []finding
	findings = append(findings, sc.scanTree(data, "data directory, server running")...)

	// Then a clean stop, and everything left behind.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-srv.done:
	case <-time.After(60 * time.Second):
		srv.cmd.Process.Kill()
		t.Fatalf("faro serve did not stop within 60s of SIGTERM")
	}
	if srv.err != nil {
		t.Errorf("faro serve exited with %v after SIGTERM", srv.err)
	}
	findings = append(findings, poll.stop()...)
	findings = append(findings, sc.scanTree(data, "data directory, server stopped")...)
	findings = append(findings, sc.scanTree(tmp, "TMPDIR of the faro processes")...)
	for _, o := range h.outputs {
		findings = append(findings, sc.scan(o.bytes(), o.name)...)
	}
	if dsn != "" {
		findings = append(findings, scanPostgres(t, sc, dsn, pgDump[0], pgLog)...)
	}

	files, size := sc.stats()
	t.Logf("planted %d distinct canaries (%d of them phone numbers and coordinates), each in a place of its own, and watched %d server-side secrets; scanned %d files and streams, %d bytes",
		cs.count()+sc.digitCount(), sc.digitCount(), len(sc.secrets), files, size)
	if len(poll.seen()) > 0 {
		t.Logf("files that appeared in faro's TMPDIR during the run: %s", strings.Join(poll.seen(), ", "))
	}
	if dsn == "" {
		checkLanded(t, filepath.Join(data, "faro.db"), p.alerting)
	} else {
		checkLanded(t, dsn, p.alerting)
	}
	if len(findings) > 0 {
		t.Errorf("cold disk holds %d plaintext occurrences of what was typed into Faro:\n%s", len(findings), report(findings))
	}
}

// What a full build plants: the canaries of the accounts, evidence and
// incidents (96) and of the responders, case desk and publication (36),
// and the phone numbers and coordinates (8). A planting step that stops
// planting fails here rather than passing on less.
const (
	minCanaries      = 132
	minDigitCanaries = 8
)

// planter drives Faro like its users would, planting canaries on the way.
type planter struct {
	t       *testing.T
	base    string
	cs      *canaries
	sc      *scanner
	adminPW string

	relay *fakeRelay

	admin        *client
	members      []*member
	alerting     bool   // a rule will alert the relay of the distress case
	incidentType string // a type the incident form offers
	files        []*uploaded
	clients      []*client
}

type member struct {
	role, login, name, pw, token string
	c                            *client
}

type uploaded struct {
	id, name string
	content  []byte
	isPNG    bool
	by       *client
}

func (p *planter) newClient() *client {
	c := newClient(p.t, p.base)
	p.clients = append(p.clients, c)
	return c
}

func (p *planter) plantEverything() {
	p.adminSignsUpWithTOTP()
	p.invitations()
	p.failedLogins()
	p.secondFactor()
	p.evidence()
	p.incidents()
	p.apiIncident()
	p.responders() // before the case desk: its rule alerts of the distress case
	p.caseDesk()
	p.publication()
	p.searchesAndJunk()
	p.accountChanges()
	p.readEverything()
	// Session tokens are secrets too: only their hashes may be stored.
	for i, c := range p.clients {
		if tok := c.cookie("faro_session"); tok != "" {
			p.sc.secret(fmt.Sprintf("session token of client %d", i), tok)
		}
	}
}

var (
	totpSecretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7=]+)<`)
	inviteLinkRe = regexp.MustCompile(`id="invite-link">[^<]*/invite/([A-Za-z0-9_-]+)<`)
	evidenceName = regexp.MustCompile(`id="evidence-name">([^<]*)<`)
	roleFormRe   = regexp.MustCompile(`action="/admin/users/(\d+)/role"`)
	evidenceLoc  = regexp.MustCompile(`^/evidence/([0-9a-f]{32})$`)
)

// adminSignsUpWithTOTP signs the first admin in and sets up the second
// factor through the web enrolment flow.
func (p *planter) adminSignsUpWithTOTP() {
	t := p.t
	p.admin = p.newClient()
	p.admin.get("/login")
	r := p.admin.post("/login", url.Values{"login": {"admin"}, "password": {p.adminPW}, "next": {"/"}})
	r.want(t, http.StatusSeeOther, "admin login")
	r = p.admin.get("/account/totp")
	r.want(t, http.StatusOK, "TOTP enrolment page")
	m := totpSecretRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no #totp-secret on the enrolment page")
	}
	secret := m[1]
	p.sc.secret("admin TOTP secret", secret)
	r = p.admin.post("/account/totp", url.Values{"code": {p.cs.New("TOTP enrolment: wrong code typed in the code field")}})
	r.want(t, http.StatusUnprocessableEntity, "wrong TOTP enrolment code")
	r = p.admin.post("/account/totp", url.Values{"code": {auth.TOTPCode(secret, time.Now())},
		"note": {p.cs.New("TOTP enrolment: extra form field")}})
	r.wantRedirect(t, "/account", "TOTP enrolment")
	p.admin.get("/admin/users").want(t, http.StatusOK, "admin users page after enrolment")
}

// invitations: the admin invites one account per role; each accepts with
// a display name and a password that are canaries.
func (p *planter) invitations() {
	t := p.t
	p.members = []*member{
		{role: "reviewer", login: "cold-rev-1"},
		{role: "reviewer", login: "cold-rev-2"},
		{role: "documenter", login: "cold-doc-1"},
		{role: "documenter", login: "cold-doc-2"},
		{role: "viewer", login: "cold-view-1"},
		{role: "coordinator", login: "cold-coord-1"},
	}
	for i, m := range p.members {
		form := url.Values{"login": {m.login}, "role": {m.role}}
		if i == 0 {
			form.Set("note", p.cs.New("invitation form: extra field"))
		}
		r := p.admin.post("/admin/invites", form)
		r.want(t, http.StatusOK, "invite "+m.login)
		lm := inviteLinkRe.FindStringSubmatch(r.body)
		if lm == nil {
			t.Fatalf("invite %s: no #invite-link on the page", m.login)
		}
		m.token = lm[1]
		p.sc.secret("invitation token of "+m.login, m.token)
	}
	p.admin.post("/admin/invites", url.Values{"login": {"!" + p.cs.New("invitation form: invalid login")}, "role": {"viewer"}}).
		want(t, http.StatusUnprocessableEntity, "invite with invalid login")
	p.admin.post("/admin/invites", url.Values{"login": {"cold-bad-role"}, "role": {p.cs.New("invitation form: unknown role")}}).
		want(t, http.StatusUnprocessableEntity, "invite with unknown role")
	p.admin.do(http.MethodPost, "/admin/invites", strings.NewReader(`{"login":"`+p.cs.New("invitation: JSON body")+`","role":"viewer"}`),
		http.Header{"Content-Type": {"application/json"}, "Sec-Fetch-Site": {"same-origin"}}).
		want(t, http.StatusUnprocessableEntity, "invite posted as JSON")

	for i, m := range p.members {
		m.c = p.newClient()
		m.c.get("/invite/"+m.token).want(t, http.StatusOK, "invite page of "+m.login)
		if i == 0 {
			m.c.post("/invite/"+m.token, url.Values{
				"name":     {p.cs.New("invite acceptance refused (passwords differ): display name")},
				"password": {p.cs.New("invite acceptance refused (passwords differ): password")},
				"confirm":  {p.cs.New("invite acceptance refused (passwords differ): confirmation")},
			}).want(t, http.StatusUnprocessableEntity, "invite acceptance with differing passwords")
		}
		if i == 1 {
			m.c.post("/invite/"+m.token, url.Values{
				"name":     {p.cs.New("invite acceptance refused (password too short): display name")},
				"password": {"short"}, "confirm": {"short"},
			}).want(t, http.StatusUnprocessableEntity, "invite acceptance with a short password")
		}
		m.name = p.cs.New("display name of invited " + m.role + " " + m.login)
		m.pw = p.cs.New("password chosen at invite acceptance by " + m.login)
		m.c.post("/invite/"+m.token, url.Values{"name": {m.name}, "password": {m.pw}, "confirm": {m.pw}}).
			wantRedirect(t, "/", "accept invite of "+m.login)
		if m.c.cookie("faro_session") == "" {
			t.Fatalf("accept invite of %s: no session", m.login)
		}
	}
	// Positive control: the names were stored, and show.
	body := p.admin.get("/admin/users").want(t, http.StatusOK, "admin users page").body
	for _, m := range p.members {
		if !strings.Contains(body, m.name) {
			t.Errorf("display name of %s does not show on /admin/users: the canary was not planted", m.login)
		}
	}
	// A used invitation link is dead.
	p.newClient().get("/invite/"+p.members[0].token).want(t, http.StatusNotFound, "used invitation")
}

// failedLogins: wrong passwords, unknown logins, junk in the login form.
func (p *planter) failedLogins() {
	t := p.t
	anon := p.newClient()
	anon.get("/login")
	for i := 1; i <= 3; i++ {
		form := url.Values{
			"login":    {p.cs.New(fmt.Sprintf("failed login #%d: login field (no such account)", i))},
			"password": {p.cs.New(fmt.Sprintf("failed login #%d: password field (no such account)", i))},
		}
		switch i {
		case 1:
			form.Set("next", "/evidence?q="+p.cs.New("failed login: next= field"))
		case 2:
			form.Set("remember", p.cs.New("failed login: junk field value"))
			form.Set(p.cs.New("failed login: junk field name"), "1")
		}
		anon.post("/login", form).want(t, http.StatusUnauthorized, "login of an unknown account")
	}
	for i, login := range []string{"cold-doc-1", "cold-doc-1", "cold-view-1"} {
		anon.post("/login", url.Values{"login": {login},
			"password": {p.cs.New(fmt.Sprintf("wrong password #%d for existing account %s", i+1, login))}}).
			want(t, http.StatusUnauthorized, "wrong password for "+login)
	}
	anon.post("/login", url.Values{"login": {p.cs.New("login form: login without password")}}).
		want(t, http.StatusUnprocessableEntity, "login without password")
	anon.get("/login?next=" + url.QueryEscape("/"+p.cs.New("GET /login?next= target")))

	// A successful login with a canary password, junk alongside.
	m := p.members[3]
	c := p.newClient()
	c.get("/login")
	c.post("/login", url.Values{"login": {m.login}, "password": {m.pw}, "next": {"/evidence"},
		"remember": {p.cs.New("successful login: junk field")}}).wantRedirect(t, "/evidence", "login of "+m.login)
}

// secondFactor: the admin signs in again and types a canary as the code.
func (p *planter) secondFactor() {
	t := p.t
	c := p.newClient()
	c.get("/login")
	c.post("/login", url.Values{"login": {"admin"}, "password": {p.adminPW}}).wantRedirect(t, "/login/totp", "admin password step")
	c.post("/login/totp", url.Values{"code": {p.cs.New("second-factor login: code field")}, "next": {"/"},
		"junk": {p.cs.New("second-factor login: junk field")}}).want(t, http.StatusUnauthorized, "wrong TOTP code")
	c.post("/logout", url.Values{"junk": {p.cs.New("logout form: junk field")}}).wantRedirect(t, "/login", "logout")
}

// evidence: uploads whose contents and names are canaries, then reads.
func (p *planter) evidence() {
	t := p.t
	rev, doc := p.members[0].c, p.members[2].c

	text := []byte("Testimony, 3 March, boat left at dawn.\n" + p.cs.New("evidence contents: plain-text testimony") + "\n")
	p.upload(rev, p.cs.New("evidence file name: text testimony")+".txt", text, nil)

	straddle := randBytes(200 << 10)
	copy(straddle[65536-10:], p.cs.New("evidence contents: across the first 64 KiB chunk boundary"))
	p.upload(rev, p.cs.New("evidence file name: binary straddling a chunk")+".bin", straddle, nil)

	pngData := pngWithText(p.cs.New("evidence contents: PNG tEXt metadata chunk"))
	f := p.upload(doc, p.cs.New("evidence file name: PNG photo")+".png", pngData, nil)
	f.isPNG = true

	big := randBytes(3 << 20)
	copy(big[3<<19:], p.cs.New("evidence contents: middle of a 3 MiB file"))
	p.upload(doc, "Informe médico — "+p.cs.New("evidence file name: non-ASCII medical report")+".bin", big, &uploadExtras{
		fields:   map[string]string{"description": p.cs.New("upload form: description field before the file")},
		partType: "application/x-" + p.cs.New("upload form: Content-Type of the file part"),
		after:    map[string]string{p.cs.New("upload form: name of a part after the file"): p.cs.New("upload form: value of a part after the file")},
	})

	pdf := []byte("%PDF-1.4\n% Medical certificate\n" + p.cs.New("evidence contents: PDF body") + "\n%%EOF\n")
	p.upload(doc, p.cs.New("evidence file name: PDF certificate")+".pdf", pdf, nil)

	repeated := bytes.Repeat([]byte(p.cs.New("evidence contents: repeated 20000 times")+"\n"), 20000)
	p.upload(rev, "repeated.txt", repeated, nil)

	// Refused: an empty file whose name is a canary.
	tok := rev.freshCSRF("/evidence")
	body, ctype := multipartBody(nil, p.cs.New("refused upload: name of an empty file"), nil, nil, "")
	rev.do(http.MethodPost, "/evidence?csrf="+tok, bytes.NewReader(body), http.Header{"Content-Type": {ctype}}).
		want(t, http.StatusUnprocessableEntity, "empty upload")

	// Abandoned half-way: the client goes away in the middle of the file.
	p.abortedUpload(rev, p.cs.New("aborted upload: file name"), p.cs.New("aborted upload: contents"))
}

var (
	typeOptionRe = regexp.MustCompile(`<select id="type" name="type"[^>]*>(?:<option value="">[^<]*</option>)?<option value="([^"]+)"`)
	incidentLoc  = regexp.MustCompile(`^/incidents/(\d+)(/edit)?`)
	evidenceLink = regexp.MustCompile(`href="/evidence/([0-9a-f]{32})"`)
)

// incidents: a record with a testimony, typed in by a documenter, handed
// in, and read by a reviewer. Skipped on builds without incidents.
func (p *planter) incidents() {
	t := p.t
	doc, rev := p.members[3].c, p.members[0].c
	r := doc.get("/incidents/new")
	if r.status == http.StatusNotFound {
		t.Log("this build has no incidents: their fields are not planted")
		return
	}
	r.want(t, http.StatusOK, "new incident form")
	typ := "pushback"
	if m := typeOptionRe.FindStringSubmatch(r.body); m != nil {
		typ = m[1]
	}
	p.incidentType = typ
	place := "Riverbank near " + p.cs.New("incident: place description")
	r = doc.post("/incidents", url.Values{"step": {"1"}, "type": {typ}, "date": {"2026-03-02"}, "country": {"GR"},
		"place": {place}, "go": {"1"}})
	r.want(t, http.StatusSeeOther, "create incident")
	m := incidentLoc.FindStringSubmatch(r.loc)
	if m == nil {
		t.Fatalf("create incident: redirect to %q", r.loc)
	}
	id := m[1]
	testimony := url.Values{"step": {"3"}, "language": {"ar"}, "consent_scope": {"internal"},
		"narrative":        {"They were taken at night. " + p.cs.New("testimony: narrative") + " Then the boat was towed back."},
		"pseudonym":        {p.cs.New("testimony: pseudonym")},
		"interviewer":      {p.cs.New("testimony: interviewer")},
		"interpreter_name": {p.cs.New("testimony: interpreter name")},
		"witness_contact":  {"+30 " + p.cs.New("testimony: witness contact")},
		"go":               {"1"}}
	doc.post("/incidents/"+id+"/edit", testimony).want(t, http.StatusSeeOther, "save testimony")
	// The JavaScript autosave, a moment later, with more of the story.
	testimony.Set("narrative", testimony.Get("narrative")+"\nLater: "+p.cs.New("testimony: narrative as autosaved"))
	testimony.Del("go")
	doc.post("/incidents/"+id+"/autosave", testimony).want(t, http.StatusOK, "autosave testimony")
	narrative := testimony.Get("narrative")
	doc.post("/incidents/"+id+"/edit", url.Values{"step": {"4"}, "sources": {"Phone call; " + p.cs.New("incident: sources")}, "go": {"0"}}).
		wantRedirect(t, "/incidents/"+id, "save sources")

	content := []byte("Voice note transcript: " + p.cs.New("incident attachment: contents") + "\n")
	name := p.cs.New("incident attachment: file name") + ".txt"
	tok := doc.freshCSRF("/incidents/" + id + "/edit?step=4")
	body, ctype := multipartBody(nil, name, content, nil, "")
	doc.do(http.MethodPost, "/incidents/"+id+"/evidence?csrf="+url.QueryEscape(tok), bytes.NewReader(body), http.Header{"Content-Type": {ctype}}).
		want(t, http.StatusSeeOther, "attach evidence to the incident")
	doc.post("/incidents/"+id+"/submit", url.Values{}).wantRedirect(t, "/incidents/"+id, "submit incident")

	// Positive control: a reviewer reads it all back.
	page := rev.get("/incidents/"+id).want(t, http.StatusOK, "incident page").body
	for what, v := range map[string]string{"place": place, "narrative": strings.ReplaceAll(narrative, "\n", "")} {
		if !strings.Contains(strings.ReplaceAll(page, "\n", ""), v) {
			t.Errorf("incident page does not show the %s: the canary was not planted", what)
		}
	}
	if em := evidenceLink.FindStringSubmatch(page); em != nil {
		p.files = append(p.files, &uploaded{id: em[1], name: name, content: content, by: doc})
	} else {
		t.Errorf("incident page links no evidence")
	}
	rev.get("/incidents?q="+url.QueryEscape(p.cs.New("search term: GET /incidents?q="))).want(t, http.StatusOK, "incident search")
	rev.get("/incidents?q=towed").want(t, http.StatusOK, "incident search for a word of the narrative")
}

var newTokenRe = regexp.MustCompile(`id="new-token">([^<]+)<`)

// apiIncident plants canaries through the JSON API: a documenter makes a
// token on the account page and records an incident with its testimony,
// as a field program would; a reviewer searches the list through its
// posted form (the words go into a sealed link, never into an address).
func (p *planter) apiIncident() {
	t := p.t
	if p.incidentType == "" {
		return
	}
	m, rev := p.members[3], p.members[0].c
	r := m.c.post("/account/tokens", url.Values{"name": {"field app"}, "role": {"documenter"}, "password": {m.pw}}).
		want(t, http.StatusOK, "create an API token")
	tm := newTokenRe.FindStringSubmatch(r.body)
	if tm == nil {
		t.Error("the account page shows no new token: the API canaries are not planted")
		return
	}
	token := strings.TrimSpace(tm[1])
	p.sc.secret("API token of "+m.login, token)
	app := p.newClient() // a field program: a token, no cookies
	api := func(path string, body map[string]any) map[string]any {
		b, _ := json.Marshal(body)
		r := app.do(http.MethodPost, path, bytes.NewReader(b), http.Header{"Authorization": {"Bearer " + token},
			"Content-Type": {"application/json"}}).want(t, http.StatusCreated, "POST "+path)
		var out map[string]any
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		return out
	}
	place := "Olive grove behind " + p.cs.New("API incident: place")
	inc := api("/api/incidents", map[string]any{"type": p.incidentType, "date": "2026-03-04", "country": "GR",
		"place": place, "sources": "Call; " + p.cs.New("API incident: sources"),
		"position": map[string]any{"lat": 41.123456, "lon": 26.654321}})
	id, _ := inc["id"].(float64)
	api(fmt.Sprintf("/api/incidents/%d/testimonies", int64(id)), map[string]any{"language": "en",
		"narrative": "We crossed at night. " + p.cs.New("API testimony: narrative"), "pseudonym": p.cs.New("API testimony: pseudonym"),
		"witness_contact": "+30 " + p.cs.New("API testimony: witness contact"), "taken_on": "2026-03-05",
		"consent_scope": "partners", "consent_date": "2026-03-05", "consent_how": "oral"})
	// Positive control: the author reads the record back.
	if page := m.c.get(fmt.Sprintf("/incidents/%d", int64(id))).want(t, http.StatusOK, "API incident page").body; !strings.Contains(page, place) {
		t.Error("the API incident's page does not show its place: the canary was not planted")
	}
	r = rev.post("/incidents/find", url.Values{"q": {p.cs.New("search term: the list's posted search form")}}).
		want(t, http.StatusSeeOther, "posted list search")
	rev.get(r.loc).want(t, http.StatusOK, "sealed search link")
}

type uploadExtras struct {
	fields   map[string]string // parts before the file
	after    map[string]string // parts after the file
	partType string            // Content-Type of the file part
}

// upload posts a file the way an old browser's form does: multipart, with
// the CSRF token in the action URL and no Sec-Fetch-Site header.
func (p *planter) upload(c *client, name string, content []byte, ex *uploadExtras) *uploaded {
	t := p.t
	tok := c.freshCSRF("/evidence")
	var before, after map[string]string
	partType := ""
	if ex != nil {
		before, after, partType = ex.fields, ex.after, ex.partType
	}
	body, ctype := multipartBody(before, name, content, after, partType)
	r := c.do(http.MethodPost, "/evidence?csrf="+url.QueryEscape(tok), bytes.NewReader(body), http.Header{"Content-Type": {ctype}})
	r.want(t, http.StatusSeeOther, "upload "+name)
	m := evidenceLoc.FindStringSubmatch(r.loc)
	if m == nil {
		t.Fatalf("upload %s: redirect to %q, want /evidence/{id}", name, r.loc)
	}
	f := &uploaded{id: m[1], name: name, content: content, by: c}
	p.files = append(p.files, f)
	return f
}

func multipartBody(before map[string]string, name string, content []byte, after map[string]string, partType string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range sortedKeys(before) {
		w.WriteField(k, before[k])
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`,
		strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name)))
	if partType == "" {
		partType = "application/octet-stream"
	}
	hdr.Set("Content-Type", partType)
	pw, _ := w.CreatePart(hdr)
	pw.Write(content)
	for _, k := range sortedKeys(after) {
		w.WriteField(k, after[k])
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// abortedUpload sends the start of an upload by hand and hangs up.
func (p *planter) abortedUpload(c *client, name, canary string) {
	t := p.t
	tok := c.freshCSRF("/evidence")
	content := randBytes(300 << 10)
	copy(content[100<<10:], canary)
	body, ctype := multipartBody(nil, name, content, nil, "")
	body = body[:len(body)-200] // never reaches the closing boundary
	u, _ := url.Parse(p.base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /evidence?csrf=%s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nCookie: %s\r\n\r\n",
		url.QueryEscape(tok), u.Host, ctype, len(body)+(1<<20), c.cookieHeader())
	if _, err := conn.Write(body); err != nil {
		t.Fatalf("aborted upload: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // let the server write some of it
	conn.Close()
	time.Sleep(300 * time.Millisecond) // and notice the hang-up
}

// searchesAndJunk: query strings, paths, headers and forms sent where
// nothing should be kept.
func (p *planter) searchesAndJunk() {
	t := p.t
	rev := p.members[0].c
	q := func(place string) string { return url.QueryEscape(p.cs.New(place)) }
	rev.get("/evidence?q="+q("search term: GET /evidence?q=")).want(t, http.StatusOK, "evidence search")
	rev.get("/evidence/"+p.files[0].id+"?highlight="+q("query string on an evidence page")).want(t, http.StatusOK, "evidence page with query")
	p.admin.get("/admin/users?filter="+q("query string on /admin/users")).want(t, http.StatusOK, "admin users with query")
	rev.get("/no/such/page/"+p.cs.New("path of a page that does not exist")).want(t, http.StatusNotFound, "unknown page")
	rev.get("/evidence/"+p.cs.New("evidence id that does not exist")).want(t, http.StatusNotFound, "unknown evidence")
	rev.get("/evidence/"+p.cs.New("evidence id that does not exist (download)")+"/download").want(t, http.StatusNotFound, "unknown download")
	p.newClient().get("/invite/"+p.cs.New("invitation token that does not exist")).want(t, http.StatusNotFound, "unknown invitation")
	p.newClient().get("/healthz?probe="+q("query string on /healthz")).want(t, http.StatusOK, "healthz")
	p.newClient().get("/static/"+p.cs.New("static asset that does not exist")+".css").want(t, http.StatusNotFound, "unknown asset")

	hdr := http.Header{
		"X-Faro-Note":     {p.cs.New("request header: custom X- header")},
		"Referer":         {"https://example.org/" + p.cs.New("request header: Referer")},
		"Accept-Language": {p.cs.New("request header: Accept-Language")},
		"Cookie":          {"tracking=" + p.cs.New("request header: unknown cookie")},
	}
	rev.do(http.MethodGet, "/evidence", nil, hdr).want(t, http.StatusOK, "evidence list with junk headers")

	rev.post("/lang", url.Values{"lang": {p.cs.New("language switch: unknown language")},
		"back": {"/" + p.cs.New("language switch: back= field")}}).want(t, http.StatusBadRequest, "unknown language")
	rev.post("/unseal", url.Values{"secret": {p.cs.New("unseal form while unsealed: secret field")}}).
		wantRedirect(t, "/unseal", "unseal while unsealed")

	users := p.admin.get("/admin/users").want(t, http.StatusOK, "admin users").body
	m := roleFormRe.FindStringSubmatch(users)
	if m == nil {
		t.Fatalf("no role form on /admin/users")
	}
	p.admin.post("/admin/users/"+m[1]+"/role", url.Values{"role": {p.cs.New("role change: unknown role")}}).
		want(t, http.StatusUnprocessableEntity, "unknown role")
	p.admin.post("/admin/invites/999999/revoke", url.Values{"why": {p.cs.New("revoke unknown invitation: junk field")}}).
		want(t, http.StatusNotFound, "revoke unknown invitation")

	// A multipart body where a plain form is expected. Go parses it with
	// ParseMultipartForm, which keeps file parts beyond 32 MiB in temporary
	// files: the poller watches TMPDIR for them.
	spill := randBytes(33 << 20)
	for _, off := range []int{0, 16 << 20, len(spill) - 64} {
		copy(spill[off:], p.cs.New(fmt.Sprintf("33 MiB file part of a multipart POST /login (at %d MiB)", off>>20)))
	}
	body, ctype := multipartBody(map[string]string{"login": "nobody-here", "password": p.cs.New("multipart POST /login: password field")},
		"big.bin", spill, nil, "")
	anon := p.newClient()
	anon.get("/login")
	r := anon.do(http.MethodPost, "/login", bytes.NewReader(body), http.Header{"Content-Type": {ctype}, "Sec-Fetch-Site": {"same-origin"}})
	if r.status/100 == 5 {
		t.Errorf("multipart POST /login: status %d", r.status)
	}
}

// accountChanges: password changes and the second-factor switch.
func (p *planter) accountChanges() {
	t := p.t
	m := p.members[2] // documenter
	m.c.post("/account/password", url.Values{"current": {p.cs.New("password change refused: wrong current password")},
		"new": {p.cs.New("password change refused: new password")}, "confirm": {p.cs.New("password change refused: confirmation")}}).
		want(t, http.StatusUnprocessableEntity, "password change with wrong current password")
	m.c.post("/account/totp/disable", url.Values{"password": {p.cs.New("second-factor switch-off: password field")}}).
		want(t, http.StatusUnprocessableEntity, "TOTP disable with wrong password")
	next := p.cs.New("new password after a password change by " + m.login)
	m.c.post("/account/password", url.Values{"current": {m.pw}, "new": {next}, "confirm": {next}}).
		wantRedirect(t, "/account", "password change")
	m.pw = next
	c := p.newClient()
	c.get("/login")
	c.post("/login", url.Values{"login": {m.login}, "password": {m.pw}}).wantRedirect(t, "/", "login with the changed password")
}

// readEverything reads back what was planted, the way people would.
func (p *planter) readEverything() {
	t := p.t
	rev := p.members[0].c
	rev.get("/evidence").want(t, http.StatusOK, "evidence list")
	for _, f := range p.files {
		// A file shows to its uploader, to coordinators and admins, and
		// to those who may see a record it is attached to.
		for _, c := range []*client{f.by, p.admin} {
			r := c.get("/evidence/"+f.id).want(t, http.StatusOK, "evidence page")
			m := evidenceName.FindStringSubmatch(r.body)
			if m == nil || !strings.Contains(m[1], strings.TrimSuffix(f.name, filepath.Ext(f.name))) {
				t.Errorf("evidence %s: page does not show its name %q", f.id, f.name)
			}
		}
		r := p.admin.get("/evidence/"+f.id+"/download").want(t, http.StatusOK, "download")
		if r.body != string(f.content) {
			t.Errorf("evidence %s: download differs from the upload (%d bytes, want %d)", f.id, len(r.body), len(f.content))
		}
		if f.isPNG {
			r := p.admin.get("/evidence/"+f.id+"/preview").want(t, http.StatusOK, "preview")
			if strings.Contains(strings.ToLower(r.body), "canary-") {
				t.Errorf("evidence %s: the preview still carries the PNG's text metadata", f.id)
			}
		}
	}
	for _, m := range p.members {
		m.c.get("/account").want(t, http.StatusOK, "account page of "+m.login)
	}
	p.admin.get("/admin/users").want(t, http.StatusOK, "admin users")
	p.admin.get("/admin/sessions").want(t, http.StatusOK, "admin sessions")
}

// ---------------------------------------------------------------------
// Canaries and the scanner.

type canaries struct {
	mu     sync.Mutex
	byKey  map[string]string // lower-case hex part -> place
	places map[string]bool
	values []string
}

func newCanaries() *canaries {
	return &canaries{byKey: map[string]string{}, places: map[string]bool{}}
}

const canaryPrefix = "CANARY-"

// New returns a fresh canary for place, which names where it was planted.
func (c *canaries) New(place string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.places[place] {
		panic("canary place used twice: " + place)
	}
	for {
		key := randHex(8)
		if _, dup := c.byKey[key]; dup {
			continue
		}
		c.places[place] = true
		c.byKey[key] = place
		v := canaryPrefix + key
		c.values = append(c.values, v)
		return v
	}
}

func (c *canaries) count() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.values) }

func (c *canaries) snapshot() (map[string]string, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]string, len(c.byKey))
	for k, v := range c.byKey {
		m[k] = v
	}
	return m, append([]string(nil), c.values...)
}

// finding is one occurrence of a canary or secret.
type finding struct {
	What, Where, Encoding string
	Offset                int
}

type scanner struct {
	cs      *canaries
	mu      sync.Mutex
	secrets map[string]string // what -> value
	digits  []digitCanary
	files   int
	bytes   int64
}

func (s *scanner) secret(what, value string) {
	if len(value) < 8 {
		panic("secret too short to look for: " + what)
	}
	s.mu.Lock()
	s.secrets[what] = value
	s.mu.Unlock()
}

func (s *scanner) stats() (int, int64) { s.mu.Lock(); defer s.mu.Unlock(); return s.files, s.bytes }

// scanTree scans every regular file under root.
func (s *scanner) scanTree(root, label string) []finding {
	var out []finding
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, s.scan(b, label+": "+rel)...)
		return nil
	})
	return out
}

// scan looks for every canary in data as plain text in any letter case,
// as hex (how PostgreSQL dumps bytea), as UTF-16 and as base64; and for
// every secret as itself and as hex.
func (s *scanner) scan(data []byte, where string) []finding {
	s.mu.Lock()
	s.files++
	s.bytes += int64(len(data))
	s.mu.Unlock()
	return s.find(data, where)
}

// find is scan without counting what was scanned.
func (s *scanner) find(data []byte, where string) []finding {
	s.mu.Lock()
	secrets := make(map[string]string, len(s.secrets))
	for k, v := range s.secrets {
		secrets[k] = v
	}
	s.mu.Unlock()
	byKey, values := s.cs.snapshot()
	var out []finding
	add := func(key, enc string, off int) {
		if place, ok := byKey[strings.ToLower(key)]; ok {
			out = append(out, finding{"canary: " + place, where, enc, off})
		}
	}
	lower := bytes.ToLower(data)
	const keyLen = 16
	prefix := strings.ToLower(canaryPrefix)
	each(lower, []byte(prefix), func(i int) {
		if k := lower[i+len(prefix):]; len(k) >= keyLen {
			add(string(k[:keyLen]), "plain text", i)
		}
	})
	for _, p := range []string{hex.EncodeToString([]byte(canaryPrefix)), hex.EncodeToString([]byte(prefix))} {
		each(lower, []byte(p), func(i int) {
			k := lower[i+len(p):]
			if len(k) < 2*keyLen {
				return
			}
			if b, err := hex.DecodeString(string(k[:2*keyLen])); err == nil {
				add(string(b), "hex", i)
			}
		})
	}
	le, be := utf16(prefix, false), utf16(prefix, true)
	each(lower, le, func(i int) {
		if k := lower[i+len(le):]; len(k) >= 2*keyLen {
			add(string(everyOther(k[:2*keyLen], 0)), "UTF-16LE", i)
		}
	})
	each(lower, be, func(i int) {
		if k := lower[i+len(be):]; len(k) >= 2*keyLen {
			add(string(everyOther(k[:2*keyLen], 1)), "UTF-16BE", i)
		}
	})
	for _, g := range base64Groups(values) {
		each(data, []byte(g.core), func(i int) {
			for j, n := range g.needles {
				if bytes.HasPrefix(data[i:], []byte(n)) {
					add(strings.TrimPrefix(values[j], canaryPrefix), g.name, i)
				}
			}
		})
	}
	for what, v := range secrets {
		each(data, []byte(v), func(i int) { out = append(out, finding{"secret: " + what, where, "plain text", i}) })
		h := hex.EncodeToString([]byte(v))
		each(lower, []byte(h), func(i int) { out = append(out, finding{"secret: " + what, where, "hex", i}) })
	}
	return append(out, s.findDigits(data, where)...)
}

func each(data, needle []byte, fn func(i int)) {
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], needle)
		if i < 0 {
			return
		}
		fn(off + i)
		off += i + 1
	}
}

func utf16(s string, bigEndian bool) []byte {
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		if bigEndian {
			out = append(out, 0, s[i])
		} else {
			out = append(out, s[i], 0)
		}
	}
	return out
}

func everyOther(b []byte, start int) []byte {
	out := make([]byte, 0, len(b)/2)
	for i := start; i < len(b); i += 2 {
		out = append(out, b[i])
	}
	return out
}

// b64group holds, for one alignment and alphabet, the base64 characters
// that depend only on each canary's bytes, and their common start.
type b64group struct {
	name, core string
	needles    []string // parallel to the canary values
}

func base64Groups(values []string) []b64group {
	if len(values) == 0 {
		return nil
	}
	var out []b64group
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		for align := 0; align < 3; align++ {
			g := b64group{name: fmt.Sprintf("%s (offset %d)", enc.name, align)}
			for _, v := range values {
				s := enc.e.EncodeToString(append(make([]byte, align), v...))
				first := (8*align + 5) / 6
				last := 8 * (align + len(v)) / 6
				g.needles = append(g.needles, s[first:last])
			}
			g.core = g.needles[0]
			for _, n := range g.needles[1:] {
				for !strings.HasPrefix(n, g.core) {
					g.core = g.core[:len(g.core)-1]
				}
			}
			out = append(out, g)
		}
	}
	return out
}

func report(fs []finding) string {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].What != fs[j].What {
			return fs[i].What < fs[j].What
		}
		if fs[i].Where != fs[j].Where {
			return fs[i].Where < fs[j].Where
		}
		return fs[i].Offset < fs[j].Offset
	})
	type key struct{ what, where, enc string }
	counts := map[key]int{}
	first := map[key]int{}
	var order []key
	for _, f := range fs {
		k := key{f.What, f.Where, f.Encoding}
		if counts[k] == 0 {
			order = append(order, k)
			first[k] = f.Offset
		}
		counts[k]++
	}
	var b strings.Builder
	for _, k := range order {
		fmt.Fprintf(&b, "  %s\n      in %s (%s, %d time(s), first at byte %d)\n", k.what, k.where, k.enc, counts[k], first[k])
	}
	return b.String()
}

// ---------------------------------------------------------------------
// The temporary directory, watched while the server runs: files that
// exist only for the length of a request still put bytes on the disk.

type poller struct {
	sc    *scanner
	dir   string
	quit  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	found []finding
	names map[string]bool
	sizes map[string]int64
}

func startPoller(dir string, sc *scanner) *poller {
	p := &poller{sc: sc, dir: dir, quit: make(chan struct{}), done: make(chan struct{}),
		names: map[string]bool{}, sizes: map[string]int64{}}
	go func() {
		defer close(p.done)
		for {
			p.once()
			select {
			case <-p.quit:
				p.once()
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *poller) once() {
	filepath.WalkDir(p.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(p.dir, path)
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		p.mu.Lock()
		p.names[rel] = true
		same := p.sizes[rel] == fi.Size()
		p.sizes[rel] = fi.Size()
		p.mu.Unlock()
		if same {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		hits := p.sc.find(b, "TMPDIR of faro serve, while it ran: "+rel)
		p.mu.Lock()
		for _, f := range hits {
			dup := false
			for _, g := range p.found {
				if g.What == f.What && g.Where == f.Where {
					dup = true
					break
				}
			}
			if !dup {
				p.found = append(p.found, f)
			}
		}
		p.mu.Unlock()
		return nil
	})
}

func (p *poller) stop() []finding {
	close(p.quit)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.found
}

func (p *poller) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for n := range p.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------------
// PostgreSQL: the schema's dump, the server's log and, when this user may
// read it, the server's data directory.

func findPgDump(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	if len(matches) == 0 {
		t.Fatalf("%s is set but pg_dump is not installed: the cold-disk test cannot check PostgreSQL", storetest.Env)
	}
	sort.Strings(matches)
	return matches[len(matches)-1]
}

func scanPostgres(t *testing.T, sc *scanner, dsn, pgDump string, lt *pgLogTail) []finding {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		t.Fatalf("no search_path in the test DSN")
	}
	base := os.Getenv(storetest.Env)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(pgDump, "--schema="+schema, "--no-owner", "--dbname="+base)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
	if !bytes.Contains(stdout.Bytes(), []byte("CREATE TABLE "+schema+".users")) {
		t.Fatalf("pg_dump of schema %s holds no users table:\n%.2000s", schema, stdout.String())
	}
	out := sc.scan(stdout.Bytes(), "pg_dump --schema="+schema)

	ctx := context.Background()
	db, err := store.Open(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer db.Close()
	if lt != nil {
		out = append(out, lt.scan(sc)...)
	}
	// The server's own files: its write-ahead log holds every row ever
	// written, deleted or not. Only a superuser on the same machine can
	// look; elsewhere this part is skipped.
	var dir string
	if err := db.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		t.Logf("PostgreSQL data directory not scanned: %v", err)
		return out
	}
	if _, err := db.Exec(ctx, "CHECKPOINT"); err != nil {
		t.Logf("CHECKPOINT: %v (scanning anyway)", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Logf("PostgreSQL data directory %s not scanned: %v", dir, err)
		return out
	}
	return append(out, sc.scanTree(dir, "PostgreSQL data directory "+dir)...)
}

// pgLogTail remembers where the PostgreSQL server log ended before the
// run, to scan what the run added.
type pgLogTail struct {
	path string
	from int64
}

func startPgLogTail(t *testing.T) *pgLogTail {
	matches, _ := filepath.Glob("/var/log/postgresql/postgresql-*.log")
	for _, m := range matches {
		f, err := os.Open(m)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		f.Close()
		if err == nil {
			return &pgLogTail{path: m, from: fi.Size()}
		}
	}
	t.Logf("PostgreSQL server log not readable here: not scanned")
	return nil
}

func (l *pgLogTail) scan(sc *scanner) []finding {
	f, err := os.Open(l.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(l.from, io.SeekStart); err != nil {
		return nil
	}
	b, _ := io.ReadAll(f)
	return sc.scan(b, "PostgreSQL server log "+l.path)
}

// ---------------------------------------------------------------------
// Processes.

func buildFaro(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "faro")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/faro-project/faro/cmd/faro")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build faro: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the environment of the faro processes: no FARO_* settings
// from the caller, and a temporary directory of their own.
func childEnv(tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "FARO_") || strings.HasPrefix(kv, "TMPDIR=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TMPDIR="+tmp)
}

type output struct {
	name string
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}
func (o *output) bytes() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]byte(nil), o.buf.Bytes()...)
}

type harness struct {
	t       *testing.T
	bin     string
	env     []string
	outputs []*output
}

func (h *harness) outs(name string) (*output, *output) {
	so, se := &output{name: "stdout of " + name}, &output{name: "stderr of " + name}
	h.outputs = append(h.outputs, so, se)
	return so, se
}

// run runs a faro command to completion; it must succeed.
func (h *harness) run(name string, args ...string) {
	h.t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Env = h.env
	so, se := h.outs(name)
	cmd.Stdout, cmd.Stderr = so, se
	if err := cmd.Run(); err != nil {
		h.t.Fatalf("%s: %v\n%s%s", name, err, so.bytes(), se.bytes())
	}
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	se   *output
}

// start starts a long-running faro command.
func (h *harness) start(name string, args ...string) *proc {
	h.t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Env = h.env
	so, se := h.outs(name)
	cmd.Stdout, cmd.Stderr = so, se
	if err := cmd.Start(); err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), se: se}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	h.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func waitHealthy(t *testing.T, base string, p *proc) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("faro serve exited early: %v\n%s", p.err, p.se.bytes())
		default:
		}
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("faro serve not healthy after 60s\n%s", p.se.bytes())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func writeSecret(t *testing.T, dir, name, value string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// ---------------------------------------------------------------------
// A browser: cookie jar, no redirects followed.

type client struct {
	t    *testing.T
	base string
	u    *url.URL
	hc   *http.Client
	csrf string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	return &client{t: t, base: base, u: u, hc: &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	loc    string
	body   string
	what   string
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(method, path string, body io.Reader, hdr http.Header) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return &response{status: res.StatusCode, loc: res.Header.Get("Location"), body: string(b), what: method + " " + path}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, nil)
}

// post submits a form as a current browser does, with the page's token.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	if form.Get("csrf") == "" && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}})
}

// freshCSRF loads a page and returns its form token.
func (c *client) freshCSRF(path string) string {
	c.t.Helper()
	c.csrf = ""
	c.get(path).want(c.t, http.StatusOK, "page for a form token")
	if c.csrf == "" {
		c.t.Fatalf("no csrf field on %s", path)
	}
	return c.csrf
}

func (c *client) cookie(name string) string {
	for _, ck := range c.hc.Jar.Cookies(c.u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) cookieHeader() string {
	var parts []string
	for _, ck := range c.hc.Jar.Cookies(c.u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

func (r *response) want(t *testing.T, status int, what string) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s (%s): status %d, want %d (Location %q)\n%.1500s", what, r.what, r.status, status, r.loc, r.body)
	}
	return r
}

func (r *response) wantRedirect(t *testing.T, path, what string) *response {
	t.Helper()
	r.want(t, http.StatusSeeOther, what)
	u, err := url.Parse(r.loc)
	if err != nil || u.Path != path {
		t.Fatalf("%s (%s): redirect to %q, want %s", what, r.what, r.loc, path)
	}
	return r
}

// ---------------------------------------------------------------------
// Small helpers.

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func randHex(n int) string { return hex.EncodeToString(randBytes(n)) }

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pngWithText returns a small PNG carrying text in a tEXt chunk, the way
// cameras and editors leave comments in photos.
func pngWithText(text string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	b := buf.Bytes()
	const afterIHDR = 8 + 8 + 13 + 4
	payload := append([]byte("Comment\x00"), text...)
	var chunk bytes.Buffer
	binary.Write(&chunk, binary.BigEndian, uint32(len(payload)))
	chunk.WriteString("tEXt")
	chunk.Write(payload)
	binary.Write(&chunk, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("tEXt"), payload...)))
	return append(append(append([]byte(nil), b[:afterIHDR]...), chunk.Bytes()...), b[afterIHDR:]...)
}

// ---------------------------------------------------------------------
// The scanner must find what it looks for, or a pass means nothing.

func TestScannerFindsEveryEncoding(t *testing.T) {
	cs := newCanaries()
	sc := &scanner{cs: cs, secrets: map[string]string{}}
	var encoded [][]byte
	var names []string
	for i := 0; i < 3; i++ {
		v := cs.New(fmt.Sprintf("plain %d", i))
		encoded = append(encoded, []byte(v))
		names = append(names, "plain text")
		v = cs.New(fmt.Sprintf("lower %d", i))
		encoded = append(encoded, []byte(strings.ToLower(v)))
		names = append(names, "plain text")
		v = cs.New(fmt.Sprintf("hex %d", i))
		encoded = append(encoded, []byte(hex.EncodeToString([]byte(v))))
		names = append(names, "hex")
		v = cs.New(fmt.Sprintf("HEX %d", i))
		encoded = append(encoded, []byte(strings.ToUpper(hex.EncodeToString([]byte(v)))))
		names = append(names, "hex")
		v = cs.New(fmt.Sprintf("utf16le %d", i))
		encoded = append(encoded, utf16(v, false))
		names = append(names, "UTF-16LE")
		v = cs.New(fmt.Sprintf("utf16be %d", i))
		encoded = append(encoded, utf16(v, true))
		names = append(names, "UTF-16BE")
		for align := 0; align < 3; align++ {
			v = cs.New(fmt.Sprintf("b64 %d %d", i, align))
			encoded = append(encoded, []byte(base64.StdEncoding.EncodeToString(append(randBytes(align), v...))))
			names = append(names, fmt.Sprintf("base64 (offset %d)", align))
			v = cs.New(fmt.Sprintf("b64url %d %d", i, align))
			encoded = append(encoded, []byte(base64.URLEncoding.EncodeToString(append(randBytes(align), v...))))
			names = append(names, fmt.Sprintf("base64url (offset %d)", align))
		}
	}
	sc.secret("a secret", "JBSWY3DPEHPK3PXP")
	_, values := cs.snapshot()
	for i, e := range encoded {
		blob := append(append(randBytes(1000), e...), randBytes(1000)...)
		got := sc.scan(blob, "blob")
		want := "canary: " + placeOf(cs, values[i])
		found := false
		for _, f := range got {
			if f.What == want && strings.HasPrefix(f.Encoding, strings.Split(names[i], " ")[0]) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (%s) not found: %v", values[i], names[i], got)
		}
	}
	for _, s := range [][]byte{[]byte("xx JBSWY3DPEHPK3PXP xx"), []byte(hex.EncodeToString([]byte("JBSWY3DPEHPK3PXP")))} {
		if got := sc.scan(s, "blob"); len(got) != 1 || got[0].What != "secret: a secret" {
			t.Errorf("secret in %q: got %v", s, got)
		}
	}
	if got := sc.scan(randBytes(1<<20), "noise"); len(got) != 0 {
		t.Errorf("findings in random noise: %v", got)
	}
}

func placeOf(cs *canaries, v string) string {
	byKey, _ := cs.snapshot()
	return byKey[strings.ToLower(strings.TrimPrefix(v, canaryPrefix))]
}
