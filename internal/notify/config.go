// Package notify delivers messages over the channels responders use:
// email over SMTP, webhooks with HMAC-signed JSON, SMS through an HTTP
// gateway speaking Twilio's Messages API, and Signal through
// signal-cli-rest-api. Each channel is a Sender; a failing channel never
// blocks another.
package notify

// Config is the instance-wide settings of the outbound channels; each
// responder adds its own address (and, for webhooks, its URL and secret).
// An empty setting disables that channel.
type Config struct {
	SMTPAddr     string // host:port of the mail relay
	SMTPFrom     string // envelope and header sender
	SMTPUser     string
	SMTPPassword string
	// SMTPTLS is "starttls" (default: required when the server offers
	// it, which it must unless the relay is on loopback), "tls" (implicit
	// TLS) or "none" (loopback relays only).
	SMTPTLS string

	SMSURL     string // base URL of a Twilio-compatible API, e.g. https://api.twilio.com
	SMSAccount string // account SID
	SMSToken   string // auth token
	SMSFrom    string // sender number, E.164

	SignalURL    string // base URL of signal-cli-rest-api
	SignalNumber string // the registered sender number, E.164
	// SignalHookSecret is the shared secret the Signal relay sends with
	// replies to POST /hooks/signal; empty turns that hook off.
	SignalHookSecret string
}
