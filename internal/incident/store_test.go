package incident_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// planted holds the sensitive values of one record, to look for them
// where they must not be.
type planted struct {
	Place, Sources, Narrative, Pseudonym, Interviewer, Interpreter, Contact string
	Lat, Lon                                                                float64
}

func (p planted) all() []string {
	return []string{p.Place, p.Sources, p.Narrative, p.Pseudonym, p.Interviewer, p.Interpreter, p.Contact,
		fmt.Sprint(p.Lat), fmt.Sprint(p.Lon)}
}

func newPlanted() planted {
	return planted{Place: secret("place"), Sources: secret("sources"), Narrative: secret("narrative"),
		Pseudonym: secret("pseudonym"), Interviewer: secret("interviewer"), Interpreter: secret("interpreter"),
		Contact: secret("contact"), Lat: 45.1367129, Lon: 15.5944481}
}

// fullIncident fills every field, with unknown (nil) and zero counts side
// by side.
func fullIncident(p planted, team int64, status string) (*incident.Incident, *incident.Testimony) {
	inc := &incident.Incident{
		Status: status, TeamID: team, Type: "pushback",
		OccurredAt: time.Date(2026, 11, 20, 21, 40, 0, 0, time.UTC), DatePrecision: incident.PrecisionTime,
		Country: "HR", Adm1: "Karlovac", Adm2: "Cetingrad",
		Place: p.Place, Point: &incident.Point{Lat: p.Lat, Lon: p.Lon}, PointPrecisionM: 30,
		Counts: incident.Counts{GroupSize: ptr(12), Dead: ptr(0), Missing: nil, Survivors: ptr(12),
			Minors: ptr(3), Women: nil, Men: ptr(0)},
		Origins: []string{"AF", "PK"}, Units: "border police", Uniforms: "dark blue", Vehicles: "white van",
		Officers: ptr(4), Violence: []string{"beating", "dog_attack"},
		AsylumAsked: ptr(false), Interpreter: nil,
		Sources: p.Sources, SourceQuality: ptr(4), Tags: []string{"night", "forest"},
	}
	tm := &incident.Testimony{
		Language: "fa", Narrative: p.Narrative + "\nSecond line, with commas, «quotes» and دو شب.",
		Pseudonym: p.Pseudonym, Interviewer: p.Interviewer, InterpreterName: p.Interpreter, WitnessContact: p.Contact,
		TakenOn: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), ConsentScope: incident.ConsentPartners,
		ConsentDate: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), ConsentHow: "oral",
	}
	return inc, tm
}

// stored returns what a record as created should read back as: times
// are kept to the second, in UTC.
func stored(inc *incident.Incident, tms ...*incident.Testimony) *incident.Incident {
	c := *inc
	c.CreatedAt, c.UpdatedAt = sec(inc.CreatedAt), sec(inc.UpdatedAt)
	c.VerifiedAt = sec(inc.VerifiedAt)
	c.Testimonies = nil
	for _, t := range tms {
		ct := *t
		ct.CreatedAt = sec(t.CreatedAt)
		c.Testimonies = append(c.Testimonies, &ct)
	}
	return &c
}

func sec(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Unix(t.Unix(), 0).UTC()
}

// people of a small group: two teams, and one account of each role.
type people struct {
	teamA, teamB                       int64
	doc, doc2, viewerA, viewerB, loner *auth.User
	reviewerA, coord                   *auth.User
}

func (e *env) people(t testing.TB) people {
	var p people
	p.doc = e.user(t, "doc", auth.Documenter)
	p.doc2 = e.user(t, "doc2", auth.Documenter)
	p.viewerA = e.user(t, "viewera", auth.Viewer)
	p.viewerB = e.user(t, "viewerb", auth.Viewer)
	p.loner = e.user(t, "loner", auth.Viewer)
	p.reviewerA = e.user(t, "reviewera", auth.Reviewer)
	p.coord = e.user(t, "coord", auth.Coordinator)
	p.teamA = e.team(t, "Team A", p.doc, p.doc2, p.viewerA, p.reviewerA)
	p.teamB = e.team(t, "Team B", p.viewerB)
	return p
}

func TestStoreRoundTripAndAccess(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		sec := newPlanted()
		inc, tm := fullIncident(sec, p.teamA, incident.StatusSubmitted)
		e.create(t, p.doc, inc, tm)
		if inc.Ref != "2026-11-25-001" {
			t.Errorf("first ref of the day: %q, want 2026-11-25-001", inc.Ref)
		}
		if inc.ConsentScope != incident.ConsentPartners {
			t.Errorf("consent scope after create: %q", inc.ConsentScope)
		}

		// The author reads back exactly what was stored.
		got := e.get(t, p.doc, inc.ID)
		want := stored(inc, tm)
		if d := diffFields("", want, got); len(d) > 0 {
			t.Errorf("author's read differs from what was created in: %v", d)
		}
		// Unknown is not zero.
		if got.Counts.Missing != nil || got.Counts.Women != nil || got.Interpreter != nil {
			t.Errorf("unknown counts or answers came back as values")
		}
		if got.Counts.Dead == nil || *got.Counts.Dead != 0 || got.Counts.Men == nil || *got.Counts.Men != 0 ||
			got.AsylumAsked == nil || *got.AsylumAsked {
			t.Errorf("zero counts or a 'no' answer came back as unknown")
		}

		// Another team's viewer, and a viewer in no team, cannot tell the record exists.
		for _, u := range []*auth.User{p.viewerB, p.loner} {
			if _, err := e.Incidents.Get(e.as(u), inc.ID, e.viewerOf(t, u)); !errors.Is(err, incident.ErrNotFound) {
				t.Errorf("%s: Get of another team's record: %v, want ErrNotFound", u.Login, err)
			}
		}

		// A viewer of the team sees the record, without its sensitive
		// fields, and that is no read of them to audit.
		before := e.auditCount(t, "incident", inc.ID, "read", p.viewerA.ID)
		gv := e.get(t, p.viewerA, inc.ID)
		if gv.Place != "" || gv.Point != nil || gv.Sources != "" {
			t.Errorf("a viewer got the place, point or sources")
		}
		if len(gv.Testimonies) != 1 {
			t.Fatalf("viewer sees %d testimonies, want 1", len(gv.Testimonies))
		}
		for _, tv := range gv.Testimonies {
			if tv.Narrative != "" || tv.Pseudonym != "" || tv.Interviewer != "" || tv.InterpreterName != "" || tv.WitnessContact != "" {
				t.Errorf("a viewer got a testimony's encrypted fields")
			}
			if tv.ConsentScope != tm.ConsentScope || tv.Language != tm.Language {
				t.Errorf("a viewer lacks the testimony's clear fields")
			}
		}
		// What is in clear is the same for everyone.
		clear := *want
		clear.Place, clear.Point, clear.Sources = "", nil, ""
		clear.Testimonies = nil
		gvc := *gv
		gvc.Testimonies = nil
		if d := diffFields("", &clear, &gvc); len(d) > 0 {
			t.Errorf("viewer's clear fields differ in: %v", d)
		}
		if n := e.auditCount(t, "incident", inc.ID, "read", p.viewerA.ID); n != before {
			t.Errorf("a viewer's read of clear fields was audited as a read (%d entries)", n-before)
		}

		// A reviewer of the team reads everything, and that read is audited.
		before = e.auditCount(t, "incident", inc.ID, "read", p.reviewerA.ID)
		gr := e.get(t, p.reviewerA, inc.ID)
		if gr.Place != sec.Place || gr.Sources != sec.Sources || gr.Point == nil || len(gr.Testimonies) != 1 ||
			gr.Testimonies[0].Narrative != tm.Narrative || gr.Testimonies[0].Pseudonym != sec.Pseudonym {
			t.Errorf("a reviewer did not get the sensitive fields")
		}
		if n := e.auditCount(t, "incident", inc.ID, "read", p.reviewerA.ID); n != before+1 {
			t.Errorf("reviewer's read: %d new read entries, want 1", n-before)
		}
		// A coordinator sees every team's submitted records.
		if gc := e.get(t, p.coord, inc.ID); gc.Place != sec.Place {
			t.Errorf("coordinator did not read the place")
		}
	})
}

func TestStoreTeamlessAndDrafts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		open, _ := fullIncident(newPlanted(), 0, incident.StatusSubmitted)
		e.create(t, p.doc, open, nil)
		teamB := &incident.Incident{Status: incident.StatusSubmitted, TeamID: p.teamB, Type: "death",
			OccurredAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), DatePrecision: incident.PrecisionDay}
		e.create(t, p.doc, teamB, nil)
		draft, dtm := fullIncident(newPlanted(), p.teamA, incident.StatusDraft)
		e.create(t, p.doc, draft, dtm)
		if draft.Status != incident.StatusDraft {
			t.Fatalf("status %q", draft.Status)
		}
		everyone := []*auth.User{p.doc, p.doc2, p.viewerA, p.viewerB, p.loner, p.reviewerA, p.coord}
		for _, u := range everyone {
			v := e.viewerOf(t, u)
			items, total, err := e.Incidents.List(e.ctx, incident.Filter{}, v)
			if err != nil {
				t.Fatal(err)
			}
			ids := summaryIDs(items)
			// A record without a team is the whole group's.
			if !slices.Contains(ids, open.ID) {
				t.Errorf("%s does not see the record without a team in the list", u.Login)
			}
			if _, err := e.Incidents.Get(e.ctx, open.ID, v); err != nil {
				t.Errorf("%s cannot open the record without a team: %v", u.Login, err)
			}
			// Team B's record: its members, its author and coordinators.
			wantB := u == p.viewerB || u == p.doc || u == p.coord
			if slices.Contains(ids, teamB.ID) != wantB {
				t.Errorf("%s sees team B's record: %v, want %v", u.Login, !wantB, wantB)
			}
			// A draft is nobody's but its author's, not even in lists.
			if slices.Contains(ids, draft.ID) {
				t.Errorf("%s sees a draft in the submitted list", u.Login)
			}
			if total != len(ids) {
				t.Errorf("%s: total %d for %d rows", u.Login, total, len(ids))
			}
			drafts, _, err := e.Incidents.List(e.ctx, incident.Filter{Status: incident.StatusDraft}, v)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := slices.Contains(summaryIDs(drafts), draft.ID), u == p.doc; got != want {
				t.Errorf("%s sees the draft in the drafts list: %v, want %v", u.Login, got, want)
			}
			_, err = e.Incidents.Get(e.ctx, draft.ID, v)
			if u == p.doc && err != nil {
				t.Errorf("the author cannot open the draft: %v", err)
			}
			if u != p.doc && !errors.Is(err, incident.ErrNotFound) {
				t.Errorf("%s opens someone else's draft: %v", u.Login, err)
			}
		}
		// Submitting hands it to the team.
		if err := e.Incidents.Submit(e.as(p.doc), draft.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.Incidents.Submit(e.as(p.doc), draft.ID); !errors.Is(err, incident.ErrNotFound) {
			t.Errorf("submitting twice: %v, want ErrNotFound", err)
		}
		if g := e.get(t, p.viewerA, draft.ID); g.Status != incident.StatusSubmitted {
			t.Errorf("status after submit: %q", g.Status)
		}
		if _, err := e.Incidents.Get(e.ctx, draft.ID, e.viewerOf(t, p.viewerB)); !errors.Is(err, incident.ErrNotFound) {
			t.Errorf("another team's viewer opens the submitted record: %v", err)
		}
	})
}

func summaryIDs(items []incident.Summary) []int64 {
	out := make([]int64, len(items))
	for i, s := range items {
		out[i] = s.ID
	}
	return out
}

func TestStoreEncryptsAtRest(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		sec := newPlanted()
		inc, tm := fullIncident(sec, p.teamA, incident.StatusSubmitted)
		e.create(t, p.doc, inc, tm)
		// Rewritten values are encrypted too.
		sec2 := newPlanted()
		inc.Place, inc.Sources = sec2.Place, sec2.Sources
		if err := e.Incidents.Update(e.as(p.doc), inc); err != nil {
			t.Fatal(err)
		}
		tm.Narrative, tm.Pseudonym, tm.WitnessContact = sec2.Narrative, sec2.Pseudonym, sec2.Contact
		if err := e.Incidents.SaveTestimony(e.as(p.doc), tm); err != nil {
			t.Fatal(err)
		}
		secrets := append(sec.all(), sec2.all()...)
		secrets = append(secrets, `"Lat"`, `"Lon"`) // the point's JSON

		var place, point, sources []byte
		if err := e.DB.QueryRow(e.ctx, "SELECT place, point, sources FROM incidents WHERE id = ?", inc.ID).Scan(&place, &point, &sources); err != nil {
			t.Fatal(err)
		}
		for name, col := range map[string][]byte{"place": place, "point": point, "sources": sources} {
			if len(col) == 0 {
				t.Errorf("incidents.%s is empty", name)
			}
			for i, s := range secrets {
				if bytes.Contains(col, []byte(s)) {
					t.Errorf("incidents.%s holds planted value #%d in clear", name, i)
				}
			}
		}
		rows, err := e.DB.Query(e.ctx, "SELECT narrative, pseudonym, interviewer, interpreter, witness_contact FROM testimonies")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
			var cols [5][]byte
			if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4]); err != nil {
				t.Fatal(err)
			}
			for c, col := range cols {
				if len(col) == 0 {
					t.Errorf("testimonies column %d is empty", c)
				}
				for i, s := range secrets {
					if bytes.Contains(col, []byte(s)) {
						t.Errorf("testimonies column %d holds planted value #%d in clear", c, i)
					}
				}
			}
		}
		rows.Close()
		if n != 1 {
			t.Errorf("%d testimonies stored, want 1", n)
		}
		// The audit log names records, never their content.
		arows, err := e.DB.Query(e.ctx, "SELECT record_type, record_id, leaf FROM audit_log")
		if err != nil {
			t.Fatal(err)
		}
		for arows.Next() {
			var typ, id string
			var leaf []byte
			if err := arows.Scan(&typ, &id, &leaf); err != nil {
				t.Fatal(err)
			}
			for i, s := range secrets[:len(secrets)-2] {
				if strings.Contains(typ+id+string(leaf), s) {
					t.Errorf("audit log holds planted value #%d", i)
				}
			}
		}
		arows.Close()
		// On SQLite, nothing on disk holds them: database, WAL, anything.
		if e.Engine == "sqlite" {
			e.DB.Exec(e.ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
			for _, leak := range fileLeaks(t, e.DataDir, secrets[:len(secrets)-2]...) {
				t.Errorf("on disk: %s", leak)
			}
		}
	})
}

func TestStoreCiphertextBoundToItsPlace(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		sa, sb := newPlanted(), newPlanted()
		a, ta := fullIncident(sa, 0, incident.StatusSubmitted)
		b, tb := fullIncident(sb, 0, incident.StatusSubmitted)
		e.create(t, p.doc, a, ta)
		e.create(t, p.doc, b, tb)

		copyCol := func(table, col string, from, to int64) {
			t.Helper()
			var ct []byte
			if err := e.DB.QueryRow(e.ctx, "SELECT "+col+" FROM "+table+" WHERE id = ?", from).Scan(&ct); err != nil {
				t.Fatal(err)
			}
			if _, err := e.DB.Exec(e.ctx, "UPDATE "+table+" SET "+col+" = ? WHERE id = ?", ct, to); err != nil {
				t.Fatal(err)
			}
		}
		// An incident's place moved into another incident row.
		copyCol("incidents", "place", a.ID, b.ID)
		for _, u := range []*auth.User{p.doc, p.coord} {
			g, err := e.Incidents.Get(e.as(u), b.ID, e.viewerOf(t, u))
			if err == nil {
				if g.Place == sa.Place {
					t.Fatalf("%s: a copied ciphertext decrypted to the other record's place", u.Login)
				}
				t.Errorf("%s: a copied ciphertext was accepted", u.Login)
			} else if errors.Is(err, incident.ErrNotFound) {
				t.Errorf("%s: a copied ciphertext reads as not found, not as an error", u.Login)
			}
		}
		// The clear view needs no decryption and still works.
		if _, err := e.Incidents.Get(e.ctx, b.ID, e.viewerOf(t, p.viewerA)); err != nil {
			t.Errorf("viewer's clear view of the record: %v", err)
		}
		// A testimony's narrative moved into another testimony.
		copyCol("testimonies", "narrative", ta.ID, tb.ID)
		// Write b's place again, so only the testimony is wrong.
		b.Place = sb.Place
		if err := e.Incidents.Update(e.as(p.doc), b); err != nil {
			t.Fatal(err)
		}
		if g, err := e.Incidents.Get(e.as(p.doc), b.ID, e.viewerOf(t, p.doc)); err == nil {
			if len(g.Testimonies) > 0 && g.Testimonies[0].Narrative == ta.Narrative {
				t.Fatalf("a copied testimony decrypted to the other testimony's narrative")
			}
			t.Errorf("a copied testimony ciphertext was accepted")
		}
		// Within one row, a field's ciphertext in another column fails too.
		var nar []byte
		e.DB.QueryRow(e.ctx, "SELECT narrative FROM testimonies WHERE id = ?", ta.ID).Scan(&nar)
		e.DB.Exec(e.ctx, "UPDATE testimonies SET pseudonym = ? WHERE id = ?", nar, ta.ID)
		if g, err := e.Incidents.Get(e.as(p.doc), a.ID, e.viewerOf(t, p.doc)); err == nil {
			if len(g.Testimonies) > 0 && g.Testimonies[0].Pseudonym == ta.Narrative {
				t.Fatalf("a narrative ciphertext decrypted as the pseudonym")
			}
			t.Errorf("a ciphertext moved between columns was accepted")
		}
	})
}

func TestStoreWritesAreAudited(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		inc, tm := fullIncident(newPlanted(), p.teamA, incident.StatusDraft)
		e.create(t, p.doc, inc, tm)
		id := inc.ID
		if n := e.auditCount(t, "incident", id, "create", p.doc.ID); n != 1 {
			t.Errorf("create: %d entries", n)
		}
		if n := e.auditCount(t, "testimony", tm.ID, "create", p.doc.ID); n != 1 {
			t.Errorf("testimony create: %d entries", n)
		}
		type step struct {
			what               string
			do                 func() error
			recordType, action string
			record             func() int64
			actor              *auth.User
		}
		var second *incident.Testimony
		steps := []step{
			{"update", func() error { inc.Units = "coast guard"; return e.Incidents.Update(e.as(p.doc), inc) },
				"incident", "update", func() int64 { return id }, p.doc},
			{"save a new testimony", func() error {
				second = &incident.Testimony{IncidentID: id, Language: "ar", Narrative: secret("n2"), ConsentScope: incident.ConsentInternal}
				return e.Incidents.SaveTestimony(e.as(p.doc), second)
			}, "testimony", "create", func() int64 { return second.ID }, p.doc},
			{"rewrite a testimony", func() error { tm.Narrative = secret("n3"); return e.Incidents.SaveTestimony(e.as(p.doc), tm) },
				"testimony", "update", func() int64 { return tm.ID }, p.doc},
			{"submit", func() error { return e.Incidents.Submit(e.as(p.doc), id) },
				"incident", "submit", func() int64 { return id }, p.doc},
			{"verify", func() error { return e.Incidents.SetVerification(e.as(p.reviewerA), id, incident.Verified) },
				"incident", "verify", func() int64 { return id }, p.reviewerA},
			{"delete", func() error { return e.Incidents.Delete(e.as(p.coord), id) },
				"incident", "delete", func() int64 { return id }, p.coord},
		}
		for _, s := range steps {
			var before int
			if s.record != nil && !(s.recordType == "testimony" && s.action == "create") {
				before = e.auditCount(t, s.recordType, s.record(), s.action, 0)
			}
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
			if n := e.auditCount(t, s.recordType, s.record(), s.action, s.actor.ID); n != before+1 {
				t.Errorf("%s: %d new %q entries by the acting account, want 1", s.what, n-before, s.action)
			}
			e.verifyAudit(t)
		}
		if g, err := e.Incidents.Get(e.as(p.doc), id, e.viewerOf(t, p.doc)); !errors.Is(err, incident.ErrNotFound) || g != nil {
			t.Errorf("Get after delete: %v", err)
		}
		var left int
		if err := e.DB.QueryRow(e.ctx, "SELECT COUNT(*) FROM testimonies WHERE incident_id = ?", id).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d testimonies left after the incident was deleted", left)
		}
		// Changing what does not exist, or is not in the right state, is
		// refused and audits nothing.
		other, ot := fullIncident(newPlanted(), p.teamA, incident.StatusDraft)
		e.create(t, p.doc, other, ot)
		another, _ := fullIncident(newPlanted(), p.teamA, incident.StatusDraft)
		e.create(t, p.doc, another, nil)
		for what, err := range map[string]error{
			"update a deleted record":  e.Incidents.Update(e.as(p.doc), inc),
			"delete twice":             e.Incidents.Delete(e.as(p.coord), id),
			"verify a draft":           e.Incidents.SetVerification(e.as(p.reviewerA), other.ID, incident.Verified),
			"submit a deleted record":  e.Incidents.Submit(e.as(p.doc), id),
			"testimony of wrong owner": e.Incidents.SaveTestimony(e.as(p.doc), &incident.Testimony{ID: ot.ID, IncidentID: another.ID, ConsentScope: incident.ConsentInternal}),
		} {
			if !errors.Is(err, incident.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", what, err)
			}
		}
		if n := e.auditCount(t, "incident", other.ID, "verify", 0); n != 0 {
			t.Errorf("a refused verification was audited")
		}
		if g := e.get(t, p.doc, other.ID); len(g.Testimonies) != 1 || g.Testimonies[0].Narrative != ot.Narrative {
			t.Errorf("a testimony was rewritten through another incident")
		}
		if g := e.get(t, p.doc, another.ID); len(g.Testimonies) != 0 {
			t.Errorf("a testimony moved to another incident")
		}
		e.verifyAudit(t)
	})
}

func TestStoreRefsPerDay(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		mk := func() *incident.Incident {
			return &incident.Incident{Type: "pushback", OccurredAt: day.AddDate(0, 0, -3), DatePrecision: incident.PrecisionDay}
		}
		for i := 1; i <= 3; i++ {
			inc := mk()
			e.create(t, p.doc, inc, nil)
			if want := fmt.Sprintf("2026-11-25-%03d", i); inc.Ref != want {
				t.Errorf("ref %d: %q, want %q", i, inc.Ref, want)
			}
		}
		// A new day starts again at 001.
		e.Clock.Set(time.Date(2026, 11, 26, 0, 0, 30, 0, time.UTC))
		inc := mk()
		e.create(t, p.doc, inc, nil)
		if inc.Ref != "2026-11-26-001" {
			t.Errorf("first ref of the next day: %q", inc.Ref)
		}
		// Four documenters creating at once still get distinct,
		// gapless refs.
		const workers, each = 4, 6
		var mu sync.Mutex
		var refs []string
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					inc := mk()
					tm := &incident.Testimony{Narrative: "concurrent", ConsentScope: incident.ConsentInternal}
					if err := e.Incidents.Create(e.as(p.doc), inc, tm); err != nil {
						errs <- err
						continue
					}
					mu.Lock()
					refs = append(refs, inc.Ref)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent create: %v", err)
		}
		slices.Sort(refs)
		var want []string
		for i := 2; i <= 1+workers*each; i++ {
			want = append(want, fmt.Sprintf("2026-11-26-%03d", i))
		}
		if !slices.Equal(refs, want) {
			t.Errorf("concurrent refs:\n got %v\nwant %v", refs, want)
		}
		e.verifyAudit(t)
	})
}

func TestStoreConsentIsBroadestOfTestimonies(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		p := e.people(t)
		inc := &incident.Incident{Status: incident.StatusSubmitted, Type: "death",
			OccurredAt: day.AddDate(0, -1, 0), DatePrecision: incident.PrecisionDay}
		first := &incident.Testimony{Narrative: "one", ConsentScope: incident.ConsentInternal}
		e.create(t, p.doc, inc, first)
		scope := func() string {
			t.Helper()
			return e.get(t, p.doc, inc.ID).ConsentScope
		}
		listed := func(consent string) bool {
			t.Helper()
			items, _, err := e.Incidents.List(e.ctx, incident.Filter{Consent: consent}, e.viewerOf(t, p.coord))
			if err != nil {
				t.Fatal(err)
			}
			return slices.Contains(summaryIDs(items), inc.ID)
		}
		if s := scope(); s != incident.ConsentInternal {
			t.Errorf("one internal testimony: %q", s)
		}
		second := &incident.Testimony{IncidentID: inc.ID, Narrative: "two", ConsentScope: incident.ConsentPublicAnonymous}
		if err := e.Incidents.SaveTestimony(e.as(p.doc), second); err != nil {
			t.Fatal(err)
		}
		third := &incident.Testimony{IncidentID: inc.ID, Narrative: "three", ConsentScope: incident.ConsentPartners}
		if err := e.Incidents.SaveTestimony(e.as(p.doc), third); err != nil {
			t.Fatal(err)
		}
		if s := scope(); s != incident.ConsentPublicAnonymous {
			t.Errorf("internal + public_anonymised + partners: %q, want public_anonymised", s)
		}
		if !listed(incident.ConsentPublicAnonymous) || listed(incident.ConsentInternal) || listed(incident.ConsentPartners) {
			t.Errorf("the consent filter does not follow the broadest scope")
		}
		// Narrowing the broadest testimony narrows the record.
		second.ConsentScope = incident.ConsentInternal
		if err := e.Incidents.SaveTestimony(e.as(p.doc), second); err != nil {
			t.Fatal(err)
		}
		if s := scope(); s != incident.ConsentPartners {
			t.Errorf("after narrowing: %q, want partners", s)
		}
		first.ConsentScope = incident.ConsentPublicNamed
		if err := e.Incidents.SaveTestimony(e.as(p.doc), first); err != nil {
			t.Fatal(err)
		}
		if s := scope(); s != incident.ConsentPublicNamed {
			t.Errorf("after widening the first: %q, want public_named", s)
		}
		if ts := e.get(t, p.doc, inc.ID).Testimonies; len(ts) != 3 {
			t.Errorf("%d testimonies, want 3", len(ts))
		}
	})
}
