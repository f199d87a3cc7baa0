package casedesk_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/vault"
)

var errInjected = errors.New("injected failure")

// failingCipher refuses to encrypt for one table: a way to make one step
// of a transaction fail after the steps before it have written.
type failingCipher struct {
	vault.Cipher
	table string
}

func (f failingCipher) Encrypt(loc vault.Location, p []byte) ([]byte, error) {
	if loc.Table == f.table {
		return nil, errInjected
	}
	return f.Cipher.Encrypt(loc, p)
}

// recordingIndex notes which documents were put into a search index.
type recordingIndex struct {
	incident.Index
	mu   sync.Mutex
	puts []int64
}

func (r *recordingIndex) Put(id int64, fields ...string) {
	r.mu.Lock()
	r.puts = append(r.puts, id)
	r.mu.Unlock()
	r.Index.Put(id, fields...)
}

func (r *recordingIndex) Puts() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.puts...)
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMakeIncidentIsAtomic makes one step of "make incident" fail — the
// incident's own insert, then the case's timeline entry written after the
// incident — and checks that nothing of the attempt remains: no incident,
// no audit entry for it, nothing in the search indexes, the case neither
// claimed nor linked. A later attempt then succeeds.
func TestMakeIncidentIsAtomic(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		full := &recordingIndex{Index: e.Incidents.Index}
		clear := &recordingIndex{Index: e.Incidents.Clear}
		e.Incidents.Index, e.Incidents.Clear = full, clear
		c := e.openSea(t, u, "CM", casedesk.Details{Women: ptr(5)}, fixAt(34.5, 12.25))
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeShipwreck, Dead: ptr(4)}); err != nil {
			t.Fatal(err)
		}
		events := func() int {
			return e.count(t, "SELECT COUNT(*) FROM case_events WHERE case_id = ? AND kind = ?", c.ID, casedesk.EventIncident)
		}
		incCipher, caseCipher := e.Incidents.Cipher, e.Cases.Cipher
		for _, step := range []struct {
			name    string
			inject  func()
			restore func()
		}{
			{"incident insert", func() { e.Incidents.Cipher = failingCipher{incCipher, "incidents"} }, func() { e.Incidents.Cipher = incCipher }},
			{"timeline entry after the incident", func() { e.Cases.Cipher = failingCipher{caseCipher, "case_events"} }, func() { e.Cases.Cipher = caseCipher }},
		} {
			step.inject()
			_, err := e.Cases.MakeIncident(e.as(u), c.ID, e.Incidents)
			step.restore()
			if !errors.Is(err, errInjected) {
				t.Fatalf("%s failing: MakeIncident returned %v, want the injected error", step.name, err)
			}
			if n := e.count(t, "SELECT COUNT(*) FROM incidents"); n != 0 {
				t.Errorf("%s failing: %d incidents remain", step.name, n)
			}
			if n := e.count(t, "SELECT COUNT(*) FROM audit_log WHERE record_type = ?", "incident"); n != 0 {
				t.Errorf("%s failing: %d audit entries for an incident that does not exist", step.name, n)
			}
			if len(full.Puts())+len(clear.Puts()) != 0 {
				t.Errorf("%s failing: a rolled-back incident went into the search index", step.name)
			}
			if n := events(); n != 0 {
				t.Errorf("%s failing: %d incident entries on the timeline", step.name, n)
			}
			got, err := e.Cases.Get(e.ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.IncidentID != 0 {
				t.Errorf("%s failing: case left claimed or linked (incident %d)", step.name, got.IncidentID)
			}
			if n := e.count(t, "SELECT COUNT(*) FROM cases WHERE id = ? AND incident_id IS NULL", c.ID); n != 1 {
				t.Errorf("%s failing: case's incident_id is not NULL", step.name)
			}
		}
		id, err := e.Cases.MakeIncident(e.as(u), c.ID, e.Incidents)
		if err != nil {
			t.Fatalf("after the failures: %v", err)
		}
		if got, _ := e.Cases.Get(e.ctx, c.ID); got.IncidentID != id {
			t.Errorf("case links %d, want %d", got.IncidentID, id)
		}
		if p := full.Puts(); len(p) != 1 || p[0] != id {
			t.Errorf("search index puts %v, want [%d] once committed", p, id)
		}
		if p := clear.Puts(); len(p) != 1 || p[0] != id {
			t.Errorf("clear index puts %v, want [%d]", p, id)
		}
		if n := events(); n != 1 {
			t.Errorf("%d incident entries on the timeline, want 1", n)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM audit_log WHERE record_type = ?", "incident"); n != 1 {
			t.Errorf("%d audit entries for the incident, want 1", n)
		}
	})
}

// TestMakeIncidentConcurrentClicks: of several simultaneous attempts,
// exactly one makes an incident; the others get ErrState.
func TestMakeIncidentConcurrentClicks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		u := e.user(t, "dana", auth.Documenter)
		c := e.openSea(t, u, "CM", casedesk.Details{}, fixAt(34.5, 12.25))
		if err := e.Cases.Close(e.as(u), c.ID, casedesk.Closure{Outcome: casedesk.OutcomeMissing, Missing: ptr(40)}); err != nil {
			t.Fatal(err)
		}
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.Cases.MakeIncident(e.as(u), c.ID, e.Incidents)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, casedesk.ErrState):
				t.Errorf("concurrent attempt: %v, want nil or ErrState", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d attempts succeeded, want 1", ok)
		}
		if got := e.count(t, "SELECT COUNT(*) FROM incidents"); got != 1 {
			t.Errorf("%d incidents, want 1", got)
		}
	})
}
