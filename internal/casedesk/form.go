package casedesk

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/geo"
)

// Errors maps a form field to the catalogue key of what is wrong with it.
type Errors map[string]string

// Limits on what a field may hold.
const (
	maxCount     = 100000
	maxShortText = 200
	maxText      = 20000
)

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

// count reads an optional count: empty is unknown (nil), not zero.
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

// choice reads a code that must be one of list; empty is allowed unless
// required.
func choice(form url.Values, field string, list []string, required bool, errs Errors) string {
	v := strings.TrimSpace(form.Get(field))
	if v == "" {
		if required {
			errs[field] = "form.required"
		}
		return ""
	}
	if !contains(list, v) {
		errs[field] = "form.choose_one"
		return ""
	}
	return v
}

// position reads an optional position in any format geo reads.
func position(form url.Values, field string, errs Errors) *Fix {
	v := strings.TrimSpace(form.Get(field))
	if v == "" {
		return nil
	}
	p, err := geo.ParsePositionDetail(v)
	if err != nil {
		errs[field] = positionError(err)
		return nil
	}
	return &Fix{Point: p.Point, PrecisionM: p.Precision}
}

// positionError tells what was wrong with a position, so that someone on
// the phone with a boat can ask the right question.
func positionError(err error) string {
	switch {
	case errors.Is(err, geo.ErrAmbiguous):
		return "casedesk.err.position_ambiguous"
	case errors.Is(err, geo.ErrOutOfRange):
		return "casedesk.err.position_range"
	case errors.Is(err, geo.ErrHemisphere):
		return "casedesk.err.position_hemisphere"
	case errors.Is(err, geo.ErrNoCoordinates):
		return "casedesk.err.position_link"
	}
	return "form.position"
}

// when reads a date and a time in UTC to the minute ("2026-11-25" and
// "14:05", or one field "2026-11-25T14:05" from a datetime-local input);
// empty means now. Times more than 10 minutes ahead are refused: a clock
// typo must not reorder the timeline.
func when(form url.Values, field string, now time.Time, errs Errors) time.Time {
	v := strings.TrimSpace(form.Get(field))
	if v == "" {
		return minute(now)
	}
	v = strings.Replace(v, " ", "T", 1)
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		// Some browsers send seconds from a datetime-local input.
		t, err = time.Parse("2006-01-02T15:04:05", v)
	}
	if err != nil {
		errs[field] = "casedesk.err.time"
		return time.Time{}
	}
	if t.After(now.Add(10 * time.Minute)) {
		errs[field] = "form.future"
		return time.Time{}
	}
	if t.Before(now.AddDate(-1, 0, 0)) {
		errs[field] = "casedesk.err.time_old"
		return time.Time{}
	}
	return minute(t)
}

// ParseCase reads the new-case form. regionOK says whether a region code
// exists. The first position, when given, is returned as fix.
func ParseCase(form url.Values, regionOK func(string) bool, now time.Time) (*Case, *Fix, Errors) {
	errs := Errors{}
	c := &Case{}
	c.Kind = choice(form, "kind", Kinds, true, errs)
	c.Region = strings.TrimSpace(form.Get("region"))
	if c.Region == "" {
		errs["region"] = "form.required"
	} else if !ValidRegionCode(c.Region) || !regionOK(c.Region) {
		errs["region"] = "form.choose_one"
	}
	c.Phase = choice(form, "phase", Phases, false, errs)
	c.Severity = 3
	if v := strings.TrimSpace(form.Get("severity")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			errs["severity"] = "casedesk.err.severity"
		} else {
			c.Severity = n
		}
	}
	c.People = count(form, "people", errs)
	c.Details = parseDetails(form, now, errs)
	if c.Kind == KindRaid {
		c.Phase = ""
		if c.Details.RaidType == "" {
			errs["raid_type"] = "form.required"
		}
	}
	fix := position(form, "position", errs)
	if fix != nil {
		fix.At = when(form, "position_at", now, errs)
	}
	if c.Kind == KindRaid && fix == nil && errs["position"] == "" {
		raidPlace(c.Details, errs)
	}
	return c, fix, errs
}

// raidPlace checks that a raid report without a position says where it
// happened: a place and how wide around it (responders must know where to
// go and how far to look). Only called when there is no position.
func raidPlace(d Details, errs Errors) {
	if errs["place"] != "" || errs["radius"] != "" {
		return
	}
	switch {
	case d.Place == "":
		errs["place"] = "casedesk.err.raid_place"
	case d.RadiusM <= 0:
		errs["radius"] = "casedesk.err.raid_radius"
	}
}

// parseDetails reads the fields of Details, shared by the new-case form
// and the details form of an open case.
func parseDetails(form url.Values, now time.Time, errs Errors) Details {
	var d Details
	d.Source = choice(form, "source", Sources, false, errs)
	d.Language = text(form, "language", 35, errs)
	d.Men, d.Women, d.Minors = count(form, "men", errs), count(form, "women", errs), count(form, "minors", errs)
	d.Medical, d.Pregnant, d.InWater = count(form, "medical", errs), count(form, "pregnant", errs), count(form, "in_water", errs)
	for _, v := range form["condition"] {
		if !contains(Conditions, v) {
			errs["condition"] = "form.choose_one"
			break
		}
		if !contains(d.Conditions, v) {
			d.Conditions = append(d.Conditions, v)
		}
	}
	d.Boat = text(form, "boat", maxShortText, errs)
	d.Departure = text(form, "departure", maxShortText, errs)
	if v := strings.TrimSpace(form.Get("departed_at")); v != "" {
		if t := when(form, "departed_at", now, errs); !t.IsZero() {
			d.DepartedAt = t
		}
	}
	d.Phone = phone(form, "phone", errs)
	d.Relatives = text(form, "relatives", maxShortText, errs)
	d.Notes = text(form, "notes", maxText, errs)
	d.RaidType = choice(form, "raid_type", RaidTypes, false, errs)
	d.Place = text(form, "place", maxShortText, errs)
	if v := strings.TrimSpace(form.Get("radius")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100000 {
			errs["radius"] = "form.count"
		} else {
			d.RadiusM = n
		}
	}
	d.Agencies = text(form, "agencies", maxShortText, errs)
	d.Equipment = text(form, "equipment", maxText, errs)
	d.Reporter = text(form, "reporter", maxShortText, errs)
	return d
}

// phone reads a phone number: digits with an optional leading +, spaces,
// dots, dashes and brackets allowed; 5 to 20 digits. Satellite phones
// (+8816…) and local numbers both pass.
func phone(form url.Values, field string, errs Errors) string {
	v := strings.TrimSpace(form.Get(field))
	if v == "" {
		return ""
	}
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			errs[field] = "casedesk.err.phone"
			return ""
		}
	}
	if digits < 5 || digits > 20 {
		errs[field] = "casedesk.err.phone"
		return ""
	}
	return v
}

// ParseEntry reads a timeline entry typed by hand: kind, time (default
// now), text, and a position (required for a position entry, allowed with
// a call or message that gave one).
func ParseEntry(form url.Values, now time.Time) (Event, Errors) {
	errs := Errors{}
	e := Event{}
	e.Kind = choice(form, "kind", EntryKinds, true, errs)
	e.At = when(form, "at", now, errs)
	e.Text = text(form, "text", maxText, errs)
	e.Fix = position(form, "position", errs)
	if e.Fix != nil {
		e.Fix.At = e.At
		if e.Kind != "" && e.Kind != EventPosition && e.Kind != EventCall && e.Kind != EventMessage {
			errs["position"] = "casedesk.err.position_kind"
		}
	}
	if e.Kind == EventPosition && e.Fix == nil && errs["position"] == "" {
		errs["position"] = "form.required"
	}
	if e.Kind != "" && e.Kind != EventPosition && e.Text == "" && errs["text"] == "" {
		errs["text"] = "form.required"
	}
	return e, errs
}

// ParseClose reads the closing form for a case of the given kind: an
// outcome from the kind's list and, for distress cases, the three counts
// (0 must be typed, not left empty); rescued needs by whom and where to.
func ParseClose(form url.Values, kind string) (Closure, Errors) {
	errs := Errors{}
	cl := Closure{}
	cl.Outcome = choice(form, "outcome", outcomesOf(kind), true, errs)
	cl.Rescued, cl.Dead, cl.Missing = count(form, "rescued", errs), count(form, "dead", errs), count(form, "missing", errs)
	cl.RescuedBy = text(form, "rescued_by", maxShortText, errs)
	cl.TakenTo = text(form, "taken_to", maxShortText, errs)
	if kind == KindRaid {
		return cl, errs
	}
	for f, p := range map[string]*int{"rescued": cl.Rescued, "dead": cl.Dead, "missing": cl.Missing} {
		if p == nil && errs[f] == "" {
			errs[f] = "casedesk.err.count_required"
		}
	}
	if cl.Outcome == OutcomeRescued {
		if cl.RescuedBy == "" && errs["rescued_by"] == "" {
			errs["rescued_by"] = "form.required"
		}
		if cl.TakenTo == "" && errs["taken_to"] == "" {
			errs["taken_to"] = "form.required"
		}
		if cl.Rescued != nil && *cl.Rescued == 0 {
			errs["rescued"] = "casedesk.err.rescued_none"
		}
	}
	if (cl.Outcome == OutcomeDead || cl.Outcome == OutcomeShipwreck) && cl.Dead != nil && cl.Missing != nil && *cl.Dead+*cl.Missing == 0 {
		errs["dead"] = "casedesk.err.dead_none"
	}
	if cl.Outcome == OutcomeMissing && cl.Missing != nil && *cl.Missing == 0 {
		errs["missing"] = "casedesk.err.missing_none"
	}
	return cl, errs
}

// ParsePhase reads the phase form: phase, severity, people on board.
func ParsePhase(form url.Values) (string, int, *int, Errors) {
	errs := Errors{}
	phase := choice(form, "phase", Phases, true, errs)
	sev, err := strconv.Atoi(strings.TrimSpace(form.Get("severity")))
	if err != nil || sev < 1 || sev > 5 {
		errs["severity"] = "casedesk.err.severity"
	}
	people := count(form, "people", errs)
	return phase, sev, people, errs
}

// ParseHandover reads a handover note.
func ParseHandover(form url.Values) (string, Errors) {
	errs := Errors{}
	t := text(form, "text", maxText, errs)
	if t == "" && errs["text"] == "" {
		errs["text"] = "form.required"
	}
	return t, errs
}
