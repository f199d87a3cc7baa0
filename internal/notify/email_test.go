package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailbox is an in-process SMTP server keeping what it receives.
type mailbox struct {
	mu       sync.Mutex
	msgs     []received
	user     string // required AUTH PLAIN user, when set
	pass     string
	rcptCode int // answer RCPT with this code when set
}

type received struct {
	from, to string
	data     []byte
	authed   string
	tls      bool
}

type session struct {
	conn   *smtp.Conn
	mb     *mailbox
	cur    received
	authed string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.mb.user || pass != s.mb.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = user
		return nil
	}), nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.mb.user != "" && s.authed == "" {
		return &smtp.SMTPError{Code: 530, Message: "auth required"}
	}
	s.cur.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.mb.rcptCode != 0 {
		return &smtp.SMTPError{Code: s.mb.rcptCode, Message: "no such user " + to}
	}
	s.cur.to = to
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data, s.cur.authed = b, s.authed
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}

// startSMTP runs the server on loopback and returns its address.
func startSMTP(t *testing.T, mb *mailbox) string { return startSMTPTLS(t, mb, nil) }

func startSMTPTLS(t *testing.T, mb *mailbox, tlsConf *tls.Config) string {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{conn: c, mb: mb}, nil }))
	srv.TLSConfig = tlsConf
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func (mb *mailbox) only(t *testing.T) received {
	t.Helper()
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(mb.msgs))
	}
	return mb.msgs[0]
}

func TestEmailHeadersAndBody(t *testing.T) {
	mb := &mailbox{}
	addr := startSMTP(t, mb)
	r := New(Config{SMTPAddr: addr, SMTPFrom: "hotline@faro.example.org"}, nil)
	r.Now = func() time.Time { return time.Date(2026, 11, 25, 3, 12, 0, 0, time.UTC) }
	text := "Posición 35°07′N\nPersonas: 47\n" + strings.Repeat("x", 100) + "\n.\nfin"
	rc, err := r.Send(context.Background(), Message{Channel: Email, To: "MRCC <mrcc@example.it>",
		Subject: "Socorro – caso 2026-11-25-014", Text: text, Lang: "es", IdempotencyKey: "delivery-7"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Provider != "smtp" || rc.ProviderID == "" || rc.Status != 250 {
		t.Errorf("receipt %+v", rc)
	}
	got := mb.only(t)
	if got.from != "hotline@faro.example.org" || got.to != "mrcc@example.it" {
		t.Errorf("envelope %q → %q", got.from, got.to)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"From": "hotline@faro.example.org", "To": "mrcc@example.it",
		"Mime-Version": "1.0", "Content-Type": "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable", "Content-Language": "es",
		"Auto-Submitted": "auto-generated", "Message-Id": rc.ProviderID,
		"Date": "Wed, 25 Nov 2026 03:12:00 +0000",
	}
	for k, v := range want {
		if g := msg.Header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	raw := msg.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("non-ASCII subject not RFC 2047 encoded: %q", raw)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subj != "Socorro – caso 2026-11-25-014" {
		t.Errorf("decoded subject %q, %v", subj, err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSuffix(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") != text {
		t.Errorf("decoded body differs:\n%q", body)
	}
	for _, line := range strings.Split(string(got.data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d bytes", len(line))
		}
	}
}

func TestEmailMessageIDStableAcrossRetries(t *testing.T) {
	a := messageID("k1", "x.org")
	r1, r2 := messageID("", "x.org"), messageID("", "x.org")
	if a != messageID("k1", "x.org") || a == messageID("k2", "x.org") || r1 == r2 {
		t.Error("Message-ID must follow the idempotency key, and be random without one")
	}
}

func TestEmailASCIISubjectPlain(t *testing.T) {
	mb := &mailbox{}
	r := New(Config{SMTPAddr: startSMTP(t, mb), SMTPFrom: "h@faro.example.org"}, nil)
	if _, err := r.Send(context.Background(), Message{Channel: Email, To: "a@example.org", Subject: "Case 1\r\nBcc: evil@example.org", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	msg, _ := mail.ReadMessage(bytes.NewReader(mb.only(t).data))
	if msg.Header.Get("Subject") != "Case 1 Bcc: evil@example.org" || msg.Header.Get("Bcc") != "" {
		t.Errorf("header injection: subject %q", msg.Header.Get("Subject"))
	}
	if msg.Header.Get("Content-Language") != "" {
		t.Error("Content-Language without a language")
	}
}

func TestEmailAuthPlain(t *testing.T) {
	mb := &mailbox{user: "faro", pass: "s3cret"}
	addr := startSMTP(t, mb)
	r := New(Config{SMTPAddr: addr, SMTPFrom: "h@faro.example.org", SMTPUser: "faro", SMTPPassword: "s3cret"}, nil)
	if _, err := r.Send(context.Background(), Message{Channel: Email, To: "a@example.org", Subject: "s", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	if mb.only(t).authed != "faro" {
		t.Error("message sent without AUTH")
	}
	bad := New(Config{SMTPAddr: addr, SMTPFrom: "h@faro.example.org", SMTPUser: "faro", SMTPPassword: "wrong"}, nil)
	_, err := bad.Send(context.Background(), Message{Channel: Email, To: "a@example.org", Subject: "s", Text: "b"})
	if err == nil || !IsPermanent(err) {
		t.Errorf("wrong password: %v (permanent %v)", err, IsPermanent(err))
	}
}

func TestEmailErrorsHideAddress(t *testing.T) {
	for _, c := range []struct {
		code      int
		permanent bool
	}{{550, true}, {451, false}} {
		mb := &mailbox{rcptCode: c.code}
		r := New(Config{SMTPAddr: startSMTP(t, mb), SMTPFrom: "h@faro.example.org"}, nil)
		_, err := r.Send(context.Background(), Message{Channel: Email, To: "canary-person@example.org", Subject: "s", Text: "canary text"})
		if err == nil || IsPermanent(err) != c.permanent {
			t.Fatalf("%d: err %v, permanent %v", c.code, err, IsPermanent(err))
		}
		if strings.Contains(err.Error(), "canary") {
			t.Error("canary leaked into error")
		}
		if !strings.Contains(err.Error(), "RCPT TO") {
			t.Errorf("error does not say which step: %v", err)
		}
	}
}

func TestEmailRefusesClearTextToRemoteRelay(t *testing.T) {
	// A relay not on loopback that offers no STARTTLS must be refused.
	// The test cannot listen elsewhere, so it checks the decision itself.
	if isLoopback("smtp.example.org") || !isLoopback("127.0.0.1") || !isLoopback("::1") || !isLoopback("localhost") {
		t.Error("isLoopback")
	}
}

func TestEmailInvalidAddressPermanent(t *testing.T) {
	r := New(Config{SMTPAddr: "127.0.0.1:1", SMTPFrom: "h@faro.example.org"}, nil)
	_, err := r.Send(context.Background(), Message{Channel: Email, To: "not an address", Text: "b"})
	if !IsPermanent(err) || !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("got %v", err)
	}
}

func TestEmailConnectionRefusedRetryable(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	r := New(Config{SMTPAddr: addr, SMTPFrom: "h@faro.example.org"}, nil)
	_, err := r.Send(context.Background(), Message{Channel: Email, To: "a@example.org", Text: "b"})
	if err == nil || IsPermanent(err) {
		t.Errorf("refused connection should be retryable: %v", err)
	}
}

func TestChannelOff(t *testing.T) {
	r := New(Config{}, nil)
	for _, ch := range []string{Email, SMS, Signal, "pigeon"} {
		if _, err := r.Send(context.Background(), Message{Channel: ch}); !errors.Is(err, ErrChannelOff) || !IsPermanent(err) {
			t.Errorf("%s: %v", ch, err)
		}
	}
}

func TestEmailSTARTTLS(t *testing.T) {
	// httptest makes a certificate for 127.0.0.1; borrow it.
	hs := httptest.NewTLSServer(nil)
	defer hs.Close()
	mb := &mailbox{user: "faro", pass: "pw"}
	addr := startSMTPTLS(t, mb, hs.TLS)
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	r := New(Config{SMTPAddr: addr, SMTPFrom: "h@faro.example.org", SMTPUser: "faro", SMTPPassword: "pw"}, nil)
	r.TLSConfig = &tls.Config{RootCAs: pool}
	if _, err := r.Send(context.Background(), Message{Channel: Email, To: "a@example.org", Subject: "s", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	if got := mb.only(t); !got.tls || got.authed != "faro" {
		t.Errorf("tls %v authed %q", got.tls, got.authed)
	}
	// An untrusted certificate is a configuration error, not a retry.
	r.TLSConfig = nil
	_, err := r.Send(context.Background(), Message{Channel: Email, To: "a@example.org", Subject: "s", Text: "b"})
	if err == nil || !IsPermanent(err) {
		t.Errorf("untrusted certificate: %v", err)
	}
}
