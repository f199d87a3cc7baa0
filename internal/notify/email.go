package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// maxEmail bounds an email body.
const maxEmail = 256 << 10

func (r *Router) sendEmail(ctx context.Context, m Message) (Receipt, error) {
	to, err := ValidateEmail(m.To)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("%w: email: %w", ErrInvalidMessage, err))
	}
	from, err := ValidateEmail(r.cfg.SMTPFrom)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("%w: email: configured sender is invalid", ErrInvalidMessage))
	}
	if len(m.Text) > maxEmail {
		return Receipt{}, Permanent(fmt.Errorf("%w: email body over %d bytes", ErrInvalidMessage, maxEmail))
	}
	msg, id := r.buildEmail(from, to, m)
	code, err := r.smtpSend(ctx, from, to, msg)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Provider: "smtp", ProviderID: id, Status: code}, nil
}

// buildEmail writes an RFC 5322 message. Header values come from validated
// addresses or have line breaks removed, so nothing can inject a header.
func (r *Router) buildEmail(from, to string, m Message) ([]byte, string) {
	var b bytes.Buffer
	domain := from[strings.LastIndexByte(from, '@')+1:]
	id := messageID(m.IdempotencyKey, domain)
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from)
	h("To", to)
	h("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject, 250)))
	h("Date", r.now().Format(time.RFC1123Z))
	h("Message-ID", id)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	if lang := langTag(m.Lang); lang != "" {
		h("Content-Language", lang)
	}
	// Auto-Submitted stops vacation replies and mail loops (RFC 3834).
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Text, "\r\n", "\n")))
	qp.Close()
	return b.Bytes(), id
}

// messageID is stable across retries of one delivery, so a receiving
// system can drop the duplicate.
func messageID(key, domain string) string {
	var raw []byte
	if key != "" {
		s := sha256.Sum256([]byte("faro/message-id\x00" + key))
		raw = s[:16]
	} else {
		raw = make([]byte, 16)
		rand.Read(raw)
	}
	return "<" + hex.EncodeToString(raw) + "@" + domain + ">"
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
	if rs := []rune(s); len(rs) > max {
		s = string(rs[:max])
	}
	return s
}

// langTag keeps a BCP 47 tag's safe characters only.
func langTag(s string) string {
	if len(s) > 35 {
		return ""
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return ""
		}
	}
	return s
}

// smtpSend delivers msg over one SMTP session and returns the reply code
// to the data. Errors say at which step and what code, never the server's
// text, which may repeat the address.
func (r *Router) smtpSend(ctx context.Context, from, to string, msg []byte) (int, error) {
	addr := r.cfg.SMTPAddr
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, Permanent(errors.New("notify: email: SMTP address must be host:port"))
	}
	mode := strings.ToLower(r.cfg.SMTPTLS)
	tlsConf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if r.TLSConfig != nil {
		tlsConf = r.TLSConfig.Clone()
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = host
		}
	}
	var conn net.Conn
	d := &net.Dialer{Timeout: 15 * time.Second}
	if mode == "tls" {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return 0, netError(Email, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// Closing the connection unblocks the client when ctx is cancelled
	// before its deadline.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return 0, smtpError(ctx, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(helloName(from)); err != nil {
		return 0, smtpError(ctx, "EHLO", err)
	}
	if mode != "tls" && mode != "none" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return 0, smtpError(ctx, "STARTTLS", err)
			}
		} else if !isLoopback(host) {
			return 0, Permanent(errors.New("notify: email: relay does not offer STARTTLS; refusing to send in clear"))
		}
	}
	if r.cfg.SMTPUser != "" {
		if err := c.Auth(smtp.PlainAuth("", r.cfg.SMTPUser, r.cfg.SMTPPassword, host)); err != nil {
			return 0, smtpError(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return 0, smtpError(ctx, "MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return 0, smtpError(ctx, "RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return 0, smtpError(ctx, "DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return 0, smtpError(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return 0, smtpError(ctx, "end of DATA", err)
	}
	// The message is accepted; a failing QUIT changes nothing.
	c.Quit()
	return 250, nil
}

func helloName(from string) string {
	d := from[strings.LastIndexByte(from, '@')+1:]
	if d == "" || strings.ContainsAny(d, " []\r\n") {
		return "localhost"
	}
	return d
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// smtpError keeps the reply code and step; 5xx replies are permanent.
func smtpError(ctx context.Context, step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		e := fmt.Errorf("notify: email: %s refused with SMTP %d", step, te.Code)
		if te.Code >= 500 {
			return Permanent(e)
		}
		return e
	}
	if ctx.Err() != nil {
		return netError(Email, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return netError(Email, err)
	}
	// net/smtp's own errors (no AUTH offered, unencrypted connection for
	// PLAIN, bad certificate) hold no address; they are configuration.
	return Permanent(fmt.Errorf("notify: email: %s: %v", step, err))
}
