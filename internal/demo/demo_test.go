package demo_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/demo"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store/storetest"
)

// The demo data must look like what border monitors record, cover the
// four regions and five languages the demo promises, be the same for the
// same seed, and hold nothing that looks like a real person's details.

func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range apptest.Engines() {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

// seeded is an instance with n demo incidents.
type seeded struct {
	*app.App
	doc, member *auth.User
	recs        []*incident.Incident // in ref order, read as their author
	res         demo.Result
}

var seedDay = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

func seed(t *testing.T, engine string, n int, s uint64) *seeded {
	t.Helper()
	ctx := context.Background()
	var opts apptest.Options
	if engine == "postgres" {
		opts.Database = storetest.PostgresDSN(t)
	}
	a, _ := apptest.New(t, opts)
	a.Incidents.Now = func() time.Time { return seedDay }
	mk := func(login string, role auth.Role) *auth.User {
		u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: login, Password: "pw-" + login + "-Long-Enough-1", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	sd := &seeded{App: a, doc: mk("fieldworker", auth.Documenter), member: mk("reader", auth.Viewer)}
	res, err := demo.Seed(ctx, a.Incidents, a.Teams, sd.doc.ID, []int64{sd.member.ID}, n, s)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	sd.res = res
	rows, err := a.DB.Query(ctx, "SELECT id FROM incidents ORDER BY ref")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	teams, err := a.Teams.Of(ctx, sd.doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := incident.Viewer{UserID: sd.doc.ID, Teams: teams}
	actx := audit.WithActor(ctx, sd.doc.ID)
	for _, id := range ids {
		inc, err := a.Incidents.Get(actx, id, v)
		if err != nil {
			t.Fatalf("read seeded incident: %v", err)
		}
		sd.recs = append(sd.recs, inc)
	}
	return sd
}

var regionOf = map[string]string{
	"HR": "Balkans", "BA": "Balkans", "BG": "Balkans",
	"GR": "Aegean",
	"LY": "central Mediterranean", "IT": "central Mediterranean",
	"US": "US-Mexico border",
}

var (
	email     = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	phone     = regexp.MustCompile(`\+?[0-9٠-٩۰-۹][0-9٠-٩۰-۹ ().-]{6,}[0-9٠-٩۰-۹]`)
	link      = regexp.MustCompile(`(?i)https?://|www\.`)
	longDigit = regexp.MustCompile(`[0-9٠-٩۰-۹]{5,}`)
)

func TestSeedSpreadAndShape(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		sd := seed(t, engine, 200, 2026)
		if sd.res.Incidents != 200 || sd.res.Testimonies != 200 || len(sd.recs) != 200 {
			t.Fatalf("seeded %+v, %d stored; want 200 incidents and testimonies", sd.res, len(sd.recs))
		}
		regions := map[string]int{}
		langs := map[string]int{}
		teamRegion := map[int64]string{}
		for i, inc := range sd.recs {
			region, ok := regionOf[inc.Country]
			if !ok {
				t.Errorf("%s: country %q is in none of the four regions", inc.Ref, inc.Country)
				continue
			}
			regions[region]++
			// One team per route: every record of a team is in its region.
			if r, seen := teamRegion[inc.TeamID]; seen && r != region {
				t.Errorf("%s: team %d holds records of %s and %s", inc.Ref, inc.TeamID, r, region)
			}
			teamRegion[inc.TeamID] = region
			if inc.TeamID == 0 || inc.Status != incident.StatusSubmitted || inc.Adm1 == "" || inc.Type == "" {
				t.Errorf("%s: missing team, status, region or type", inc.Ref)
			}
			if want := "2026-11-25-" + pad3(i+1); inc.Ref != want {
				t.Errorf("ref %q, want %q", inc.Ref, want)
			}
			checkDate(t, inc)
			checkCounts(t, inc)
			if inc.Point == nil || inc.Place == "" || inc.Sources == "" {
				t.Errorf("%s: no point, place or sources", inc.Ref)
			}
			if len(inc.Testimonies) != 1 {
				t.Errorf("%s: %d testimonies", inc.Ref, len(inc.Testimonies))
				continue
			}
			tm := inc.Testimonies[0]
			langs[tm.Language]++
			checkScript(t, inc.Ref, tm)
			if tm.ConsentScope == incident.ConsentPublicNamed || !slices.Contains(incident.ConsentScopes, tm.ConsentScope) {
				t.Errorf("%s: demo consent %q (invented people never agree to be named)", inc.Ref, tm.ConsentScope)
			}
			if inc.ConsentScope != tm.ConsentScope {
				t.Errorf("%s: record consent differs from its only testimony's", inc.Ref)
			}
			if tm.WitnessContact != "" {
				t.Errorf("%s: a demo witness has contact details", inc.Ref)
			}
			for name, text := range map[string]string{"narrative": tm.Narrative, "pseudonym": tm.Pseudonym,
				"interviewer": tm.Interviewer, "place": inc.Place, "sources": inc.Sources} {
				for what, re := range map[string]*regexp.Regexp{"an e-mail address": email, "a phone number": phone,
					"a link": link, "a long number": longDigit} {
					if re.MatchString(text) {
						t.Errorf("%s: the %s holds what looks like %s", inc.Ref, name, what)
					}
				}
			}
		}
		for _, r := range []string{"Balkans", "Aegean", "central Mediterranean", "US-Mexico border"} {
			if regions[r] < 10 {
				t.Errorf("%d records in the %s, want a fair share of 200", regions[r], r)
			}
		}
		for _, l := range []string{"en", "ar", "fa", "fr", "es"} {
			if langs[l] == 0 {
				t.Errorf("no testimony in %s", l)
			}
		}
		t.Logf("regions %v, languages %v", regions, langs)

		// The members given see every record.
		ctx := context.Background()
		teams, _ := sd.Teams.Of(ctx, sd.member.ID)
		if len(teams) != len(teamRegion) {
			t.Errorf("the member is in %d teams, want all %d", len(teams), len(teamRegion))
		}
		_, total, err := sd.Incidents.List(ctx, incident.Filter{}, incident.Viewer{UserID: sd.member.ID, Teams: teams})
		if err != nil {
			t.Fatal(err)
		}
		if total != 200 {
			t.Errorf("the member sees %d records, want 200", total)
		}
		// The stories can be searched, in their own scripts.
		for i, q := range []string{"forest", "نهر", "desierto", "bateau"} {
			if ids := sd.Incidents.Index.Search(q); len(ids) == 0 {
				t.Errorf("search for word #%d of the demo stories finds nothing", i)
			}
		}
	})
}

func pad3(n int) string {
	s := "00" + itoa(n)
	return s[len(s)-3:]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func checkDate(t *testing.T, inc *incident.Incident) {
	t.Helper()
	now := time.Now().UTC()
	if inc.OccurredAt.After(now) || inc.OccurredAt.Before(now.AddDate(-3, -1, -1)) {
		t.Errorf("%s: occurred %v, outside the last three years", inc.Ref, inc.OccurredAt)
	}
	switch inc.DatePrecision {
	case incident.PrecisionMonth:
		if inc.OccurredAt.Day() != 1 || inc.OccurredAt.Hour() != 0 || inc.OccurredAt.Minute() != 0 {
			t.Errorf("%s: a month-precise date is not the first of the month", inc.Ref)
		}
	case incident.PrecisionDay:
		if inc.OccurredAt.Hour() != 0 || inc.OccurredAt.Minute() != 0 {
			t.Errorf("%s: a day-precise date has a time", inc.Ref)
		}
	case incident.PrecisionTime:
	default:
		t.Errorf("%s: precision %q", inc.Ref, inc.DatePrecision)
	}
	if tm := inc.Testimonies; len(tm) == 1 && tm[0].TakenOn.Before(inc.OccurredAt.Truncate(24*time.Hour)) {
		t.Errorf("%s: the testimony was taken before the incident", inc.Ref)
	}
}

func checkCounts(t *testing.T, inc *incident.Incident) {
	t.Helper()
	c := inc.Counts
	if c.GroupSize == nil || *c.GroupSize < 2 {
		t.Errorf("%s: no group size", inc.Ref)
		return
	}
	g := *c.GroupSize
	if c.Minors != nil && (c.Women == nil || c.Men == nil || *c.Minors+*c.Women+*c.Men != g || *c.Minors < 0 || *c.Women < 0 || *c.Men < 0) {
		t.Errorf("%s: minors, women and men do not make up the group", inc.Ref)
	}
	if inc.Type == "death" && (c.Dead == nil || *c.Dead < 1) {
		t.Errorf("%s: a death with no one dead", inc.Ref)
	}
	if c.Survivors != nil && *c.Survivors < 0 {
		t.Errorf("%s: negative survivors", inc.Ref)
	}
	if (inc.Type == "death" || inc.Type == "disappearance") != (c.Dead != nil) {
		t.Errorf("%s: the dead are counted for a %s, or not for a death or disappearance", inc.Ref, inc.Type)
	}
	if inc.SourceQuality == nil || *inc.SourceQuality < 1 || *inc.SourceQuality > 5 {
		t.Errorf("%s: source quality", inc.Ref)
	}
}

// checkScript: Arabic and Persian stories are in Arabic script, the
// others in Latin script.
func checkScript(t *testing.T, ref string, tm *incident.Testimony) {
	t.Helper()
	arabic, latin := 0, 0
	for _, r := range tm.Narrative {
		switch {
		case unicode.Is(unicode.Arabic, r):
			arabic++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	switch tm.Language {
	case "ar", "fa":
		if arabic == 0 || latin > 0 {
			t.Errorf("%s: a %s story not in Arabic script", ref, tm.Language)
		}
	case "en", "fr", "es":
		if latin == 0 || arabic > 0 {
			t.Errorf("%s: a %s story not in Latin script", ref, tm.Language)
		}
	default:
		t.Errorf("%s: language %q", ref, tm.Language)
	}
	if strings.TrimSpace(tm.Narrative) == "" || tm.Pseudonym == "" || tm.Interviewer == "" {
		t.Errorf("%s: empty narrative, pseudonym or interviewer", ref)
	}
}

// fingerprint is what must repeat for a seed.
type fingerprint struct {
	Ref, Type, Country, Adm1, Precision, Verification, Language, Consent string
	Violence, Tags                                                       string
	Narrative, Pseudonym, Place                                          string
	Lat, Lon                                                             float64
}

func fingerprints(sd *seeded) []fingerprint {
	var out []fingerprint
	for _, inc := range sd.recs {
		f := fingerprint{Ref: inc.Ref, Type: inc.Type, Country: inc.Country, Adm1: inc.Adm1, Precision: inc.DatePrecision,
			Verification: inc.Verification, Violence: strings.Join(inc.Violence, ","), Tags: strings.Join(inc.Tags, ","),
			Place: inc.Place, Lat: inc.Point.Lat, Lon: inc.Point.Lon}
		if len(inc.Testimonies) > 0 {
			tm := inc.Testimonies[0]
			f.Language, f.Consent, f.Narrative, f.Pseudonym = tm.Language, tm.ConsentScope, tm.Narrative, tm.Pseudonym
		}
		out = append(out, f)
	}
	return out
}

func TestSeedIsDeterministic(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		a := fingerprints(seed(t, engine, 60, 42))
		b := fingerprints(seed(t, engine, 60, 42))
		c := fingerprints(seed(t, engine, 60, 43))
		if len(a) != 60 || len(b) != 60 {
			t.Fatalf("seeded %d and %d", len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("record %d differs between two runs with the same seed (ref %s, %s vs %s)", i, a[i].Ref, a[i].Type, b[i].Type)
			}
		}
		same := 0
		for i := range a {
			if a[i] == c[i] {
				same++
			}
		}
		if same > 5 {
			t.Errorf("another seed repeats %d of 60 records", same)
		}
	})
}
