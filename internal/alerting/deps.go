// Package alerting decides who is told about a case and makes sure they
// are: alert rules (case kinds, area, minimum phase or severity, tier),
// deliveries sent as durable jobs and recorded on the case timeline,
// acknowledgement by link or by reply, escalation to the next tier when
// nobody acknowledges in time, and, for raid reports, verification by a
// nearby verifier before a time-limited broadcast alert.
//
// The package depends on the case desk, the responders, the job queue and
// the channels only through the small interfaces below, which internal/app
// adapts: it can be built and tested without them, and none of them
// depends on it.
package alerting

import (
	"context"
	"errors"
	"time"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
)

// Case is what alerting needs of a case. Condition, Phone and Notes are
// decrypted and only ever go into a rendered message.
type Case struct {
	ID           int64
	Ref          string
	Kind         string // sea, land, raid
	Region       string
	Status       string
	Phase        string // uncertainty, alert, distress (distress cases)
	Verification string // pending, confirmed, false_alarm (raid reports)
	Severity     int
	People       *int
	Position     *geo.Point
	FixAt        time.Time
	Condition    string // free text about the boat and the people
	// ConditionCodes are the case desk's condition codes, comma-separated:
	// the message shows them in its own language.
	ConditionCodes string
	Phone          string
	Notes          string
}

// Cases loads a case and writes on its timeline.
type Cases interface {
	// Case loads a case outside any transaction (to render a message).
	Case(ctx context.Context, id int64) (*Case, error)
	// CaseByRef finds a case by its reference ("2026-11-25-CM-014").
	CaseByRef(ctx context.Context, ref string) (*Case, error)
	// AddEvent appends to the case timeline; kind is a timeline kind
	// (EventDelivery, EventAck, EventNote), status a delivery status or "".
	AddEvent(ctx context.Context, tx *store.Tx, caseID int64, kind, text, status string) (int64, error)
	// SetEventStatus updates the status shown on a timeline entry.
	SetEventStatus(ctx context.Context, tx *store.Tx, eventID int64, status, note string) error
	// SetVerification records a verifier's verdict on a raid report
	// (given through a link, so by no account).
	SetVerification(ctx context.Context, tx *store.Tx, caseID int64, verdict string) error
}

// Timeline kinds alerting writes (the case desk's names).
const (
	EventDelivery = "delivery"
	EventAck      = "ack"
	EventNote     = "note"
	EventStatus   = "status"
)

// ErrNoCase is returned by Cases when there is no such case.
var ErrNoCase = errors.New("alerting: no such case")

// Responder is a person or organisation alerts go to.
type Responder struct {
	ID        int64
	Name      string
	Kind      string // rescue_centre, ship, verifier, lawyer, volunteer, other
	Languages []string
	Home      *geo.Point
	Active    bool
	Channels  []Channel
}

// Channel is one way to reach a responder.
type Channel struct {
	ID      int64
	Channel string // email, webhook, sms, signal
	Address string
	Secret  []byte // webhook signing secret
}

// Rendered is a message in the responder's language.
type Rendered struct {
	Subject, Text, Lang string
	// JSON is the webhook body, when the channel is a webhook.
	JSON []byte
}

// TemplateData is what a message template may show. Its fields are
// notify.TemplateData's, in the same order, so the adapter converts it.
type TemplateData struct {
	Ref             string
	Kind            string
	Phase           string
	PositionDecimal string
	PositionDMS     string
	PositionTime    string // UTC, "2006-01-02 15:04 UTC"
	PeopleOnBoard   string
	Condition       string
	CallerPhone     string
	Notes           string
	AckURL          string
	Instance        string
	Area            string // raid alerts: the coarse area
	Expires         string // raid alerts: when it lapses, UTC
	ConditionCodes  string // comma-separated; shown in the message's language
	KindName        string // filled by the responders' store in the message's language
	PhaseName       string // likewise
}

// Responders gives responders and renders their messages.
type Responders interface {
	Responder(ctx context.Context, id int64) (*Responder, error)
	List(ctx context.Context) ([]Responder, error)
	// ByChannelAddress finds who owns a phone number or Signal number.
	ByChannelAddress(ctx context.Context, channel, address string) (*Responder, error)
	// Render renders the named template ("distress", "raid_verify",
	// "raid_alert", "escalation") in the first of langs that has it.
	Render(ctx context.Context, template string, langs []string, channel string, data TemplateData) (Rendered, error)
}

// ErrNoResponder is returned by Responders when there is no such responder.
var ErrNoResponder = errors.New("alerting: no such responder")

// Message is one outbound message.
type Message struct {
	Channel, To, Subject, Text, Lang string
	JSON                             []byte
	Secret                           []byte
	IdempotencyKey                   string
}

// Sender sends messages; Send's Note reports something worth recording
// that is not a failure (a webhook answer that could not be read).
type Sender interface {
	Send(ctx context.Context, m Message) (note string, err error)
	// IsPermanent says a retry cannot help (bad address, 4xx).
	IsPermanent(err error) bool
	// Describe names err for last_error and the timeline: a status or an
	// error class, never a peer's words or an address.
	Describe(err error) string
}

// Scheduler is the durable job queue: Enqueue runs inside the caller's
// transaction, so a job exists exactly when the change that made it does.
type Scheduler interface {
	Enqueue(ctx context.Context, tx *store.Tx, kind string, args any, runAt time.Time, maxAttempts int, key string) error
	Cancel(ctx context.Context, tx *store.Tx, key string) (bool, error)
}

// Job kinds and their arguments (ids only).
const (
	JobDeliver  = "alert.deliver"
	JobEscalate = "alert.escalate"
)

// DeliverArgs are the arguments of a JobDeliver job.
type DeliverArgs struct {
	Delivery int64 `json:"delivery"`
}

// EscalateArgs are the arguments of a JobEscalate job.
type EscalateArgs struct {
	Case  int64  `json:"case"`
	Tier  int    `json:"tier"`
	Stage string `json:"stage"`
	// After is the last delivery id of the case before its phase last
	// rose: only acknowledgements of later deliveries count. A rescue
	// centre that acknowledged "uncertainty" has not acknowledged
	// "distress". (0 in jobs written before it existed: every delivery.)
	After int64 `json:"after,omitempty"`
}
