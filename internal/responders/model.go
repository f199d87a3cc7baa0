// Package responders keeps the people and services a hotline alerts:
// rescue coordination centres, ships, verifiers, lawyers, on-call
// volunteers; the channels and languages to reach them in; and the message
// templates, one per purpose, language and (optionally) channel.
//
// Names, notes, home points, addresses and webhook secrets are vault
// ciphertexts bound to their row; everything else is clear.
package responders

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/faro-project/faro/internal/geo"
)

// Kinds of responder.
const (
	KindRescueCentre = "rescue_centre"
	KindShip         = "ship"
	KindVerifier     = "verifier"
	KindLawyer       = "lawyer"
	KindVolunteer    = "volunteer"
	KindOther        = "other"
)

// Kinds lists every kind, in the order forms show them.
var Kinds = []string{KindRescueCentre, KindShip, KindVerifier, KindLawyer, KindVolunteer, KindOther}

// ErrNotFound is returned when no responder or template matches.
var ErrNotFound = errors.New("responders: not found")

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("responders: invalid")

// Responder is someone Faro alerts.
type Responder struct {
	ID        int64
	Name      string
	Kind      string
	Languages []string // BCP 47 codes, first preferred
	Notes     string
	Home      *geo.Point // verifiers: where they usually are
	Active    bool
	Channels  []Channel // in order of preference
	CreatedAt int64
	UpdatedAt int64
}

// Channel is one way to reach a responder.
type Channel struct {
	ID      int64
	Channel string // notify.Email, notify.SMS, notify.Signal, notify.Webhook
	Address string // email address, E.164 number or webhook URL
	Secret  []byte // webhook HMAC key
}

// ValidationError says which fields are wrong. Fields maps a field name
// ("name", "kind", "languages", "notes", "home", "channel.0", …; for
// templates "name", "lang", "channel", "subject", "body") to a catalogue
// key; Details holds the technical reason where there is one (a template
// parse error naming the unknown field), never personal data.
type ValidationError struct {
	Fields  map[string]string
	Details map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", k, e.Fields[k])
		if d := e.Details[k]; d != "" {
			b.WriteString(" (" + d + ")")
		}
	}
	return "responders: invalid " + b.String()
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

func (e *ValidationError) add(field, key, detail string) {
	if e.Fields == nil {
		e.Fields, e.Details = map[string]string{}, map[string]string{}
	}
	if _, dup := e.Fields[field]; dup {
		return
	}
	e.Fields[field] = key
	if detail != "" {
		e.Details[field] = detail
	}
}

func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// MessageTemplate is a stored template: the subject (email only) and body
// are notify templates.
type MessageTemplate struct {
	ID        int64
	Name      string // distress, raid_verify, raid_alert, escalation, …
	Channel   string // a notify channel, or "" for any
	Lang      string // BCP 47
	Subject   string
	Body      string
	Builtin   bool
	UpdatedAt int64
}

// Built-in template names.
const (
	TemplateDistress   = "distress"
	TemplateRaidVerify = "raid_verify"
	TemplateRaidAlert  = "raid_alert"
	TemplateEscalation = "escalation"
)
