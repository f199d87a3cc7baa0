package responders

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/notify"
	"golang.org/x/text/language"
)

// Limits on what people type.
const (
	maxName      = 200
	maxNotes     = 4000
	maxLanguages = 10
	maxChannels  = 20
	maxSecret    = 256
)

// normaliseLang returns the canonical form of a BCP 47 tag ("ES-mx" →
// "es-MX"), or "" when it is not one.
func normaliseLang(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 35 {
		return ""
	}
	t, err := language.Parse(s)
	if err != nil || t == language.Und {
		return ""
	}
	return t.String()
}

// ParseLanguages reads "es, fr ,ar" into a list, keeping order and
// dropping duplicates; bad reports whether any entry was not a language.
func ParseLanguages(s string) (langs []string, bad bool) {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		l := normaliseLang(f)
		if l == "" {
			bad = true
			continue
		}
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return langs, bad
}

// validate checks and normalises r in place.
func validate(r *Responder) error {
	var e ValidationError
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Name == "":
		e.add("name", "responders.error.name_required", "")
	case utf8.RuneCountInString(r.Name) > maxName || !utf8.ValidString(r.Name):
		e.add("name", "responders.error.name_long", "")
	}
	if !slices.Contains(Kinds, r.Kind) {
		e.add("kind", "responders.error.kind", "")
	}
	var langs []string
	for _, l := range r.Languages {
		n := normaliseLang(l)
		if n == "" {
			e.add("languages", "responders.error.languages", "")
			continue
		}
		if !slices.Contains(langs, n) {
			langs = append(langs, n)
		}
	}
	if len(langs) > maxLanguages {
		e.add("languages", "responders.error.languages", "")
	}
	r.Languages = langs
	r.Notes = strings.TrimSpace(r.Notes)
	if utf8.RuneCountInString(r.Notes) > maxNotes || !utf8.ValidString(r.Notes) {
		e.add("notes", "responders.error.notes_long", "")
	}
	if p := r.Home; p != nil && (math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180) {
		e.add("home", "responders.error.home", "")
	}
	if len(r.Channels) > maxChannels {
		e.add("channels", "responders.error.too_many_channels", "")
	}
	for i := range r.Channels {
		validateChannel(&e, "channel."+strconv.Itoa(i), &r.Channels[i])
	}
	return e.orNil()
}

// validateChannel normalises one channel's address; a webhook without a
// secret gets a new random one, shown to the admin to set on the receiver.
func validateChannel(e *ValidationError, field string, c *Channel) {
	if !slices.Contains(notify.Channels, c.Channel) {
		e.add(field, "responders.error.channel", "")
		return
	}
	addr, err := notify.ValidateAddress(c.Channel, c.Address)
	if err != nil {
		e.add(field, "responders.error.address."+c.Channel, strings.TrimPrefix(err.Error(), notify.ErrAddress.Error()+": "))
		return
	}
	c.Address = addr
	if c.Channel != notify.Webhook {
		c.Secret = nil
		return
	}
	if len(c.Secret) > maxSecret {
		e.add(field, "responders.error.secret", "")
	}
	if len(c.Secret) == 0 {
		c.Secret = NewSecret()
	}
}

// NewSecret returns a fresh webhook secret: 32 random bytes as hex text,
// so it can be copied into the receiver's configuration.
func NewSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

var templateName = regexp.MustCompile(`^[a-z0-9_]{2,40}$`)

// maxSMSRender is the longest sample rendering accepted for an SMS
// template: the gateway refuses longer texts.
const maxSMSRender = 1600

// validateTemplate checks a template by parsing and trial-rendering its
// subject and body.
func validateTemplate(t *MessageTemplate) error {
	var e ValidationError
	t.Name = strings.TrimSpace(t.Name)
	if !templateName.MatchString(t.Name) {
		e.add("name", "responders.error.template_name", "")
	}
	if l := normaliseLang(t.Lang); l == "" {
		e.add("lang", "responders.error.template_lang", "")
	} else {
		t.Lang = l
	}
	if t.Channel != "" && !slices.Contains(notify.Channels, t.Channel) {
		e.add("channel", "responders.error.channel", "")
	}
	t.Subject = strings.TrimSpace(t.Subject)
	if strings.ContainsAny(t.Subject, "\r\n") {
		e.add("subject", "responders.error.subject_line", "")
	} else if _, err := notify.ParseTemplate(t.Subject); err != nil {
		e.add("subject", "responders.error.template_syntax", err.Error())
	}
	t.Body = strings.ReplaceAll(t.Body, "\r\n", "\n")
	if strings.TrimSpace(t.Body) == "" {
		e.add("body", "responders.error.body_required", "")
	} else if tpl, err := notify.ParseTemplate(t.Body); err != nil {
		e.add("body", "responders.error.template_syntax", err.Error())
	} else if t.Channel == notify.SMS {
		if out, _ := tpl.Render(notify.SampleData()); utf8.RuneCountInString(out) > maxSMSRender {
			e.add("body", "responders.error.sms_long", "")
		}
	}
	return e.orNil()
}
