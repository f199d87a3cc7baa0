package main

import (
	"flag"

	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/publish"
)

// channelFlags configure the case desk's outbound channels. Each channel
// is off until its address is set.
type channelFlags struct{ cfg notify.Config }

func (c *channelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.cfg.SMTPAddr, "smtp-addr", "", "mail relay `host:port` for alerts by email (empty: email off)")
	fs.StringVar(&c.cfg.SMTPFrom, "smtp-from", "", "sender address of alert emails")
	fs.StringVar(&c.cfg.SMTPUser, "smtp-user", "", "user name at the mail relay")
	fs.StringVar(&c.cfg.SMTPPassword, "smtp-password", "", "password at the mail relay (better: FARO_SMTP_PASSWORD_FILE)")
	fs.StringVar(&c.cfg.SMTPTLS, "smtp-tls", "starttls", "starttls, tls, or none (loopback relays only)")
	fs.StringVar(&c.cfg.SMSURL, "sms-url", "", "base `URL` of an SMS gateway speaking Twilio's Messages API, e.g. https://api.twilio.com (empty: SMS off)")
	fs.StringVar(&c.cfg.SMSAccount, "sms-account", "", "account SID at the SMS gateway")
	fs.StringVar(&c.cfg.SMSToken, "sms-token", "", "auth token at the SMS gateway (better: FARO_SMS_TOKEN_FILE)")
	fs.StringVar(&c.cfg.SMSFrom, "sms-from", "", "sender number of SMS alerts, E.164")
	fs.StringVar(&c.cfg.SignalURL, "signal-url", "", "base `URL` of signal-cli-rest-api (empty: Signal off)")
	fs.StringVar(&c.cfg.SignalNumber, "signal-number", "", "the registered Signal sender number, E.164")
	fs.StringVar(&c.cfg.SignalHookSecret, "signal-hook-secret", "", "shared secret the Signal relay sends with replies to /hooks/signal (better: FARO_SIGNAL_HOOK_SECRET_FILE; empty: replies by Signal off)")
}

// channelSecrets are the flags parseFlags also reads from FARO_*_FILE.
var channelSecrets = []string{"smtp-password", "sms-token", "signal-hook-secret"}

// publishFlags say how own records are coarsened before publication.
type publishFlags struct{ cfg publish.Config }

func (p *publishFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&p.cfg.GridKm, "publish-grid-km", 10, "published positions are snapped to a grid of this many km")
	fs.StringVar(&p.cfg.TimeUnit, "publish-time-unit", "week", "published dates are coarsened to a day, week or month")
	fs.IntVar(&p.cfg.K, "publish-k", 3, "smallest number of people a published cell may count; smaller cells are suppressed")
	fs.StringVar(&p.cfg.Licence, "publish-licence", "CC BY 4.0", "licence of the open data documented in this Faro")
	fs.StringVar(&p.cfg.Attribution, "publish-attribution", "", "attribution of the open data documented in this Faro (default: the instance name)")
	fs.StringVar(&p.cfg.Place, "publish-place", "grid", "where published records are: grid (positions snapped to the grid) or admin (admin area only, no position)")
}
