package incident

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/geo"
)

// Steps of the intake form. Each step saves its own fields into the draft,
// so a lost connection loses at most the step being typed (and, with
// JavaScript, at most the last few seconds of it).
const (
	StepWhatWhere = 1
	StepPeople    = 2
	StepTestimony = 3
	StepSources   = 4
	Steps         = 4
)

// Errors maps a form field to the catalogue key of what is wrong with it.
type Errors map[string]string

// Limits on what a field may hold.
const (
	maxCount     = 100000
	maxShortText = 200
	maxText      = 100000 // a long testimony
)

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// Vocabulary says which codes are valid for a kind.
type Vocabulary interface {
	Valid(kind, code string) bool
}

// ApplyStep reads one step's fields from form into inc (and t for the
// testimony step). Valid fields are applied even when others are not, so
// that an autosave keeps everything that can be kept; errs says what is
// wrong. A submission with errors must not be saved by the caller.
func ApplyStep(step int, form url.Values, inc *Incident, t *Testimony, voc Vocabulary) Errors {
	errs := Errors{}
	switch step {
	case StepWhatWhere:
		applyWhatWhere(form, inc, voc, errs)
	case StepPeople:
		applyPeople(form, inc, voc, errs)
	case StepTestimony:
		applyTestimony(form, t, errs)
	case StepSources:
		applySources(form, inc, errs)
	default:
		errs[""] = "form.invalid_step"
	}
	return errs
}

func text(form url.Values, field string, max int, errs Errors) string {
	v := strings.TrimSpace(strings.ReplaceAll(form.Get(field), "\r\n", "\n"))
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }) {
		errs[field] = "form.invalid_text"
		return ""
	}
	if utf8.RuneCountInString(v) > max {
		errs[field] = "form.too_long"
		return ""
	}
	return v
}

func applyWhatWhere(form url.Values, inc *Incident, voc Vocabulary, errs Errors) {
	if v := form.Get("type"); v == "" {
		errs["type"] = "form.required"
	} else if !voc.Valid("incident_type", v) {
		errs["type"] = "form.choose"
	} else {
		inc.Type = v
	}
	if at, prec, key := parseWhen(form.Get("date"), form.Get("time")); key != "" {
		errs["date"] = key
	} else {
		inc.OccurredAt, inc.DatePrecision = at, prec
	}
	if c := strings.ToUpper(strings.TrimSpace(form.Get("country"))); c != "" && !countryCode.MatchString(c) {
		errs["country"] = "form.country"
	} else {
		inc.Country = c
	}
	inc.Adm1 = text(form, "adm1", maxShortText, errs)
	inc.Adm2 = text(form, "adm2", maxShortText, errs)
	inc.Place = text(form, "place", 2000, errs)
	if p := strings.TrimSpace(form.Get("position")); p == "" {
		inc.Point, inc.PointPrecisionM = nil, 0
	} else if pt, err := geo.ParsePositionDetail(p); err != nil {
		errs["position"] = "form.position"
	} else if inc.Point != nil && pt.Lat == inc.Point.Lat && pt.Lon == inc.Point.Lon {
		// The stored point, shown back in full decimals and saved again:
		// keep the precision its first writing gave (DMS, a map link).
	} else {
		inc.Point = &Point{Lat: pt.Lat, Lon: pt.Lon}
		inc.PointPrecisionM = int(pt.Precision)
	}
	if v := form.Get("team"); v == "" {
		if _, sent := form["team"]; sent {
			inc.TeamID = 0 // "none" chosen: the record is the whole group's
		}
	} else {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			errs["team"] = "form.choose"
		} else {
			inc.TeamID = id
		}
	}
}

// parseWhen reads a date (YYYY-MM-DD, or YYYY-MM when only the month is
// known) and an optional time (HH:MM, UTC) and says how precise they are.
func parseWhen(date, clock string) (time.Time, string, string) {
	date, clock = strings.TrimSpace(date), strings.TrimSpace(clock)
	if date == "" {
		return time.Time{}, "", "form.required"
	}
	if t, err := time.Parse("2006-01", date); err == nil {
		if clock != "" {
			return time.Time{}, "", "form.time_needs_day"
		}
		return t, PrecisionMonth, checkNotFuture(t)
	}
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return time.Time{}, "", "form.date"
	}
	if clock == "" {
		return d, PrecisionDay, checkNotFuture(d)
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, "", "form.time"
	}
	t := d.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute)
	return t, PrecisionTime, checkNotFuture(t)
}

func checkNotFuture(t time.Time) string {
	if t.Year() < 1900 {
		return "form.date"
	}
	if t.After(time.Now().Add(24 * time.Hour)) {
		return "form.future"
	}
	return ""
}

// count reads a number of people: empty means unknown (nil), not zero.
func count(form url.Values, field string, errs Errors) *int {
	v := strings.TrimSpace(form.Get(field))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxCount {
		errs[field] = "form.count"
		return nil
	}
	return &n
}

func triState(form url.Values, field string, errs Errors) *bool {
	switch form.Get(field) {
	case "", "unknown":
		return nil
	case "yes":
		v := true
		return &v
	case "no":
		v := false
		return &v
	}
	errs[field] = "form.choose"
	return nil
}

func applyPeople(form url.Values, inc *Incident, voc Vocabulary, errs Errors) {
	c := &inc.Counts
	c.GroupSize, c.Dead, c.Missing = count(form, "group_size", errs), count(form, "dead", errs), count(form, "missing", errs)
	c.Survivors, c.Minors = count(form, "survivors", errs), count(form, "minors", errs)
	c.Women, c.Men = count(form, "women", errs), count(form, "men", errs)
	if c.GroupSize != nil {
		// Minors may also be counted among the women and men, so only
		// those two must fit in the group, whether or not minors are known.
		sum := 0
		for _, p := range []*int{c.Women, c.Men} {
			if p != nil {
				sum += *p
			}
		}
		if sum > *c.GroupSize {
			errs["group_size"] = "form.group_too_small"
		}
	}
	inc.Officers = count(form, "officers", errs)
	inc.Origins = nil
	for _, o := range splitList(form.Get("origins")) {
		o = strings.ToUpper(o)
		if !countryCode.MatchString(o) {
			errs["origins"] = "form.country_list"
			continue
		}
		if !slices.Contains(inc.Origins, o) {
			inc.Origins = append(inc.Origins, o)
		}
	}
	inc.Units = text(form, "units", maxShortText, errs)
	inc.Uniforms = text(form, "uniforms", maxShortText, errs)
	inc.Vehicles = text(form, "vehicles", maxShortText, errs)
	inc.Violence = nil
	for _, v := range form["violence"] {
		if !voc.Valid("violence", v) {
			errs["violence"] = "form.choose"
			continue
		}
		if !slices.Contains(inc.Violence, v) {
			inc.Violence = append(inc.Violence, v)
		}
	}
	inc.AsylumAsked = triState(form, "asylum", errs)
	inc.Interpreter = triState(form, "interpreter", errs)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var langCode = regexp.MustCompile(`^[a-z]{2,3}$`)

func applyTestimony(form url.Values, t *Testimony, errs Errors) {
	t.Narrative = text(form, "narrative", maxText, errs)
	if l := strings.ToLower(strings.TrimSpace(form.Get("language"))); l != "" && !langCode.MatchString(l) {
		errs["language"] = "form.language"
	} else {
		t.Language = l
	}
	t.Pseudonym = text(form, "pseudonym", maxShortText, errs)
	t.Interviewer = text(form, "interviewer", maxShortText, errs)
	t.InterpreterName = text(form, "interpreter_name", maxShortText, errs)
	t.WitnessContact = text(form, "witness_contact", maxShortText, errs)
	if v := strings.TrimSpace(form.Get("taken_on")); v != "" {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			errs["taken_on"] = "form.date"
		} else {
			t.TakenOn = d
		}
	}
	scope := form.Get("consent_scope")
	if !slices.Contains(ConsentScopes, scope) {
		errs["consent_scope"] = "form.consent"
	} else {
		t.ConsentScope = scope
	}
	if v := strings.TrimSpace(form.Get("consent_date")); v != "" {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			errs["consent_date"] = "form.date"
		} else {
			t.ConsentDate = d
		}
	}
	switch how := form.Get("consent_how"); how {
	case "", "oral", "written", "recorded", "relayed":
		t.ConsentHow = how
	default:
		errs["consent_how"] = "form.choose"
	}
}

func applySources(form url.Values, inc *Incident, errs Errors) {
	inc.Sources = text(form, "sources", 5000, errs)
	inc.SourceQuality = nil
	if v := form.Get("source_quality"); v != "" {
		q, err := strconv.Atoi(v)
		if err != nil || q < 1 || q > 5 {
			errs["source_quality"] = "form.quality"
		} else {
			inc.SourceQuality = &q
		}
	}
	inc.Tags = nil
	for _, tag := range splitList(text(form, "tags", 500, errs)) {
		tag = strings.ToLower(tag)
		if utf8.RuneCountInString(tag) > 40 {
			errs["tags"] = "form.too_long"
			continue
		}
		if !slices.Contains(inc.Tags, tag) {
			inc.Tags = append(inc.Tags, tag)
		}
	}
}
