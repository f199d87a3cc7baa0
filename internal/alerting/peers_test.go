package alerting_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/web"
)

// Real protocol peers: an SMTP server, webhook receivers that check the
// signature, a Twilio-compatible SMS API and a signal-cli-rest-api.

// mailbox is an in-process SMTP server's received mail.
type mailbox struct {
	mu   sync.Mutex
	msgs []*mail.Message
	body []string
}

type smtpSession struct{ mb *mailbox }

func (s *smtpSession) Reset()                               {}
func (s *smtpSession) Logout() error                        { return nil }
func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	s.mb.msgs, s.mb.body = append(s.mb.msgs, m), append(s.mb.body, string(b))
	s.mb.mu.Unlock()
	return nil
}

func startSMTP(t *testing.T) (*mailbox, string) {
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return mb, l.Addr().String()
}

func (mb *mailbox) count() int { mb.mu.Lock(); defer mb.mu.Unlock(); return len(mb.msgs) }

// hook is an HTTP peer that records what it got.
type hook struct {
	mu     sync.Mutex
	bodies [][]byte
	forms  []url.Values
	bad    []string // what was wrong with a request
	srv    *httptest.Server
}

func (h *hook) count() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.bodies) + len(h.forms) }

func (h *hook) problems() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bad...)
}

func (h *hook) complain(s string) { h.mu.Lock(); h.bad = append(h.bad, s); h.mu.Unlock() }

// webhookPeer checks X-Faro-Signature with secret; status is its answer.
func webhookPeer(t *testing.T, secret []byte, status int) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature(secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
			h.complain("bad signature: " + err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Content-Type") != "application/json" || !json.Valid(body) {
			h.complain("not JSON")
		}
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.mu.Unlock()
		io.WriteString(w, "not json, and that is fine") // a malformed answer is recorded, not fatal
	}))
	t.Cleanup(h.srv.Close)
	return h
}

const (
	twilioAccount = "AC0123456789abcdef"
	twilioToken   = "twilio-auth-token-for-tests"
	smsFrom       = "+15005550006"
	signalNumber  = "+15005550007"
	hookSecret    = "signal-hook-shared-secret-for-tests"
	baseURL       = "https://faro.test"
)

// twilioPeer speaks Twilio's Messages API: basic auth, exact form.
func twilioPeer(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if r.URL.Path != "/2010-04-01/Accounts/"+twilioAccount+"/Messages.json" || !ok || u != twilioAccount || p != twilioToken {
			h.complain("path or auth")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			h.complain("not a form")
		}
		keys := []string{}
		for k := range r.PostForm {
			keys = append(keys, k)
		}
		if len(keys) != 3 || r.PostForm.Get("From") != smsFrom || r.PostForm.Get("To") == "" || r.PostForm.Get("Body") == "" {
			h.complain("form is not exactly To, From, Body")
		}
		h.mu.Lock()
		h.forms = append(h.forms, r.PostForm)
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"SM0123","status":"queued"}`)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// signalPeer speaks signal-cli-rest-api's POST /v2/send.
func signalPeer(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if r.URL.Path != "/v2/send" || json.Unmarshal(body, &m) != nil {
			h.complain("path or body")
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rec, _ := m["recipients"].([]any)
		if len(m) != 3 || m["number"] != signalNumber || len(rec) != 1 || m["message"] == "" {
			h.complain("JSON is not exactly message, number, recipients")
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"timestamp":"1764130000000"}`)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// peers are every protocol peer of one test.
type peers struct {
	mail   *mailbox
	smtp   string
	sms    *hook
	signal *hook
}

func startPeers(t *testing.T) *peers {
	p := &peers{sms: twilioPeer(t), signal: signalPeer(t)}
	p.mail, p.smtp = startSMTP(t)
	return p
}

func (p *peers) notifyConfig() notify.Config {
	return notify.Config{SMTPAddr: p.smtp, SMTPFrom: "alerts@faro.test", SMTPTLS: "none",
		SMSURL: p.sms.srv.URL, SMSAccount: twilioAccount, SMSToken: twilioToken, SMSFrom: smsFrom,
		SignalURL: p.signal.srv.URL, SignalNumber: signalNumber, SignalHookSecret: hookSecret}
}

// eachDB runs fn on SQLite and, when FARO_TEST_POSTGRES is set, on a
// fresh PostgreSQL schema; dsn is "" for SQLite.
func eachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresDSN(t)) })
	}
}

// newApp starts a Faro on dataDir/dsn with the peers as its channels;
// fresh initialises the vault, otherwise it is unsealed.
func newApp(t testing.TB, dataDir, dsn string, cfg notify.Config, fresh bool) *app.App {
	t.Helper()
	hash, kdf := apptest.CheapHash, apptest.CheapKDF
	a, err := app.New(context.Background(), app.Config{DataDir: dataDir, Database: dsn, Hash: &hash, KDF: &kdf,
		Notify: cfg, Web: web.Config{BaseURL: baseURL}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if fresh {
		err = a.Initialize(context.Background(), apptest.Passphrase)
	} else {
		err = a.Vault.UnsealPassphrase(context.Background(), apptest.Passphrase)
	}
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	return a
}

// waitFor polls cond for up to 20 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
