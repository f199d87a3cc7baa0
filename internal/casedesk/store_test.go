package casedesk_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store"
)

func TestOpenGetRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		d := casedesk.Details{Source: "boat", Language: "ar", Men: ptr(30), Women: ptr(8), Minors: ptr(2), Medical: ptr(1),
			Pregnant: ptr(1), InWater: ptr(0), Conditions: []string{"water", "engine"}, Boat: "grey rubber, 40 hp",
			Departure: "Zuwara", DepartedAt: day.Add(-6 * time.Hour), Phone: "+8816 3141 5926", Relatives: "brother in Lyon",
			Notes: "calm voice, battery low"}
		c := e.openSea(t, u, "CM", d, fixAt(34.1, 12.4))
		if c.Ref != "2026-11-25-CM-001" {
			t.Errorf("ref %q, want 2026-11-25-CM-001", c.Ref)
		}
		got, err := e.Cases.Get(e.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Ref != c.Ref || got.Kind != casedesk.KindSea || got.Phase != casedesk.PhaseDistress || got.Status != casedesk.StatusOpen ||
			got.Severity != 3 || got.People == nil || *got.People != 40 || got.OpenedBy != u.ID || got.Region != "CM" {
			t.Errorf("stored case differs in its clear fields: %+v", got)
		}
		if got.Details.Phone != d.Phone || got.Details.Relatives != d.Relatives || got.Details.Notes != d.Notes ||
			got.Details.Boat != d.Boat || len(got.Details.Conditions) != 2 || *got.Details.Women != 8 || !got.Details.DepartedAt.Equal(d.DepartedAt) {
			t.Error("details did not survive the round trip")
		}
		if got.LastPosition == nil || got.LastPosition.Point.Lat != 34.1 || got.LastPosition.PrecisionM != 11 {
			t.Errorf("last position: %+v", got.LastPosition)
		}
		byRef, err := e.Cases.GetByRef(e.ctx, c.Ref)
		if err != nil || byRef.ID != c.ID {
			t.Errorf("GetByRef: %v", err)
		}
		if _, err := e.Cases.Get(e.ctx, 12345); !errors.Is(err, casedesk.ErrNotFound) {
			t.Errorf("missing case: %v, want ErrNotFound", err)
		}
		if _, err := e.Cases.GetByRef(e.ctx, "2026-11-25-CM-999"); !errors.Is(err, casedesk.ErrNotFound) {
			t.Errorf("missing ref: %v, want ErrNotFound", err)
		}

		// Positions keep their history, oldest first, each at its minute.
		later := day.Add(2 * time.Hour)
		err = e.DB.InTx(e.ctx, func(tx *store.Tx) error {
			_, err := e.Cases.AddEvent(e.as(u), tx, c.ID, casedesk.Event{At: later.Add(17 * time.Second), Author: u.ID, Kind: casedesk.EventPosition, Fix: fixAt(34.3, 12.6), Text: "read by the captain"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		track, err := e.Cases.Track(e.ctx, c.ID)
		if err != nil || len(track) != 2 {
			t.Fatalf("track: %d fixes, %v; want 2", len(track), err)
		}
		if track[1].Point.Lat != 34.3 || !track[1].At.Equal(later) {
			t.Errorf("second fix %+v, want 34.3 at %v (to the minute)", track[1], later)
		}
		got, _ = e.Cases.Get(e.ctx, c.ID)
		if !got.LastContactAt.Equal(later) || got.LastPosition.Point.Lat != 34.3 {
			t.Errorf("last contact %v / position %+v after the new fix", got.LastContactAt, got.LastPosition)
		}
		tl, err := e.Cases.Timeline(e.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, ev := range tl {
			kinds = append(kinds, ev.Kind)
		}
		if strings.Join(kinds, ",") != "position,position,opened" {
			t.Errorf("timeline kinds %v, want newest first: position,position,opened", kinds)
		}
		if tl[0].Text != "read by the captain" || tl[0].Author != u.ID {
			t.Error("timeline text or author lost")
		}
	})
}

func TestReferenceSequencePerDayAndRegion(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		var refs []string
		for _, region := range []string{"CM", "CM", "WM", "CM"} {
			refs = append(refs, e.openSea(t, u, region, casedesk.Details{}, nil).Ref)
		}
		e.Clock.Set(day.Add(24 * time.Hour))
		refs = append(refs, e.openSea(t, u, "CM", casedesk.Details{}, nil).Ref)
		want := "2026-11-25-CM-001 2026-11-25-CM-002 2026-11-25-WM-001 2026-11-25-CM-003 2026-11-26-CM-001"
		if got := strings.Join(refs, " "); got != want {
			t.Errorf("refs %s, want %s", got, want)
		}
		if err := e.Cases.AddRegion(e.ctx, "CM", "again"); !errors.Is(err, casedesk.ErrExists) {
			t.Errorf("a region code twice: %v, want ErrExists", err)
		}
		for _, code := range []string{"cm", "C", "CMXYZ", "C1", ""} {
			if err := e.Cases.AddRegion(e.ctx, code, "name"); !errors.Is(err, casedesk.ErrInvalid) {
				t.Errorf("region code %q: %v, want ErrInvalid", code, err)
			}
		}
		if err := e.Cases.AddRegion(e.ctx, "AE", " "); !errors.Is(err, casedesk.ErrInvalid) {
			t.Errorf("region without a name: %v, want ErrInvalid", err)
		}
		regions, _ := e.Cases.Regions(e.ctx)
		if len(regions) != 3 || regions[0].Code != "CM" {
			t.Errorf("regions %+v", regions)
		}
		c := &casedesk.Case{Kind: casedesk.KindSea, Region: "XX"}
		if err := e.Cases.Open(e.as(u), c, nil); err == nil {
			t.Error("a case opened in a region that does not exist")
		}
	})
}

func TestConcurrentOpensNeverShareANumber(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		const n = 16
		refs := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &casedesk.Case{Kind: casedesk.KindLand, Region: "SD"}
				errs[i] = e.Cases.Open(e.as(u), c, fixAt(31.9, -112.8))
				refs[i] = c.Ref
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("open %d: %v", i, errs[i])
			}
			if seen[refs[i]] {
				t.Errorf("reference %s handed out twice", refs[i])
			}
			seen[refs[i]] = true
		}
		for i := 1; i <= n; i++ {
			if ref := fmt.Sprintf("2026-11-25-SD-%03d", i); !seen[ref] {
				t.Errorf("reference %s missing: numbers must be consecutive", ref)
			}
		}
	})
}

// rawRows returns every column of every row of table as text.
func rawRows(t *testing.T, db *store.DB, table string) string {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			b.Write(v)
			b.WriteByte('|')
		}
	}
	return b.String()
}

func TestEncryptedFieldsNotInClear(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		phone, relatives, notes, boat := secret("phone"), secret("relatives"), secret("notes"), secret("boat")
		entry, handover, rescuer := secret("entry"), secret("handover"), secret("rescuer")
		c := e.openSea(t, u, "CM", casedesk.Details{Phone: phone, Relatives: relatives, Notes: notes, Boat: boat}, fixAt(35.56891, -1.28983))
		if _, err := e.Cases.AddEntry(e.as(u), c.ID, casedesk.Event{Kind: casedesk.EventCall, Author: u.ID, Text: entry}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Cases.AddHandover(e.as(u), handover); err != nil {
			t.Fatal(err)
		}
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeRescued, RescuedBy: rescuer, TakenTo: "Lampedusa",
			Rescued: ptr(40), Dead: ptr(0), Missing: ptr(0)}); err != nil {
			t.Fatal(err)
		}
		raw := rawRows(t, e.DB, "cases") + rawRows(t, e.DB, "case_events") + rawRows(t, e.DB, "case_handover")
		mustNotHold(t, "raw database rows", raw, phone, relatives, notes, boat, entry, handover, rescuer, "35.5689", "-1.2898")
		if !strings.Contains(raw, c.Ref) {
			t.Error("the reference is not in the rows: the scan read nothing")
		}
		// And back through the store.
		got, _ := e.Cases.Get(e.ctx, c.ID)
		if got.Details.Phone != phone || got.Closure == nil || got.Closure.RescuedBy != rescuer || got.Closure.TakenTo != "Lampedusa" {
			t.Error("sealed fields do not open again")
		}
		hs, err := e.Cases.Handovers(e.ctx, 5)
		if err != nil || len(hs) != 1 || hs[0].Text != handover || hs[0].Author != u.ID {
			t.Errorf("handover notes: %d, %v", len(hs), err)
		}
	})
}

func TestCloseReopen(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		c := e.openSea(t, u, "CM", casedesk.Details{}, nil)
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: "sunk"}); !errors.Is(err, casedesk.ErrInvalid) {
			t.Errorf("close with an unknown outcome: %v, want ErrInvalid", err)
		}
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeEnded}); !errors.Is(err, casedesk.ErrInvalid) {
			t.Errorf("close a sea case as a raid: %v, want ErrInvalid", err)
		}
		cl := casedesk.Closure{Outcome: casedesk.OutcomeShipwreck, Rescued: ptr(12), Dead: ptr(3), Missing: ptr(25)}
		if err := e.Cases.Close(e.as(u), c.ID, cl); err != nil {
			t.Fatal(err)
		}
		if err := e.Cases.Close(e.as(u), c.ID, cl); !errors.Is(err, casedesk.ErrState) {
			t.Errorf("closing twice: %v, want ErrState", err)
		}
		got, _ := e.Cases.Get(e.ctx, c.ID)
		if got.Open() || got.Closure == nil || *got.Closure.Dead != 3 || *got.Closure.Missing != 25 || got.Closure.ClosedBy != u.ID {
			t.Fatalf("closed case: %+v", got.Closure)
		}
		if board, _ := e.Cases.Board(e.ctx); len(board) != 0 {
			t.Error("a closed case is on the board")
		}
		if err := e.Cases.Reopen(e.as(u), c.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = e.Cases.Get(e.ctx, c.ID)
		if !got.Open() || got.Closure != nil {
			t.Error("reopened case still closed")
		}
		if err := e.Cases.Reopen(e.as(u), c.ID); !errors.Is(err, casedesk.ErrState) {
			t.Errorf("reopening an open case: %v, want ErrState", err)
		}
	})
}

func TestMakeIncident(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		c := e.openSea(t, u, "CM", casedesk.Details{Women: ptr(5), Phone: secret("phone")}, fixAt(34.5, 12.25))
		if _, err := e.Cases.MakeIncident(e.as(u), c.ID, e.Incidents); !errors.Is(err, casedesk.ErrState) {
			t.Errorf("incident from an open case: %v, want ErrState", err)
		}
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeShipwreck, Rescued: ptr(10), Dead: ptr(4), Missing: ptr(26)}); err != nil {
			t.Fatal(err)
		}
		id, err := e.Cases.MakeIncident(e.as(u), c.ID, e.Incidents)
		if err != nil {
			t.Fatal(err)
		}
		inc, err := e.Incidents.Get(e.as(u), id, incident.Viewer{UserID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Type != "death" || inc.Point == nil || inc.Point.Lat != 34.5 || *inc.Counts.Dead != 4 || *inc.Counts.Missing != 26 ||
			*inc.Counts.Survivors != 10 || *inc.Counts.GroupSize != 40 || *inc.Counts.Women != 5 || inc.Status != incident.StatusDraft {
			t.Errorf("incident made from the case: %+v", inc)
		}
		if strings.Contains(inc.Sources, c.Details.Phone) {
			t.Error("the caller's phone went into the incident (canary leaked)")
		}
		got, _ := e.Cases.Get(e.ctx, c.ID)
		if got.IncidentID != id {
			t.Errorf("case links incident %d, want %d", got.IncidentID, id)
		}
		if _, err := e.Cases.MakeIncident(e.as(u), c.ID, e.Incidents); !errors.Is(err, casedesk.ErrState) {
			t.Errorf("second incident: %v, want ErrState", err)
		}
		for _, rec := range []struct{ typ, id string }{{"incident", fmt.Sprint(id)}, {"case", fmt.Sprint(c.ID)}} {
			evs, err := e.Audit.Of(e.ctx, rec.typ, rec.id, "")
			if err != nil || len(evs) == 0 {
				t.Errorf("no audit entry for the %s: %v", rec.typ, err)
			}
		}
		raid := &casedesk.Case{Kind: casedesk.KindRaid, Region: "SD", Details: casedesk.Details{RaidType: "home", Place: "x"}}
		if err := e.Cases.Open(e.as(u), raid, nil); err != nil {
			t.Fatal(err)
		}
		e.Cases.Close(e.as(u), raid.ID, casedesk.Closure{Outcome: casedesk.OutcomeEnded})
		if _, err := e.Cases.MakeIncident(e.as(u), raid.ID, e.Incidents); !errors.Is(err, casedesk.ErrState) {
			t.Errorf("incident from a raid report: %v, want ErrState", err)
		}
	})
}

func TestBoardSortedByUrgency(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		open := func(kind, phase string, sev int) *casedesk.Case {
			c := &casedesk.Case{Kind: kind, Region: "CM", Phase: phase, Severity: sev, Details: casedesk.Details{RaidType: "home"}}
			if err := e.Cases.Open(e.as(u), c, fixAt(35, 14)); err != nil {
				t.Fatal(err)
			}
			return c
		}
		e.Clock.Set(day)
		quietAlert := open(casedesk.KindSea, casedesk.PhaseAlert, 3)
		e.Clock.Set(day.Add(time.Hour))
		uncertain := open(casedesk.KindLand, casedesk.PhaseUncertainty, 5)
		freshAlert := open(casedesk.KindSea, casedesk.PhaseAlert, 3)
		raid := open(casedesk.KindRaid, "", 3)
		distress := open(casedesk.KindSea, casedesk.PhaseDistress, 2)
		board, err := e.Cases.Board(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range board {
			got = append(got, c.Ref)
			if len(c.Track) != 1 || c.LastPosition == nil {
				t.Errorf("%s on the board without its track", c.Ref)
			}
		}
		// distress; then alert and pending raid (quietest first among equal
		// severity); then uncertainty.
		want := []string{distress.Ref, quietAlert.Ref, freshAlert.Ref, raid.Ref, uncertain.Ref}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("board order %v, want %v", got, want)
		}
	})
}

// recorder is a fake broker and hooks: it keeps what it was told.
type recorder struct {
	mu        sync.Mutex
	published []string
	calls     []string
	fail      error
}

func (r *recorder) Publish(ctx context.Context, topic, data string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.published = append(r.published, topic)
	return nil
}

func (r *recorder) CaseOpened(ctx context.Context, tx *store.Tx, c *casedesk.Case) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "opened:"+c.Ref)
	return r.fail
}

func (r *recorder) CaseChanged(ctx context.Context, tx *store.Tx, c *casedesk.Case, ev casedesk.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "changed:"+ev.Kind)
	return r.fail
}

func (r *recorder) take() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, c := r.published, r.calls
	r.published, r.calls = nil, nil
	return p, c
}

func TestHooksAndLiveAfterCommit(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Reviewer)
		rec := &recorder{}
		e.Cases.Live = rec
		e.Cases.SetHooks(rec)

		c := e.openSea(t, u, "CM", casedesk.Details{}, fixAt(35, 14))
		pub, calls := rec.take()
		if strings.Join(calls, ",") != "opened:"+c.Ref {
			t.Errorf("hooks on open: %v", calls)
		}
		if !contains(pub, "cases") || !contains(pub, "case:"+fmt.Sprint(c.ID)) {
			t.Errorf("published on open: %v", pub)
		}
		if err := e.Cases.SetPhase(e.as(u), c.ID, casedesk.PhaseAlert, 4, ptr(38)); err != nil {
			t.Fatal(err)
		}
		if _, calls = rec.take(); strings.Join(calls, ",") != "changed:phase" {
			t.Errorf("hooks on phase: %v", calls)
		}
		if _, err := e.Cases.AddEntry(e.as(u), c.ID, casedesk.Event{Kind: casedesk.EventPosition, Fix: fixAt(35.1, 14.1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Cases.AddEntry(e.as(u), c.ID, casedesk.Event{Kind: casedesk.EventNote, Text: "n"}); err != nil {
			t.Fatal(err)
		}
		if _, calls = rec.take(); strings.Join(calls, ",") != "changed:position" {
			t.Errorf("hooks on a position and a note: %v", calls)
		}

		// A failing hook rolls the change back: nothing is published.
		rec.fail = errors.New("alerting refused")
		if err := e.Cases.SetPhase(e.as(u), c.ID, casedesk.PhaseDistress, 5, nil); err == nil {
			t.Fatal("a failing hook did not fail the change")
		}
		pub, _ = rec.take()
		if len(pub) != 0 {
			t.Errorf("published %v for a change that rolled back", pub)
		}
		got, _ := e.Cases.Get(e.ctx, c.ID)
		if got.Phase != casedesk.PhaseAlert || got.Severity != 4 {
			t.Errorf("phase %s/%d after a rolled back change", got.Phase, got.Severity)
		}
		rec.fail = nil

		// The alerting package's calls: verification and delivery status.
		raid := &casedesk.Case{Kind: casedesk.KindRaid, Region: "SD", Details: casedesk.Details{RaidType: "workplace", Place: "x"}}
		if err := e.Cases.Open(e.as(u), raid, nil); err != nil {
			t.Fatal(err)
		}
		if raid.Verification != casedesk.VerifyPending {
			t.Errorf("new raid report verification %q", raid.Verification)
		}
		var delivery int64
		err := e.DB.InTx(e.ctx, func(tx *store.Tx) error {
			if err := e.Cases.SetVerification(e.ctx, tx, c.ID, casedesk.VerifyConfirmed, u.ID); !errors.Is(err, casedesk.ErrState) {
				return fmt.Errorf("verifying a distress case: %v, want ErrState", err)
			}
			if err := e.Cases.SetVerification(e.ctx, tx, raid.ID, casedesk.VerifyConfirmed, 0); err != nil {
				return err
			}
			var err error
			delivery, err = e.Cases.AddEvent(e.ctx, tx, raid.ID, casedesk.Event{Kind: casedesk.EventDelivery, Text: "sms to verifier", Status: casedesk.DeliveryPending})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = e.DB.InTx(e.ctx, func(tx *store.Tx) error {
			return e.Cases.SetEventStatus(e.ctx, tx, delivery, casedesk.DeliveryAcknowledged, "replied OK")
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = e.Cases.Get(e.ctx, raid.ID)
		if got.Verification != casedesk.VerifyConfirmed {
			t.Errorf("verification %q", got.Verification)
		}
		tl, _ := e.Cases.Timeline(e.ctx, raid.ID)
		var statuses []string
		for _, ev := range tl {
			if ev.ID == delivery {
				statuses = append(statuses, ev.Status)
			}
		}
		if len(statuses) != 1 || statuses[0] != casedesk.DeliveryAcknowledged {
			t.Errorf("delivery status %v", statuses)
		}
		err = e.DB.InTx(e.ctx, func(tx *store.Tx) error {
			_, err := e.Cases.AddEvent(e.ctx, tx, raid.ID, casedesk.Event{Kind: "gossip", Text: "x"})
			return err
		})
		if !errors.Is(err, casedesk.ErrInvalid) {
			t.Errorf("unknown event kind: %v", err)
		}
		err = e.DB.InTx(e.ctx, func(tx *store.Tx) error {
			return e.Cases.SetEventStatus(e.ctx, tx, delivery, "lost", "")
		})
		if !errors.Is(err, casedesk.ErrInvalid) {
			t.Errorf("unknown delivery status: %v", err)
		}
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
