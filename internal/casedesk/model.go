// Package casedesk is the hotline's case desk: distress cases at sea and
// in the desert, raid reports that must be verified before any alert,
// their timelines (calls, messages, positions, deliveries), a live board
// sorted by urgency and shift handover notes.
//
// What people said and where they are (phones, contacts, notes, positions,
// timeline texts) is sealed by the vault; kinds, phases, counts and times
// stay in clear so that the board sorts without decrypting.
package casedesk

import (
	"errors"
	"time"

	"github.com/faro-project/faro/internal/geo"
)

// Kinds of case.
const (
	KindSea  = "sea"
	KindLand = "land"
	KindRaid = "raid"
)

// Kinds lists the kinds in form order.
var Kinds = []string{KindSea, KindLand, KindRaid}

// Statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// SAR phases of a distress case, least urgent first.
const (
	PhaseUncertainty = "uncertainty"
	PhaseAlert       = "alert"
	PhaseDistress    = "distress"
)

// Phases lists the phases, least urgent first.
var Phases = []string{PhaseUncertainty, PhaseAlert, PhaseDistress}

// Verification of a raid report.
const (
	VerifyPending   = "pending"
	VerifyConfirmed = "confirmed"
	VerifyFalse     = "false_alarm"
)

// Verdicts are what a reviewer or a verifier may say of a raid report.
var Verdicts = []string{VerifyConfirmed, VerifyFalse}

// Outcomes of a closed distress case.
const (
	OutcomeRescued     = "rescued"
	OutcomeIntercepted = "intercepted"
	OutcomePushedBack  = "pushed_back"
	OutcomeArrived     = "arrived"
	OutcomeShipwreck   = "shipwreck"
	OutcomeDead        = "dead"
	OutcomeMissing     = "missing"
	OutcomeUnknown     = "unknown"
	// Raid reports end without a rescue.
	OutcomeEnded = "ended"
)

// Outcomes lists the outcomes of a distress case; RaidOutcomes those of a
// raid report.
var (
	Outcomes     = []string{OutcomeRescued, OutcomeIntercepted, OutcomePushedBack, OutcomeArrived, OutcomeShipwreck, OutcomeDead, OutcomeMissing, OutcomeUnknown}
	RaidOutcomes = []string{OutcomeEnded, OutcomeUnknown}
)

// Timeline entry kinds. People type the first six; the rest are written
// by the desk itself or by the alerting package.
const (
	EventCall     = "call"
	EventMessage  = "message"
	EventEmail    = "email"
	EventAck      = "ack"
	EventNote     = "note"
	EventPosition = "position"

	EventOpened       = "opened"
	EventPhase        = "phase"
	EventStatus       = "status"
	EventVerification = "verification"
	EventClosed       = "closed"
	EventReopened     = "reopened"
	EventIncident     = "incident"
	EventDelivery     = "delivery"
	// EventDetails: the case's details were edited; its text lists the
	// codes of the fields changed (DetailFields), never their values.
	EventDetails = "details"
)

// EventKinds are every kind a timeline may hold (each has a label).
var EventKinds = []string{EventCall, EventMessage, EventEmail, EventAck, EventNote, EventPosition, EventOpened, EventPhase,
	EventStatus, EventVerification, EventClosed, EventReopened, EventIncident, EventDelivery, EventDetails}

// EntryKinds are the kinds a person may add by hand.
var EntryKinds = []string{EventCall, EventMessage, EventEmail, EventAck, EventNote, EventPosition}

// Delivery statuses (set by the alerting package).
const (
	DeliveryPending      = "pending"
	DeliverySent         = "sent"
	DeliveryFailed       = "failed"
	DeliveryAcknowledged = "acknowledged"
)

// DeliveryStatuses lists the statuses an event may carry.
var DeliveryStatuses = []string{DeliveryPending, DeliverySent, DeliveryFailed, DeliveryAcknowledged}

// Errors.
var (
	ErrNotFound = errors.New("casedesk: not found")
	// ErrState: the change does not fit the case's state (closing a closed
	// case, verifying a distress case, making an incident twice).
	ErrState = errors.New("casedesk: not possible in this state")
	// ErrInvalid: a value outside its list (kind, phase, status, verdict).
	ErrInvalid = errors.New("casedesk: invalid value")
)

// Fix is one position of a case at a time.
type Fix struct {
	Point      geo.Point
	At         time.Time
	PrecisionM float64
}

// Details are a case's descriptive fields, sealed as one encrypted record.
type Details struct {
	Source     string   `json:"source,omitempty"` // boat, relative, aircraft, ship, other
	Language   string   `json:"lang,omitempty"`
	Men        *int     `json:"men,omitempty"`
	Women      *int     `json:"women,omitempty"`
	Minors     *int     `json:"minors,omitempty"`
	Medical    *int     `json:"medical,omitempty"`
	Pregnant   *int     `json:"pregnant,omitempty"`
	InWater    *int     `json:"in_water,omitempty"`
	Conditions []string `json:"conditions,omitempty"` // codes from Conditions
	Boat       string   `json:"boat,omitempty"`       // type, colour, engine
	Departure  string   `json:"departure,omitempty"`  // place
	DepartedAt time.Time
	Phone      string `json:"phone,omitempty"`     // caller's phone
	Relatives  string `json:"relatives,omitempty"` // relatives' contact
	Notes      string `json:"notes,omitempty"`
	// Raid reports (SALUTE).
	RaidType  string `json:"raid_type,omitempty"` // workplace, home, checkpoint, traffic_stop, courthouse, other
	Place     string `json:"place,omitempty"`     // address or description
	RadiusM   int    `json:"radius_m,omitempty"`
	Agencies  string `json:"agencies,omitempty"`
	Equipment string `json:"equipment,omitempty"` // agents, vehicles, uniforms, equipment
	Reporter  string `json:"reporter,omitempty"`  // empty: anonymous
}

// HasBreakdown says whether any head count beyond the total is known.
func (d Details) HasBreakdown() bool {
	return d.Men != nil || d.Women != nil || d.Minors != nil || d.Medical != nil || d.Pregnant != nil || d.InWater != nil
}

// Sources, conditions and raid types offered by the forms.
var (
	Sources    = []string{"boat", "relative", "aircraft", "ship", "other"}
	Conditions = []string{"water", "fuel", "engine", "injured", "children", "pregnant", "water_inside", "sick", "dead_on_board"}
	RaidTypes  = []string{"workplace", "home", "checkpoint", "traffic_stop", "courthouse", "other"}
)

// Case is a distress case or a raid report.
type Case struct {
	ID            int64
	Ref           string
	Kind          string
	Region        string
	Status        string
	Phase         string // sea and land
	Verification  string // raid
	Severity      int    // 1 (low) to 5 (critical)
	People        *int
	LastPosition  *Fix
	OpenedAt      time.Time
	OpenedBy      int64
	LastContactAt time.Time
	UpdatedAt     time.Time
	Details       Details
	Closure       *Closure
	IncidentID    int64
}

// Closure is how a case ended.
type Closure struct {
	Outcome   string
	RescuedBy string // sealed with TakenTo as the outcome note
	TakenTo   string
	Rescued   *int
	Dead      *int
	Missing   *int
	ClosedAt  time.Time
	ClosedBy  int64
}

// Distress says whether the case follows SAR phases (sea or land).
func (c *Case) Distress() bool { return c.Kind == KindSea || c.Kind == KindLand }

// PeopleCount is People for templates (0 when not known; check People).
func (c *Case) PeopleCount() int {
	if c.People == nil {
		return 0
	}
	return *c.People
}

// Open says whether the case is still open.
func (c *Case) Open() bool { return c.Status == StatusOpen }

// Event is one timeline entry.
type Event struct {
	ID     int64
	CaseID int64
	At     time.Time
	Author int64
	Kind   string
	Text   string
	Fix    *Fix
	Status string // for deliveries: pending, sent, failed, acknowledged
}

// Handover is a shift handover note.
type Handover struct {
	ID     int64
	Author int64
	At     time.Time
	Text   string
}

// Region is a code that goes into references, set by admins.
type Region struct{ Code, Name string }

// urgency ranks a case for the board: lower is more urgent.
func (c *Case) urgency() int {
	if c.Kind == KindRaid {
		switch c.Verification {
		case VerifyConfirmed:
			return 0
		case VerifyPending:
			return 1
		}
		return 3
	}
	switch c.Phase {
	case PhaseDistress:
		return 0
	case PhaseAlert:
		return 1
	}
	return 2
}
