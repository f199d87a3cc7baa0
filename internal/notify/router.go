package notify

import (
	"context"
	"crypto/tls"
	"net/http"
	"time"
)

// Channel names.
const (
	Email   = "email"
	Webhook = "webhook"
	SMS     = "sms"
	Signal  = "signal"
)

// Channels lists every channel Faro can send on.
var Channels = []string{Email, SMS, Signal, Webhook}

// Message is one delivery to one address.
type Message struct {
	Channel string // "email", "webhook", "sms", "signal"
	To      string // email address, webhook URL, or E.164 phone number
	Subject string // email only
	Text    string // email body (text/plain UTF-8), SMS and Signal text
	Lang    string // BCP 47, sets Content-Language on email
	JSON    []byte // webhook body
	Secret  []byte // webhook HMAC key
	// IdempotencyKey is the same on every retry of one delivery, so a
	// receiver can drop duplicates (webhook header, email Message-ID).
	IdempotencyKey string
}

// Receipt is what a provider said about an accepted message.
type Receipt struct {
	Provider   string // "smtp", "webhook", "twilio", "signal"
	ProviderID string // the provider's id of the message, when it gave one
	Status     int    // HTTP status, or the SMTP reply code of the data phase
	Note       string // anything odd that did not stop delivery, e.g. "malformed response body"
}

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) (Receipt, error)
}

// DefaultTimeout bounds one delivery attempt.
const DefaultTimeout = 30 * time.Second

// Router sends each message on its channel.
type Router struct {
	cfg    Config
	client *http.Client
	// Timeout bounds each attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// Now is the clock used for webhook signatures and email dates.
	Now func() time.Time
	// TLSConfig, when set, is used for SMTP STARTTLS and implicit TLS
	// (tests give it a private root); ServerName is filled in.
	TLSConfig *tls.Config
}

var _ Sender = (*Router)(nil)

// New returns a Router over cfg. client is used for the HTTP channels; nil
// gives a client with DefaultTimeout. Redirects are never followed: a
// provider that redirects is misconfigured, and following could leak the
// signed body or credentials elsewhere.
func New(cfg Config, client *http.Client) *Router {
	var c http.Client
	if client != nil {
		c = *client
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Router{cfg: cfg, client: &c, Now: time.Now}
}

// Enabled reports whether channel is configured on this instance.
func (r *Router) Enabled(channel string) bool {
	switch channel {
	case Email:
		return r.cfg.SMTPAddr != "" && r.cfg.SMTPFrom != ""
	case Webhook:
		return true
	case SMS:
		return r.cfg.SMSURL != "" && r.cfg.SMSAccount != "" && r.cfg.SMSFrom != ""
	case Signal:
		return r.cfg.SignalURL != "" && r.cfg.SignalNumber != ""
	}
	return false
}

// Send delivers m on m.Channel within the Router's timeout.
func (r *Router) Send(ctx context.Context, m Message) (Receipt, error) {
	if !r.Enabled(m.Channel) {
		return Receipt{}, ErrChannelOff
	}
	t := r.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	switch m.Channel {
	case Email:
		return r.sendEmail(ctx, m)
	case Webhook:
		return r.sendWebhook(ctx, m)
	case SMS:
		return r.sendSMS(ctx, m)
	default:
		return r.sendSignal(ctx, m)
	}
}

func (r *Router) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}
