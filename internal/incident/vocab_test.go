package incident_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/incident"
)

func TestVocabularyGrowsForForms(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		admin := e.user(t, "admin1", auth.Admin)
		ctx := e.as(admin)
		snap, err := e.Vocab.Snapshot(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The built-in vocabulary is the one the form tests assume.
		for kind, codes := range vocab {
			for code := range codes {
				if !snap.Valid(kind, code) {
					t.Errorf("built-in %s %q missing", kind, code)
				}
			}
		}
		if snap.Valid("incident_type", "kidnapping") {
			t.Fatalf("a term exists before it is added")
		}
		err = e.Vocab.Add(ctx, "incident_type", " kidnapping ", map[string]string{"en": " Kidnapping ", "fr": "Enlèvement", "ar": ""})
		if err != nil {
			t.Fatal(err)
		}
		// Forms accept it at once, and lists show it last, with its labels.
		snap, _ = e.Vocab.Snapshot(e.ctx)
		inc := &incident.Incident{}
		if errs := incident.ApplyStep(incident.StepWhatWhere, with(validStep1, "type", "kidnapping"), inc, nil, snap); len(errs) != 0 || inc.Type != "kidnapping" {
			t.Errorf("the new type is refused by the form: %v", errs)
		}
		terms, err := e.Vocab.Terms(e.ctx, "incident_type")
		if err != nil {
			t.Fatal(err)
		}
		last := terms[len(terms)-1]
		if last.Code != "kidnapping" || last.Builtin {
			t.Fatalf("the new term is not listed last: %+v", last)
		}
		b, _ := i18n.Load()
		for lang, want := range map[string]string{"en": "Kidnapping", "fr": "Enlèvement", "ar": "Kidnapping", "es": "Kidnapping"} {
			if got := last.Label(b.Localizer(lang)); got != want {
				t.Errorf("label in %s: %q, want %q", lang, got, want)
			}
		}
		if got := terms[0].Label(b.Localizer("en")); got != "Pushback" {
			t.Errorf("built-in label from the catalogue: %q", got)
		}
		if n := len(mustAudit(t, e, "vocab", "incident_type/kidnapping")); n != 1 {
			t.Errorf("adding a term: %d audit entries", n)
		}
		for what, c := range map[string]struct {
			kind, code string
			labels     map[string]string
			want       error
		}{
			"twice":           {"incident_type", "kidnapping", map[string]string{"en": "Again"}, incident.ErrTermExists},
			"capitals":        {"violence", "Burning", map[string]string{"en": "Burning"}, incident.ErrTermCode},
			"one letter":      {"violence", "b", map[string]string{"en": "B"}, incident.ErrTermCode},
			"spaces":          {"violence", "tear gas", map[string]string{"en": "Tear gas"}, incident.ErrTermCode},
			"no English":      {"violence", "tear_gas", map[string]string{"fr": "Gaz"}, incident.ErrTermLabel},
			"blank English":   {"violence", "tear_gas", map[string]string{"en": "  "}, incident.ErrTermLabel},
			"unknown list":    {"weapons", "knife", map[string]string{"en": "Knife"}, incident.ErrTermKind},
			"too long a code": {"violence", strings.Repeat("a", 41), map[string]string{"en": "A"}, incident.ErrTermCode},
		} {
			if err := e.Vocab.Add(ctx, c.kind, c.code, c.labels); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", what, err, c.want)
			}
		}
		// The same code may name terms of different lists.
		if err := e.Vocab.Add(ctx, "violence", "kidnapping", map[string]string{"en": "Abduction"}); err != nil {
			t.Errorf("same code in another list: %v", err)
		}
		e.verifyAudit(t)
	})
}

func mustAudit(t *testing.T, e *env, typ, id string) []string {
	t.Helper()
	evs, err := e.Audit.Of(e.ctx, typ, id, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

func TestTeamsMembership(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		a := e.user(t, "amal", auth.Documenter)
		b := e.user(t, "bruno", auth.Viewer)
		ctx := e.as(a)
		for what, name := range map[string]string{"empty": "  ", "too long": strings.Repeat("t", 81)} {
			if _, err := e.Teams.Create(ctx, name); !errors.Is(err, incident.ErrTeamName) {
				t.Errorf("%s name: %v", what, err)
			}
		}
		id, err := e.Teams.Create(ctx, "  Sonoran desert ")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Teams.Create(ctx, "Sonoran desert"); !errors.Is(err, incident.ErrTeamExists) {
			t.Errorf("same name twice: %v", err)
		}
		other, _ := e.Teams.Create(ctx, "Aegean")
		for _, u := range []*auth.User{a, b} {
			if err := e.Teams.SetMember(ctx, id, u.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		// Adding twice is harmless.
		if err := e.Teams.SetMember(ctx, id, b.ID, true); err != nil {
			t.Errorf("adding a member twice: %v", err)
		}
		e.Teams.SetMember(ctx, other, b.ID, true)
		if got, _ := e.Teams.Of(e.ctx, b.ID); !slices.Equal(got, sorted(id, other)) {
			t.Errorf("bruno's teams: %v", got)
		}
		teams, err := e.Teams.List(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(teams) != 2 || teams[0].Name != "Aegean" || teams[1].Name != "Sonoran desert" {
			t.Fatalf("teams not listed by name")
		}
		if !teams[1].IsMember(a.ID) || !teams[1].IsMember(b.ID) || teams[0].IsMember(a.ID) || len(teams[1].Members) != 2 {
			t.Errorf("members: %v / %v", teams[0].Members, teams[1].Members)
		}
		// Leaving a team ends access to its records.
		inc := &incident.Incident{Status: incident.StatusSubmitted, TeamID: id, Type: "death",
			OccurredAt: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), DatePrecision: incident.PrecisionMonth}
		e.create(t, a, inc, nil)
		if _, err := e.Incidents.Get(e.ctx, inc.ID, e.viewerOf(t, b)); err != nil {
			t.Errorf("member cannot open the team's record: %v", err)
		}
		if err := e.Teams.SetMember(ctx, id, b.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Incidents.Get(e.ctx, inc.ID, e.viewerOf(t, b)); !errors.Is(err, incident.ErrNotFound) {
			t.Errorf("a former member still opens the team's record: %v", err)
		}
		if n := len(mustAudit(t, e, "team", itoa(id))); n != 5 {
			t.Errorf("team changes: %d audit entries, want 5 (create, 3 joins, 1 leave)", n)
		}
		e.verifyAudit(t)
	})
}

func sorted(ids ...int64) []int64 { slices.Sort(ids); return ids }

// The clear columns keep the position only to about 10 km, for maps and
// statistics without the keys; the exact point is encrypted.
func TestCoarsePositionInClear(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "carla", auth.Documenter)
		for _, c := range []struct{ lat, lon, clat, clon float64 }{
			{45.1367129, 15.5944481, 45.1, 15.6},
			{31.7499, -111.6321, 31.7, -111.6},
			{-33.96, -0.04, -34.0, 0},
		} {
			inc := &incident.Incident{Type: "death", Point: &incident.Point{Lat: c.lat, Lon: c.lon}}
			e.create(t, u, inc, nil)
			var clat, clon float64
			if err := e.DB.QueryRow(e.ctx, "SELECT coarse_lat, coarse_lon FROM incidents WHERE id = ?", inc.ID).Scan(&clat, &clon); err != nil {
				t.Fatal(err)
			}
			if math.Abs(clat-c.clat) > 1e-9 || math.Abs(clon-c.clon) > 1e-9 {
				t.Errorf("coarse position of %v,%v: %v,%v, want %v,%v", c.lat, c.lon, clat, clon, c.clat, c.clon)
			}
			if g := e.get(t, u, inc.ID); g.Point == nil || *g.Point != *inc.Point {
				t.Errorf("exact point not kept")
			}
		}
		// Without a point, no coarse position either.
		inc := &incident.Incident{Type: "death"}
		e.create(t, u, inc, nil)
		var n int
		e.DB.QueryRow(e.ctx, "SELECT COUNT(*) FROM incidents WHERE id = ? AND coarse_lat IS NULL AND coarse_lon IS NULL", inc.ID).Scan(&n)
		if n != 1 {
			t.Errorf("a record without a point has a coarse position")
		}
	})
}

// TestVocabularyCheckerSeesOtherProcesses: the checker answers from the
// codes it read before, yet accepts a term added since by another process
// (another Vocab over the same database) and still refuses unknown codes.
func TestVocabularyCheckerSeesOtherProcesses(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := e.as(e.user(t, "admin1", auth.Admin))
		before, err := e.Vocab.Checker(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !before.Valid("incident_type", "pushback") || before.Valid("incident_type", "kidnapping") {
			t.Fatal("checker before the new term: wrong answers")
		}
		other := &incident.Vocab{DB: e.DB, Audit: e.Vocab.Audit}
		if err := other.Add(ctx, "incident_type", "kidnapping", map[string]string{"en": "Kidnapping"}); err != nil {
			t.Fatal(err)
		}
		after, err := e.Vocab.Checker(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !after.Valid("incident_type", "kidnapping") {
			t.Error("a term added by another process is refused")
		}
		if after.Valid("incident_type", "tickling") || after.Valid("violence", "kidnapping") {
			t.Error("an unknown code is accepted")
		}
	})
}
