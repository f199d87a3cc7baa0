package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/incident"
)

// Request bodies are JSON objects whose members are the intake form's
// fields under their API names. They are turned into form values and
// validated by incident.ApplyStep, the very code the pages use, so the
// API accepts exactly what the forms accept.

// maxBody bounds every request body.
const maxBody = 1 << 20

// opt is a member that may be absent, null, or of the wrong type.
type opt[T any] struct {
	set, null, bad bool
	v              T
}

// UnmarshalJSON records presence; a value of the wrong type is reported
// as a field error later instead of failing the whole body.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.null = true
		return nil
	}
	if err := json.Unmarshal(b, &o.v); err != nil {
		o.bad = true
	}
	return nil
}

// incidentIn is the body of POST /api/incidents and PATCH /api/incidents/{id}.
type incidentIn struct {
	Type               opt[string]          `json:"type"`
	Date               opt[string]          `json:"date"`
	Time               opt[string]          `json:"time"`
	Country            opt[string]          `json:"country"`
	Adm1               opt[string]          `json:"adm1"`
	Adm2               opt[string]          `json:"adm2"`
	Place              opt[string]          `json:"place"`
	Position           opt[json.RawMessage] `json:"position"`
	TeamID             opt[int64]           `json:"team_id"`
	GroupSize          opt[int]             `json:"group_size"`
	Dead               opt[int]             `json:"dead"`
	Missing            opt[int]             `json:"missing"`
	Survivors          opt[int]             `json:"survivors"`
	Minors             opt[int]             `json:"minors"`
	Women              opt[int]             `json:"women"`
	Men                opt[int]             `json:"men"`
	Officers           opt[int]             `json:"officers"`
	Origins            opt[[]string]        `json:"origins"`
	Units              opt[string]          `json:"units"`
	Uniforms           opt[string]          `json:"uniforms"`
	Vehicles           opt[string]          `json:"vehicles"`
	Violence           opt[[]string]        `json:"violence"`
	AsylumAsked        opt[bool]            `json:"asylum_asked"`
	InterpreterPresent opt[bool]            `json:"interpreter_present"`
	Sources            opt[string]          `json:"sources"`
	SourceQuality      opt[int]             `json:"source_quality"`
	Tags               opt[[]string]        `json:"tags"`
}

// incidentCreateIn is the body of POST /api/incidents: the incident and,
// if the client has it, its first testimony. Both are written in one
// transaction: on a connection that drops, a record never lands without
// the testimony it was sent with, and a phone pays one round trip.
type incidentCreateIn struct {
	incidentIn
	Testimony opt[json.RawMessage] `json:"testimony"`
}

// testimonyIn is the body of POST /api/incidents/{id}/testimonies.
type testimonyIn struct {
	Narrative       opt[string] `json:"narrative"`
	Language        opt[string] `json:"language"`
	Pseudonym       opt[string] `json:"pseudonym"`
	Interviewer     opt[string] `json:"interviewer"`
	InterpreterName opt[string] `json:"interpreter_name"`
	WitnessContact  opt[string] `json:"witness_contact"`
	TakenOn         opt[string] `json:"taken_on"`
	ConsentScope    opt[string] `json:"consent_scope"`
	ConsentDate     opt[string] `json:"consent_date"`
	ConsentHow      opt[string] `json:"consent_how"`
}

// verifyIn is the body of POST /api/incidents/{id}/verify.
type verifyIn struct {
	Level opt[string] `json:"level"`
}

// badBody is a body that is not one JSON object of known members: a 400.
type badBody struct {
	field string // the unknown member, when that is what is wrong
}

func (e *badBody) Error() string { return "api: malformed body" }

// decodeStrict reads one JSON object into v, refusing unknown members and
// anything after the object.
func decodeStrict(data []byte, v any) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return &badBody{} // null, an array or a scalar is no object
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if f, err := strconv.Unquote(name); err == nil && len(f) <= 100 {
				return &badBody{field: f}
			}
		}
		return &badBody{}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &badBody{}
	}
	return nil
}

// field is one member in form terms.
type field struct {
	name  string // API name
	form  string // form field name
	step  int
	set   bool
	bad   bool
	value []string // form values; nil clears
}

// fieldNames maps the form's names to the API's where they differ, so
// that validation errors name the member the client sent.
var fieldNames = map[string]string{"team": "team_id", "asylum": "asylum_asked", "interpreter": "interpreter_present"}

func apiName(form string) string {
	if n, ok := fieldNames[form]; ok {
		return n
	}
	return form
}

func str[T ~string](o opt[T]) []string {
	if o.null {
		return nil
	}
	return []string{string(o.v)}
}

func num[T int | int64](o opt[T]) []string {
	if o.null {
		return nil
	}
	return []string{strconv.FormatInt(int64(o.v), 10)}
}

func tri(o opt[bool]) []string {
	switch {
	case o.null:
		return []string{"unknown"}
	case o.v:
		return []string{"yes"}
	}
	return []string{"no"}
}

func joined(o opt[[]string]) []string {
	if o.null {
		return nil
	}
	return []string{strings.Join(o.v, ",")}
}

func each(o opt[[]string]) []string {
	if o.null {
		return nil
	}
	return o.v
}

func (in *incidentIn) fields() []field {
	f := func(name, form string, step int, set, bad bool, v func() []string) field {
		fl := field{name: name, form: form, step: step, set: set, bad: bad}
		if set && !bad {
			fl.value = v()
		}
		return fl
	}
	const (
		s1 = incident.StepWhatWhere
		s2 = incident.StepPeople
		s4 = incident.StepSources
	)
	return []field{
		f("type", "type", s1, in.Type.set, in.Type.bad, func() []string { return str(in.Type) }),
		f("date", "date", s1, in.Date.set, in.Date.bad, func() []string { return str(in.Date) }),
		f("time", "time", s1, in.Time.set, in.Time.bad, func() []string { return str(in.Time) }),
		f("country", "country", s1, in.Country.set, in.Country.bad, func() []string { return str(in.Country) }),
		f("adm1", "adm1", s1, in.Adm1.set, in.Adm1.bad, func() []string { return str(in.Adm1) }),
		f("adm2", "adm2", s1, in.Adm2.set, in.Adm2.bad, func() []string { return str(in.Adm2) }),
		f("place", "place", s1, in.Place.set, in.Place.bad, func() []string { return str(in.Place) }),
		positionField(in.Position),
		f("team_id", "team", s1, in.TeamID.set, in.TeamID.bad, func() []string { return num(in.TeamID) }),
		f("group_size", "group_size", s2, in.GroupSize.set, in.GroupSize.bad, func() []string { return num(in.GroupSize) }),
		f("dead", "dead", s2, in.Dead.set, in.Dead.bad, func() []string { return num(in.Dead) }),
		f("missing", "missing", s2, in.Missing.set, in.Missing.bad, func() []string { return num(in.Missing) }),
		f("survivors", "survivors", s2, in.Survivors.set, in.Survivors.bad, func() []string { return num(in.Survivors) }),
		f("minors", "minors", s2, in.Minors.set, in.Minors.bad, func() []string { return num(in.Minors) }),
		f("women", "women", s2, in.Women.set, in.Women.bad, func() []string { return num(in.Women) }),
		f("men", "men", s2, in.Men.set, in.Men.bad, func() []string { return num(in.Men) }),
		f("officers", "officers", s2, in.Officers.set, in.Officers.bad, func() []string { return num(in.Officers) }),
		f("origins", "origins", s2, in.Origins.set, in.Origins.bad, func() []string { return joined(in.Origins) }),
		f("units", "units", s2, in.Units.set, in.Units.bad, func() []string { return str(in.Units) }),
		f("uniforms", "uniforms", s2, in.Uniforms.set, in.Uniforms.bad, func() []string { return str(in.Uniforms) }),
		f("vehicles", "vehicles", s2, in.Vehicles.set, in.Vehicles.bad, func() []string { return str(in.Vehicles) }),
		f("violence", "violence", s2, in.Violence.set, in.Violence.bad, func() []string { return each(in.Violence) }),
		f("asylum_asked", "asylum", s2, in.AsylumAsked.set, in.AsylumAsked.bad, func() []string { return tri(in.AsylumAsked) }),
		f("interpreter_present", "interpreter", s2, in.InterpreterPresent.set, in.InterpreterPresent.bad, func() []string { return tri(in.InterpreterPresent) }),
		f("sources", "sources", s4, in.Sources.set, in.Sources.bad, func() []string { return str(in.Sources) }),
		f("source_quality", "source_quality", s4, in.SourceQuality.set, in.SourceQuality.bad, func() []string { return num(in.SourceQuality) }),
		f("tags", "tags", s4, in.Tags.set, in.Tags.bad, func() []string { return joined(in.Tags) }),
	}
}

// positionField accepts a position as text in any form the intake form
// takes ("45.12, 15.6", degrees-minutes-seconds…) or as {"lat": …, "lon": …}.
func positionField(o opt[json.RawMessage]) field {
	fl := field{name: "position", form: "position", step: incident.StepWhatWhere, set: o.set, bad: o.bad}
	if !o.set || o.bad || o.null {
		return fl
	}
	var s string
	if json.Unmarshal(o.v, &s) == nil {
		fl.value = []string{s}
		return fl
	}
	var p struct {
		Lat *float64 `json:"lat"`
		Lon *float64 `json:"lon"`
	}
	dec := json.NewDecoder(bytes.NewReader(o.v))
	dec.DisallowUnknownFields()
	if dec.Decode(&p) != nil || p.Lat == nil || p.Lon == nil {
		fl.bad = true
		return fl
	}
	fl.value = []string{strconv.FormatFloat(*p.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(*p.Lon, 'f', -1, 64)}
	return fl
}

func (in *testimonyIn) fields() []field {
	s3 := incident.StepTestimony
	f := func(name string, o opt[string]) field {
		fl := field{name: name, form: name, step: s3, set: o.set, bad: o.bad}
		if o.set && !o.bad {
			fl.value = str(o)
		}
		return fl
	}
	return []field{
		f("narrative", in.Narrative), f("language", in.Language), f("pseudonym", in.Pseudonym),
		f("interviewer", in.Interviewer), f("interpreter_name", in.InterpreterName),
		f("witness_contact", in.WitnessContact), f("taken_on", in.TakenOn), f("consent_scope", in.ConsentScope),
		f("consent_date", in.ConsentDate), f("consent_how", in.ConsentHow),
	}
}

// plainText reports whether s holds no control character but newlines
// and tabs: NUL and the like have no place in a record, and PostgreSQL
// refuses NUL in text.
func plainText(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return (r < ' ' && r != '\n' && r != '\t' && r != '\r') || r == 0x7f
	}) < 0
}

// toForm overlays the present members on form (a record's current values,
// or empty for a new one). It returns the steps touched and, by API name,
// the members that are of the wrong type or hold control characters.
func toForm(fields []field, form url.Values) (map[int]bool, map[string]string) {
	steps := map[int]bool{}
	errs := map[string]string{}
	for _, f := range fields {
		if !f.set {
			continue
		}
		steps[f.step] = true
		if f.bad {
			errs[f.name] = "api.error.type"
			continue
		}
		for _, v := range f.value {
			if !plainText(v) {
				errs[f.name] = "form.invalid_text"
			}
		}
		if f.value == nil {
			form.Del(f.form)
		} else {
			form[f.form] = f.value
		}
	}
	return steps, errs
}

// present lists the API names of the members a body holds.
func present(fields []field) map[string]bool {
	out := map[string]bool{}
	for _, f := range fields {
		if f.set {
			out[f.name] = true
		}
	}
	return out
}

// applySteps validates the touched steps of form into inc (and t), adding
// ApplyStep's errors under API names.
func applySteps(steps []int, form url.Values, inc *incident.Incident, t *incident.Testimony, voc incident.Vocabulary, errs map[string]string) {
	for _, n := range steps {
		for f, k := range incident.ApplyStep(n, form, inc, t, voc) {
			if _, seen := errs[apiName(f)]; !seen {
				errs[apiName(f)] = k
			}
		}
	}
}

// newIncident decodes and validates a POST /api/incidents body. A nil
// error with a non-empty errs is a 422.
func newIncident(data []byte, voc incident.Vocabulary) (*incident.Incident, *incident.Testimony, map[string]string, error) {
	var in incidentCreateIn
	if err := decodeStrict(data, &in); err != nil {
		return nil, nil, nil, err
	}
	form := url.Values{}
	_, errs := toForm(in.fields(), form)
	inc := &incident.Incident{}
	applySteps([]int{incident.StepWhatWhere, incident.StepPeople, incident.StepSources}, form, inc, nil, voc, errs)
	if !in.Testimony.set || in.Testimony.null {
		return inc, nil, errs, nil
	}
	t, terrs, err := newTestimony(in.Testimony.v)
	var bad *badBody
	if errors.As(err, &bad) {
		if bad.field != "" {
			bad.field = testimonyPrefix + bad.field
		}
		return nil, nil, nil, bad
	}
	if err != nil {
		return nil, nil, nil, err
	}
	for k, v := range terrs {
		errs[testimonyPrefix+k] = v
	}
	return inc, t, errs, nil
}

// testimonyPrefix names a testimony's member inside an incident's body in
// error lists ("testimony.narrative"), as JSON Pointer-like paths do.
const testimonyPrefix = "testimony."

// patchIncident decodes a PATCH body and applies it to inc: members left
// out keep their value, null clears one.
func patchIncident(data []byte, inc *incident.Incident, voc incident.Vocabulary) (map[string]string, error) {
	var in incidentIn
	if err := decodeStrict(data, &in); err != nil {
		return nil, err
	}
	fields := in.fields()
	form := incident.FormValues(inc, nil)
	touched, errs := toForm(fields, form)
	had := present(fields)
	point, precision, team := inc.Point, inc.PointPrecisionM, inc.TeamID
	var steps []int
	for _, n := range []int{incident.StepWhatWhere, incident.StepPeople, incident.StepSources} {
		if touched[n] {
			steps = append(steps, n)
		}
	}
	applySteps(steps, form, inc, nil, voc, errs)
	// A draft may still lack what the forms require (type, date): that is
	// for submission to refuse, not for a change to another member.
	for name, key := range errs {
		if key == "form.required" && !had[name] {
			delete(errs, name)
		}
	}
	// The stored position reads back with the digits it was stored with,
	// which may not be the precision it was typed with: keep it as it is
	// unless the body changes it.
	if !had["position"] {
		inc.Point, inc.PointPrecisionM = point, precision
	}
	switch {
	case had["team_id"] && in.TeamID.null:
		inc.TeamID = 0
	case !had["team_id"]:
		inc.TeamID = team
	}
	return errs, nil
}

// newTestimony decodes and validates a testimony body.
func newTestimony(data []byte) (*incident.Testimony, map[string]string, error) {
	var in testimonyIn
	if err := decodeStrict(data, &in); err != nil {
		return nil, nil, err
	}
	form := url.Values{}
	_, errs := toForm(in.fields(), form)
	t := &incident.Testimony{}
	applySteps([]int{incident.StepTestimony}, form, nil, t, nil, errs)
	return t, errs, nil
}
