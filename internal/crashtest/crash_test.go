package crashtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"

	_ "modernc.org/sqlite"
)

var (
	rounds   = flag.Int("rounds", 20, "crash rounds to run on each database")
	seedFlag = flag.Uint64("seed", 0, "random seed (0: from the clock); printed at the start")
	keep     = flag.Bool("keep", false, "keep the data directory even when the test passes")
)

// TestCrash writes to a real faro server from concurrent clients, kills
// it with SIGKILL at a random moment, restarts it and checks that every
// acknowledged write survived and nothing half-done is left.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the faro binary")
	}
	bin := buildFaro(t)
	t.Run("sqlite", func(t *testing.T) { crashRounds(t, bin, "") })
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) { crashRounds(t, bin, storetest.PostgresDSN(t)) })
	}
}

// ---------------------------------------------------------------------
// What was acknowledged, and so must survive.

type ackUpload struct {
	id     string
	sha256 string
	size   int
	round  int
}

type ackInvite struct {
	login, token string
	id           string // from the pending list, "" when not seen there
	round        int
	state        inviteState
	user         *client // the session an acceptance opened
	stateRound   int     // round of the acceptance or revocation
}

type ackIncident struct {
	id, place string
	narrative string // "" when the testimony was not acknowledged
	round     int
}

type inviteState int

const (
	pending inviteState = iota
	accepted
	revoked
)

type stats struct {
	rounds, bootKills                     int
	uploads, invites, accepts, revokes    int
	incidents, testimonies                int
	uploadsChecked, recordsChecked        int
	unacked                               int
	orphansLeft, tmpLeft                  map[string]bool
	fullVerifies                          int
	start                                 time.Time
	killAfter                             []time.Duration
	restartTimes                          []time.Duration
	lastAuditEntries, lastEvidenceChecked string
}

type harness struct {
	t        *testing.T
	bin      string
	env      []string
	dsn      string
	data     string
	passFile string
	addr     string
	base     string
	rng      *mrand.Rand
	rngMu    sync.Mutex

	srv      *proc
	admin    *client
	reviewer *client

	vkey         string // the audit verifier key faro init printed
	lastCP       string // file holding the checkpoint exported after the last check
	incidentType string // "" when this build has no incidents
	work         string

	mu        sync.Mutex
	uploads   []*ackUpload
	invites   []*ackInvite
	incidents []*ackIncident
	st        stats
	seq       atomic.Int64
}

func (h *harness) intN(n int) int { h.rngMu.Lock(); defer h.rngMu.Unlock(); return h.rng.IntN(n) }

func crashRounds(t *testing.T, bin, dsn string) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	engine := "sqlite"
	if dsn != "" {
		engine = "postgres"
	}
	t.Logf("%s: %d rounds, seed %d (rerun with -seed %d)", engine, *rounds, seed, seed)
	work, err := os.MkdirTemp("", "faro-crashtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() || *keep {
			t.Logf("data kept for investigation in %s", work)
			return
		}
		os.RemoveAll(work)
	})
	h := &harness{t: t, bin: bin, env: childEnv(), dsn: dsn, data: filepath.Join(work, "data"), work: work,
		rng: mrand.New(mrand.NewPCG(seed, seed^0x6661726f))}
	h.st.start = time.Now()
	h.st.orphansLeft, h.st.tmpLeft = map[string]bool{}, map[string]bool{}
	h.passFile = writeFile(t, work, "passphrase", "crash-test-passphrase-"+randHex(8))
	adminPW := "crash-admin-" + randHex(8)
	pwFile := writeFile(t, work, "admin-password", adminPW)
	initOut := h.faro("init", "--passphrase-file", h.passFile)
	if m := regexp.MustCompile(`(?m)^Audit verifier key.*\n\s+(\S+)`).FindStringSubmatch(initOut); m != nil {
		h.vkey = m[1]
	} else {
		t.Logf("faro init printed no verifier key: faro verify uses the stored one")
	}
	h.faro("adduser", "--login", "admin", "--role", "admin", "--password-file", pwFile, "--unseal-file", h.passFile)
	h.addr = freeAddr(t)
	h.base = "http://" + h.addr
	h.startServer()
	h.signIn(adminPW)

	for n := 1; n <= *rounds; n++ {
		h.round(n)
		if t.Failed() {
			t.Fatalf("round %d failed; stopping", n)
		}
		if n%25 == 0 && n < *rounds {
			t.Logf("round %d of %d passed after %s: %d uploads, %d invitations, %d incidents acknowledged so far",
				n, *rounds, time.Since(h.st.start).Round(time.Second), h.st.uploads, h.st.invites, h.st.incidents)
		}
	}
	h.finish()
}

// faro runs a faro command against this instance; it must succeed.
func (h *harness) faro(args ...string) string {
	h.t.Helper()
	out, err := h.faroMay(args...)
	if err != nil {
		h.t.Fatalf("faro %s: %v\n%s", args[0], err, out)
	}
	return out
}

func (h *harness) faroMay(args ...string) (string, error) {
	full := append([]string{args[0], "--data", h.data}, args[1:]...)
	if h.dsn != "" {
		full = append(full, "--database", h.dsn)
	}
	cmd := exec.Command(h.bin, full...)
	cmd.Env = h.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// startServer starts faro serve and waits until it answers.
func (h *harness) startServer() time.Duration {
	h.t.Helper()
	start := time.Now()
	h.srv = h.launch()
	waitHealthy(h.t, h.base, h.srv)
	for _, c := range []*client{h.admin, h.reviewer} {
		if c != nil {
			c.tr.CloseIdleConnections()
		}
	}
	return time.Since(start)
}

func (h *harness) launch() *proc {
	args := []string{"serve", "--data", h.data, "--listen", h.addr, "--unseal-file", h.passFile, "--log-level", "warn"}
	if h.dsn != "" {
		args = append(args, "--database", h.dsn)
	}
	return start(h.t, h.bin, h.env, args...)
}

// signIn signs the admin in, sets up the second factor, and brings in a
// reviewer through an invitation. Their sessions live in the database,
// so they must survive every crash: the test never signs in again.
func (h *harness) signIn(adminPW string) {
	t := h.t
	h.admin = newClient(h.base)
	ctx := context.Background()
	h.admin.get(ctx, "/login")
	r := h.admin.mustPost(t, "/login", url.Values{"login": {"admin"}, "password": {adminPW}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("admin login: %d", r.status)
	}
	r = h.admin.mustGet(t, "/account/totp")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7=]+)<`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no TOTP secret on the enrolment page (%d)", r.status)
	}
	if r := h.admin.mustPost(t, "/account/totp", url.Values{"code": {auth.TOTPCode(m[1], time.Now())}}); r.status != http.StatusSeeOther {
		t.Fatalf("TOTP enrolment: %d", r.status)
	}
	r = h.admin.mustPost(t, "/admin/invites", url.Values{"login": {"crash-reviewer"}, "role": {"reviewer"}})
	lm := inviteLink.FindStringSubmatch(r.body)
	if lm == nil {
		t.Fatalf("invite reviewer: %d, no link", r.status)
	}
	h.reviewer = newClient(h.base)
	pw := "reviewer-" + randHex(8)
	r = h.reviewer.mustPost(t, "/invite/"+lm[1], url.Values{"name": {"Crash reviewer"}, "password": {pw}, "confirm": {pw}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("accept reviewer invitation: %d", r.status)
	}
	if r := h.reviewer.mustGet(t, "/evidence"); r.status != http.StatusOK || h.reviewer.token() == "" {
		t.Fatalf("reviewer evidence page: %d", r.status)
	}
	// Incidents, when this build has them, are records too.
	switch r := h.reviewer.mustGet(t, "/incidents/new"); r.status {
	case http.StatusNotFound:
		t.Logf("this build has no incidents: only uploads and accounts are written")
	case http.StatusOK:
		h.incidentType = "pushback"
		if m := typeOption.FindStringSubmatch(r.body); m != nil {
			h.incidentType = m[1]
		}
	default:
		t.Fatalf("new incident form: %d", r.status)
	}
}

var (
	inviteLink  = regexp.MustCompile(`id="invite-link">[^<]*/invite/([A-Za-z0-9_-]+)<`)
	pendingRe   = regexp.MustCompile(`<li>([a-z0-9._-]+) · [^<]*\s*<form method="post" action="/admin/invites/(\d+)/revoke"`)
	evidenceLoc = regexp.MustCompile(`^/evidence/([0-9a-f]{32})$`)
	typeOption  = regexp.MustCompile(`<select id="type" name="type"[^>]*>(?:<option value="">[^<]*</option>)?<option value="([^"]+)"`)
	incidentLoc = regexp.MustCompile(`^/incidents/(\d+)/edit\?step=2$`)
)

// ---------------------------------------------------------------------
// One round: writes, a kill, a restart, the checks.

func (h *harness) round(n int) {
	h.st.rounds++
	runFor := time.Duration(200+h.intN(1301)) * time.Millisecond
	h.st.killAfter = append(h.st.killAfter, runFor)
	ctx, cancel := context.WithCancel(context.Background())
	var killed atomic.Bool
	var wg sync.WaitGroup
	writers := []func(context.Context, int, *atomic.Bool){h.uploader, h.uploader, h.inviter, h.acceptor, h.revoker}
	if h.incidentType != "" {
		writers = append(writers, h.incidentWriter)
	}
	for _, w := range writers {
		wg.Add(1)
		go func() { defer wg.Done(); w(ctx, n, &killed) }()
	}
	time.Sleep(runFor)
	killed.Store(true)
	h.srv.kill()
	cancel()
	wg.Wait()

	// Sometimes the server dies again while starting: during the unseal,
	// the sweep of abandoned files, or the first moments of serving.
	if h.intN(100) < 15 {
		h.st.bootKills++
		p := h.launch()
		time.Sleep(time.Duration(h.intN(1500)) * time.Millisecond)
		p.kill()
	}
	h.st.restartTimes = append(h.st.restartTimes, h.startServer())
	h.check(n)
	if n%5 == 0 || n == *rounds {
		h.verify(true)
	} else {
		h.verify(false)
	}
}

// uploader sends 1 MB random files as the reviewer.
func (h *harness) uploader(ctx context.Context, n int, killed *atomic.Bool) {
	for ctx.Err() == nil {
		data := make([]byte, 1<<20)
		rand.Read(data)
		sum := sha256.Sum256(data)
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", fmt.Sprintf("round-%d-%d.bin", n, h.seq.Add(1)))
		fw.Write(data)
		w.Close()
		r, err := h.reviewer.do(ctx, http.MethodPost, "/evidence?csrf="+url.QueryEscape(h.reviewer.token()), buf.Bytes(),
			http.Header{"Content-Type": {w.FormDataContentType()}, "Sec-Fetch-Site": {"same-origin"}})
		if !h.acknowledged(r, err, killed, http.StatusSeeOther, "upload") {
			return
		}
		m := evidenceLoc.FindStringSubmatch(r.loc)
		if m == nil {
			h.t.Errorf("round %d: upload answered 303 to %q", n, r.loc)
			return
		}
		h.mu.Lock()
		h.uploads = append(h.uploads, &ackUpload{id: m[1], sha256: hex.EncodeToString(sum[:]), size: len(data), round: n})
		h.st.uploads++
		h.mu.Unlock()
	}
}

// inviter creates invitations as the admin: each is a record.
func (h *harness) inviter(ctx context.Context, n int, killed *atomic.Bool) {
	for ctx.Err() == nil {
		login := fmt.Sprintf("r%d-i%d", n, h.seq.Add(1))
		r, err := h.admin.do(ctx, http.MethodPost, "/admin/invites", []byte(url.Values{"login": {login}, "role": {"viewer"},
			"csrf": {h.admin.token()}}.Encode()), formHeader())
		if !h.acknowledged(r, err, killed, http.StatusOK, "invite") {
			return
		}
		m := inviteLink.FindStringSubmatch(r.body)
		if m == nil {
			h.t.Errorf("round %d: invitation page without a link", n)
			return
		}
		inv := &ackInvite{login: login, token: m[1], round: n}
		for _, p := range pendingRe.FindAllStringSubmatch(r.body, -1) {
			if p[1] == login {
				inv.id = p[2]
			}
		}
		h.mu.Lock()
		h.invites = append(h.invites, inv)
		h.st.invites++
		h.mu.Unlock()
	}
}

// acceptor accepts invitations acknowledged earlier: each creates an
// account and opens a session.
func (h *harness) acceptor(ctx context.Context, n int, killed *atomic.Bool) {
	for ctx.Err() == nil {
		inv := h.takeInvite(func(i *ackInvite) bool { return i.round == n })
		if inv == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
				continue
			}
		}
		c := newClient(h.base)
		pw := "pw-" + randHex(8)
		r, err := c.do(ctx, http.MethodPost, "/invite/"+inv.token, []byte(url.Values{"name": {"Person " + inv.login},
			"password": {pw}, "confirm": {pw}}.Encode()), formHeader())
		if !h.acknowledged(r, err, killed, http.StatusSeeOther, "accept invitation") {
			h.release(inv)
			return
		}
		h.mu.Lock()
		inv.state, inv.user, inv.stateRound = accepted, c, n
		h.st.accepts++
		h.mu.Unlock()
	}
}

// revoker revokes invitations from earlier rounds (acknowledged deletes
// must stay deleted) and keeps the pending list short.
func (h *harness) revoker(ctx context.Context, n int, killed *atomic.Bool) {
	for ctx.Err() == nil {
		inv := h.takeInvite(func(i *ackInvite) bool { return i.round < n && i.id != "" })
		if inv == nil {
			return
		}
		r, err := h.admin.do(ctx, http.MethodPost, "/admin/invites/"+inv.id+"/revoke",
			[]byte(url.Values{"csrf": {h.admin.token()}}.Encode()), formHeader())
		if !h.acknowledged(r, err, killed, http.StatusSeeOther, "revoke invitation") {
			h.release(inv)
			return
		}
		h.mu.Lock()
		inv.state, inv.stateRound = revoked, n
		h.st.revokes++
		h.mu.Unlock()
	}
}

// incidentWriter creates incident drafts, each with a testimony, as the
// reviewer: the place and the narrative are encrypted fields.
func (h *harness) incidentWriter(ctx context.Context, n int, killed *atomic.Bool) {
	for ctx.Err() == nil {
		place := "place-" + randHex(8)
		r, err := h.reviewer.do(ctx, http.MethodPost, "/incidents", []byte(url.Values{"step": {"1"}, "type": {h.incidentType},
			"date": {"2026-03-02"}, "country": {"GR"}, "place": {place}, "go": {"1"}, "csrf": {h.reviewer.token()}}.Encode()), formHeader())
		if !h.acknowledged(r, err, killed, http.StatusSeeOther, "create incident") {
			return
		}
		m := incidentLoc.FindStringSubmatch(r.loc)
		if m == nil {
			h.t.Errorf("round %d: incident created, redirect to %q", n, r.loc)
			return
		}
		inc := &ackIncident{id: m[1], place: place, round: n}
		h.mu.Lock()
		h.incidents = append(h.incidents, inc)
		h.st.incidents++
		h.mu.Unlock()
		narrative := "narrative-" + randHex(16)
		r, err = h.reviewer.do(ctx, http.MethodPost, "/incidents/"+inc.id+"/edit", []byte(url.Values{"step": {"3"},
			"narrative": {narrative}, "consent_scope": {"internal"}, "go": {"1"}, "csrf": {h.reviewer.token()}}.Encode()), formHeader())
		if !h.acknowledged(r, err, killed, http.StatusSeeOther, "save testimony") {
			return
		}
		h.mu.Lock()
		inc.narrative = narrative
		h.st.testimonies++
		h.mu.Unlock()
	}
}

// takeInvite reserves a pending invitation for one writer.
func (h *harness) takeInvite(ok func(*ackInvite) bool) *ackInvite {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, i := range h.invites {
		if i.state == pending && i.stateRound == 0 && ok(i) {
			i.stateRound = -1 // reserved
			return i
		}
	}
	return nil
}

// release returns an invitation whose change was not acknowledged: its
// state is unknown now, so it is checked no more.
func (h *harness) release(i *ackInvite) {
	h.mu.Lock()
	i.stateRound = -2
	h.st.unacked++
	h.mu.Unlock()
}

// acknowledged reports whether a write was acknowledged with the wanted
// status. Errors after the kill are expected; any other answer is a bug.
func (h *harness) acknowledged(r *response, err error, killed *atomic.Bool, want int, what string) bool {
	if err != nil {
		if !killed.Load() {
			h.t.Errorf("%s failed before the kill: %v", what, err)
		} else {
			h.mu.Lock()
			h.st.unacked++
			h.mu.Unlock()
		}
		return false
	}
	if r.status != want {
		h.t.Errorf("%s: status %d, want %d\n%.500s", what, r.status, want, r.body)
		return false
	}
	return true
}

// check runs after the restart.
func (h *harness) check(n int) {
	h.mu.Lock()
	var ups, olderUps []*ackUpload
	for _, u := range h.uploads {
		if u.round == n {
			ups = append(ups, u)
		} else {
			olderUps = append(olderUps, u)
		}
	}
	var invs []*ackInvite
	for _, i := range h.invites {
		if i.round == n || i.stateRound == n {
			invs = append(invs, i)
		}
	}
	var incs, olderIncs []*ackIncident
	for _, i := range h.incidents {
		if i.round == n {
			incs = append(incs, i)
		} else {
			olderIncs = append(olderIncs, i)
		}
	}
	h.mu.Unlock()
	// Everything acknowledged this round, and a few from before.
	for i := 0; i < 3 && len(olderUps) > 0; i++ {
		ups = append(ups, olderUps[h.intN(len(olderUps))])
	}
	for i := 0; i < 2 && len(olderIncs) > 0; i++ {
		incs = append(incs, olderIncs[h.intN(len(olderIncs))])
	}
	where := fmt.Sprintf("round %d", n)
	for _, u := range ups {
		h.checkUpload(where, u)
	}
	for _, inc := range incs {
		h.checkIncident(where, inc)
	}
	anon := newClient(h.base)
	for _, inv := range invs {
		h.checkInvite(where, anon, inv)
	}
	h.checkSessions(where)
	h.checkFiles(n)
}

// checkAll checks every record acknowledged in any round; uploads are
// left to faro verify, which hashes every file.
func (h *harness) checkAll() {
	anon := newClient(h.base)
	for _, inv := range h.invites {
		h.checkInvite("at the end", anon, inv)
	}
	for _, inc := range h.incidents {
		h.checkIncident("at the end", inc)
	}
	h.checkSessions("at the end")
}

// checkUpload downloads an acknowledged upload and compares its hash.
func (h *harness) checkUpload(where string, u *ackUpload) {
	t := h.t
	r, err := h.reviewer.do(context.Background(), http.MethodGet, "/evidence/"+u.id+"/download", nil, nil)
	if err != nil {
		t.Errorf("%s: download %s (round %d): %v", where, u.id, u.round, err)
		return
	}
	sum := sha256.Sum256([]byte(r.body))
	switch {
	case r.status != http.StatusOK:
		t.Errorf("%s: acknowledged upload %s (round %d) lost: download answers %d", where, u.id, u.round, r.status)
	case hex.EncodeToString(sum[:]) != u.sha256:
		t.Errorf("%s: acknowledged upload %s (round %d) changed: %d bytes, SHA-256 %x, want %s",
			where, u.id, u.round, len(r.body), sum, u.sha256)
	default:
		h.st.uploadsChecked++
	}
}

// checkIncident reads an acknowledged incident back, with its encrypted
// place and, when acknowledged, its testimony.
func (h *harness) checkIncident(where string, inc *ackIncident) {
	t := h.t
	r, err := h.reviewer.do(context.Background(), http.MethodGet, "/incidents/"+inc.id, nil, nil)
	switch {
	case err != nil || r.status != http.StatusOK:
		t.Errorf("%s: acknowledged incident %s (round %d) lost: %v %v", where, inc.id, inc.round, statusOf(r), err)
	case !strings.Contains(r.body, inc.place):
		t.Errorf("%s: incident %s (round %d) lost its place", where, inc.id, inc.round)
	case inc.narrative != "" && !strings.Contains(r.body, inc.narrative):
		t.Errorf("%s: incident %s (round %d) lost its acknowledged testimony", where, inc.id, inc.round)
	default:
		h.st.recordsChecked++
	}
}

// checkInvite checks an invitation is in the state last acknowledged:
// pending (its link works), or accepted or revoked (its link is dead); an
// acceptance's account and session must work.
func (h *harness) checkInvite(where string, anon *client, inv *ackInvite) {
	t := h.t
	if inv.stateRound < 0 {
		return // its last change was not acknowledged: state unknown
	}
	want := http.StatusOK
	if inv.state != pending {
		want = http.StatusNotFound
	}
	r, err := anon.do(context.Background(), http.MethodGet, "/invite/"+inv.token, nil, nil)
	if err != nil || r.status != want {
		t.Errorf("%s: invitation %s (state %d, round %d): GET /invite answers %v %v, want %d",
			where, inv.login, inv.state, inv.round, statusOf(r), err, want)
		return
	}
	h.st.recordsChecked++
	if inv.state == accepted {
		r, err := inv.user.do(context.Background(), http.MethodGet, "/account", nil, nil)
		if err != nil || r.status != http.StatusOK {
			t.Errorf("%s: account %s created by an acknowledged acceptance: /account answers %v %v (lost account or session)",
				where, inv.login, statusOf(r), err)
			return
		}
		h.st.recordsChecked++
	}
}

// checkSessions: the admin's and reviewer's sessions outlive every crash.
func (h *harness) checkSessions(where string) {
	for name, c := range map[string]*client{"admin": h.admin, "reviewer": h.reviewer} {
		if r, err := c.do(context.Background(), http.MethodGet, "/account", nil, nil); err != nil || r.status != http.StatusOK {
			h.t.Errorf("%s: %s session lost: %v %v", where, name, statusOf(r), err)
		}
	}
}

// checkFiles compares the evidence directory with the evidence table:
// no temporary files, no file without a row, no row without a file.
func (h *harness) checkFiles(n int) {
	t := h.t
	ctx := context.Background()
	db, closeDB := h.openDB()
	defer closeDB()
	if h.dsn == "" {
		var res string
		if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Errorf("round %d: PRAGMA integrity_check: %q %v", n, res, err)
		}
	}
	rows, err := db.QueryContext(ctx, "SELECT id FROM evidence")
	if err != nil {
		t.Fatalf("round %d: list evidence rows: %v", n, err)
	}
	inDB := map[string]bool{}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		inDB[id] = true
	}
	rows.Close()
	h.mu.Lock()
	for _, u := range h.uploads {
		if !inDB[u.id] {
			t.Errorf("round %d: acknowledged upload %s (round %d) has no row", n, u.id, u.round)
		}
	}
	h.mu.Unlock()
	onDisk := map[string]bool{}
	var tmps, orphans []string
	evDir := filepath.Join(h.data, "evidence")
	// On PostgreSQL other processes may share the evidence directory, so
	// the start-up sweep leaves anything younger than an hour alone.
	grace := time.Time{}
	if h.dsn != "" {
		grace = time.Now().Add(-time.Hour)
	}
	filepath.WalkDir(evDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(evDir, p)
		fi, _ := d.Info()
		young := fi != nil && fi.ModTime().After(grace) && !grace.IsZero()
		switch {
		case strings.HasSuffix(p, ".tmp"):
			if young {
				h.st.tmpLeft[rel] = true
			} else {
				tmps = append(tmps, rel)
			}
		case strings.HasSuffix(p, ".fev") && filepath.Dir(rel) != ".":
			id := strings.TrimSuffix(filepath.Base(p), ".fev")
			onDisk[id] = true
			if !inDB[id] {
				if young {
					h.st.orphansLeft[rel] = true
				} else {
					orphans = append(orphans, rel)
				}
			}
		default:
			t.Errorf("round %d: unexpected file in the evidence directory: %s", n, rel)
		}
		return nil
	})
	if len(tmps) > 0 {
		t.Errorf("round %d: temporary upload files left after the restart: %v", n, tmps)
	}
	if len(orphans) > 0 {
		t.Errorf("round %d: evidence files without a row after the restart: %v", n, orphans)
	}
	for id := range inDB {
		if !onDisk[id] {
			t.Errorf("round %d: evidence row %s has no file", n, id)
		}
	}
}

func (h *harness) openDB() (*sql.DB, func()) {
	h.t.Helper()
	if h.dsn != "" {
		db, err := sql.Open("pgx", h.dsn)
		if err != nil {
			h.t.Fatal(err)
		}
		return db, func() { db.Close() }
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.data, "faro.db")+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		h.t.Fatal(err)
	}
	return db, func() { db.Close() }
}

// verify runs faro verify: audit log, database integrity and, with the
// keys, every evidence file's hash. It must exit 0.
func (h *harness) verify(withKeys bool) {
	args := []string{"verify"}
	if withKeys {
		args = append(args, "--unseal-file", h.passFile)
		h.st.fullVerifies++
	}
	if h.vkey != "" {
		args = append(args, "--key", h.vkey)
	}
	// The log must extend the checkpoint exported after the last check:
	// nothing a crash could do may remove or rewrite audited events.
	if h.lastCP != "" {
		args = append(args, "--checkpoint", h.lastCP)
	}
	out, err := h.faroMay(args...)
	if err != nil {
		h.t.Errorf("faro verify %s: %v\n%s", strings.Join(args[1:], " "), err, out)
		return
	}
	cp, err := h.faroMay("verify", "--export-checkpoint")
	if err != nil {
		h.t.Errorf("faro verify --export-checkpoint: %v\n%s", err, cp)
		return
	}
	h.lastCP = writeFile(h.t, h.work, "checkpoint", strings.TrimRight(cp, "\n"))
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "audit log:") {
			h.st.lastAuditEntries = l
		}
		if strings.HasPrefix(l, "evidence:") && withKeys {
			h.st.lastEvidenceChecked = l
		}
	}
}

// finish stops the server cleanly and checks everything once more.
func (h *harness) finish() {
	t := h.t
	h.checkAll()
	if err := h.srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.srv.done:
		if h.srv.err != nil {
			t.Errorf("faro serve exited with %v after SIGTERM\n%s", h.srv.err, h.srv.out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("faro serve did not stop within 60s of SIGTERM")
	}
	h.verify(true)
	// Every upload ever acknowledged has its row, with the hash taken at
	// upload; faro verify has just hashed every file against those rows.
	db, closeDB := h.openDB()
	defer closeDB()
	q := "SELECT sha256 FROM evidence WHERE id = ?"
	if h.dsn != "" {
		q = store.Rebind(q)
	}
	for _, u := range h.uploads {
		var sum string
		if err := db.QueryRow(q, u.id).Scan(&sum); err != nil || sum != u.sha256 {
			t.Errorf("acknowledged upload %s (round %d): row %q %v, want SHA-256 %s", u.id, u.round, sum, err, u.sha256)
		}
	}
	s := h.st
	host, _ := os.Hostname()
	t.Logf("%d rounds (%d with a second kill during start-up) in %s on %s/%s, %d CPUs (%s), %s",
		s.rounds, s.bootKills, time.Since(s.start).Round(time.Second), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), host, runtime.Version())
	t.Logf("acknowledged: %d uploads of 1 MiB, %d invitations, %d acceptances (account + session), %d revocations, %d incidents, %d testimonies; %d writes cut by the kills",
		s.uploads, s.invites, s.accepts, s.revokes, s.incidents, s.testimonies, s.unacked)
	t.Logf("checked after restarts: %d downloads byte for byte, %d records; all %d uploads hashed by faro verify (%d runs with keys)",
		s.uploadsChecked, s.recordsChecked, len(h.uploads), s.fullVerifies)
	t.Logf("kill after %s; restart to healthy %s; last verify: %s; %s",
		spread(s.killAfter), spread(s.restartTimes), s.lastAuditEntries, s.lastEvidenceChecked)
	if h.dsn != "" {
		t.Logf("left for a later sweep (PostgreSQL keeps files younger than an hour): %d evidence files without a row, %d temporary files",
			len(s.orphansLeft), len(s.tmpLeft))
	}
}

func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("min %s / median %s / max %s", s[0].Round(time.Millisecond), s[len(s)/2].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}

func statusOf(r *response) any {
	if r == nil {
		return "no answer"
	}
	return r.status
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

// childEnv is the caller's environment without FARO_* settings, which
// would override the flags the test gives.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FARO_") {
			env = append(env, kv)
		}
	}
	return env
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	out  *lockedBuffer
}

func start(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start faro: %v", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), out: out}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func waitHealthy(t *testing.T, base string, p *proc) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	hc := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("faro serve exited while starting: %v\n%s", p.err, p.out.String())
		default:
		}
		if res, err := hc.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("faro serve not healthy after 60s\n%s", p.out.String())
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

func writeFile(t *testing.T, dir, name, value string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ---------------------------------------------------------------------
// A browser whose requests may fail: the server dies under it.

type client struct {
	base string
	hc   *http.Client
	tr   *http.Transport
	csrf string
	mu   sync.Mutex
}

func newClient(base string) *client {
	jar, _ := cookiejar.New(nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &client{base: base, tr: tr, hc: &http.Client{Jar: jar, Transport: tr, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	loc    string
	body   string
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(ctx context.Context, method, path string, body []byte, hdr http.Header) (*response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.mu.Lock()
		c.csrf = string(m[1])
		c.mu.Unlock()
	}
	return &response{status: res.StatusCode, loc: res.Header.Get("Location"), body: string(b)}, nil
}

func (c *client) token() string { c.mu.Lock(); defer c.mu.Unlock(); return c.csrf }

func (c *client) get(ctx context.Context, path string) (*response, error) {
	return c.do(ctx, http.MethodGet, path, nil, nil)
}

func (c *client) mustGet(t *testing.T, path string) *response {
	t.Helper()
	r, err := c.get(context.Background(), path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return r
}

func (c *client) mustPost(t *testing.T, path string, form url.Values) *response {
	t.Helper()
	if tok := c.token(); tok != "" {
		form.Set("csrf", tok)
	}
	r, err := c.do(context.Background(), http.MethodPost, path, []byte(form.Encode()), formHeader())
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return r
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}}
}
