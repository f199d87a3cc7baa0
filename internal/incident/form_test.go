package incident_test

import (
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/incident"
)

// vocab is the built-in vocabulary, as the form sees it.
var vocab = incident.Snapshot{
	"incident_type": set("pushback", "chain_pushback", "violence", "detention_abuse", "death", "disappearance",
		"family_separation", "destruction_of_aid", "other"),
	"violence": set("beating", "kicking", "dog_attack", "electric_shock", "forced_undressing", "theft_or_destruction",
		"shots_fired", "reckless_driving", "denial_of_food_water", "other"),
}

func set(codes ...string) map[string]bool {
	m := map[string]bool{}
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// form builds url.Values from alternating names and values.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func with(base url.Values, kv ...string) url.Values {
	v := url.Values{}
	for k, vs := range base {
		v[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// catalogue checks that every key the form reports is a message in every
// language, so a user always reads a sentence, never a key.
func catalogueHas(t *testing.T, keys ...string) {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		for _, l := range b.Langs() {
			if _, ok := b.Lookup(l, k); !ok {
				t.Errorf("catalogue %s lacks %q", l, k)
			}
		}
	}
}

var validStep1 = form("type", "pushback", "date", "2026-11-02", "country", "hr", "adm1", "Karlovac", "adm2", "Cetingrad",
	"place", "Forest path\r\nby the fence", "position", `45°08'12"N 15°35'40"E`, "team", "3")

func TestApplyStepWhatWhere(t *testing.T) {
	inc := &incident.Incident{}
	if errs := incident.ApplyStep(incident.StepWhatWhere, validStep1, inc, nil, vocab); len(errs) != 0 {
		t.Fatalf("valid step 1: %v", errs)
	}
	if inc.Type != "pushback" || inc.Country != "HR" || inc.Adm1 != "Karlovac" || inc.Adm2 != "Cetingrad" || inc.TeamID != 3 {
		t.Errorf("step 1 fields not applied: %+v", inc)
	}
	if inc.Place != "Forest path\nby the fence" {
		t.Errorf("place: line ends not normalised")
	}
	if !inc.OccurredAt.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) || inc.DatePrecision != incident.PrecisionDay {
		t.Errorf("day: %v %s", inc.OccurredAt, inc.DatePrecision)
	}
	// 45°08'12"N 15°35'40"E
	if inc.Point == nil || math.Abs(inc.Point.Lat-(45+8.0/60+12.0/3600)) > 1e-9 || math.Abs(inc.Point.Lon-(15+35.0/60+40.0/3600)) > 1e-9 {
		t.Errorf("DMS position: %+v", inc.Point)
	}
	if inc.PointPrecisionM < 20 || inc.PointPrecisionM > 40 {
		t.Errorf("a position to the second is good to about 30 m, not %d m", inc.PointPrecisionM)
	}

	when := []struct {
		date, clock string
		want        time.Time
		prec        string
	}{
		{"2026-11", "", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), incident.PrecisionMonth},
		{" 2026-03 ", "", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), incident.PrecisionMonth},
		{"2026-03-09", "", time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), incident.PrecisionDay},
		{"2026-03-09", "21:40", time.Date(2026, 3, 9, 21, 40, 0, 0, time.UTC), incident.PrecisionTime},
		{"2026-03-09", "00:00", time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), incident.PrecisionTime},
		{"1995-07-11", "", time.Date(1995, 7, 11, 0, 0, 0, 0, time.UTC), incident.PrecisionDay},
	}
	for _, w := range when {
		inc := &incident.Incident{}
		errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, "date", w.date, "time", w.clock), inc, nil, vocab)
		if len(errs) != 0 || !inc.OccurredAt.Equal(w.want) || inc.DatePrecision != w.prec {
			t.Errorf("date %q time %q: %v %s %v, want %v %s", w.date, w.clock, inc.OccurredAt, inc.DatePrecision, errs, w.want, w.prec)
		}
	}

	soon := time.Now().UTC().AddDate(0, 0, 3)
	bad := []struct {
		name        string
		kv          []string
		field, want string
	}{
		{"no type", []string{"type", ""}, "type", "form.required"},
		{"unknown type", []string{"type", "invasion"}, "type", "form.choose"},
		{"no date", []string{"date", ""}, "date", "form.required"},
		{"blank date", []string{"date", "   "}, "date", "form.required"},
		{"no month 13", []string{"date", "2026-13-01"}, "date", "form.date"},
		{"no 31 November", []string{"date", "2026-11-31"}, "date", "form.date"},
		{"day first", []string{"date", "25/11/2026"}, "date", "form.date"},
		{"words", []string{"date", "last week"}, "date", "form.date"},
		{"before 1900", []string{"date", "1850-01-01"}, "date", "form.date"},
		{"future day", []string{"date", soon.Format("2006-01-02")}, "date", "form.future"},
		{"future month", []string{"date", soon.AddDate(0, 2, 0).Format("2006-01")}, "date", "form.future"},
		{"month with a time", []string{"date", "2026-10", "time", "10:00"}, "date", "form.time_needs_day"},
		{"hour 25", []string{"time", "25:00"}, "date", "form.time"},
		{"time with seconds", []string{"time", "10:00:00"}, "date", "form.time"},
		{"three letters", []string{"country", "HRV"}, "country", "form.country"},
		{"digit", []string{"country", "H1"}, "country", "form.country"},
		{"name", []string{"country", "Croatia"}, "country", "form.country"},
		{"unreadable position", []string{"position", "by the big tree"}, "position", "form.position"},
		{"latitude out of range", []string{"position", "95.1, 15.2"}, "position", "form.position"},
		{"place too long", []string{"place", strings.Repeat("ب", 2001)}, "place", "form.too_long"},
		{"adm1 too long", []string{"adm1", strings.Repeat("x", 201)}, "adm1", "form.too_long"},
		{"adm2 too long", []string{"adm2", strings.Repeat("x", 201)}, "adm2", "form.too_long"},
		{"broken text", []string{"place", "caf\xe9"}, "place", "form.invalid_text"},
		{"negative team", []string{"team", "-2"}, "team", "form.choose"},
		{"team name", []string{"team", "Balkans"}, "team", "form.choose"},
	}
	var keys []string
	for _, b := range bad {
		inc := &incident.Incident{}
		errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, b.kv...), inc, nil, vocab)
		if errs[b.field] != b.want || len(errs) != 1 {
			t.Errorf("%s: errors %v, want only %s=%s", b.name, errs, b.field, b.want)
		}
		keys = append(keys, b.want)
		// The other fields are still read (autosave keeps them).
		if b.field != "type" && inc.Type != "pushback" || b.field != "country" && inc.Country != "HR" {
			t.Errorf("%s: valid fields were not applied", b.name)
		}
	}
	catalogueHas(t, keys...)

	// At the limits, and empty optional fields.
	inc = &incident.Incident{Point: &incident.Point{Lat: 1, Lon: 1}, PointPrecisionM: 5, Country: "GR", TeamID: 9}
	errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, "place", strings.Repeat("ب", 2000),
		"adm1", strings.Repeat("x", 200), "position", "", "country", "", "team", ""), inc, nil, vocab)
	if len(errs) != 0 {
		t.Errorf("values at their limits: %v", errs)
	}
	if inc.Point != nil || inc.PointPrecisionM != 0 || inc.Country != "" {
		t.Errorf("emptied position or country kept their old values")
	}
	if inc.TeamID != 0 {
		t.Errorf("choosing no team kept the old team")
	}
	// The stored point shown back in full and saved again keeps its
	// precision; a moved point takes the new writing's precision.
	inc = &incident.Incident{Point: &incident.Point{Lat: 45 + 8.0/60 + 12.0/3600, Lon: 15 + 35.0/60 + 40.0/3600}, PointPrecisionM: 30}
	// (as the edit form prints it: every decimal of the stored floats)
	shown := strconv.FormatFloat(inc.Point.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(inc.Point.Lon, 'f', -1, 64)
	if errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, "position", shown), inc, nil, vocab); len(errs) != 0 || inc.PointPrecisionM != 30 {
		t.Errorf("unchanged position re-saved: precision %d m, errors %v", inc.PointPrecisionM, errs)
	}
	if errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, "position", "45.1, 15.6"), inc, nil, vocab); len(errs) != 0 ||
		inc.PointPrecisionM != 11132 || inc.Point.Lat != 45.1 {
		t.Errorf("moved position: %+v, precision %d m, errors %v", inc.Point, inc.PointPrecisionM, errs)
	}
	// Other ways of writing a position.
	for in, want := range map[string]incident.Point{
		"35.5689, -1.2898":     {Lat: 35.5689, Lon: -1.2898},
		`35°34'08"N 1°17'23"W`: {Lat: 35 + 34.0/60 + 8.0/3600, Lon: -(1 + 17.0/60 + 23.0/3600)},
		"https://www.openstreetmap.org/#map=17/39.12345/26.54321": {Lat: 39.12345, Lon: 26.54321},
	} {
		inc := &incident.Incident{}
		errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, "position", in), inc, nil, vocab)
		if len(errs) != 0 || inc.Point == nil || math.Abs(inc.Point.Lat-want.Lat) > 1e-6 || math.Abs(inc.Point.Lon-want.Lon) > 1e-6 {
			t.Errorf("position %q: %+v %v", in, inc.Point, errs)
		}
	}
}

var validStep2 = form("group_size", "12", "dead", "0", "missing", "", "survivors", " 11 ", "minors", "3", "women", "2", "men", "7",
	"officers", "4", "origins", "sy, af;SY\nPK", "units", "border police", "uniforms", "dark blue", "vehicles", "white van",
	"violence", "beating", "violence", "dog_attack", "violence", "beating", "asylum", "yes", "interpreter", "no")

func TestApplyStepPeople(t *testing.T) {
	inc := &incident.Incident{}
	if errs := incident.ApplyStep(incident.StepPeople, validStep2, inc, nil, vocab); len(errs) != 0 {
		t.Fatalf("valid step 2: %v", errs)
	}
	c := inc.Counts
	if c.GroupSize == nil || *c.GroupSize != 12 || c.Survivors == nil || *c.Survivors != 11 || c.Men == nil || *c.Men != 7 {
		t.Errorf("counts not applied")
	}
	if c.Dead == nil || *c.Dead != 0 {
		t.Errorf("0 dead read as unknown")
	}
	if c.Missing != nil {
		t.Errorf("an empty count is not zero: it is unknown")
	}
	if !slices.Equal(inc.Origins, []string{"SY", "AF", "PK"}) {
		t.Errorf("origins: %v", inc.Origins)
	}
	if !slices.Equal(inc.Violence, []string{"beating", "dog_attack"}) {
		t.Errorf("violence: %v", inc.Violence)
	}
	if inc.AsylumAsked == nil || !*inc.AsylumAsked || inc.Interpreter == nil || *inc.Interpreter {
		t.Errorf("yes/no answers not applied")
	}
	if inc.Officers == nil || *inc.Officers != 4 || inc.Units != "border police" {
		t.Errorf("perpetrators not applied")
	}
	// Unknown answers are nil, and every count may be left empty.
	inc = &incident.Incident{}
	errs := incident.ApplyStep(incident.StepPeople, form("asylum", "unknown", "group_size", "100000"), inc, nil, vocab)
	if len(errs) != 0 || inc.AsylumAsked != nil || inc.Interpreter != nil || inc.Counts.Dead != nil || inc.Officers != nil ||
		inc.Counts.GroupSize == nil || *inc.Counts.GroupSize != 100000 {
		t.Errorf("unknowns: %v", errs)
	}

	var keys []string
	for _, f := range []string{"group_size", "dead", "missing", "survivors", "minors", "women", "men", "officers"} {
		for _, v := range []string{"-1", "abc", "100001", "1.5", "1e3", "٣"} {
			inc := &incident.Incident{}
			errs := incident.ApplyStep(incident.StepPeople, with(with(validStep2, "minors", "", "group_size", ""), f, v), inc, nil, vocab)
			if errs[f] != "form.count" {
				t.Errorf("%s=%q: errors %v, want form.count", f, v, errs)
			}
		}
	}
	bad := []struct {
		name        string
		kv          []string
		field, want string
	}{
		{"women and men more than the group", []string{"group_size", "5", "minors", "", "women", "4", "men", "3"}, "group_size", "form.group_too_small"},
		{"women and men more than the group, minors known", []string{"group_size", "5", "minors", "1", "women", "4", "men", "3"}, "group_size", "form.group_too_small"},
		{"three-letter origin", []string{"origins", "SY, AFG"}, "origins", "form.country_list"},
		{"unknown violence", []string{"violence", "tickling"}, "violence", "form.choose"},
		{"asylum maybe", []string{"asylum", "maybe"}, "asylum", "form.choose"},
		{"interpreter 1", []string{"interpreter", "1"}, "interpreter", "form.choose"},
		{"units too long", []string{"units", strings.Repeat("u", 201)}, "units", "form.too_long"},
		{"uniforms too long", []string{"uniforms", strings.Repeat("u", 201)}, "uniforms", "form.too_long"},
		{"vehicles too long", []string{"vehicles", strings.Repeat("u", 201)}, "vehicles", "form.too_long"},
	}
	for _, b := range bad {
		inc := &incident.Incident{}
		errs := incident.ApplyStep(incident.StepPeople, with(validStep2, b.kv...), inc, nil, vocab)
		if errs[b.field] != b.want || len(errs) != 1 {
			t.Errorf("%s: errors %v, want only %s=%s", b.name, errs, b.field, b.want)
		}
		keys = append(keys, b.want)
	}
	// Valid origins next to an invalid one are kept.
	inc = &incident.Incident{}
	incident.ApplyStep(incident.StepPeople, with(validStep2, "origins", "SY, AFG, er"), inc, nil, vocab)
	if !slices.Equal(inc.Origins, []string{"SY", "ER"}) {
		t.Errorf("origins beside an invalid one: %v", inc.Origins)
	}
	// A group exactly as large as the women and men in it is fine.
	if errs := incident.ApplyStep(incident.StepPeople, with(validStep2, "group_size", "9", "minors", "", "women", "2", "men", "7"),
		&incident.Incident{}, nil, vocab); len(errs) != 0 {
		t.Errorf("group equal to women + men: %v", errs)
	}
	catalogueHas(t, append(keys, "form.count")...)
}

var validStep3 = form("narrative", "We walked two nights.\r\nThen the police came.", "language", " FA ", "pseudonym", "R.",
	"interviewer", "volunteer A", "interpreter_name", "volunteer B", "witness_contact", "via the shelter",
	"taken_on", "2026-11-22", "consent_scope", "partners", "consent_date", "2026-11-22", "consent_how", "oral")

func TestApplyStepTestimony(t *testing.T) {
	tm := &incident.Testimony{}
	if errs := incident.ApplyStep(incident.StepTestimony, validStep3, &incident.Incident{}, tm, vocab); len(errs) != 0 {
		t.Fatalf("valid step 3: %v", errs)
	}
	if tm.Narrative != "We walked two nights.\nThen the police came." {
		t.Errorf("narrative not applied or line ends not normalised")
	}
	if tm.Language != "fa" || tm.Pseudonym != "R." || tm.Interviewer != "volunteer A" || tm.InterpreterName != "volunteer B" ||
		tm.WitnessContact != "via the shelter" || tm.ConsentScope != incident.ConsentPartners || tm.ConsentHow != "oral" ||
		!tm.TakenOn.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) || !tm.ConsentDate.Equal(tm.TakenOn) {
		t.Errorf("testimony fields not applied")
	}
	for _, scope := range incident.ConsentScopes {
		tm := &incident.Testimony{}
		if errs := incident.ApplyStep(incident.StepTestimony, with(validStep3, "consent_scope", scope), &incident.Incident{}, tm, vocab); len(errs) != 0 || tm.ConsentScope != scope {
			t.Errorf("scope %s: %v", scope, errs)
		}
	}
	// The longest testimony fits.
	long := strings.Repeat("ش", 100000)
	tm = &incident.Testimony{}
	if errs := incident.ApplyStep(incident.StepTestimony, with(validStep3, "narrative", long), &incident.Incident{}, tm, vocab); len(errs) != 0 || tm.Narrative != long {
		t.Errorf("a 100000-character testimony: %v", errs)
	}
	bad := []struct {
		name        string
		kv          []string
		field, want string
	}{
		{"no consent", []string{"consent_scope", ""}, "consent_scope", "form.consent"},
		{"made-up consent", []string{"consent_scope", "everyone"}, "consent_scope", "form.consent"},
		{"consent in capitals", []string{"consent_scope", "PARTNERS"}, "consent_scope", "form.consent"},
		{"language name", []string{"language", "arabic"}, "language", "form.language"},
		{"language tag", []string{"language", "fa-IR"}, "language", "form.language"},
		{"taken on", []string{"taken_on", "22.11.2026"}, "taken_on", "form.date"},
		{"consent date", []string{"consent_date", "yesterday"}, "consent_date", "form.date"},
		{"consent how", []string{"consent_how", "telepathy"}, "consent_how", "form.choose"},
		{"narrative too long", []string{"narrative", long + "x"}, "narrative", "form.too_long"},
		{"pseudonym too long", []string{"pseudonym", strings.Repeat("p", 201)}, "pseudonym", "form.too_long"},
		{"contact too long", []string{"witness_contact", strings.Repeat("p", 201)}, "witness_contact", "form.too_long"},
		{"broken narrative", []string{"narrative", "\xff\xfe"}, "narrative", "form.invalid_text"},
	}
	var keys []string
	for _, b := range bad {
		tm := &incident.Testimony{}
		errs := incident.ApplyStep(incident.StepTestimony, with(validStep3, b.kv...), &incident.Incident{}, tm, vocab)
		if errs[b.field] != b.want || len(errs) != 1 {
			t.Errorf("%s: errors %v, want only %s=%s", b.name, errs, b.field, b.want)
		}
		keys = append(keys, b.want)
	}
	catalogueHas(t, keys...)
}

var validStep4 = form("sources", "Interview at the shelter", "source_quality", "4", "tags", "Night, night; river\nforest")

func TestApplyStepSources(t *testing.T) {
	inc := &incident.Incident{SourceQuality: ptr(2), Tags: []string{"old"}}
	if errs := incident.ApplyStep(incident.StepSources, validStep4, inc, nil, vocab); len(errs) != 0 {
		t.Fatalf("valid step 4: %v", errs)
	}
	if inc.Sources != "Interview at the shelter" || inc.SourceQuality == nil || *inc.SourceQuality != 4 {
		t.Errorf("sources not applied")
	}
	if !slices.Equal(inc.Tags, []string{"night", "river", "forest"}) {
		t.Errorf("tags: %v", inc.Tags)
	}
	inc = &incident.Incident{SourceQuality: ptr(2)}
	if errs := incident.ApplyStep(incident.StepSources, form(), inc, nil, vocab); len(errs) != 0 || inc.SourceQuality != nil || inc.Tags != nil {
		t.Errorf("an emptied quality or tag list is kept: %v", errs)
	}
	for q := 1; q <= 5; q++ {
		inc := &incident.Incident{}
		s := string(rune('0' + q))
		if errs := incident.ApplyStep(incident.StepSources, with(validStep4, "source_quality", s), inc, nil, vocab); len(errs) != 0 || *inc.SourceQuality != q {
			t.Errorf("quality %d: %v", q, errs)
		}
	}
	bad := []struct {
		name        string
		kv          []string
		field, want string
	}{
		{"quality 0", []string{"source_quality", "0"}, "source_quality", "form.quality"},
		{"quality 6", []string{"source_quality", "6"}, "source_quality", "form.quality"},
		{"quality word", []string{"source_quality", "good"}, "source_quality", "form.quality"},
		{"quality -1", []string{"source_quality", "-1"}, "source_quality", "form.quality"},
		{"sources too long", []string{"sources", strings.Repeat("s", 5001)}, "sources", "form.too_long"},
		{"a tag too long", []string{"tags", "night, " + strings.Repeat("t", 41)}, "tags", "form.too_long"},
		{"tags too long", []string{"tags", strings.Repeat("tag, ", 101)}, "tags", "form.too_long"},
	}
	var keys []string
	for _, b := range bad {
		inc := &incident.Incident{}
		errs := incident.ApplyStep(incident.StepSources, with(validStep4, b.kv...), inc, nil, vocab)
		if errs[b.field] != b.want || len(errs) != 1 {
			t.Errorf("%s: errors %v, want only %s=%s", b.name, errs, b.field, b.want)
		}
		if b.field == "source_quality" && inc.SourceQuality != nil {
			t.Errorf("%s: an invalid quality was applied", b.name)
		}
		keys = append(keys, b.want)
	}
	catalogueHas(t, keys...)
}

func TestApplyStepUnknownStep(t *testing.T) {
	for _, n := range []int{0, -1, 5, 99} {
		inc := &incident.Incident{Type: "death"}
		errs := incident.ApplyStep(n, validStep1, inc, &incident.Testimony{}, vocab)
		if errs[""] != "form.invalid_step" || inc.Type != "death" {
			t.Errorf("step %d: %v", n, errs)
		}
	}
	catalogueHas(t, "form.invalid_step")
}

// fuzzFields are the names a form may carry, across all steps.
var fuzzFields = []string{"type", "date", "time", "country", "adm1", "adm2", "place", "position", "team",
	"group_size", "dead", "missing", "survivors", "minors", "women", "men", "officers", "origins", "units", "uniforms",
	"vehicles", "violence", "asylum", "interpreter", "narrative", "language", "pseudonym", "interviewer",
	"interpreter_name", "witness_contact", "taken_on", "consent_scope", "consent_date", "consent_how",
	"sources", "source_quality", "tags"}

var (
	twoUpper = regexp.MustCompile(`^[A-Z]{2}$`)
	langRe   = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// FuzzApplyStep feeds random forms to every step: it must never panic,
// and whatever it accepts must be within the limits the rest of Faro
// relies on.
func FuzzApplyStep(f *testing.F) {
	f.Add(uint8(1), validStep1.Encode(), "", "", "", uint32(0))
	f.Add(uint8(2), validStep2.Encode(), "-5", "200000", "x", uint32(0x0a0b0c))
	f.Add(uint8(3), validStep3.Encode(), "public_named", "", "", uint32(31))
	f.Add(uint8(4), validStep4.Encode(), "5", "0", "", uint32(35))
	f.Add(uint8(1), "date=2026-11&time=&country=gr", "45°08'12\"N 15°35'40\"E", "ſſ", "", uint32(0x070307))
	f.Add(uint8(2), "origins=ıı,sy&violence=beating", "+7", "0x10", "٣", uint32(0x101112))
	f.Add(uint8(0), "", "", "", "", uint32(0))
	bundle, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, step uint8, raw, v1, v2, v3 string, sel uint32) {
		vals, _ := url.ParseQuery(raw)
		if vals == nil {
			vals = url.Values{}
		}
		for i, v := range []string{v1, v2, v3} {
			name := fuzzFields[int(sel>>(8*i)&0xff)%len(fuzzFields)]
			vals.Add(name, v)
		}
		inc, tm := &incident.Incident{}, &incident.Testimony{}
		errs := incident.ApplyStep(int(step%6), vals, inc, tm, vocab)
		for field, key := range errs {
			if _, ok := bundle.Lookup("en", key); !ok {
				t.Errorf("field %q: error key %q is not in the catalogue", field, key)
			}
		}
		c := inc.Counts
		for name, p := range map[string]*int{"group_size": c.GroupSize, "dead": c.Dead, "missing": c.Missing,
			"survivors": c.Survivors, "minors": c.Minors, "women": c.Women, "men": c.Men, "officers": inc.Officers} {
			if p != nil && (*p < 0 || *p > 100000) {
				t.Errorf("%s accepted %d", name, *p)
			}
		}
		if inc.Country != "" && !twoUpper.MatchString(inc.Country) {
			t.Errorf("country accepted %q", inc.Country)
		}
		for _, o := range inc.Origins {
			if !twoUpper.MatchString(o) {
				t.Errorf("origin accepted %q", o)
			}
		}
		if inc.SourceQuality != nil && (*inc.SourceQuality < 1 || *inc.SourceQuality > 5) {
			t.Errorf("source quality accepted %d", *inc.SourceQuality)
		}
		if tm.ConsentScope != "" && !slices.Contains(incident.ConsentScopes, tm.ConsentScope) {
			t.Errorf("consent accepted %q", tm.ConsentScope)
		}
		if !slices.Contains([]string{"", "oral", "written", "recorded", "relayed"}, tm.ConsentHow) {
			t.Errorf("consent how accepted %q", tm.ConsentHow)
		}
		if tm.Language != "" && !langRe.MatchString(tm.Language) {
			t.Errorf("language accepted %q", tm.Language)
		}
		if inc.Type != "" && !vocab.Valid("incident_type", inc.Type) {
			t.Errorf("type accepted %q", inc.Type)
		}
		for _, v := range inc.Violence {
			if !vocab.Valid("violence", v) {
				t.Errorf("violence accepted %q", v)
			}
		}
		if inc.TeamID < 0 {
			t.Errorf("team accepted %d", inc.TeamID)
		}
		switch inc.DatePrecision {
		case "":
			if !inc.OccurredAt.IsZero() {
				t.Errorf("a date without precision")
			}
		case incident.PrecisionMonth, incident.PrecisionDay, incident.PrecisionTime:
			if inc.OccurredAt.Year() < 1900 || inc.OccurredAt.After(time.Now().Add(25*time.Hour)) {
				t.Errorf("date accepted %v", inc.OccurredAt)
			}
			if inc.DatePrecision == incident.PrecisionMonth && (inc.OccurredAt.Day() != 1 || inc.OccurredAt.Hour() != 0) {
				t.Errorf("a month-precise date is not the month's first day")
			}
		default:
			t.Errorf("precision %q", inc.DatePrecision)
		}
		if p := inc.Point; p != nil {
			if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180 {
				t.Errorf("position accepted %v", *p)
			}
			if inc.PointPrecisionM < 0 {
				t.Errorf("precision %d m", inc.PointPrecisionM)
			}
		}
		texts := map[string]struct {
			s   string
			max int
		}{
			"adm1": {inc.Adm1, 200}, "adm2": {inc.Adm2, 200}, "place": {inc.Place, 2000}, "units": {inc.Units, 200},
			"uniforms": {inc.Uniforms, 200}, "vehicles": {inc.Vehicles, 200}, "sources": {inc.Sources, 5000},
			"narrative": {tm.Narrative, 100000}, "pseudonym": {tm.Pseudonym, 200}, "interviewer": {tm.Interviewer, 200},
			"interpreter_name": {tm.InterpreterName, 200}, "witness_contact": {tm.WitnessContact, 200},
		}
		for name, x := range texts {
			if !utf8.ValidString(x.s) || utf8.RuneCountInString(x.s) > x.max || strings.Contains(x.s, "\r\n") {
				t.Errorf("%s accepted text outside its limits (%d runes)", name, utf8.RuneCountInString(x.s))
			}
			if x.s != strings.TrimSpace(x.s) {
				t.Errorf("%s kept surrounding space", name)
			}
		}
		seen := map[string]bool{}
		for _, tag := range inc.Tags {
			if tag == "" || utf8.RuneCountInString(tag) > 40 || seen[tag] || tag != strings.ToLower(tag) {
				t.Errorf("tag accepted outside its limits (%d runes)", utf8.RuneCountInString(tag))
			}
			seen[tag] = true
		}
	})
}
