package api

import (
	"time"

	"github.com/faro-project/faro/internal/incident"
)

// The JSON forms of records. Names are snake_case; a count or a yes/no
// nobody knows is null, never 0 or false. Encrypted fields sit in a
// "sensitive" object that is null when the viewer may not read them.

type incidentOut struct {
	ID                 int64           `json:"id"`
	Ref                string          `json:"ref"`
	Status             string          `json:"status"`
	TeamID             *int64          `json:"team_id"`
	Type               string          `json:"type"`
	Date               *string         `json:"date"`
	Time               *string         `json:"time"`
	DatePrecision      string          `json:"date_precision"`
	OccurredAt         *time.Time      `json:"occurred_at"`
	Country            string          `json:"country"`
	Adm1               string          `json:"adm1"`
	Adm2               string          `json:"adm2"`
	GroupSize          *int            `json:"group_size"`
	Dead               *int            `json:"dead"`
	Missing            *int            `json:"missing"`
	Survivors          *int            `json:"survivors"`
	Minors             *int            `json:"minors"`
	Women              *int            `json:"women"`
	Men                *int            `json:"men"`
	Officers           *int            `json:"officers"`
	Origins            []string        `json:"origins"`
	Units              string          `json:"units"`
	Uniforms           string          `json:"uniforms"`
	Vehicles           string          `json:"vehicles"`
	Violence           []string        `json:"violence"`
	AsylumAsked        *bool           `json:"asylum_asked"`
	InterpreterPresent *bool           `json:"interpreter_present"`
	SourceQuality      *int            `json:"source_quality"`
	Verification       string          `json:"verification"`
	VerifiedBy         *int64          `json:"verified_by"`
	VerifiedAt         *time.Time      `json:"verified_at"`
	Tags               []string        `json:"tags"`
	ConsentScope       string          `json:"consent_scope"`
	CreatedBy          int64           `json:"created_by"`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
	Sensitive          *sensitiveOut   `json:"sensitive"`
	Testimonies        *[]testimonyOut `json:"testimonies,omitempty"`
	Evidence           *[]string       `json:"evidence,omitempty"`
}

type sensitiveOut struct {
	Place    string       `json:"place"`
	Position *positionOut `json:"position"`
	Sources  string       `json:"sources"`
}

type positionOut struct {
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	PrecisionM int     `json:"precision_m"`
}

type testimonyOut struct {
	ID           int64                  `json:"id"`
	Language     string                 `json:"language"`
	TakenOn      *string                `json:"taken_on"`
	ConsentScope string                 `json:"consent_scope"`
	ConsentDate  *string                `json:"consent_date"`
	ConsentHow   string                 `json:"consent_how"`
	CreatedBy    int64                  `json:"created_by"`
	CreatedAt    time.Time              `json:"created_at"`
	Sensitive    *testimonySensitiveOut `json:"sensitive"`
}

// testimonySensitiveOut holds a testimony's encrypted fields. Exports
// leave out the names and contacts of interviewer, interpreter and witness.
type testimonySensitiveOut struct {
	Narrative       string  `json:"narrative"`
	Pseudonym       string  `json:"pseudonym"`
	Interviewer     *string `json:"interviewer,omitempty"`
	InterpreterName *string `json:"interpreter_name,omitempty"`
	WitnessContact  *string `json:"witness_contact,omitempty"`
}

type summaryOut struct {
	ID            int64   `json:"id"`
	Ref           string  `json:"ref"`
	Status        string  `json:"status"`
	Type          string  `json:"type"`
	Date          *string `json:"date"`
	DatePrecision string  `json:"date_precision"`
	Country       string  `json:"country"`
	Dead          *int    `json:"dead"`
	Missing       *int    `json:"missing"`
	Verification  string  `json:"verification"`
	ConsentScope  string  `json:"consent_scope"`
	TeamID        *int64  `json:"team_id"`
}

type listOut struct {
	Items   []summaryOut `json:"items"`
	Total   int          `json:"total"` // at most 10001, meaning more than 10000
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func optDay(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02")
	return &s
}

// when gives the date (to the precision known) and, for a time, the
// clock time of an incident.
func when(t time.Time, precision string) (date, clock *string) {
	if t.IsZero() {
		return nil, nil
	}
	t = t.UTC()
	d := t.Format("2006-01-02")
	switch precision {
	case incident.PrecisionMonth:
		d = t.Format("2006-01")
	case incident.PrecisionTime:
		c := t.Format("15:04")
		clock = &c
	}
	return &d, clock
}

func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// shape says what an answer holds.
type shape struct {
	sensitive   bool // the encrypted fields were decrypted for this viewer
	testimonies bool // the testimonies belong to the answer
	evidence    bool // the evidence ids belong to the answer
	export      bool // an export: no names or contacts of interviewers, interpreters, witnesses
}

// incidentJSON converts a record.
func incidentJSON(inc *incident.Incident, sh shape) incidentOut {
	o := incidentOut{
		ID: inc.ID, Ref: inc.Ref, Status: inc.Status, TeamID: optID(inc.TeamID), Type: inc.Type,
		DatePrecision: inc.DatePrecision, OccurredAt: optTime(inc.OccurredAt),
		Country: inc.Country, Adm1: inc.Adm1, Adm2: inc.Adm2,
		GroupSize: inc.Counts.GroupSize, Dead: inc.Counts.Dead, Missing: inc.Counts.Missing,
		Survivors: inc.Counts.Survivors, Minors: inc.Counts.Minors, Women: inc.Counts.Women, Men: inc.Counts.Men,
		Officers: inc.Officers, Origins: list(inc.Origins), Units: inc.Units, Uniforms: inc.Uniforms, Vehicles: inc.Vehicles,
		Violence: list(inc.Violence), AsylumAsked: inc.AsylumAsked, InterpreterPresent: inc.Interpreter,
		SourceQuality: inc.SourceQuality, Verification: inc.Verification, VerifiedBy: optID(inc.VerifiedBy),
		VerifiedAt: optTime(inc.VerifiedAt), Tags: list(inc.Tags), ConsentScope: inc.ConsentScope,
		CreatedBy: inc.CreatedBy, CreatedAt: inc.CreatedAt.UTC(), UpdatedAt: inc.UpdatedAt.UTC(),
	}
	o.Date, o.Time = when(inc.OccurredAt, inc.DatePrecision)
	if o.DatePrecision == "" || o.Date == nil {
		o.DatePrecision = incident.PrecisionDay
	}
	if sh.sensitive {
		s := &sensitiveOut{Place: inc.Place, Sources: inc.Sources}
		if inc.Point != nil {
			s.Position = &positionOut{Lat: inc.Point.Lat, Lon: inc.Point.Lon, PrecisionM: inc.PointPrecisionM}
		}
		o.Sensitive = s
	}
	if sh.testimonies {
		ts := make([]testimonyOut, 0, len(inc.Testimonies))
		for _, t := range inc.Testimonies {
			to := testimonyJSON(t, sh.sensitive)
			if s := to.Sensitive; s != nil && sh.export {
				s.Interviewer, s.InterpreterName, s.WitnessContact = nil, nil, nil
			}
			ts = append(ts, to)
		}
		o.Testimonies = &ts
	}
	if sh.evidence {
		ev := list(inc.Evidence)
		o.Evidence = &ev
	}
	return o
}

func testimonyJSON(t *incident.Testimony, sensitive bool) testimonyOut {
	o := testimonyOut{ID: t.ID, Language: t.Language, TakenOn: optDay(t.TakenOn), ConsentScope: t.ConsentScope,
		ConsentDate: optDay(t.ConsentDate), ConsentHow: t.ConsentHow, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.UTC()}
	if sensitive {
		o.Sensitive = &testimonySensitiveOut{Narrative: t.Narrative, Pseudonym: t.Pseudonym, Interviewer: &t.Interviewer,
			InterpreterName: &t.InterpreterName, WitnessContact: &t.WitnessContact}
	}
	return o
}

func summaryJSON(s incident.Summary) summaryOut {
	o := summaryOut{ID: s.ID, Ref: s.Ref, Status: s.Status, Type: s.Type, DatePrecision: s.DatePrecision,
		Country: s.Country, Dead: s.Dead, Missing: s.Missing, Verification: s.Verification,
		ConsentScope: s.ConsentScope, TeamID: optID(s.TeamID)}
	o.Date, _ = when(s.OccurredAt, s.DatePrecision)
	if o.DatePrecision == "" || o.Date == nil {
		o.DatePrecision = incident.PrecisionDay
	}
	return o
}
