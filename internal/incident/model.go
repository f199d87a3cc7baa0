// Package incident holds what border monitors and missing-migrant projects
// document: incidents (pushbacks, violence, deaths, disappearances…), the
// testimonies taken about them, and the evidence attached. Narratives,
// names, contacts and exact points are encrypted fields; the rest is kept
// in clear so that lists can be filtered and counted without the keys.
package incident

import (
	"errors"
	"time"
)

// Statuses of a record's life.
const (
	StatusDraft     = "draft"     // being written; only its author sees it
	StatusSubmitted = "submitted" // handed in for review
)

// Verification levels.
const (
	Unverified   = "unverified"
	Corroborated = "corroborated"
	Verified     = "verified"
)

// Verifications lists the levels in order.
var Verifications = []string{Unverified, Corroborated, Verified}

// Date precisions: an incident may be known to the minute, the day or only
// the month.
const (
	PrecisionTime  = "time"
	PrecisionDay   = "day"
	PrecisionMonth = "month"
)

// Consent scopes, from most to least restrictive.
const (
	ConsentInternal        = "internal"
	ConsentPartners        = "partners"
	ConsentPublicAnonymous = "public_anonymised"
	ConsentPublicNamed     = "public_named"
)

// ConsentScopes lists the scopes from most to least restrictive.
var ConsentScopes = []string{ConsentInternal, ConsentPartners, ConsentPublicAnonymous, ConsentPublicNamed}

// ErrNotFound is returned for an incident that does not exist or that the
// user may not see (the two are not told apart).
var ErrNotFound = errors.New("incident: not found")

// Incident is one documented event.
type Incident struct {
	ID                        int64
	Ref                       string
	Status                    string
	TeamID                    int64
	Type                      string
	OccurredAt                time.Time
	DatePrecision             string
	Country                   string // ISO 3166-1 alpha-2
	Adm1, Adm2                string
	Place                     string // sensitive: place description
	Point                     *Point // sensitive: exact position
	PointPrecisionM           int
	Counts                    Counts
	Origins                   []string // ISO 3166-1 alpha-2 codes
	Units, Uniforms, Vehicles string
	Officers                  *int
	Violence                  []string
	AsylumAsked               *bool
	Interpreter               *bool
	Sources                   string // sensitive: who told us and where it was published
	SourceQuality             *int
	Verification              string
	VerifiedBy                int64
	VerifiedAt                time.Time
	Tags                      []string
	ConsentScope              string // the broadest scope among its testimonies
	CreatedBy                 int64
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
	Testimonies               []*Testimony
	Evidence                  []string
}

// Point is a position.
type Point struct{ Lat, Lon float64 }

// Counts of people; nil means not known, which is not zero.
type Counts struct {
	GroupSize, Dead, Missing, Survivors, Minors, Women, Men *int
}

// Testimony is what one person told about an incident.
type Testimony struct {
	ID              int64
	IncidentID      int64
	Language        string
	Narrative       string // sensitive
	Pseudonym       string // sensitive
	Interviewer     string // sensitive
	InterpreterName string // sensitive
	WitnessContact  string // sensitive
	TakenOn         time.Time
	ConsentScope    string
	ConsentDate     time.Time
	ConsentHow      string
	CreatedBy       int64
	CreatedAt       time.Time
	Evidence        []string // evidence files attached to this testimony
}
